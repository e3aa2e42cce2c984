package web

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/koban"
)

// International requests (国際連携): the desk of the requests of the
// officer's line, soonest deadline first; a request's page with its
// clock and the moves the officer may make; the form on a case.

// foreignPart is the case page's list of its requests.
type foreignPart struct {
	Foreign []*foreign.Request
}

// loadForeign fills the case page's requests.
func (s *Server) loadForeign(r *http.Request, p *casePage) error {
	if s.Foreign == nil {
		return nil
	}
	var err error
	p.Foreign, err = s.Foreign.ForCase(r.Context(), *p.Principal, p.C.ID)
	return err
}

// IsForeign tells whether a timeline entry is about an international
// request.
func (p casePage) IsForeign(k cases.EventKind) bool {
	return k == foreign.EventCreated || k == foreign.EventMoved || k == foreign.EventRenewed || k == foreign.EventReminder
}

// Country names a country of the directory in the page's language.
func (p page) Country(code string) string {
	if p.foreignDir == nil {
		return code
	}
	c, ok := p.foreignDir.Country(code)
	switch {
	case !ok:
		return code
	case p.Lang == "ja":
		return c.JA
	}
	return c.EN
}

// Agency names an agency of the directory in the page's language.
func (p page) Agency(id string) string {
	if p.foreignDir == nil || id == "" {
		return id
	}
	a, ok := p.foreignDir.Agency(id)
	switch {
	case !ok:
		return id
	case p.Lang == "ja":
		return a.JA
	}
	return a.EN
}

// Clock says how long a request's clock has left, or that it has run out.
func (p page) Clock(r *foreign.Request) string {
	left, ok := r.Left(p.now)
	switch {
	case !ok:
		return ""
	case left < 0:
		return p.T("foreign.clock.past", "date", p.Date(r.Deadline()))
	case left < 48*time.Hour:
		return p.T("foreign.clock.hours", "n", strconv.Itoa(int(math.Ceil(left.Hours()))), "date", p.Date(r.Deadline()))
	}
	// Counted up: a request acknowledged a minute ago has 90 days left,
	// not 89.
	return p.T("foreign.clock.days", "n", strconv.Itoa(int(math.Ceil(left.Hours()/24))), "date", p.Date(r.Deadline()))
}

// Urgent says whether a request's clock has two days or less.
func (p page) Urgent(r *foreign.Request) bool {
	left, ok := r.Left(p.now)
	return ok && left < 48*time.Hour
}

type foreignListPage struct {
	page
	Rows []*foreign.Request
}

func (s *Server) foreignList(w http.ResponseWriter, r *http.Request) {
	p := foreignListPage{page: s.newPage(r, "foreign.title")}
	var err error
	if p.Rows, err = s.Foreign.List(r.Context(), *p.Principal); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "foreign", p)
}

type foreignRequestPage struct {
	page
	V *foreign.View
}

func (s *Server) foreignRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderForeign(w, r, id, http.StatusOK, nil)
}

func (s *Server) renderForeign(w http.ResponseWriter, r *http.Request, id int64, status int, problem error) {
	p := foreignRequestPage{page: s.newPage(r, "foreign.request_title")}
	var err error
	if p.V, err = s.Foreign.Get(r.Context(), *p.Principal, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if problem != nil {
		p.setProblems(problem)
	}
	p.TitleText = p.V.Case.Number
	s.render(w, r, status, "foreign_request", p)
}

// foreignMove moves a request (to: the new state) or renews it.
func (s *Server) foreignMove(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 32<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	done := "foreign_moved"
	if r.PathValue("action") == "renew" {
		_, err = s.Foreign.Renew(r.Context(), pr, id)
		done = "foreign_renewed"
	} else {
		_, err = s.Foreign.Move(r.Context(), pr, id, foreign.State(r.PostForm.Get("to")), r.PostForm.Get("note"))
	}
	if c := koban.ErrorCode(err); c == koban.Conflict || c == koban.Invalid {
		s.renderForeign(w, r, id, http.StatusConflict, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/foreign/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
}

type foreignNewPage struct {
	page
	CaseID    int64
	CaseNo    string
	In        foreign.Input
	Kinds     []foreign.Kind
	Countries []foreign.Country
	Agencies  []foreign.Agency
	IDTypes   []string
	Regimes   []string
}

// Field is what was typed in one of the Art. 29 text areas.
func (p foreignNewPage) Field(name string) string {
	switch name {
	case "offence":
		return p.In.Offence
	case "data":
		return p.In.Data
	case "custodian":
		return p.In.Custodian
	case "necessity":
		return p.In.Necessity
	}
	return ""
}

// identifierRows is how many identifier rows the form offers.
const identifierRows = 4

func (s *Server) foreignNew(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderForeignNew(w, r, id, http.StatusOK, foreign.Input{Direction: string(foreign.Outgoing), Kind: string(foreign.Preservation)}, nil)
}

func (s *Server) renderForeignNew(w http.ResponseWriter, r *http.Request, caseID int64, status int, in foreign.Input, problem error) {
	p := foreignNewPage{page: s.newPage(r, "foreign.new_title"), CaseID: caseID, In: in, Kinds: foreign.Kinds, IDTypes: foreign.IdentifierTypes,
		Regimes: []string{"budapest", "ninety", "eu"}}
	v, err := s.Cases.Get(r.Context(), *p.Principal, caseID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !v.CanEdit {
		s.fail(w, r, koban.Errorf(koban.Forbidden, "error.forbidden"))
		return
	}
	p.CaseNo = v.Case.Number
	dir := s.Foreign.Directory()
	p.Countries, p.Agencies = dir.Countries, dir.Agencies
	for len(p.In.Identifiers) < identifierRows {
		p.In.Identifiers = append(p.In.Identifiers, foreign.IdentifierInput{})
	}
	if problem != nil {
		p.setProblems(problem)
	}
	s.render(w, r, status, "foreign_new", p)
}

func (s *Server) foreignCreate(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 256<<10) {
		return
	}
	f := r.PostForm
	in := foreign.Input{Direction: f.Get("direction"), Kind: f.Get("kind"), Country: f.Get("country"), Counterpart: f.Get("counterpart"),
		Regime: f.Get("regime"), TheirRef: f.Get("their_ref"), Authority: f.Get("authority"), Offence: f.Get("offence"), Data: f.Get("data"),
		Custodian: f.Get("custodian"), Necessity: f.Get("necessity"), FollowUp: f.Get("follow_up") == "1", Note: f.Get("note"),
		ReceivedAt: f.Get("received_at")}
	for i := range identifierRows * 4 {
		n := strconv.Itoa(i)
		if !f.Has("id_type_" + n) {
			break
		}
		in.Identifiers = append(in.Identifiers, foreign.IdentifierInput{Type: f.Get("id_type_" + n), Value: f.Get("id_value_" + n),
			At: f.Get("id_at_" + n), Port: f.Get("id_port_" + n)})
	}
	pr, _ := principalFrom(r.Context())
	req, err := s.Foreign.Create(r.Context(), pr, id, in)
	if koban.ErrorCode(err) == koban.Invalid {
		s.renderForeignNew(w, r, id, http.StatusUnprocessableEntity, in, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/foreign/"+strconv.FormatInt(req.ID, 10)+"?done=foreign_created", http.StatusSeeOther)
}
