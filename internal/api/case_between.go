package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
)

// Between organisations as JSON: referrals, parties, technical-support
// requests and access requests, through the same services and access
// decision as the pages. Organisations are named by code.

// betweenRoutes mounts the API between organisations.
func (a *API) betweenRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/cases/{id}/between", a.token(a.caseBetween))
	mux.HandleFunc("POST /api/v1/cases/{id}/referrals", a.token(a.caseRefer))
	mux.HandleFunc("GET /api/v1/referrals", a.token(a.referrals))
	mux.HandleFunc("POST /api/v1/referrals/{id}/{action}", a.token(a.referralAnswer))
	mux.HandleFunc("POST /api/v1/cases/{id}/parties", a.token(a.caseParty))
	mux.HandleFunc("DELETE /api/v1/cases/{id}/parties/{pid}", a.token(a.casePartyRemove))
	mux.HandleFunc("POST /api/v1/cases/{id}/support", a.token(a.caseSupport))
	mux.HandleFunc("GET /api/v1/support", a.token(a.supportQueue))
	mux.HandleFunc("POST /api/v1/support/{id}/{action}", a.token(a.supportWork))
	mux.HandleFunc("GET /api/v1/access-requests", a.token(a.accessRequests))
	mux.HandleFunc("GET /api/v1/access-requests/{id}", a.token(a.accessRequest))
	mux.HandleFunc("POST /api/v1/access-requests/{id}/{action}", a.token(a.accessAnswer))
}

// orgID turns an organisation code into its id; 0 for none or an unknown
// code, which the services refuse on the field concerned.
func (a *API) orgID(code string) int64 {
	if o, ok := a.Tree().ByCode(strings.TrimSpace(code)); ok {
		return o.ID
	}
	return 0
}

// ReferralOut is a referral.
type ReferralOut struct {
	ID         int64  `json:"id"`
	CaseID     int64  `json:"case_id"`
	CaseNumber string `json:"case_number,omitempty"`
	CaseTitle  string `json:"case_title,omitempty"`
	From       string `json:"from"`
	To         string `json:"to"`
	Reason     string `json:"reason"`
	Status     string `json:"status"`
	CreatedBy  string `json:"created_by,omitempty"`
	CreatedAt  string `json:"created_at"`
	AnsweredBy string `json:"answered_by,omitempty"`
	AnsweredAt string `json:"answered_at,omitempty"`
	Answer     string `json:"answer,omitempty"`
}

func (a *API) referralOut(r cases.Referral, who *emails) ReferralOut {
	return ReferralOut{ID: r.ID, CaseID: r.CaseID, CaseNumber: r.CaseNumber, CaseTitle: r.CaseTitle, From: a.orgCode(r.FromOrgID), To: a.orgCode(r.ToOrgID),
		Reason: r.Reason, Status: string(r.Status), CreatedBy: who.of(r.CreatedBy), CreatedAt: stamp(r.CreatedAt), AnsweredBy: who.of(r.AnsweredBy),
		AnsweredAt: stamp(r.AnsweredAt), Answer: r.Answer}
}

// PartyOut is an organisation taking part in a case.
type PartyOut struct {
	ID      int64  `json:"id"`
	Org     string `json:"org"`
	Role    string `json:"role"`
	AddedBy string `json:"added_by,omitempty"`
	AddedAt string `json:"added_at"`
}

