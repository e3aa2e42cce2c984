package web

import (
	"net/http"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

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
	mux.HandleFunc("GET /between", s.officer(s.between))
}

// betweenTab is one of the pages between organisations.
type betweenTab struct {
	Path, Title string
	perm        auth.Permission
}

var betweenTabs = []betweenTab{
	{"/referrals", "referral.inbox.title", auth.PermReportTriage},
	{"/support", "support.queue.title", auth.PermReportRead},
	{"/access-requests", "access.inbox.title", auth.PermReportTransfer},
	{"/access-requests/mine", "access.mine.title", auth.PermObservableRead},
	{"/foreign", "foreign.title", auth.PermReportRead},
}

// BetweenTabs lists the pages between organisations the officer's role
// may open. The services decide; this only spares a link to a refusal (an
// analyst answers support requests but has no referral inbox).
func (p page) BetweenTabs() []betweenTab {
	var out []betweenTab
	for _, t := range betweenTabs {
		if p.Principal != nil && p.Principal.Can(t.perm) {
			out = append(out, t)
		}
	}
	return out
}

// CanTriage tells whether the officer's role works cases (refers, asks for
// support): the pages offer what such officers sent.
func (p page) CanTriage() bool { return p.Principal != nil && p.Principal.Can(auth.PermReportTriage) }

// between is the navigation's entry: the first page between organisations
// the officer may open.
func (s *Server) between(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "between.tabs")
	if tabs := p.BetweenTabs(); len(tabs) > 0 {
		http.Redirect(w, r, tabs[0].Path, http.StatusSeeOther)
		return
	}
	s.fail(w, r, koban.Errorf(koban.Forbidden, "error.forbidden"))
}
