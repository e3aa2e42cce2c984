package cases

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/bundle"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// Court bundles: a case exported as one signed ZIP (see internal/bundle)
// holding a PDF summary in Japanese, the evidence files as stored, the
// case's audit rows and a machine-readable copy of the case.

// ExportConfig is what court bundles need from outside the package.
type ExportConfig struct {
	// Key returns the signing key and where it comes from ("audit_key":
	// KOBAN_AUDIT_KEY; "generated": kept in the data folder).
	Key func() (ed25519.PrivateKey, string, error)
	// Font returns a TrueType font with Japanese glyphs for the PDF.
	Font func() ([]byte, error)
	// T translates a catalog key into Japanese, the language of the PDF.
	T func(key string, pairs ...string) string
	// Generator names the software in the manifest ("koban v1.2.3").
	Generator string
}

// Bundle is a court bundle written to a temporary file in the file store,
// ready to be sent; Close removes it.
type Bundle struct {
	Name     string // koban-<case number>.zip
	File     *os.File
	Size     int64
	Manifest *bundle.Manifest
}

// Close removes the bundle's temporary file.
func (b *Bundle) Close() error {
	b.File.Close()
	return os.Remove(b.File.Name())
}

// Export makes the case's court bundle; p needs the export right. Every
// evidence file is read through its SHA-256 check: a damaged or missing one
// stops the export (and is recorded as such). The export is audited
// (case.export), put in the timeline and in each item's custody log before
// the audit rows are copied, so the bundle holds its own record. Close the
// Bundle when it has been sent.
func (s *EvidenceService) Export(ctx context.Context, p auth.Principal, caseID int64) (*Bundle, error) {
	c, err := s.cases.load(ctx, p, caseID, access.Export)
	if err != nil {
		return nil, err
	}
	if s.export.Key == nil || s.export.Font == nil || s.export.T == nil {
		return nil, errors.New("export: not configured")
	}
	font, err := s.export.Font()
	if err != nil {
		return nil, &koban.Error{Code: koban.Unavailable, Key: "case.export.error.font", Err: err}
	}
	pdf, err := newSummaryPDF(font)
	if err != nil {
		return nil, &koban.Error{Code: koban.Unavailable, Key: "case.export.error.font", Err: err}
	}
	key, source, err := s.export.Key()
	if err != nil {
		return nil, fmt.Errorf("export: signing key: %w", err)
	}
	v, err := s.cases.Get(ctx, p, c.ID)
	if err != nil {
		return nil, err
	}
	items, err := s.store.EvidenceList(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	now := s.cases.clock.Now()
	d := &exportData{Case: v.Case, View: v, Evidence: items, At: now, By: p, Paths: map[int64]string{}, loc: s.cases.loc, t: s.export.T,
		orgName: s.orgName}
	d.BundleID, err = newBundleID(now)
	if err != nil {
		return nil, err
	}

	f, err := s.blobs.CreateTemp("export-*.zip")
	if err != nil {
		return nil, err
	}
	out := &Bundle{Name: "koban-" + c.Number + ".zip", File: f}
	ok := false
	defer func() {
		if !ok {
			out.Close()
		}
	}()
	w := bundle.NewWriter(f, key, source, now)
	d.Key = w.KeyInfo()

	// The evidence files first: each read through its check.
	var exported []Custody
	for _, ev := range items {
		if ev.Kind != EvidenceFile {
			continue
		}
		rc, err := s.openChecked(ctx, p.UserID, &ev)
		if err != nil {
			return nil, err
		}
		name := evidencePath(ev)
		_, err = w.Add(name, rc, false)
		rc.Close()
		if errors.Is(err, blob.ErrDamaged) {
			return nil, &koban.Error{Code: koban.Conflict, Key: "case.evidence.error.damaged", Err: err}
		}
		if err != nil {
			return nil, err
		}
		d.Paths[ev.ID] = name
		exported = append(exported, Custody{EvidenceID: ev.ID, At: now, ActorID: p.UserID, Action: CustodyExported, Note: d.BundleID})
	}
	for _, ev := range items {
		if ev.Kind == EvidencePhysical {
			exported = append(exported, Custody{EvidenceID: ev.ID, At: now, ActorID: p.UserID, Action: CustodyExported, Note: d.BundleID})
		}
	}
	// The export's own record, before the audit rows are read.
	err = s.store.AddCustody(ctx, c.ID, exported,
		Event{At: now, ActorID: p.UserID, Kind: EventExported, Text: strconv.Itoa(len(d.Paths))},
		s.cases.entry(p, c.ID, "case.export", map[string]any{"bundle": d.BundleID, "files": len(d.Paths), "items": len(items),
			"key": d.Key.SHA256}))
	if err != nil {
		return nil, err
	}
	if err := s.gather(ctx, d); err != nil {
		return nil, err
	}

	var summary bytes.Buffer
	if err := s.writeSummary(&summary, d, pdf); err != nil {
		return nil, fmt.Errorf("export %s: %w", c.Number, err)
	}
	caseJSON, err := d.caseJSON()
	if err != nil {
		return nil, err
	}
	auditJSON, err := d.auditJSONL()
	if err != nil {
		return nil, err
	}
	for _, x := range []struct {
		name string
		body []byte
	}{{"summary.pdf", summary.Bytes()}, {"case.json", caseJSON}, {"audit.jsonl", auditJSON}, {"README.txt", []byte(readme(d))}} {
		if _, err := w.Add(x.name, bytes.NewReader(x.body), true); err != nil {
			return nil, err
		}
	}
	m, err := w.Close(bundle.Manifest{BundleID: d.BundleID, Case: bundle.CaseRef{ID: c.ID, Number: c.Number}, CreatedAt: now.Format(time.RFC3339),
		CreatedBy: p.Email, Generator: s.export.Generator})
	if err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if out.Size, err = f.Seek(0, io.SeekCurrent); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	out.Manifest, ok = m, true
	return out, nil
}

// newBundleID names a bundle: its day and a random part, so that the
// audit row, the custody entries and the manifest name the same export.
func newBundleID(at time.Time) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("bundle id: %w", err)
	}
	return at.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b), nil
}

