package foreign

import (
	"time"
)

// The reminders before a deadline.
var (
	preservationReminders = []time.Duration{14 * 24 * time.Hour, 7 * 24 * time.Hour, 2 * 24 * time.Hour}
	emergencyReminders    = []time.Duration{2 * time.Hour}
)

// Deadline is when the request's clock runs out; zero when it has none.
// A preservation expires its regime's period after it was acknowledged,
// each renewal adding the regime's renewal period; once the
// mutual-assistance request is filed (followed up) the data is kept
// pending a decision and the clock stops. An emergency is due eight hours
// after it was sent (or received) until it is produced or refused.
func (r *Request) Deadline() time.Time {
	if r.State.Closed() {
		return time.Time{}
	}
	switch r.Kind {
	case Preservation:
		reg, ok := Regimes[r.Regime]
		if !ok || r.AckAt.IsZero() || r.State == FollowedUp {
			return time.Time{}
		}
		return r.AckAt.Add(time.Duration(reg.Days)*24*time.Hour + time.Duration(r.Renewals*reg.RenewDays)*24*time.Hour)
	case Emergency:
		if r.SentAt.IsZero() {
			return time.Time{}
		}
		return r.SentAt.Add(EmergencyWindow)
	}
	return time.Time{}
}

// Points are the moments the clock speaks, earliest first: each reminder
// still ahead of the deadline's start, then the deadline itself. None when
// there is no deadline.
func (r *Request) Points() []time.Time {
	d := r.Deadline()
	if d.IsZero() {
		return nil
	}
	before := preservationReminders
	if r.Kind == Emergency {
		before = emergencyReminders
	}
	start := r.AckAt
	if r.Kind == Emergency {
		start = r.SentAt
	}
	var out []time.Time
	for _, b := range before {
		if p := d.Add(-b); p.After(start) {
			out = append(out, p)
		}
	}
	return append(out, d)
}

// Due returns the latest point in (r.RemindedAt, now] — the one reminder
// to send now (a server down over several points sends one, the latest,
// not a burst) — and the next point after now; zero values when there is
// none.
func (r *Request) Due(now time.Time) (due, next time.Time) {
	for _, p := range r.Points() {
		switch {
		case p.After(now):
			if next.IsZero() {
				next = p
			}
		case p.After(r.RemindedAt):
			due = p
		}
	}
	return due, next
}

// Left is the time until the deadline at now (negative once past); ok is
// false when there is no deadline.
func (r *Request) Left(now time.Time) (time.Duration, bool) {
	d := r.Deadline()
	if d.IsZero() {
		return 0, false
	}
	return d.Sub(now), true
}

// CanRenew reports whether a preservation may be renewed now: acknowledged
// or preserved, before its expiry, within its regime's renewals.
func (r *Request) CanRenew(now time.Time) bool {
	reg, ok := Regimes[r.Regime]
	if r.Kind != Preservation || !ok || (r.State != Acknowledged && r.State != Preserved) {
		return false
	}
	if reg.MaxRenewals > 0 && r.Renewals >= reg.MaxRenewals {
		return false
	}
	return now.Before(r.Deadline())
}
