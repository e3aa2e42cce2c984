package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/live"
)

// caseEvents streams "this case changed" to an open case page (server-sent
// events), on whichever server the change was made. Before each event the
// session is asked again and the access decision too: a case that moved
// out of the officer's sight (accepted by another organisation, a party
// removed) ends the stream. The page works without it; with JavaScript it
// offers to reload.
func (s *Server) caseEvents(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil || s.Changes == nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	p, _ := principalFrom(r.Context())
	if ok, err := s.Cases.MayView(r.Context(), p, id); err != nil || !ok {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	s.streamChanges(w, r, func(e live.Event) bool { return e.Kind == "case" && e.CaseID == id },
		func(q auth.Principal, e live.Event) bool {
			ok, err := s.Cases.MayView(r.Context(), q, id)
			return err == nil && ok
		})
}

// inboxEvents streams "your inboxes changed" to open inbox pages: a
// referral or support request to or from an organisation the officer acts
// for (their own or one below it), an access request to it, or an answer to
// the officer's own request. It says nothing of what changed: the page,
// reloaded, asks the access decision what to show.
func (s *Server) inboxEvents(w http.ResponseWriter, r *http.Request) {
	if s.Changes == nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	p, _ := principalFrom(r.Context())
	concerns := func(q auth.Principal, e live.Event) bool {
		mine := e.UserID != 0 && e.UserID == q.UserID
		ours := e.OrgID != 0 && s.Tree().Sees(q.OrgID, e.OrgID)
		return e.Kind == "inbox" && (mine || ours)
	}
	s.streamChanges(w, r, func(e live.Event) bool { return concerns(p, e) }, concerns)
}

// streamChanges holds a server-sent event stream of the changes hub open,
// sending "change" for each event that match picks (a cheap look at the
// event alone) once the session still holds and allow agrees, judged with
// the session's current principal. It ends when the browser goes, the
// session ends (signed out, expired, account disabled) or allow refuses.
func (s *Server) streamChanges(w http.ResponseWriter, r *http.Request, match func(live.Event) bool, allow func(auth.Principal, live.Event) bool) {
	p, _ := principalFrom(r.Context())
	token, ip := sessionToken(r), s.clientIP(r)
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 5000\n\n")
	rc.Flush()
	events, stop := s.Changes.Subscribe()
	defer stop()
	beat := time.NewTicker(streamCheckEvery)
	defer beat.Stop()
	// Asking does not slide the session's idle timeout.
	current := func() (auth.Principal, bool) {
		q, err := s.Auth.StillValid(r.Context(), token, ip)
		return q, err == nil && q.UserID == p.UserID
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			if _, ok := current(); !ok {
				return
			}
			fmt.Fprint(w, ": keep-alive\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			if !match(e) {
				continue
			}
			if q, ok := current(); !ok || !allow(q, e) {
				return
			}
			fmt.Fprint(w, "event: change\ndata: {}\n\n")
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