// evidencePath is where an item's file goes in a bundle: its number and a
// name every file system takes.
func evidencePath(ev Evidence) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|':
			return '_'
		case unicode.IsControl(r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, ev.Name)
	name = strings.Trim(name, ". ")
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	if name == "" {
		name = "file"
	}
	return fmt.Sprintf("evidence/%04d-%s", ev.ID, name)
}

func (s *EvidenceService) orgName(id int64) string {
	if o, ok := s.cases.tree().ByID(id); ok {
		return o.NameJA
	}
	return "#" + strconv.FormatInt(id, 10)
}

// exportData is what a bundle says about its case.
type exportData struct {
	Case        *Case
	View        *View // as the exporting officer sees the case
	Evidence    []Evidence
	Custody     map[int64][]Custody
	Observables map[int64][]observe.Observable // by report
	People      map[int64]Person
	Audit       []audit.Row
	Paths       map[int64]string // evidence id → path in the bundle
	BundleID    string
	At          time.Time
	By          auth.Principal
	Key         bundle.KeyInfo

	loc     *time.Location
	t       func(string, ...string) string
	orgName func(int64) string
}

// gather reads what the export's record changed (custody, audit) and the
// rest the files need.
func (s *EvidenceService) gather(ctx context.Context, d *exportData) error {
	var err error
	d.Custody = map[int64][]Custody{}
	ids := []int64{d.Case.LeadID, d.Case.CreatedBy}
	ids = append(ids, d.Case.Members...)
	for _, e := range d.View.Timeline {
		ids = append(ids, e.ActorID)
	}
	if d.Audit, err = s.store.AuditOf(ctx, ObjectType, strconv.FormatInt(d.Case.ID, 10)); err != nil {
		return err
	}
	for _, ev := range d.Evidence {
		cs, err := s.store.Custody(ctx, ev.ID)
		if err != nil {
			return err
		}
		d.Custody[ev.ID] = cs
		ids = append(ids, ev.AddedBy)
		for _, c := range cs {
			ids = append(ids, c.ActorID)
		}
		rows, err := s.store.AuditOf(ctx, EvidenceObjectType, strconv.FormatInt(ev.ID, 10))
		if err != nil {
			return err
		}
		d.Audit = append(d.Audit, rows...)
	}
	slices.SortFunc(d.Audit, func(a, b audit.Row) int { return int(a.ID - b.ID) })
	var reports []int64
	for _, r := range d.View.Reports {
		reports = append(reports, r.ReportID)
	}
	if d.Observables, err = s.store.ReportObservables(ctx, reports); err != nil {
		return err
	}
	d.People, err = s.cases.people(ctx, ids)
	return err
}

