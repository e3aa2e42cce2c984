package auth

import (
	"container/list"
	"sync"
	"time"
)

// DefaultThrottleKeys is how many keys a Throttle tracks at most. At a few
// hundred bytes per key it bounds the memory an attacker rotating IP addresses
// can make us spend to some tens of MB. When full, the key that failed least
// recently is forgotten; an attacker who floods fresh keys can thus lift an
// old lock early, which is why the cap is far above any normal load.
const DefaultThrottleKeys = 100_000

// Throttle counts failed logins per key (an IP address or an account e-mail)
// in memory and locks a key that fails too often. It is safe for concurrent
// use. State is lost on restart, which is acceptable: a restart is rare and
// not in an attacker's control, and keeping this out of the database keeps a
// password-spraying attack from turning into write load.
type Throttle struct {
	max     int
	window  time.Duration
	lockout time.Duration
	maxKeys int

	mu      sync.Mutex
	entries map[string]*list.Element // values are *throttleEntry
	order   *list.List               // least recently failed at the back
}

// throttleEntry is one key's state.
type throttleEntry struct {
	key         string
	failures    []time.Time // within the window, oldest first, at most max
	lockedUntil time.Time
	lastFail    time.Time
}

// NewThrottle returns a Throttle that locks a key for lockout once it has
// failed maxFailures times within window. Below 1 counts as 1.
func NewThrottle(maxFailures int, window, lockout time.Duration) *Throttle {
	return &Throttle{
		max:     max(maxFailures, 1),
		window:  window,
		lockout: lockout,
		maxKeys: DefaultThrottleKeys,
		entries: make(map[string]*list.Element),
		order:   list.New(),
	}
}

// Check reports whether key may attempt a login at now, and if not, how long
// until it may. Call it before verifying the password, so a locked key costs
// no argon2 run.
func (t *Throttle) Check(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	el, found := t.entries[key]
	if !found {
		return true, 0
	}
	e := el.Value.(*throttleEntry)
	if now.Before(e.lockedUntil) {
		return false, e.lockedUntil.Sub(now)
	}
	return true, 0
}

// Fail records a failed login for key at now and locks the key when this
// failure is the max-th within the window. Failures while locked are not
// counted, so that hammering a locked key does not extend its lockout
// indefinitely for the legitimate user once the attacker stops.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)

	var e *throttleEntry
	if el, found := t.entries[key]; found {
		e = el.Value.(*throttleEntry)
		t.order.MoveToFront(el)
	} else {
		for len(t.entries) >= t.maxKeys {
			t.remove(t.order.Back())
		}
		e = &throttleEntry{key: key}
		t.entries[key] = t.order.PushFront(e)
	}
	e.lastFail = now
	if now.Before(e.lockedUntil) {
		return
	}

	// Drop failures that have left the window, then count this one.
	cutoff := now.Add(-t.window)
	keep := 0
	for keep < len(e.failures) && !e.failures[keep].After(cutoff) {
		keep++
	}
	e.failures = append(e.failures[:0], e.failures[keep:]...)
	e.failures = append(e.failures, now)
	if len(e.failures) >= t.max {
		e.lockedUntil = now.Add(t.lockout)
		e.failures = e.failures[:0]
	}
}

// Reset forgets key, as after a successful login.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, found := t.entries[key]; found {
		t.remove(el)
	}
}

// sweep removes entries whose last failure is older than window+lockout: by
// then they hold neither counted failures nor a lock. The list is ordered by
// last failure, so only its tail needs looking at and sweeping is cheap.
func (t *Throttle) sweep(now time.Time) {
	cutoff := now.Add(-(t.window + t.lockout))
	for el := t.order.Back(); el != nil; el = t.order.Back() {
		if el.Value.(*throttleEntry).lastFail.After(cutoff) {
			return
		}
		t.remove(el)
	}
}

// remove deletes one entry from both the map and the list.
func (t *Throttle) remove(el *list.Element) {
	delete(t.entries, el.Value.(*throttleEntry).key)
	t.order.Remove(el)
}
