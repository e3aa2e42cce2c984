package intel_test

import (
	"testing"
	"time"

	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/observe"
)

func TestLifeOf(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	domain := func(mod func(o *intel.Object)) *intel.Object {
		o := &intel.Object{Indicates: true, Confidence: 80, ValidFrom: t0, AddedAt: t0,
			Observables: []observe.Observable{{Type: observe.Domain, Value: "kuroneko-jp.top"}}}
		if mod != nil {
			mod(o)
		}
		return o
	}
	for _, c := range []struct {
		name      string
		o         *intel.Object
		lastSeen  time.Time
		now       time.Time
		state     string
		score     int
		zeroAfter time.Duration // from t0; 0 to skip
	}{
		{"fresh", domain(nil), time.Time{}, t0, intel.LiveActive, 80, 180 * day},
		{"half its life: (1 − ½²) of 80", domain(nil), time.Time{}, t0.Add(90 * day), intel.LiveActive, 60, 180 * day},
		{"at the end of its life", domain(nil), time.Time{}, t0.Add(180 * day), intel.LiveExpired, 0, 0},
		{"a sighting renews it", domain(nil), t0.Add(90 * day), t0.Add(90 * day), intel.LiveActive, 80, 270 * day},
		{"an IP address fades in a month", domain(func(o *intel.Object) { o.Observables[0].Type = observe.IPv4 }), time.Time{}, t0.Add(30 * day), intel.LiveExpired, 0, 0},
		{"revoked", domain(func(o *intel.Object) { o.Revoked = true }), time.Time{}, t0, intel.LiveRevoked, 0, 0},
		{"past valid_until", domain(func(o *intel.Object) { o.ValidUntil = t0.Add(10 * day) }), time.Time{}, t0.Add(10 * day), intel.LiveExpired, 0, 0},
		{"valid_until before the decay ends", domain(func(o *intel.Object) { o.ValidUntil = t0.Add(10 * day) }), time.Time{}, t0, intel.LiveActive, 80, 10 * day},
		{"not yet valid", domain(nil), time.Time{}, t0.Add(-day), intel.LiveNotYet, 80, 0},
		{"no confidence", domain(func(o *intel.Object) { o.Confidence = -1 }), time.Time{}, t0, intel.LiveUnscored, 0, 0},
		{"not an indicator", domain(func(o *intel.Object) { o.Indicates = false }), time.Time{}, t0, intel.LiveUnscored, 0, 0},
	} {
		l := intel.LifeOf(c.o, c.lastSeen, c.now)
		if l.State != c.state || l.Score != c.score || (c.zeroAfter != 0 && !l.ZeroAt.Equal(t0.Add(c.zeroAfter))) {
			t.Errorf("%s: %+v; want %s, score %d, zero at t0+%v", c.name, l, c.state, c.score, c.zeroAfter)
		}
	}
}
