package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// The case page's part between organisations: referrals, parties and
// technical-support requests (templates/part_case_between.html), and the
// forms that change them. Refused forms come back on the case page with
// their input and their fields marked, like the page's other forms.

// caseBetween is what the case page shows of the organisations around a
// case; casePage embeds it.
type caseBetween struct {
	B              *cases.Between
	Targets        []org.Org // where a referral or a party may go
	SupportTargets []org.Org // units first
	SupportKinds   []cases.SupportKind
	PartyRoles     []cases.PartyRole
	BIn            betweenInput
	Today          time.Time
}

// betweenInput is what the officer typed in one of the forms between
// organisations, kept when the form comes back with errors.
type betweenInput struct {
	ReferTo            int64
	ReferReason        string
	DeclineReason      string
	PartyOrg           int64
	PartyRole          string
	SupportTo          int64
	SupportKind        string
	SupportDescription string
	SupportDue         string
	SupportID          int64 // the request an answer or a decline is about
	SupportAnswer      string
	SupportReason      string
}

type betweenInputKey struct{}

// loadBetween fills the case page's part between organisations.
func (s *Server) loadBetween(r *http.Request, p *casePage) error {
	b, err := s.Cases.Between(r.Context(), *p.Principal, p.C)
	if err != nil {
		return err
	}
	tree := s.Tree()
	p.B, p.Today = b, s.Cases.Today()
	p.Targets = cases.Targets(tree, p.C.OrgID)
	p.SupportTargets = cases.SupportTargets(tree, p.Principal.OrgID)
	p.SupportKinds, p.PartyRoles = cases.SupportKinds, cases.PartyRoles
	if in, ok := r.Context().Value(betweenInputKey{}).(betweenInput); ok {
		p.BIn = in
	}
	return nil
}

// IsBetween tells whether a timeline entry is about another organisation.
func (p casePage) IsBetween(k cases.EventKind) bool { return slices.Contains(cases.BetweenKinds, k) }

// BetweenEvent says which organisation (and what work) a timeline entry
// between organisations is about.
func (p casePage) BetweenEvent(e cases.Event) string {
	if p.B == nil {
		return ""
	}
	switch e.Kind {
	case cases.EventReferred, cases.EventReferralAnswered:
		for _, r := range p.B.Referrals {
			if r.ID == e.RefID {
				return p.T("between.event.referral", "from", p.OrgName(r.FromOrgID), "to", p.OrgName(r.ToOrgID))
			}
		}
	case cases.EventPartyAdded, cases.EventPartyRemoved:
		for _, pa := range slices.Concat(p.B.Parties, p.B.Former) {
			if pa.ID == e.RefID {
				return p.OrgName(pa.OrgID) + " (" + p.T("party.role."+string(pa.Role)) + ")"
			}
		}
	default:
		for _, r := range p.B.Support {
			if r.ID == e.RefID {
				return p.OrgName(r.ToOrgID) + ": " + p.T("support.kind."+string(r.Kind))
			}
		}
	}
	return ""
}

// Answered names who answered a referral or request, and when.
func (p casePage) Answered(by int64, at time.Time) string {
	if by == 0 {
		return ""
	}
	return p.T("between.answered_by", "who", p.Who(by), "at", p.Date(at))
}

// LiveEvents is where the case page hears that the case changed.
func (p casePage) LiveEvents() string { return fmt.Sprintf("/cases/%d/events", p.C.ID) }

// LiveReload is the page to reload (not the form a refused post came from).
func (p casePage) LiveReload() string { return fmt.Sprintf("/cases/%d", p.C.ID) }

// renamed returns err with its fields renamed through names (an unnamed
// one under prefix): the service names fields as the API does ("to",
// "reason"), the case page by form, as several forms share it.
func renamed(err error, prefix string, names map[string]string) error {
	name := func(f string) string {
		if n, ok := names[f]; ok {
			return n
		}
		if f == "" {
			return f
		}
		return prefix + f
	}
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		var out koban.Problems
		for _, e := range pe.Problems {
			c := *e
			c.Field = name(e.Field)
			out = append(out, &c)
		}
		return out.Err()
	}
	var ke *koban.Error
	if errors.As(err, &ke) && ke.Field != "" {
		c := *ke
		c.Field = name(ke.Field)
		return &c
	}
	return err
}

// smallForm reads a form of at most 1 MiB.
func smallForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return nil, koban.Errorf(koban.Invalid, "error.malformed")
	}
	return r.PostForm, nil
}

func formID(f url.Values, name string) int64 {
	id, _ := strconv.ParseInt(f.Get(name), 10, 64)
	return id
}

func pathInt(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, koban.Errorf(koban.NotFound, "error.not_found")
	}
	return id, nil
}

