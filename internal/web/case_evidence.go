package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
)

// Evidence on the case page (the "case_evidence" partial), the evidence
// item page with its chain of custody, uploads and downloads.

// evidencePart is what the case page shows of the case's evidence.
type evidencePart struct {
	Evidence *cases.EvidenceList
	EvIn     evidenceInput
}

// evidenceInput is what the officer typed in the evidence form, kept when
// it comes back with errors.
type evidenceInput struct {
	Kind, Name, Description, Serial, CollectedBy, ReceivedFrom, CollectedAt, Location string
}

// Physical tells whether the form was about a physical item.
func (in evidenceInput) Physical() bool { return in.Kind == string(cases.EvidencePhysical) }

// loadEvidence fills the case page's evidence part.
func (s *Server) loadEvidence(r *http.Request, p *casePage) error {
	l, err := s.Evidence.List(r.Context(), *p.Principal, p.C.ID)
	if err != nil {
		return err
	}
	p.Evidence = l
	return nil
}

// EvidenceItem finds an item of the case by id.
func (p casePage) EvidenceItem(id int64) (cases.Evidence, bool) {
	if p.Evidence != nil {
		for _, e := range p.Evidence.Items {
			if e.ID == id {
				return e, true
			}
		}
	}
	return cases.Evidence{}, false
}

// EvidenceEvent is the end of a timeline line about an evidence item or
// an export ("" for other entries): the item, linked to its page, and
// what happened to it.
func (p casePage) EvidenceEvent(e cases.Event) template.HTML {
	var what string
	switch e.Kind {
	case cases.EventEvidenceAdded:
	case cases.EventEvidenceCustody:
		what = p.T("case.custody." + e.To)
	case cases.EventEvidenceDamaged:
		what = p.T("case.evidence.damaged." + e.Reason)
	case cases.EventExported:
		return template.HTML(template.HTMLEscapeString(p.T("case.export.timeline", "n", e.Text)))
	default:
		return ""
	}
	label := "#" + strconv.FormatInt(e.RefID, 10)
	if it, ok := p.EvidenceItem(e.RefID); ok {
		label += " " + it.Name
	}
	out := fmt.Sprintf(`<a href="/cases/%d/evidence/%d">%s</a>`, p.C.ID, e.RefID, template.HTMLEscapeString(label))
	if what != "" {
		out += " (" + template.HTMLEscapeString(what) + ")"
	}
	return template.HTML(out)
}

// Bytes says exactly how large a file is, in bytes with thousands
// separated: evidence is described to the byte.
func (p page) Bytes(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return p.T("case.evidence.bytes", "n", string(b))
}

// maxEvidenceFields caps the text fields of the evidence form, together.
const maxEvidenceFields = 64 << 10

// caseEvidenceAdd takes the evidence form: a file (streamed to the file
// store's temporary folder as it arrives) or a physical item. The right to
// add is checked before the upload is read.
func (s *Server) caseEvidenceAdd(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	ctx := r.Context()
	if err := s.Evidence.MayAdd(ctx, pr, id); err != nil {
		s.fail(w, r, err)
		return
	}
	values, staged, fileName, err := s.readEvidenceForm(w, r)
	if staged != nil {
		defer staged.Close()
	}
	in := evidenceInput{Kind: values.Get("kind"), Name: values.Get("name"), Description: values.Get("description"), Serial: values.Get("serial"),
		CollectedBy: values.Get("collected_by"), ReceivedFrom: values.Get("received_from"), CollectedAt: values.Get("collected_at"),
		Location: values.Get("location")}
	if err == nil {
		ne := cases.NewEvidence{Name: in.Name, Description: in.Description, Serial: in.Serial, CollectedBy: in.CollectedBy,
			ReceivedFrom: in.ReceivedFrom, CollectedAt: in.CollectedAt, Location: in.Location}
		if in.Physical() {
			_, err = s.Evidence.AddPhysical(ctx, pr, id, ne)
		} else {
			_, err = s.Evidence.AddFile(ctx, pr, id, fileName, ne, staged)
		}
	}
	switch code := koban.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=evidence_added#evidence-heading", id), http.StatusSeeOther)
	case code == koban.Invalid || code == koban.TooLarge:
		status := http.StatusUnprocessableEntity
		if code == koban.TooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		s.showCase(w, r, id, status, caseInput{}, err, func(p *casePage) { p.EvIn = in })
	default:
		s.fail(w, r, err)
	}
}

// readEvidenceForm reads the evidence form part by part: text fields (up
// to maxEvidenceFields in all) and one file, staged through the evidence
// service as it arrives, never held in memory.
func (s *Server) readEvidenceForm(w http.ResponseWriter, r *http.Request) (url.Values, *blob.Staged, string, error) {
	values := url.Values{}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxEvidenceFields)
		if err := r.ParseForm(); err != nil {
			return values, nil, "", bodyError(err)
		}
		return r.PostForm, nil, "", nil
	}
	return readOneUpload(w, r, s.Evidence.MaxBytes+maxEvidenceFields+(1<<20), maxEvidenceFields, s.Evidence.Stage)
}

type evidencePage struct {
	page
	V         *cases.ItemView
	Transfers []cases.CustodyAction
	In        transferInput
}

// transferInput is what the officer typed in the custody form.
type transferInput struct{ Action, Party, Location, Note string }

