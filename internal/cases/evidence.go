package cases

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"path"
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
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// Evidence of a case: files (any type, stored once by SHA-256 in the file
// store and never served inline) and physical items (seized devices) with
// no file. Each item has a chain-of-custody log that nobody can change: the
// database refuses UPDATE and DELETE on items and custody entries alike.

// EvidenceObjectType names evidence items in audit rows.
const EvidenceObjectType = "evidence"

// EvidenceKind is what an item is.
type EvidenceKind string

// The kinds of evidence.
const (
	EvidenceFile     EvidenceKind = "file"     // a file stored by SHA-256
	EvidencePhysical EvidenceKind = "physical" // a thing kept somewhere: a seized phone, a disk
)

// Evidence is one item of a case.
type Evidence struct {
	ID           int64
	CaseID       int64
	Kind         EvidenceKind
	Name         string // a file's name as uploaded; for a physical item, what it is
	Description  string
	SHA256       string // files only
	Size         int64  // files only, in bytes
	Serial       string // physical items: serial number, IMEI
	CollectedBy  string // who collected or seized it
	ReceivedFrom string // from whom, "" when nobody handed it over
	CollectedAt  time.Time
	AddedBy      int64
	CreatedAt    time.Time
	// Read from the custody log: where the item is kept now (the last entry
	// naming a place), and who holds it when it has left the police (handed
	// over or returned to someone: Holder; Returned when returned).
	Location string
	Holder   string
	Returned bool
}

// CustodyAction is what a custody entry records.
type CustodyAction string

// The custody actions. Their names are stored: they never change.
const (
	CustodyCollected    CustodyAction = "collected"   // came into police hands (the first entry)
	CustodyReceived     CustodyAction = "received"    // received from someone
	CustodyHandedOver   CustodyAction = "handed_over" // handed to someone (a lab, the prosecutor)
	CustodyReturned     CustodyAction = "returned"    // returned to its owner
	CustodyStored       CustodyAction = "stored"      // put somewhere else (a locker, a safe)
	CustodyViewed       CustodyAction = "viewed"
	CustodyDownloaded   CustodyAction = "downloaded"
	CustodyExported     CustodyAction = "exported" // put in a court bundle
	CustodyVerified     CustodyAction = "verified" // the file was hashed again and matched
	CustodyVerifyFailed CustodyAction = "verification_failed"
)

// CustodyActions lists every action, for the catalogs.
var CustodyActions = []CustodyAction{CustodyCollected, CustodyReceived, CustodyHandedOver, CustodyReturned, CustodyStored,
	CustodyViewed, CustodyDownloaded, CustodyExported, CustodyVerified, CustodyVerifyFailed}

// Transfers are the custody actions an officer records by hand.
var Transfers = []CustodyAction{CustodyReceived, CustodyHandedOver, CustodyReturned, CustodyStored}

// Custody is one entry of an item's chain of custody.
type Custody struct {
	ID         int64
	EvidenceID int64
	At         time.Time
	ActorID    int64 // 0 for koban itself (koban evidence verify)
	Action     CustodyAction
	Party      string // received from, handed to, returned to
	Location   string // where it is kept from now on
	Note       string
	SHA256     string // a verification: the SHA-256 found ("" when the file is missing)
}

// The timeline entries evidence adds to a case.
const (
	EventEvidenceAdded   EventKind = "evidence_added"
	EventEvidenceCustody EventKind = "evidence_custody" // handed over, returned …: To names the action
	EventEvidenceDamaged EventKind = "evidence_damaged" // a file no longer matches its SHA-256, or is gone
	EventExported        EventKind = "exported"         // a court bundle was made
)

// EvidenceEvents are the timeline kinds about one evidence item (RefID).
var EvidenceEvents = []EventKind{EventEvidenceAdded, EventEvidenceCustody, EventEvidenceDamaged}