// SupportOut is a technical-support request.
type SupportOut struct {
	ID          int64  `json:"id"`
	CaseID      int64  `json:"case_id"`
	CaseNumber  string `json:"case_number,omitempty"`
	CaseTitle   string `json:"case_title,omitempty"`
	From        string `json:"from"`
	To          string `json:"to"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
	Due         string `json:"due,omitempty"`
	Overdue     bool   `json:"overdue"`
	Status      string `json:"status"`
	RequestedBy string `json:"requested_by,omitempty"`
	RequestedAt string `json:"requested_at"`
	AnsweredBy  string `json:"answered_by,omitempty"`
	AnsweredAt  string `json:"answered_at,omitempty"`
	Answer      string `json:"answer,omitempty"`
	NoteID      int64  `json:"note_id,omitempty"`
}

func (a *API) supportOut(r cases.SupportRequest, who *emails) SupportOut {
	return SupportOut{ID: r.ID, CaseID: r.CaseID, CaseNumber: r.CaseNumber, CaseTitle: r.CaseTitle, From: a.orgCode(r.FromOrgID), To: a.orgCode(r.ToOrgID),
		Kind: string(r.Kind), Description: r.Description, Due: day(r.Due), Overdue: r.Overdue(a.Cases.Today()), Status: string(r.Status),
		RequestedBy: who.of(r.RequestedBy), RequestedAt: stamp(r.RequestedAt), AnsweredBy: who.of(r.AnsweredBy), AnsweredAt: stamp(r.AnsweredAt),
		Answer: r.Answer, NoteID: r.NoteID}
}

// caseBetween answers GET /api/v1/cases/{id}/between: the case's
// referrals, parties and support requests, and what the caller may do.
// Reading it is a read of the case (audited).
func (a *API) caseBetween(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p := principal(r)
	v, err := a.Cases.Get(r.Context(), p, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	b, err := a.Cases.Between(r.Context(), p, v.Case)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	who := a.emails(r.Context(), v.People)
	refs := make([]ReferralOut, 0, len(b.Referrals))
	for _, x := range b.Referrals {
		refs = append(refs, a.referralOut(x, who))
	}
	parties := make([]PartyOut, 0, len(b.Parties))
	for _, x := range b.Parties {
		parties = append(parties, PartyOut{ID: x.ID, Org: a.orgCode(x.OrgID), Role: string(x.Role), AddedBy: who.of(x.AddedBy), AddedAt: stamp(x.AddedAt)})
	}
	support := make([]SupportOut, 0, len(b.Support))
	for _, x := range b.Support {
		support = append(support, a.supportOut(x, who))
	}
	writeJSON(w, http.StatusOK, map[string]any{"case_id": id, "owner": a.orgCode(v.Case.OrgID), "referrals": refs, "parties": parties, "support": support,
		"can_refer": b.CanRefer, "can_answer": b.CanAnswer, "can_withdraw": b.CanWithdraw, "can_parties": b.CanParties,
		"can_request_support": b.CanRequestSupport})
}

// caseRefer answers POST /api/v1/cases/{id}/referrals: {"to": org code,
// "reason"}.
func (a *API) caseRefer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	ref, err := a.Cases.Refer(r.Context(), principal(r), id, a.orgID(in.To), in.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a.referralOut(*ref, a.emails(r.Context(), nil)))
}

// referrals answers GET /api/v1/referrals: those to the caller's
// organisations (box=out: from them), status=pending|accepted|declined|
// withdrawn, limit/offset.
func (a *API) referrals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rq := cases.ReferralQuery{Out: q.Get("box") == "out", Status: cases.ReferralStatus(q.Get("status"))}
	rq.Limit, _ = strconv.Atoi(q.Get("limit"))
	rq.Offset, _ = strconv.Atoi(q.Get("offset"))
	rows, total, err := a.Cases.ReferralList(r.Context(), principal(r), rq)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	who := a.emails(r.Context(), nil)
	out := make([]ReferralOut, 0, len(rows))
	for _, x := range rows {
		out = append(out, a.referralOut(x, who))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "referrals": out})
}

// referralAnswer answers POST /api/v1/referrals/{id}/accept, /decline
// ({"reason"}) and /withdraw.
func (a *API) referralAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	ctx, p := r.Context(), principal(r)
	var ref *cases.Referral
	switch r.PathValue("action") {
	case "accept":
		ref, err = a.Cases.Accept(ctx, p, id)
	case "decline":
		ref, err = a.Cases.Decline(ctx, p, id, in.Reason)
	case "withdraw":
		ref, err = a.Cases.Withdraw(ctx, p, id)
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.referralOut(*ref, a.emails(ctx, nil)))
}

// decodeOptional is decodeJSON for a body that may be left out.
func decodeOptional[T any](w http.ResponseWriter, r *http.Request, v *T) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(w, r, v)
}

// caseParty answers POST /api/v1/cases/{id}/parties: {"org": code, "role":
// "joint"|"support"}.
func (a *API) caseParty(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Org  string `json:"org"`
		Role string `json:"role"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	pa, err := a.Cases.AddParty(r.Context(), principal(r), id, a.orgID(in.Org), cases.PartyRole(in.Role))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, PartyOut{ID: pa.ID, Org: a.orgCode(pa.OrgID), Role: string(pa.Role), AddedBy: principal(r).Email, AddedAt: stamp(pa.AddedAt)})
}

