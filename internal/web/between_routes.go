package web

import "net/http"

// betweenRoutes mounts the pages between organisations: the case page's
// forms for referrals, parties and technical-support requests, the inboxes
// (referrals, the units' support queue, access requests to the owner and
// the officer's own) and the live streams of case and inbox pages.
func (s *Server) betweenRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /cases/{id}/referrals", s.officer(s.caseRefer))
	mux.HandleFunc("POST /cases/{id}/referrals/{rid}/{action}", s.officer(s.caseReferral))
	mux.HandleFunc("POST /cases/{id}/parties", s.officer(s.caseParty))
	mux.HandleFunc("POST /cases/{id}/parties/{pid}/remove", s.officer(s.casePartyRemove))
	mux.HandleFunc("POST /cases/{id}/support", s.officer(s.caseSupport))
	mux.HandleFunc("POST /cases/{id}/support/{sid}/{action}", s.officer(s.caseSupportWork))
	mux.HandleFunc("GET /cases/{id}/events", s.officer(s.caseEvents))
	mux.HandleFunc("GET /referrals", s.officer(s.referralInbox))
	mux.HandleFunc("GET /support", s.officer(s.supportQueue))
	mux.HandleFunc("GET /access-requests", s.officer(s.accessInbox))
	mux.HandleFunc("GET /access-requests/mine", s.officer(s.accessMine))
	mux.HandleFunc("GET /access-requests/{rid}", s.officer(s.accessRequestPage))
	mux.HandleFunc("POST /access-requests/{rid}/{action}", s.officer(s.accessAnswer))
	mux.HandleFunc("GET /inbox/events", s.officer(s.inboxEvents))
}
