package web

import (
	"fmt"
	"net/http"
	"time"
)

// queueEvents streams "a report arrived" to an open queue page (server-sent
// events), for reports the officer may see. The page works without it; with
// JavaScript it offers to reload.
func (s *Server) queueEvents(w http.ResponseWriter, r *http.Request) {
	if s.Live == nil {
		http.NotFound(w, r)
		return
	}
	p, _ := principalFrom(r.Context())
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
	beat := time.NewTicker(25 * time.Second)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			if !visible[e.OrgID] {
				continue
			}
			fmt.Fprintf(w, "event: report\ndata: {\"id\":%d}\n\n", e.ReportID)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