// casePartyRemove answers DELETE /api/v1/cases/{id}/parties/{pid}.
func (a *API) casePartyRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	pid, err := pathID(r, "pid")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.Cases.RemoveParty(r.Context(), principal(r), id, pid); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// caseSupport answers POST /api/v1/cases/{id}/support: {"to": code,
// "kind", "description", "due": "YYYY-MM-DD"}.
func (a *API) caseSupport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		To          string `json:"to"`
		Kind        string `json:"kind"`
		Description string `json:"description"`
		Due         string `json:"due"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	sr, err := a.Cases.RequestSupport(r.Context(), principal(r), id, cases.NewSupport{ToOrgID: a.orgID(in.To), Kind: in.Kind,
		Description: in.Description, Due: in.Due})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a.supportOut(*sr, a.emails(r.Context(), nil)))
}

// supportQueue answers GET /api/v1/support: the queue of the units the
// caller works for (box=out: the requests their organisations sent),
// status=open|answered|declined|all, limit/offset.
func (a *API) supportQueue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sq := cases.SupportQuery{Out: q.Get("box") == "out", Status: q.Get("status")}
	sq.Limit, _ = strconv.Atoi(q.Get("limit"))
	sq.Offset, _ = strconv.Atoi(q.Get("offset"))
	rows, total, err := a.Cases.SupportQueue(r.Context(), principal(r), sq)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	who := a.emails(r.Context(), nil)
	out := make([]SupportOut, 0, len(rows))
	for _, x := range rows {
		out = append(out, a.supportOut(x, who))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "requests": out})
}

// supportWork answers POST /api/v1/support/{id}/accept, /answer
// ({"answer": Markdown}) and /decline ({"reason"}).
func (a *API) supportWork(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Answer string `json:"answer"`
		Reason string `json:"reason"`
	}
	if err := decodeOptional(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	ctx, p := r.Context(), principal(r)
	var sr *cases.SupportRequest
	switch r.PathValue("action") {
	case "accept":
		sr, err = a.Cases.AcceptSupport(ctx, p, id)
	case "answer":
		sr, err = a.Cases.AnswerSupport(ctx, p, id, in.Answer, nil)
	case "decline":
		sr, err = a.Cases.DeclineSupport(ctx, p, id, in.Reason)
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.supportOut(*sr, a.emails(ctx, nil)))
}

// AccessRequestOut is an access request and its answer.
type AccessRequestOut struct {
	ID           int64    `json:"id"`
	Type         string   `json:"type"`
	Value        string   `json:"value"`
	Owner        string   `json:"owner"`
	RequesterOrg string   `json:"requester_org"`
	Reason       string   `json:"reason"`
	Status       string   `json:"status"` // open, granted, refused
	CreatedAt    string   `json:"created_at"`
	AnsweredAt   string   `json:"answered_at,omitempty"`
	Refusal      string   `json:"refusal,omitempty"`
	ExpiresAt    string   `json:"expires_at,omitempty"`
	Expired      bool     `json:"expired"`
	Receipts     []string `json:"receipts,omitempty"` // the records granted, for the officer who asked
}

func (a *API) accessOut(x correlate.RequestRow) AccessRequestOut {
	out := AccessRequestOut{ID: x.ID, Type: string(x.Value.Type), Value: x.Value.Value, Owner: a.orgCode(x.OwnerOrgID),
		RequesterOrg: a.orgCode(x.RequesterOrgID), Reason: x.Reason, Status: x.Status, CreatedAt: stamp(x.CreatedAt),
		AnsweredAt: stamp(x.AnsweredAt), Refusal: x.Answer, ExpiresAt: stamp(x.ExpiresAt), Expired: x.Expired(a.Now())}
	for _, rec := range x.Records {
		out.Receipts = append(out.Receipts, rec.Label)
	}
	return out
}

// accessRequests answers GET /api/v1/access-requests: the inbox of the
// organisations the caller answers for, or (box=mine) the caller's own
// requests; status=open|answered, limit/offset.
func (a *API) accessRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rq := correlate.RequestQuery{Mine: q.Get("box") == "mine", Status: q.Get("status")}
	rq.Limit, _ = strconv.Atoi(q.Get("limit"))
	rq.Offset, _ = strconv.Atoi(q.Get("offset"))
	rows, total, err := a.Requests.List(r.Context(), principal(r), rq)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]AccessRequestOut, 0, len(rows))
	for _, x := range rows {
		out = append(out, a.accessOut(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "requests": out})
}

// accessRequest answers GET /api/v1/access-requests/{id}.
func (a *API) accessRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	x, _, err := a.Requests.Get(r.Context(), principal(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.accessOut(*x))
}

// accessAnswer answers POST /api/v1/access-requests/{id}/grant ({"days":
// 1–90, 30 when left out}) and /refuse ({"reason"}).
func (a *API) accessAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		Days   int    `json:"days"`
		Reason string `json:"reason"`
	}
	if err := decodeOptional(w, r, &in); err != nil {
		a.badJSON(w, r, err)
		return
	}
	ctx, p := r.Context(), principal(r)
	var x *correlate.RequestRow
	switch r.PathValue("action") {
	case "grant":
		x, err = a.Requests.Grant(ctx, p, id, in.Days)
	case "refuse":
		x, err = a.Requests.Refuse(ctx, p, id, in.Reason)
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.accessOut(*x))
}
