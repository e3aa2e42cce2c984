package koban

import (
	"sync"
	"time"
)

// Clock tells the time; services take one so that tests can fix it.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FixedClock is a clock for tests that moves only when told.
type FixedClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixedClock returns a clock stopped at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t.UTC()} }

// Now returns the clock's time.
func (c *FixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward by d.
func (c *FixedClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