// who names an account: its name, and its e-mail address.
func (d *exportData) who(id int64) string {
	if id == 0 {
		return d.t("case.custody.koban")
	}
	if p, ok := d.People[id]; ok {
		if p.Name != "" && p.Name != p.Email {
			return p.Name + " <" + p.Email + ">"
		}
		return p.Email
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (d *exportData) stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(d.loc).Format("2006-01-02 15:04:05 MST")
}

// caseJSON is the machine-readable copy of what the PDF says.
func (d *exportData) caseJSON() ([]byte, error) {
	type custodyOut struct {
		At       string `json:"at"`
		Action   string `json:"action"`
		Actor    string `json:"actor"`
		Party    string `json:"party,omitempty"`
		Location string `json:"location,omitempty"`
		Note     string `json:"note,omitempty"`
		SHA256   string `json:"sha256,omitempty"`
	}
	type evidenceOut struct {
		ID           int64        `json:"id"`
		Kind         string       `json:"kind"`
		Name         string       `json:"name"`
		Description  string       `json:"description,omitempty"`
		SHA256       string       `json:"sha256,omitempty"`
		Size         int64        `json:"size,omitempty"`
		Path         string       `json:"path,omitempty"` // in the bundle
		Serial       string       `json:"serial,omitempty"`
		CollectedBy  string       `json:"collected_by"`
		ReceivedFrom string       `json:"received_from,omitempty"`
		CollectedAt  string       `json:"collected_at"`
		AddedBy      string       `json:"added_by"`
		AddedAt      string       `json:"added_at"`
		Custody      []custodyOut `json:"custody"`
	}
	type reportOut struct {
		ID          int64                `json:"id"`
		Receipt     string               `json:"receipt"`
		Org         string               `json:"org"`
		Category    string               `json:"category"`
		Status      string               `json:"status"`
		ReceivedAt  string               `json:"received_at"`
		Observables []observe.Observable `json:"observables"`
	}
	type eventOut struct {
		At    string `json:"at"`
		Actor string `json:"actor"`
		Kind  string `json:"kind"`
		Text  string `json:"text"` // in Japanese, as the PDF says it
	}
	c := d.Case
	out := struct {
		BundleID string        `json:"bundle_id"`
		Case     any           `json:"case"`
		Reports  []reportOut   `json:"reports"`
		Hidden   int           `json:"hidden_reports"`
		Timeline []eventOut    `json:"timeline"`
		Evidence []evidenceOut `json:"evidence"`
	}{BundleID: d.BundleID, Hidden: d.View.HiddenReports, Reports: []reportOut{}, Timeline: []eventOut{}, Evidence: []evidenceOut{}}
	var members []string
	for _, m := range c.Members {
		members = append(members, d.who(m))
	}
	out.Case = map[string]any{"id": c.ID, "number": c.Number, "title": c.Title, "summary": c.Summary, "category": c.Category, "law": string(c.Law),
		"severity": string(c.Severity), "status": string(c.Status), "close_reason": c.CloseReason, "org": d.orgName(c.OrgID), "lead": d.who(c.LeadID),
		"members": members, "created_at": c.CreatedAt.Format(time.RFC3339), "updated_at": c.UpdatedAt.Format(time.RFC3339)}
	for _, r := range d.View.Reports {
		obs := d.Observables[r.ReportID]
		if obs == nil {
			obs = []observe.Observable{}
		}
		out.Reports = append(out.Reports, reportOut{ID: r.ReportID, Receipt: r.Receipt, Org: d.orgName(r.OrgID), Category: r.Category, Status: r.Status,
			ReceivedAt: r.CreatedAt.Format(time.RFC3339), Observables: obs})
	}
	for _, e := range d.View.Timeline {
		out.Timeline = append(out.Timeline, eventOut{At: e.At.Format(time.RFC3339Nano), Actor: d.who(e.ActorID), Kind: string(e.Kind), Text: d.describe(e)})
	}
	for _, ev := range d.Evidence {
		eo := evidenceOut{ID: ev.ID, Kind: string(ev.Kind), Name: ev.Name, Description: ev.Description, SHA256: ev.SHA256, Size: ev.Size, Path: d.Paths[ev.ID],
			Serial: ev.Serial, CollectedBy: ev.CollectedBy, ReceivedFrom: ev.ReceivedFrom, CollectedAt: ev.CollectedAt.Format(time.RFC3339),
			AddedBy: d.who(ev.AddedBy), AddedAt: ev.CreatedAt.Format(time.RFC3339), Custody: []custodyOut{}}
		for _, cs := range d.Custody[ev.ID] {
			eo.Custody = append(eo.Custody, custodyOut{At: cs.At.Format(time.RFC3339Nano), Action: string(cs.Action), Actor: d.who(cs.ActorID),
				Party: cs.Party, Location: cs.Location, Note: cs.Note, SHA256: cs.SHA256})
		}
		out.Evidence = append(out.Evidence, eo)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("case.json: %w", err)
	}
	return b.Bytes(), nil
}

// auditJSONL writes the case's and its evidence's audit rows, one JSON
// object a line, with their hashes: each row can be checked against the
// chain of the koban that made the bundle (koban audit verify there).
func (d *exportData) auditJSONL() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range d.Audit {
		var detail any // null when the row has none
		if r.Detail != "" && json.Valid([]byte(r.Detail)) {
			detail = json.RawMessage(r.Detail)
		} else if r.Detail != "" {
			detail = r.Detail
		}
		if err := enc.Encode(map[string]any{"id": r.ID, "at": r.At.Format(time.RFC3339Nano), "actor_id": r.ActorID, "actor": r.Actor,
			"org_id": r.OrgID, "action": r.Action, "object_type": r.ObjectType, "object_id": r.ObjectID, "detail": detail, "ip": r.IP,
			"prev_hash": r.PrevHash, "hash": r.Hash}); err != nil {
			return nil, fmt.Errorf("audit.jsonl: %w", err)
		}
	}
	return b.Bytes(), nil
}

