// Package live passes events inside one koban process to whoever waits for
// them: "a report was stored" to the officers' open queue pages, and "a
// case (or an inbox between organisations) changed" to open case and inbox
// pages, each through a hub of its own. The store feeds them from every
// process on the database (LISTEN/NOTIFY on PostgreSQL), so a page open on
// one server hears of changes made on another.
package live

import "sync"

// Event is one stored report (ReportID, OrgID), or one change: to a case
// (Kind "case", CaseID) or to the inboxes of an organisation (Kind "inbox",
// OrgID) or of an account (UserID).
type Event struct {
	ReportID int64
	OrgID    int64
	Kind     string
	CaseID   int64
	UserID   int64
}

// Hub fans events out to subscribers. A subscriber that does not keep up
// loses events rather than slowing the others: a queue page only needs to
// know that something is new.
type Hub struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[chan Event]struct{}{}} }

// Subscribe returns a channel of events and the function that ends the
// subscription.
func (h *Hub) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
		h.mu.Unlock()
	}
}

// Publish sends e to every subscriber without blocking.
func (h *Hub) Publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
		}
	}
}