// afterBetween goes back to the case page like afterCaseChange, keeping
// the input of the form between organisations.
func (s *Server) afterBetween(w http.ResponseWriter, r *http.Request, id int64, done string, in betweenInput, err error) {
	r = r.WithContext(context.WithValue(r.Context(), betweenInputKey{}, in))
	s.afterCaseChange(w, r, id, done, caseInput{}, err)
}

// caseRefer refers the case to another organisation.
func (s *Server) caseRefer(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := smallForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	in := betweenInput{ReferTo: formID(f, "to"), ReferReason: f.Get("reason")}
	_, err = s.Cases.Refer(r.Context(), pr, id, in.ReferTo, in.ReferReason)
	s.afterBetween(w, r, id, "referral_sent", in, renamed(err, "referral_", nil))
}

// caseReferral answers a referral (accept, decline) or withdraws it.
func (s *Server) caseReferral(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rid, err := pathInt(r, "rid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := smallForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	ctx := r.Context()
	var in betweenInput
	var done string
	switch r.PathValue("action") {
	case "accept":
		_, err = s.Cases.Accept(ctx, pr, rid)
		done = "referral_accepted"
	case "decline":
		in.DeclineReason = f.Get("reason")
		if _, err = s.Cases.Decline(ctx, pr, rid, in.DeclineReason); err == nil {
			// The case has gone back to its owner, out of the decliner's
			// sight: back to the inbox.
			http.Redirect(w, r, "/referrals?done=referral_declined", http.StatusSeeOther)
			return
		}
		err = renamed(err, "", map[string]string{"reason": "decline_reason"})
	case "withdraw":
		_, err = s.Cases.Withdraw(ctx, pr, rid)
		done = "referral_withdrawn"
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	s.afterBetween(w, r, id, done, in, err)
}

// caseParty adds a party to the case.
func (s *Server) caseParty(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := smallForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	in := betweenInput{PartyOrg: formID(f, "org"), PartyRole: f.Get("role")}
	_, err = s.Cases.AddParty(r.Context(), pr, id, in.PartyOrg, cases.PartyRole(in.PartyRole))
	s.afterBetween(w, r, id, "party_added", in, renamed(err, "party_", nil))
}

// casePartyRemove takes a party off the case.
func (s *Server) casePartyRemove(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pid, err := pathInt(r, "pid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	err = s.Cases.RemoveParty(r.Context(), pr, id, pid)
	s.afterBetween(w, r, id, "party_removed", betweenInput{}, err)
}

// caseSupport asks a unit for technical support.
func (s *Server) caseSupport(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := smallForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	in := betweenInput{SupportTo: formID(f, "to"), SupportKind: f.Get("kind"), SupportDescription: f.Get("description"), SupportDue: f.Get("due")}
	_, err = s.Cases.RequestSupport(r.Context(), pr, id, cases.NewSupport{ToOrgID: in.SupportTo, Kind: in.SupportKind,
		Description: in.SupportDescription, Due: in.SupportDue})
	s.afterBetween(w, r, id, "support_requested", in, renamed(err, "support_", nil))
}

// caseSupportWork is the unit's side of a request: accept, answer, decline.
func (s *Server) caseSupportWork(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sid, err := pathInt(r, "sid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// An answer may carry a result file, streamed to disk like evidence.
	var f url.Values
	var staged *blob.Staged
	var fileName string
	if r.PathValue("action") == "answer" {
		f, staged, fileName, err = s.readEvidenceForm(w, r)
		if staged != nil {
			defer staged.Close()
		}
	} else {
		f, err = smallForm(w, r)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	ctx := r.Context()
	in := betweenInput{SupportID: sid}
	var done string
	switch r.PathValue("action") {
	case "accept":
		_, err = s.Cases.AcceptSupport(ctx, pr, sid)
		done = "support_accepted"
	case "answer":
		in.SupportAnswer = f.Get("answer")
		var files []cases.ResultFile
		if staged != nil {
			files = []cases.ResultFile{{Name: fileName, Staged: staged}}
		}
		_, err = s.Cases.AnswerSupport(ctx, pr, sid, in.SupportAnswer, files)
		err, done = renamed(err, "support_", nil), "support_answered"
	case "decline":
		in.SupportReason = f.Get("reason")
		if _, err = s.Cases.DeclineSupport(ctx, pr, sid, in.SupportReason); err == nil {
			// The unit's sight of the case ends with its grant.
			http.Redirect(w, r, "/support?done=support_declined", http.StatusSeeOther)
			return
		}
		err = renamed(err, "support_", nil)
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	s.afterBetween(w, r, id, done, in, err)
}