// Who names an account in the custody log.
func (p evidencePage) Who(id int64) string {
	if id == 0 {
		return p.T("case.custody.koban")
	}
	if u, ok := p.V.People[id]; ok {
		return cmpOr(u.Name, u.Email)
	}
	return "#" + strconv.FormatInt(id, 10)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func evidenceIDs(r *http.Request) (int64, int64, error) {
	id, err := caseID(r)
	if err != nil {
		return 0, 0, err
	}
	eid, err := strconv.ParseInt(r.PathValue("eid"), 10, 64)
	if err != nil || eid <= 0 {
		return 0, 0, koban.Errorf(koban.NotFound, "error.not_found")
	}
	return id, eid, nil
}

// caseEvidenceItem is an item's page: what it is, where it is kept, its
// whole chain of custody (this view is added to it), the download and the
// custody form.
func (s *Server) caseEvidenceItem(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidenceIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showEvidence(w, r, id, eid, http.StatusOK, transferInput{}, nil)
}

func (s *Server) showEvidence(w http.ResponseWriter, r *http.Request, id, eid int64, status int, in transferInput, problem error) {
	p := evidencePage{page: s.newPage(r, "case.evidence.title"), Transfers: cases.Transfers, In: in}
	v, err := s.Evidence.Item(r.Context(), *p.Principal, id, eid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.V = v
	p.TitleText = v.Item.Name
	if problem != nil {
		p.setProblems(problem)
		p.anchorsToWrappers()
	}
	s.render(w, r, status, "case_evidence", p)
}

// caseEvidenceCustody records a custody change (received, handed over,
// returned, stored).
func (s *Server) caseEvidenceCustody(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidenceIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, maxEvidenceFields) {
		return
	}
	pr, _ := principalFrom(r.Context())
	f := r.PostForm
	in := transferInput{Action: f.Get("action"), Party: f.Get("party"), Location: f.Get("location"), Note: f.Get("note")}
	_, err = s.Evidence.RecordTransfer(r.Context(), pr, id, eid, cases.Transfer{Action: cases.CustodyAction(in.Action), Party: in.Party,
		Location: in.Location, Note: in.Note})
	s.afterEvidenceChange(w, r, id, eid, "evidence_custody", in, err)
}

// caseEvidenceVerify hashes the item's file again and says whether it
// still matches.
func (s *Server) caseEvidenceVerify(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidenceIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	ok, err := s.Evidence.Verify(r.Context(), pr, id, eid)
	done := "evidence_verified"
	if !ok {
		done = "evidence_damaged"
	}
	s.afterEvidenceChange(w, r, id, eid, done, transferInput{}, err)
}

func (s *Server) afterEvidenceChange(w http.ResponseWriter, r *http.Request, id, eid int64, done string, in transferInput, err error) {
	switch koban.ErrorCode(err) {
	case koban.Invalid:
		s.showEvidence(w, r, id, eid, http.StatusUnprocessableEntity, in, err)
	default:
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/cases/%d/evidence/%d?done=%s", id, eid, done), http.StatusSeeOther)
	}
}

// caseEvidenceFile downloads an item's file: never shown inline, checked
// against its SHA-256 as it is sent. The download is in the custody log
// before the first byte; a damaged file is cut off before its end (the
// browser reports a failed download rather than saving a file that
// differs), and the service has logged it and recorded it.
func (s *Server) caseEvidenceFile(w http.ResponseWriter, r *http.Request) {
	id, eid, err := evidenceIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	d, err := s.Evidence.Open(r.Context(), pr, id, eid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer d.Body.Close()
	sendAttachment(w, d.Item.Name, d.Item.Size)
	if _, err := io.Copy(w, d.Body); err != nil {
		if !errors.Is(err, blob.ErrDamaged) {
			s.Log.Warn("send evidence", "case", id, "evidence", eid, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// sendAttachment sets the headers of a download that no browser shows
// inline or sniffs: opaque bytes, an attachment, a sandbox.
func sendAttachment(w http.ResponseWriter, name string, size int64) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	if size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
}

// evidenceWhere is the dot of the "evidence_where" partial.
type evidenceWhere struct {
	P any // the page, for its T
	I cases.Evidence
}

// EvWhere pairs the page with an item for the "evidence_where" partial.
func (p casePage) EvWhere(it cases.Evidence) evidenceWhere { return evidenceWhere{P: p, I: it} }

// EvWhere pairs the page with its item for the "evidence_where" partial.
func (p evidencePage) EvWhere(it *cases.Evidence) evidenceWhere { return evidenceWhere{P: p, I: *it} }

// evidenceField is the dot of the "evidence_field" partial.
type evidenceField struct {
	P                        casePage
	Name, Value, Label, Hint string
}

// EvField describes one text field of the evidence form.
func (p casePage) EvField(name, value, label, hint string) evidenceField {
	return evidenceField{P: p, Name: name, Value: value, Label: label, Hint: hint}
}

// Stamp is a time to the second, with its zone: custody entries are
// evidence of their own.
func (p page) Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(p.loc)
	if p.Lang == "ja" {
		return t.Format("2006年1月2日 15:04:05 MST")
	}
	return t.Format("2 Jan 2006 15:04:05 MST")
}

// caseExport sends the case's court bundle (a signed ZIP) as a download.
// A POST: making one is an audited act, entered in every item's custody
// log.
func (s *Server) caseExport(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, _ := principalFrom(r.Context())
	b, err := s.Evidence.Export(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer b.Close()
	sendAttachment(w, b.Name, b.Size)
	w.Header().Set("Content-Type", "application/zip")
	if _, err := io.Copy(w, b.File); err != nil {
		s.Log.Warn("send court bundle", "case", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}