// describe says what a timeline entry records, in Japanese.
func (d *exportData) describe(e Event) string {
	t := d.t
	s := t("case.event." + string(e.Kind))
	item := func() string {
		for _, ev := range d.Evidence {
			if ev.ID == e.RefID {
				return "#" + strconv.FormatInt(ev.ID, 10) + " " + ev.Name
			}
		}
		return "#" + strconv.FormatInt(e.RefID, 10)
	}
	switch e.Kind {
	case EventReportLinked, EventReportUnlinked:
		if e.RefLabel != "" {
			s += ": " + e.RefLabel
		} else {
			s += ": " + t("case.event.hidden_report")
		}
	case EventStatus:
		s += ": " + t("case.status."+e.From) + " → " + t("case.status."+e.To)
		if e.Reason != "" {
			s += "（" + t("case.close."+e.Reason) + "）"
		}
	case EventTaskAdded, EventTaskDone, EventTaskReopened:
		for _, task := range d.View.Tasks {
			if task.ID == e.RefID {
				if task.TemplateKey != "" {
					s += ": " + t(task.TemplateKey)
				} else {
					s += ": " + task.Title
				}
			}
		}
	case EventReferralAnswered:
		s += ": " + t("case.referral."+e.Reason)
	case EventEvidenceAdded:
		s += ": " + item()
	case EventEvidenceCustody:
		s += ": " + item() + "（" + t("case.custody."+e.To) + "）"
	case EventEvidenceDamaged:
		s += ": " + item() + "（" + t("case.evidence.damaged."+e.Reason) + "）"
	case EventExported:
		s += ": " + t("case.export.timeline", "n", e.Text)
	}
	if e.Text != "" && e.Kind != EventExported {
		s += " — " + e.Text
	}
	return s
}

// readme tells whoever opens the bundle what is in it and how to check it.
func readme(d *exportData) string {
	return d.t("case.export.readme", "number", d.Case.Number, "id", d.BundleID, "at", d.stamp(d.At), "fingerprint", d.Key.SHA256,
		"source", d.t("case.export.key_source."+d.Key.Source)) + "\n"
}
