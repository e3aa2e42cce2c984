package foreign

import (
	"slices"
	"testing"
	"time"
)

// The machine allows the moves of the issue and refuses every jump: a
// draft is not acknowledged, a preservation is not produced before it is
// followed up, only a preservation is preserved, nothing leaves a closed
// state, and only the clock expires a preservation.
func TestMachine(t *testing.T) {
	allowed := map[Kind][][2]State{
		Preservation: {{Draft, Sent}, {Sent, Acknowledged}, {Acknowledged, Preserved}, {Preserved, FollowedUp}, {FollowedUp, Produced},
			{Sent, Refused}, {Acknowledged, Refused}, {Preserved, Refused}, {FollowedUp, Refused},
			{Draft, Withdrawn}, {Sent, Withdrawn}, {Acknowledged, Withdrawn}, {Preserved, Withdrawn}, {FollowedUp, Withdrawn}},
		Assistance: {{Draft, Sent}, {Sent, Acknowledged}, {Acknowledged, Produced}, {Sent, Refused}, {Acknowledged, Refused},
			{Draft, Withdrawn}, {Sent, Withdrawn}, {Acknowledged, Withdrawn}},
	}
	for k, moves := range allowed {
		for _, from := range States {
			for _, to := range States {
				want := slices.Contains(moves, [2]State{from, to})
				if got := Allowed(k, from, to, false); got != want {
					t.Errorf("%s: %s → %s allowed %v, want %v", k, from, to, got, want)
				}
			}
		}
	}
	for _, from := range States {
		want := from == Preserved || from == Acknowledged
		if got := Allowed(Preservation, from, Expired, true); got != want {
			t.Errorf("clock: %s → expired %v", from, got)
		}
		if Allowed(Emergency, from, Expired, true) {
			t.Errorf("clock expired an emergency from %s", from)
		}
	}
	for _, s := range []State{Produced, Refused, Expired, Withdrawn} {
		if len(Next(Preservation, s)) != 0 || !s.Closed() {
			t.Errorf("%s is not final", s)
		}
	}
}

// A preservation's clock: expiry is the regime's period after the
// acknowledgement; reminders at T−14, T−7 and T−2 days; a renewal moves
// it on (the EU rules allow one of thirty days); a follow-up stops it.
// An emergency is due eight hours after it was sent, reminded two hours
// before.
func TestClock(t *testing.T) {
	ack := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	r := &Request{Kind: Preservation, State: Preserved, Regime: "budapest", AckAt: ack, SentAt: ack.Add(-day)}
	if d := r.Deadline(); !d.Equal(ack.Add(60 * day)) {
		t.Fatalf("budapest expiry %s", d)
	}
	want := []time.Time{ack.Add(46 * day), ack.Add(53 * day), ack.Add(58 * day), ack.Add(60 * day)}
	if got := r.Points(); !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("points %v, want %v", got, want)
	}
	due, next := r.Due(ack.Add(50 * day))
	if !due.Equal(want[0]) || !next.Equal(want[1]) {
		t.Errorf("day 50: due %s next %s", due, next)
	}
	r.RemindedAt = want[0]
	if due, _ := r.Due(ack.Add(50 * day)); !due.IsZero() {
		t.Errorf("a reminder sent twice: %s", due)
	}
	// Down over two points: one reminder, the latest.
	if due, next := r.Due(ack.Add(59 * day)); !due.Equal(want[2]) || !next.Equal(want[3]) {
		t.Errorf("day 59: due %s next %s", due, next)
	}
	r.Regime = "ninety"
	if d := r.Deadline(); !d.Equal(ack.Add(90 * day)) {
		t.Errorf("ninety: %s", d)
	}
	r.Regime = "eu"
	if !r.CanRenew(ack.Add(10 * day)) {
		t.Fatal("an EU preservation cannot be renewed")
	}
	r.Renewals = 1
	if d := r.Deadline(); !d.Equal(ack.Add(90 * day)) {
		t.Errorf("eu renewed: %s", d)
	}
	if r.CanRenew(ack.Add(10 * day)) {
		t.Error("an EU preservation renewed twice")
	}
	r.Regime, r.Renewals = "budapest", 0
	if r.CanRenew(ack.Add(61 * day)) {
		t.Error("renewed after its expiry")
	}
	r.State = FollowedUp
	if !r.Deadline().IsZero() || r.Points() != nil {
		t.Error("a followed-up preservation still has a clock")
	}
	r.State = Acknowledged
	r.AckAt = time.Time{}
	if !r.Deadline().IsZero() {
		t.Error("a clock before the acknowledgement")
	}
	sent := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	e := &Request{Kind: Emergency, State: Sent, SentAt: sent}
	if got := e.Points(); !slices.EqualFunc(got, []time.Time{sent.Add(6 * time.Hour), sent.Add(8 * time.Hour)}, time.Time.Equal) {
		t.Errorf("emergency points %v", got)
	}
	if left, ok := e.Left(sent.Add(9 * time.Hour)); !ok || left != -time.Hour {
		t.Errorf("emergency left %s %v", left, ok)
	}
	e.State = Produced
	if _, ok := e.Left(sent); ok {
		t.Error("a produced emergency still has a clock")
	}
	if (&Request{Kind: Assistance, State: Acknowledged, AckAt: ack}).Deadline() != (time.Time{}) {
		t.Error("mutual assistance has no statutory clock here")
	}
}