// StoredFile is one file a report or a case names, for koban evidence
// verify: the same SHA-256 appears once per holder.
type StoredFile struct {
	SHA256     string
	Size       int64
	ReportID   int64  // a report's file: the report …
	Receipt    string // … and its receipt number
	CaseID     int64  // a case's evidence: the case …
	CaseNumber string // … its number
	EvidenceID int64  // … and the item
}

// EvidenceStore is what evidence needs from the database. A missing case
// or item (or an item of another case) is NotFound.
type EvidenceStore interface {
	// AddEvidence stores an item with its first custody entry, its
	// timeline entry and audit entry (whose object is the new item); it
	// sets ev.ID, first.ID and first.EvidenceID.
	AddEvidence(ctx context.Context, ev *Evidence, first *Custody, e audit.Entry) error
	EvidenceItem(ctx context.Context, caseID, id int64) (*Evidence, error)
	EvidenceList(ctx context.Context, caseID int64) ([]Evidence, error)
	// AddCustody appends entries to items of the case, with a timeline
	// entry (none when ev.Kind is empty) and an audit entry (none when
	// e.Action is empty); it sets the entries' IDs.
	AddCustody(ctx context.Context, caseID int64, entries []Custody, ev Event, e audit.Entry) error
	Custody(ctx context.Context, evidenceID int64) ([]Custody, error)
	// StoredFiles yields every file a report or a case names, by SHA-256
	// ascending, one row per holder.
	StoredFiles(ctx context.Context) iter.Seq2[StoredFile, error]
	AuditOf(ctx context.Context, objectType, objectID string) ([]audit.Row, error)
	// ReportObservables returns the observables of each report.
	ReportObservables(ctx context.Context, reportIDs []int64) (map[int64][]observe.Observable, error)
}

// MaxEvidenceBytes is the largest evidence file koban takes (a phone's
// extraction, a disk image of a small device).
const MaxEvidenceBytes int64 = 8 << 30

// Limits on what officers write about evidence.
const (
	maxEvidenceName = 255
	maxEvidenceText = 2000
	maxShortText    = 200
)

// EvidenceService is evidence and court bundles, over the cases service:
// every call goes through the same access decision and is audited.
type EvidenceService struct {
	cases  *Service
	store  EvidenceStore
	blobs  *blob.Store
	log    *slog.Logger
	export ExportConfig
	// MaxBytes caps one uploaded file; MaxEvidenceBytes by default.
	MaxBytes int64
}

// NewEvidenceService wires evidence to the cases service, the database and
// the file store.
func NewEvidenceService(cs *Service, st EvidenceStore, blobs *blob.Store, log *slog.Logger, ex ExportConfig) *EvidenceService {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EvidenceService{cases: cs, store: st, blobs: blobs, log: log, export: ex, MaxBytes: MaxEvidenceBytes}
}

// NewEvidence is what an officer writes about an item.
type NewEvidence struct {
	Name         string // a physical item: what it is; a file: "" keeps the uploaded name
	Description  string
	Serial       string
	CollectedBy  string // "" for the officer adding it
	ReceivedFrom string
	CollectedAt  string // YYYY-MM-DDTHH:MM in the configured zone, or RFC 3339; "" for now
	Location     string // a physical item: where it is kept (required)
}

// MayAdd checks, before an upload is read, that p may add evidence to the
// case: a refusal costs the officer no upload and the server no disk.
func (s *EvidenceService) MayAdd(ctx context.Context, p auth.Principal, caseID int64) error {
	_, err := s.cases.load(ctx, p, caseID, access.Edit)
	return err
}

// Stage reads an upload into the file store's temporary folder, hashing it
// on the way; AddFile stores it. Close the Staged when done.
func (s *EvidenceService) Stage(r io.Reader) (*blob.Staged, error) {
	st, err := s.blobs.Stage(r, s.MaxBytes)
	if errors.Is(err, blob.ErrTooLarge) {
		return nil, &koban.Error{Code: koban.TooLarge, Key: "case.evidence.error.too_large", Field: "file"}
	}
	if err != nil {
		return nil, fmt.Errorf("stage evidence: %w", err)
	}
	return st, nil
}

