package intel

import (
	"math"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// Indicator life. An indicator's worth fades: a phishing domain is taken
// down in days, an IP address changes hands in weeks, a mule account or a
// phone number is used for months, a file hash stays true for ever. koban
// scores an indicator now as its confidence times a polynomial decay over
// its type's lifetime τ (the model MISP's decaying indicators use):
//
//	score(t) = confidence × (1 − (t/τ)^(1/δ)),  0 once t ≥ τ
//
// where t is the time since the indicator was last confirmed — its
// valid_from, or the newest report that sighted it, whichever is later —
// and δ = 0.5, so that the score holds up early and falls faster near the
// end. A revoked indicator, or one past its valid_until, scores 0 at once.
// The score is for officers to weigh a match; koban still records every
// sighting, whatever the score.

// decaySpeed is δ.
const decaySpeed = 0.5

// lifetimes are τ by the kind of value an indicator names.
var lifetimes = map[observe.Type]time.Duration{
	observe.IPv4: 30 * 24 * time.Hour, observe.IPv6: 30 * 24 * time.Hour,
	observe.URL: 90 * 24 * time.Hour, observe.Domain: 180 * 24 * time.Hour, observe.Email: 180 * 24 * time.Hour,
	observe.Phone: 365 * 24 * time.Hour, observe.BankAccount: 365 * 24 * time.Hour,
	observe.MD5: 10 * 365 * 24 * time.Hour, observe.SHA1: 10 * 365 * 24 * time.Hour, observe.SHA256: 10 * 365 * 24 * time.Hour,
	observe.SHA512: 10 * 365 * 24 * time.Hour,
}

// defaultLifetime is τ for values not in the table (wallets, accounts).
const defaultLifetime = 365 * 24 * time.Hour

// Life states.
const (
	LiveActive   = "active"
	LiveNotYet   = "not_yet" // valid_from is still to come
	LiveExpired  = "expired" // past valid_until, or decayed to 0
	LiveRevoked  = "revoked"
	LiveUnscored = "unscored" // not an indicator, or no confidence given
)

// Life is an indicator's standing at one moment.
type Life struct {
	State    string
	Score    int           // 0–100
	Lifetime time.Duration // τ
	ZeroAt   time.Time     // when the score reaches 0 without another sighting
}

// LifeOf scores an indicator at now, lastSeen being the newest sighting
// (zero when none).
func LifeOf(o *Object, lastSeen, now time.Time) Life {
	if !o.Indicates || o.Confidence < 0 {
		return Life{State: LiveUnscored}
	}
	tau := defaultLifetime
	for _, v := range o.Observables {
		if l, ok := lifetimes[v.Type]; ok {
			tau = l
			break
		}
	}
	switch {
	case o.Revoked:
		return Life{State: LiveRevoked, Lifetime: tau}
	case !o.ValidUntil.IsZero() && !now.Before(o.ValidUntil):
		return Life{State: LiveExpired, Lifetime: tau, ZeroAt: o.ValidUntil}
	case !o.ValidFrom.IsZero() && now.Before(o.ValidFrom):
		return Life{State: LiveNotYet, Score: o.Confidence, Lifetime: tau}
	}
	from := o.ValidFrom
	if from.IsZero() {
		from = o.AddedAt
	}
	if lastSeen.After(from) {
		from = lastSeen
	}
	zero := from.Add(tau)
	if !o.ValidUntil.IsZero() && o.ValidUntil.Before(zero) {
		zero = o.ValidUntil
	}
	age := now.Sub(from)
	if age < 0 {
		age = 0
	}
	if age >= tau {
		return Life{State: LiveExpired, Lifetime: tau, ZeroAt: zero}
	}
	score := float64(o.Confidence) * (1 - math.Pow(float64(age)/float64(tau), 1/decaySpeed))
	return Life{State: LiveActive, Score: int(math.Round(score)), Lifetime: tau, ZeroAt: zero}
}