// The shipped directory reads; a bad one is refused naming the entry.
func TestDirectory(t *testing.T) {
	d := DefaultDirectory()
	if us, ok := d.Country("US"); !ok || us.Regime != "ninety" {
		t.Errorf("US: %+v", us)
	}
	if a, ok := d.Agency("us-ccips"); !ok || a.Role != "24/7" || a.Country != "US" {
		t.Errorf("us-ccips: %+v", a)
	}
	for name, bad := range map[string]string{
		"unknown field":   `{"countries":[],"agencies":[],"extra":1}`,
		"lower-case code": `{"countries":[{"code":"us","ja":"米","en":"US","regime":"budapest"}]}`,
		"twice":           `{"countries":[{"code":"US","ja":"米","en":"US","regime":"budapest"},{"code":"US","ja":"米","en":"US","regime":"budapest"}]}`,
		"regime":          `{"countries":[{"code":"US","ja":"米","en":"US","regime":"forever"}]}`,
		"no English name": `{"countries":[{"code":"US","ja":"米","en":" ","regime":"budapest"}]}`,
		"agency country":  `{"countries":[],"agencies":[{"id":"x","country":"US","ja":"x","en":"x","role":"24/7"}]}`,
		"role":            `{"countries":[{"code":"US","ja":"米","en":"US","regime":"budapest"}],"agencies":[{"id":"x","country":"US","ja":"x","en":"x","role":"boss"}]}`,
		"address":         `{"countries":[{"code":"US","ja":"米","en":"US","regime":"budapest"}],"agencies":[{"id":"x","country":"US","ja":"x","en":"x","role":"24/7","email":"Duty <d@x.example>"}]}`,
		"two values":      `{"countries":[]} {}`,
		"not JSON":        `countries: []`,
	} {
		if _, err := ParseDirectory([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseDirectory(f *testing.F) {
	f.Add(defaultDirectory)
	f.Add([]byte(`{"countries":[{"code":"US","ja":"米","en":"US","regime":"eu"}],"agencies":[{"id":"a-1","country":"US","ja":"x","en":"x","role":"police","email":"d@x.example"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDirectory(data)
		if err != nil {
			return
		}
		for _, a := range d.Agencies {
			if _, ok := d.Country(a.Country); !ok {
				t.Fatalf("accepted agency %s of an unlisted country", a.ID)
			}
		}
		for _, c := range d.Countries {
			if _, ok := Regimes[c.Regime]; !ok {
				t.Fatalf("accepted country %s with regime %q", c.Code, c.Regime)
			}
		}
	})
}