// AddFile stores an uploaded file (staged by Stage, under the name the
// browser gave) as evidence of the case, with its first custody entry:
// collected by, received from, when. p needs the edit right.
func (s *EvidenceService) AddFile(ctx context.Context, p auth.Principal, caseID int64, fileName string, in NewEvidence, st *blob.Staged) (*Evidence, error) {
	c, err := s.cases.load(ctx, p, caseID, access.Edit)
	if err != nil {
		return nil, err
	}
	return s.addFile(ctx, p, c, fileName, in, st, nil)
}

// addFile stores a staged file as evidence of c in p's name; detail adds to
// the audit row. The caller has decided that p may.
func (s *EvidenceService) addFile(ctx context.Context, p auth.Principal, c *Case, fileName string, in NewEvidence, st *blob.Staged, detail map[string]any) (*Evidence, error) {
	var pr koban.Problems
	ev := s.evidenceOf(&pr, p, c, in)
	ev.Kind = EvidenceFile
	if strings.TrimSpace(in.Name) == "" {
		ev.Name = cleanFileName(fileName)
		pr = slices.DeleteFunc(pr, func(e *koban.Error) bool { return e.Field == "name" })
	}
	switch {
	case st == nil:
		pr.Add("file", "case.evidence.error.file_required")
	case st.Size == 0:
		pr.Add("file", "case.evidence.error.file_empty")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	ev.SHA256, ev.Size = st.Sum, st.Size
	// The file is on disk, synced, before the row that names it commits; a
	// crash between the two leaves a file no row names, which the sweep of
	// orphaned files removes.
	if _, err := st.Commit(); err != nil {
		return nil, fmt.Errorf("store evidence: %w", err)
	}
	if err := s.addFileRow(ctx, p, c, ev, detail); err != nil {
		return nil, err
	}
	return ev, nil
}

// addFileRow records a stored file as evidence of c with its first
// custody entry (collected, received from whom) and its audit row.
func (s *EvidenceService) addFileRow(ctx context.Context, p auth.Principal, c *Case, ev *Evidence, detail map[string]any) error {
	first := &Custody{At: ev.CreatedAt, ActorID: p.UserID, Action: CustodyCollected, Party: ev.ReceivedFrom}
	d := map[string]any{"case": c.ID, "kind": string(ev.Kind), "sha256": ev.SHA256, "size": ev.Size}
	maps.Copy(d, detail)
	return s.store.AddEvidence(ctx, ev, first, s.entry(p, 0, "evidence.add", d))
}

// AttachSupportResult stores the files of a technical-support answer as
// evidence of the case, received from the unit that answered, in the name
// of the officer who answered. The unit holds only view and download on
// the case: answering its own request is what entitles it to add these,
// and the cases service has checked that before calling.
func (s *EvidenceService) AttachSupportResult(ctx context.Context, p auth.Principal, r *SupportRequest, files []ResultFile) error {
	c, err := s.cases.store.Case(ctx, r.CaseID)
	if err != nil {
		return err
	}
	unit := ""
	if o, ok := s.cases.tree().ByID(r.ToOrgID); ok {
		unit = o.NameJA
	}
	for _, f := range files {
		st := f.Staged
		if st == nil {
			if st, err = s.Stage(f.Body); err != nil {
				return err
			}
			defer st.Close()
		}
		_, err = s.addFile(ctx, p, c, f.Name, NewEvidence{ReceivedFrom: unit, Description: fmt.Sprintf("技術支援依頼 #%d の回答", r.ID)}, st,
			map[string]any{"support_request": r.ID})
		if err != nil {
			return err
		}
	}
	return nil
}

// KeptFile is a file koban already holds in its file store (a page cyber
// patrol captured) to be made evidence of a case.
type KeptFile struct {
	SHA256 string
	NewEvidence
}

// AddKept makes files koban already keeps evidence of a case, each hashed
// again first so that the item records what is on disk now, with its first
// custody entry; detail adds to each audit row. p needs the edit right.
func (s *EvidenceService) AddKept(ctx context.Context, p auth.Principal, caseID int64, files []KeptFile, detail map[string]any) ([]*Evidence, error) {
	c, err := s.cases.load(ctx, p, caseID, access.Edit)
	if err != nil {
		return nil, err
	}
	var out []*Evidence
	for _, f := range files {
		var pr koban.Problems
		ev := s.evidenceOf(&pr, p, c, f.NewEvidence)
		if err := pr.Err(); err != nil {
			return out, err
		}
		sum, size, err := s.blobs.Hash(f.SHA256)
		if err != nil {
			return out, fmt.Errorf("evidence from kept file: %w", err)
		}
		if sum != f.SHA256 {
			return out, fmt.Errorf("evidence from kept file %s: its content now hashes to %s", f.SHA256, sum)
		}
		ev.Kind, ev.SHA256, ev.Size = EvidenceFile, sum, size
		if err := s.addFileRow(ctx, p, c, ev, detail); err != nil {
			return out, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// AddPhysical records a physical item (a seized device) as evidence of the
// case, with where it is kept. p needs the edit right.
func (s *EvidenceService) AddPhysical(ctx context.Context, p auth.Principal, caseID int64, in NewEvidence) (*Evidence, error) {
	c, err := s.cases.load(ctx, p, caseID, access.Edit)
	if err != nil {
		return nil, err
	}
	var pr koban.Problems
	ev := s.evidenceOf(&pr, p, c, in)
	ev.Kind = EvidencePhysical
	ev.Serial = s.cases.text(&pr, "serial", in.Serial, maxShortText, false, false)
	location := s.cases.text(&pr, "location", in.Location, maxShortText, false, false)
	if location == "" {
		pr.Add("location", "case.evidence.error.location_required")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	first := &Custody{At: ev.CreatedAt, ActorID: p.UserID, Action: CustodyCollected, Party: ev.ReceivedFrom, Location: location}
	err = s.store.AddEvidence(ctx, ev, first, s.entry(p, 0, "evidence.add", map[string]any{"case": c.ID, "kind": string(ev.Kind)}))
	if err != nil {
		return nil, err
	}
	ev.Location = location
	return ev, nil
}

// evidenceOf validates what is common to files and physical items.
func (s *EvidenceService) evidenceOf(pr *koban.Problems, p auth.Principal, c *Case, in NewEvidence) *Evidence {
	now := s.cases.clock.Now()
	ev := &Evidence{CaseID: c.ID, AddedBy: p.UserID, CreatedAt: now, CollectedAt: now}
	ev.Name = s.cases.text(pr, "name", in.Name, maxEvidenceName, false, false)
	if ev.Name == "" {
		pr.Add("name", "case.evidence.error.name_required")
	}
	ev.Description = s.cases.text(pr, "description", in.Description, maxEvidenceText, false, true)
	ev.CollectedBy = s.cases.text(pr, "collected_by", in.CollectedBy, maxShortText, false, false)
	if ev.CollectedBy == "" {
		ev.CollectedBy = p.Name
		if ev.CollectedBy == "" {
			ev.CollectedBy = p.Email
		}
	}
	ev.ReceivedFrom = s.cases.text(pr, "received_from", in.ReceivedFrom, maxShortText, false, false)
	if v := strings.TrimSpace(in.CollectedAt); v != "" {
		at, err := s.parseTime(v)
		switch {
		case err != nil:
			pr.Add("collected_at", "case.evidence.error.collected_at")
		case at.After(now.Add(10 * time.Minute)):
			pr.Add("collected_at", "case.evidence.error.collected_future")
		default:
			ev.CollectedAt = at
		}
	}
	return ev
}

// parseTime reads a time as a form's datetime-local field sends it (in the
// configured zone) or in RFC 3339.
func (s *EvidenceService) parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, s.cases.loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a time")
}

// cleanFileName keeps the last element of a name a browser sent (some send
// a whole path), without control characters, at most maxEvidenceName runes.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == ".." {
		name = ""
	}
	if utf8.RuneCountInString(name) > maxEvidenceName {
		name = string([]rune(name)[:maxEvidenceName])
	}
	if strings.TrimSpace(name) == "" {
		return "evidence"
	}
	return name
}

// EvidenceList is a case's evidence as the case page shows it.
type EvidenceList struct {
	Items       []Evidence
	CanAdd      bool // edit: upload, record items and custody
	CanDownload bool
	CanExport   bool
}

// List returns the case's evidence; p needs the view right.
func (s *EvidenceService) List(ctx context.Context, p auth.Principal, caseID int64) (*EvidenceList, error) {
	c, err := s.cases.load(ctx, p, caseID, access.View)
	if err != nil {
		return nil, err
	}
	l := &EvidenceList{}
	if l.Items, err = s.store.EvidenceList(ctx, c.ID); err != nil {
		return nil, err
	}
	if err := s.rights(ctx, p, c, &l.CanAdd, &l.CanDownload, &l.CanExport); err != nil {
		return nil, err
	}
	return l, nil
}

func (s *EvidenceService) rights(ctx context.Context, p auth.Principal, c *Case, add, download, export *bool) error {
	for _, x := range []struct {
		r  access.Right
		to *bool
	}{{access.Edit, add}, {access.DownloadEvidence, download}, {access.Export, export}} {
		ok, err := s.cases.access.Can(ctx, p, x.r, c.Object())
		if err != nil {
			return err
		}
		*x.to = ok
	}
	return nil
}

// ItemView is one item with its whole chain of custody.
type ItemView struct {
	Case        *Case
	Item        *Evidence
	Custody     []Custody // oldest first, this view included
	People      map[int64]Person
	CanAdd      bool // record custody
	CanDownload bool
	CanExport   bool
}

// Item returns one item and its custody log; the view is itself recorded
// in the log (and audited). p needs the view right.
func (s *EvidenceService) Item(ctx context.Context, p auth.Principal, caseID, id int64) (*ItemView, error) {
	c, err := s.cases.load(ctx, p, caseID, access.View)
	if err != nil {
		return nil, err
	}
	ev, err := s.store.EvidenceItem(ctx, c.ID, id)
	if err != nil {
		return nil, err
	}
	err = s.store.AddCustody(ctx, c.ID, []Custody{{EvidenceID: ev.ID, At: s.cases.clock.Now(), ActorID: p.UserID, Action: CustodyViewed}},
		Event{}, s.entry(p, ev.ID, "evidence.view", map[string]any{"case": c.ID}))
	if err != nil {
		return nil, err
	}
	v := &ItemView{Case: c, Item: ev}
	if v.Custody, err = s.store.Custody(ctx, ev.ID); err != nil {
		return nil, err
	}
	if err := s.rights(ctx, p, c, &v.CanAdd, &v.CanDownload, &v.CanExport); err != nil {
		return nil, err
	}
	ids := []int64{ev.AddedBy}
	for _, e := range v.Custody {
		ids = append(ids, e.ActorID)
	}
	if v.People, err = s.cases.people(ctx, ids); err != nil {
		return nil, err
	}
	return v, nil
}

// Transfer is a custody change an officer records: received from, handed
// to, returned to someone, or stored somewhere else.
type Transfer struct {
	Action   CustodyAction // one of Transfers
	Party    string
	Location string
	Note     string
}

// RecordTransfer appends a custody change to an item, with a timeline
// entry. p needs the edit right.
func (s *EvidenceService) RecordTransfer(ctx context.Context, p auth.Principal, caseID, id int64, in Transfer) (*Custody, error) {
	c, err := s.cases.load(ctx, p, caseID, access.Edit)
	if err != nil {
		return nil, err
	}
	ev, err := s.store.EvidenceItem(ctx, c.ID, id)
	if err != nil {
		return nil, err
	}
	var pr koban.Problems
	e := Custody{EvidenceID: ev.ID, At: s.cases.clock.Now(), ActorID: p.UserID, Action: in.Action}
	e.Party = s.cases.text(&pr, "party", in.Party, maxShortText, false, false)
	e.Location = s.cases.text(&pr, "location", in.Location, maxShortText, false, false)
	e.Note = s.cases.text(&pr, "note", in.Note, maxEvidenceText, false, true)
	switch in.Action {
	case CustodyReceived, CustodyHandedOver, CustodyReturned:
		if e.Party == "" {
			pr.Add("party", "case.evidence.error.party_required")
		}
	case CustodyStored:
		if e.Location == "" {
			pr.Add("location", "case.evidence.error.location_required")
		}
	default:
		pr.Add("action", "case.evidence.error.action")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	entries := []Custody{e}
	err = s.store.AddCustody(ctx, c.ID, entries,
		Event{At: e.At, ActorID: p.UserID, Kind: EventEvidenceCustody, RefID: ev.ID, To: string(e.Action), Text: firstOf(e.Party, e.Location)},
		s.entry(p, ev.ID, "evidence.custody", map[string]any{"case": c.ID, "action": string(e.Action)}))
	if err != nil {
		return nil, err
	}
	return &entries[0], nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Download is an evidence file being read: Body checks the content against
// its SHA-256 as it goes and ends in an error, never in io.EOF, when they
// differ (see blob.Reader); that failure is logged and recorded in the
// item's custody log and the case's timeline.
type Download struct {
	Item *Evidence
	Body io.ReadCloser
}

// Open opens an evidence file for download; the download is recorded in
// the custody log and audited before a byte is read. p needs the
// download_evidence right. A physical item has no file: NotFound.
func (s *EvidenceService) Open(ctx context.Context, p auth.Principal, caseID, id int64) (*Download, error) {
	c, err := s.cases.load(ctx, p, caseID, access.DownloadEvidence)
	if err != nil {
		return nil, err
	}
	ev, err := s.store.EvidenceItem(ctx, c.ID, id)
	if err != nil {
		return nil, err
	}
	if ev.Kind != EvidenceFile {
		return nil, koban.Errorf(koban.NotFound, "error.not_found")
	}
	err = s.store.AddCustody(ctx, c.ID, []Custody{{EvidenceID: ev.ID, At: s.cases.clock.Now(), ActorID: p.UserID, Action: CustodyDownloaded}},
		Event{}, s.entry(p, ev.ID, "evidence.download", map[string]any{"case": c.ID, "sha256": ev.SHA256}))
	if err != nil {
		return nil, err
	}
	rc, err := s.openChecked(ctx, p.UserID, ev)
	if err != nil {
		return nil, err
	}
	return &Download{Item: ev, Body: rc}, nil
}

// openChecked opens an item's file through a reader that records a
// mismatch; a missing file is recorded at once and refused.
func (s *EvidenceService) openChecked(ctx context.Context, actor int64, ev *Evidence) (io.ReadCloser, error) {
	r, err := s.blobs.Open(ev.SHA256)
	if err != nil {
		s.damaged(ctx, actor, ev, "", fmt.Errorf("open: %w", err))
		return nil, &koban.Error{Code: koban.Conflict, Key: "case.evidence.error.damaged", Err: err}
	}
	return &checkedReader{r: r, fail: func(err error) { s.damaged(ctx, actor, ev, "", err) }}, nil
}

// checkedReader reports the first ErrDamaged of a blob reader.
type checkedReader struct {
	r     *blob.Reader
	fail  func(error)
	found bool
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && errors.Is(err, blob.ErrDamaged) && !c.found {
		c.found = true
		c.fail(err)
	}
	return n, err
}

func (c *checkedReader) Close() error { return c.r.Close() }

// damaged logs, loudly, that an item's file no longer matches its SHA-256
// (or is gone: found is ""), and records it in the custody log, the
// timeline and the audit log, whatever became of the request that found it.
func (s *EvidenceService) damaged(ctx context.Context, actor int64, ev *Evidence, found string, cause error) {
	s.log.Error("EVIDENCE FILE DAMAGED: its content no longer matches its SHA-256 (or it is missing); the read was refused",
		"case", ev.CaseID, "evidence", ev.ID, "sha256", ev.SHA256, "found", found, "err", cause)
	ctx = context.WithoutCancel(ctx)
	now := s.cases.clock.Now()
	note := "missing"
	if found != "" || errors.Is(cause, blob.ErrDamaged) {
		note = "mismatch"
	}
	err := s.store.AddCustody(ctx, ev.CaseID, []Custody{{EvidenceID: ev.ID, At: now, ActorID: actor, Action: CustodyVerifyFailed, Note: note, SHA256: found}},
		Event{At: now, ActorID: actor, Kind: EventEvidenceDamaged, RefID: ev.ID, Reason: note},
		audit.Entry{Actor: audit.Actor{UserID: actor, Label: "system"}, Action: "evidence.verify_failed", ObjectType: EvidenceObjectType,
			ObjectID: strconv.FormatInt(ev.ID, 10), Detail: map[string]any{"case": ev.CaseID, "sha256": ev.SHA256, "found": found, "problem": note}})
	if err != nil {
		s.log.Error("could not record a damaged evidence file", "case", ev.CaseID, "evidence", ev.ID, "err", err)
	}
}

// Verify hashes an item's file again and records the result in its custody
// log: verified, or verification failed (with the timeline entry and a
// loud log line). p needs the view right. It reports whether the file
// matched.
func (s *EvidenceService) Verify(ctx context.Context, p auth.Principal, caseID, id int64) (bool, error) {
	c, err := s.cases.load(ctx, p, caseID, access.View)
	if err != nil {
		return false, err
	}
	ev, err := s.store.EvidenceItem(ctx, c.ID, id)
	if err != nil {
		return false, err
	}
	if ev.Kind != EvidenceFile {
		return false, koban.FieldError("evidence", "case.evidence.error.no_file")
	}
	found, _, err := s.hash(ev.SHA256)
	if err != nil {
		return false, err
	}
	if found != ev.SHA256 {
		s.damaged(ctx, p.UserID, ev, found, errors.New("verification"))
		return false, nil
	}
	err = s.store.AddCustody(ctx, c.ID, []Custody{{EvidenceID: ev.ID, At: s.cases.clock.Now(), ActorID: p.UserID, Action: CustodyVerified, SHA256: found}},
		Event{}, s.entry(p, ev.ID, "evidence.verify", map[string]any{"case": c.ID, "sha256": found}))
	return err == nil, err
}

// hash returns the SHA-256 and size of the stored file named sum, "" when
// it is missing.
func (s *EvidenceService) hash(sum string) (string, int64, error) {
	found, size, err := s.blobs.Hash(sum)
	if errors.Is(err, blob.ErrMissing) {
		return "", 0, nil
	}
	return found, size, err
}

func (s *EvidenceService) entry(p auth.Principal, evidenceID int64, action string, detail map[string]any) audit.Entry {
	e := audit.Entry{Actor: p.Actor(), Action: action, ObjectType: EvidenceObjectType, Detail: detail}
	if evidenceID != 0 {
		e.ObjectID = strconv.FormatInt(evidenceID, 10)
	}
	return e
}
