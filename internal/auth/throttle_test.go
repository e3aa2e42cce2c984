package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// at returns t0 plus s seconds, to keep the timelines below readable.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func mustCheck(t *testing.T, th *Throttle, key string, now time.Time, wantOK bool, wantRetry time.Duration) {
	t.Helper()
	ok, retry := th.Check(key, now)
	if ok != wantOK || retry != wantRetry {
		t.Errorf("Check(%q) at %v = %v, %v; want %v, %v", key, now.Sub(t0), ok, retry, wantOK, wantRetry)
	}
}

func TestThrottleLocksAfterMax(t *testing.T) {
	th := NewThrottle(3, time.Minute, 5*time.Minute)
	mustCheck(t, th, "ip", at(0), true, 0)
	th.Fail("ip", at(0))
	th.Fail("ip", at(10))
	mustCheck(t, th, "ip", at(20), true, 0)
	th.Fail("ip", at(20)) // third within the minute: locked until 320
	mustCheck(t, th, "ip", at(20), false, 5*time.Minute)
	mustCheck(t, th, "ip", at(200), false, 120*time.Second)
	mustCheck(t, th, "ip", at(319.5), false, 500*time.Millisecond)
	mustCheck(t, th, "ip", at(320), true, 0)
	mustCheck(t, th, "other", at(20), true, 0) // keys are independent

	// After the lockout the count starts afresh.
	th.Fail("ip", at(321))
	th.Fail("ip", at(322))
	mustCheck(t, th, "ip", at(323), true, 0)
	th.Fail("ip", at(323))
	mustCheck(t, th, "ip", at(323), false, 5*time.Minute)
}

func TestThrottleWindowSlides(t *testing.T) {
	th := NewThrottle(3, time.Minute, 5*time.Minute)
	th.Fail("k", at(0))
	th.Fail("k", at(50))
	th.Fail("k", at(60)) // the failure at 0 is exactly one window old: gone
	mustCheck(t, th, "k", at(60), true, 0)
	th.Fail("k", at(100)) // 50, 60, 100 are within one minute
	mustCheck(t, th, "k", at(100), false, 5*time.Minute)
}

func TestThrottleFailWhileLockedDoesNotExtend(t *testing.T) {
	th := NewThrottle(2, time.Minute, time.Minute)
	th.Fail("k", at(0))
	th.Fail("k", at(1)) // locked until 61
	for s := 2.0; s < 61; s += 5 {
		th.Fail("k", at(s))
	}
	mustCheck(t, th, "k", at(61), true, 0)
	th.Fail("k", at(62)) // one failure after the lock: not locked yet
	mustCheck(t, th, "k", at(62), true, 0)
}

func TestThrottleReset(t *testing.T) {
	th := NewThrottle(2, time.Minute, time.Minute)
	th.Fail("k", at(0))
	th.Reset("k") // a successful login clears the count
	th.Fail("k", at(1))
	mustCheck(t, th, "k", at(1), true, 0)
	th.Fail("k", at(2))
	mustCheck(t, th, "k", at(2), false, time.Minute)
	th.Reset("k") // an admin can lift a lock
	mustCheck(t, th, "k", at(2), true, 0)
	th.Reset("never seen")
}

func TestThrottleMaxBelowOne(t *testing.T) {
	th := NewThrottle(0, time.Minute, time.Minute)
	th.Fail("k", at(0))
	mustCheck(t, th, "k", at(0), false, time.Minute)
}

func TestThrottleSweepsOldEntries(t *testing.T) {
	th := NewThrottle(3, time.Minute, 5*time.Minute)
	for i := range 100 {
		th.Fail(fmt.Sprint("old", i), at(0))
	}
	th.Fail("locked", at(0))
	th.Fail("locked", at(0))
	th.Fail("locked", at(0))
	if n := len(th.entries); n != 101 {
		t.Fatalf("%d entries, want 101", n)
	}
	th.Fail("new", at(359)) // window+lockout = 360 s: nothing expired yet
	if n := len(th.entries); n != 102 {
		t.Fatalf("%d entries after early sweep, want 102", n)
	}
	th.Fail("new", at(360))
	if n := len(th.entries); n != 1 {
		t.Errorf("%d entries after sweep, want 1", n)
	}
	if th.order.Len() != len(th.entries) {
		t.Errorf("list has %d entries, map %d", th.order.Len(), len(th.entries))
	}
}

func TestThrottleCapEvictsOldest(t *testing.T) {
	th := NewThrottle(2, time.Hour, time.Hour)
	th.maxKeys = 3
	th.Fail("a", at(0))
	th.Fail("b", at(1))
	th.Fail("c", at(2))
	th.Fail("a", at(3)) // a is now the most recent, and locked
	th.Fail("d", at(4)) // evicts b, the least recently failed
	if len(th.entries) != 3 {
		t.Fatalf("%d entries, want 3", len(th.entries))
	}
	for key, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, got := th.entries[key]; got != want {
			t.Errorf("entry %q present = %v, want %v", key, got, want)
		}
	}
	mustCheck(t, th, "a", at(4), false, time.Hour-time.Second)
}

func TestThrottleBoundedUnderFlood(t *testing.T) {
	th := NewThrottle(5, time.Minute, time.Minute)
	th.maxKeys = 1000
	for i := range 10_000 {
		th.Fail(fmt.Sprintf("198.51.100.%d", i), at(float64(i)/1000))
	}
	if len(th.entries) != 1000 || th.order.Len() != 1000 {
		t.Errorf("%d map / %d list entries, want 1000", len(th.entries), th.order.Len())
	}
}

func TestThrottleConcurrent(t *testing.T) {
	th := NewThrottle(1000, time.Hour, time.Hour)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				key := fmt.Sprint("k", i%10)
				now := at(float64(g*500 + i))
				th.Check(key, now)
				th.Fail(key, now)
				if i%97 == 0 {
					th.Reset(key)
				}
			}
		})
	}
	wg.Wait()
	if th.order.Len() != len(th.entries) {
		t.Errorf("list has %d entries, map %d", th.order.Len(), len(th.entries))
	}
}
