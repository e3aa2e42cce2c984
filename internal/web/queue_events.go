package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// streamCheckEvery is how often an idle stream asks whether its session
// still holds (and tells the browser it is alive).
var streamCheckEvery = 25 * time.Second

// queueEvents streams "a report arrived" to an open queue page (server-sent
// events), for reports the officer may see. The page works without it; with
// JavaScript it offers to reload.
func (s *Server) queueEvents(w http.ResponseWriter, r *http.Request) {
	if s.Live == nil {
		http.NotFound(w, r)
		return
	}
	p, _ := principalFrom(r.Context())
	if !p.Can(auth.PermQueueRead) {
		s.fail(w, r, koban.Errorf(koban.Forbidden, "error.forbidden"))
		return
	}
	token, ip := sessionToken(r), s.clientIP(r)
	visible := map[int64]bool{}
	for _, id := range s.Tree().Visible(p.OrgID) {
		visible[id] = true
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 5000\n\n")
	rc.Flush()
	events, stop := s.Live.Subscribe()
	defer stop()
	beat := time.NewTicker(streamCheckEvery)
	defer beat.Stop()
	// The session is asked again before every event and at every beat: a
	// stream must end when its officer signs out, the session expires, or
	// the account is disabled, not go on telling a closed browser tab what
	// arrives. Asking does not slide the idle timeout.
	live := func() bool {
		q, err := s.Auth.StillValid(r.Context(), token, ip)
		return err == nil && q.UserID == p.UserID && q.Can(auth.PermQueueRead)
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			if !live() {
				return
			}
			fmt.Fprint(w, ": keep-alive\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			if !visible[e.OrgID] {
				continue
			}
			if !live() {
				return
			}
			fmt.Fprintf(w, "event: report\ndata: {\"id\":%d}\n\n", e.ReportID)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
