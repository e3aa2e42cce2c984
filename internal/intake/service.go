package intake

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

// Store is what intake needs from the database. Methods return a koban
// NotFound error for a missing report.
type Store interface {
	// CreateReports stores each report with its files, observables and audit
	// entry in one transaction, drawing a fresh receipt on a collision; it
	// sets ID and Receipt.
	CreateReports(ctx context.Context, rs []*Report, entries []audit.Entry) error
	ReportByTokenHash(ctx context.Context, tokenHash string) (*Report, error)
	Report(ctx context.Context, id int64) (*Report, error)
	Queue(ctx context.Context, f QueueFilter) ([]QueueItem, int, error)
	// GrantsOn gives the access decision the grants on a report.
	access.Store
	// SearchReports returns the reports in scope whose search text
	// holds every (normalised) term, newest first, each with the text its
	// reporter wrote (SearchHit.Text), and how many there are.
	SearchReports(ctx context.Context, scope access.Scope, terms []string, limit, offset int) ([]SearchHit, int, error)
	// UpdateReport loads the report, lets fn change it and name the audit
	// entry, and stores both in one transaction.
	UpdateReport(ctx context.Context, id int64, fn func(*Report) (audit.Entry, error)) error
	// AddToReport stores new messages and files on a report, with the audit entry.
	AddToReport(ctx context.Context, reportID int64, add Addition, e audit.Entry) error
	// FileSums yields the SHA-256 of every file a report (or a case, as
	// evidence) names, each once, in ascending byte order; a failure is
	// yielded as the last error. The sweep of orphaned files keeps them.
	FileSums(ctx context.Context) iter.Seq2[string, error]
	Audit(ctx context.Context, e audit.Entry) error
	// AuditOnce records e unless the log holds a row of the same action on
	// the same object by the same user at or after since; it reports
	// whether it wrote one.
	AuditOnce(ctx context.Context, e audit.Entry, since time.Time) (bool, error)
	AuditOf(ctx context.Context, objectType, objectID string) ([]audit.Row, error)
}

// Notifier sends a reporter e-mail: that the police wrote to them, and, at
// their request, their status link.
type Notifier interface {
	NotifyReply(ctx context.Context, to, language, receipt string) error
	// MailStatusLink sends the status page's link, to the reporter alone.
	MailStatusLink(ctx context.Context, to, language, receipt, link string) error
}

// Service is the intake capability.
type Service struct {
	store    Store
	blobs    *blob.Store
	tree     func() *org.Tree
	clock    koban.Clock
	limits   Limits
	notifier Notifier
	zone     *time.Location // where a day of audited views begins
	log      *slog.Logger
	access   *access.Decider
}

// NewService wires the intake service. tree returns the current organisation tree.
func NewService(st Store, blobs *blob.Store, tree func() *org.Tree, clock koban.Clock, log *slog.Logger) *Service {
	return &Service{store: st, blobs: blobs, tree: tree, clock: clock, limits: DefaultLimits, zone: time.UTC, log: log,
		access: access.New(st, tree, clock)}
}

// SetNotifier makes replies send an e-mail to reporters who gave an address.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// Notifies tells whether replies are sent by e-mail (SetNotifier was
// given a notifier), so the reply form can say when none will be.
func (s *Service) Notifies() bool { return s.notifier != nil }

// SetZone sets the time zone whose days count views of contact details
// (KOBAN_TIMEZONE); UTC until set.
func (s *Service) SetZone(loc *time.Location) { s.zone = loc }

// Limits returns the submission limits in force.
func (s *Service) Limits() Limits { return s.limits }

// Receipt is what the submitter takes away.
type Receipt struct {
	ReportID int64
	Receipt  string
	Token    string // secret; shown once, only its hash is stored
	Report   *Report
	Advice   []Advice
}

// Submit validates, routes and stores one submission. The report and its
// files are durable when Submit returns.
func (s *Service) Submit(ctx context.Context, sub Submission, o Origin) (*Receipt, error) {
	rs, errs := s.SubmitBatch(ctx, []Submission{sub}, o)
	if errs[0] != nil {
		return nil, errs[0]
	}
	return rs[0], nil
}

// Check validates a submission as Submit does, every problem at once (the
// staged files' among them), and stores nothing: the form checks first, so
// that it can hold the accepted files for another try when there are
// problems. Submit checks again.
func (s *Service) Check(sub Submission, o Origin) error {
	return validate(&sub, o, s.limits, s.clock.Now())
}

// SubmitBatch validates each submission on its own and stores the valid ones
// in one transaction. errs[i] says why submission i was rejected; a storage
// failure rejects all of them.
func (s *Service) SubmitBatch(ctx context.Context, subs []Submission, o Origin) ([]*Receipt, []error) {
	now := s.clock.Now()
	receipts := make([]*Receipt, len(subs))
	errs := make([]error, len(subs))
	var reports []*Report
	var entries []audit.Entry
	var index []int
	var releases []func()
	// Temporary copies of the files are dropped once the reports are
	// written; see blob.Staged.Close.
	defer func() {
		for _, release := range releases {
			release()
		}
	}()
	for i := range subs {
		r, release, err := s.prepare(&subs[i], o, now)
		if err != nil {
			errs[i] = err
			continue
		}
		releases = append(releases, release)
		token, hash := auth.NewStatusToken()
		r.TokenHash = hash
		receipts[i] = &Receipt{Token: token, Report: r}
		reports = append(reports, r)
		entries = append(entries, audit.Entry{
			Actor: actorOf(o), Action: "report.create", ObjectType: "report",
			Detail: map[string]any{"kind": string(r.Kind), "org": r.OrgID, "source": r.Source, "files": len(r.Files)},
		})
		index = append(index, i)
	}
	if len(reports) == 0 {
		return receipts, errs
	}
	if err := s.store.CreateReports(ctx, reports, entries); err != nil {
		err = fmt.Errorf("store reports: %w", err)
		for _, i := range index {
			receipts[i], errs[i] = nil, err
		}
		return receipts, errs
	}
	for _, i := range index {
		rc := receipts[i]
		rc.ReportID, rc.Receipt, rc.Advice = rc.Report.ID, rc.Report.Receipt, AdviceFor(rc.Report, now)
	}
	return receipts, errs
}

func actorOf(o Origin) audit.Actor {
	if o.Partner() {
		return audit.Actor{UserID: o.SubmittedBy, OrgID: o.OrgID, Label: o.Label, IP: o.IP}
	}
	return audit.Public(o.IP)
}

// prepare turns a valid submission into a report, its files already stored;
// release is to be run once the report is written or refused.
func (s *Service) prepare(sub *Submission, o Origin, now time.Time) (*Report, func(), error) {
	if err := validate(sub, o, s.limits, now); err != nil {
		closeUploads(sub.Files)
		return nil, nil, err
	}
	tree := s.tree()
	owner, ok := tree.ForPrefecture(sub.Prefecture)
	if sub.Prefecture == "" || !ok {
		owner, ok = tree.ByCode(org.NationalQueueCode)
		if !ok {
			closeUploads(sub.Files)
			return nil, nil, fmt.Errorf("route report: national queue %q missing", org.NationalQueueCode)
		}
	}
	r := &Report{
		Kind: sub.Kind, Category: sub.Category, ReportedCategory: sub.Category,
		Description: sub.Description, OccurredAt: sub.OccurredAt, Prefecture: sub.Prefecture,
		OrgID: owner.ID, Money: sub.Money, Status: StatusNew, Contact: sub.Contact,
		Consent: sub.Consent, Language: sub.Language, Source: o.Source, SubmittedBy: o.SubmittedBy,
		ExternalID: sub.ExternalID, CreatedAt: now, UpdatedAt: now, TLP: string(cmp.Or(o.TLP, tlp.Amber)),
	}
	r.Urgent = Urgent(r.Category, r.Description)
	r.FreezeDeadline = FreezeDeadline(r.Money.SentAt, now)
	files, found, release, err := s.storeUploads(sub.Files, "reporter", now)
	if err != nil {
		return nil, nil, err
	}
	r.Files = files
	r.Observables = mergeObservables(observe.Extract(r.Description), found)
	return r, release, nil
}

// storeUploads checks every file (type by content, size) before storing
// any, so that a rejected submission leaves nothing on disk; then stores
// each by SHA-256, synced, and returns them with the observables of the text
// files and e-mail messages. The caller runs release once the records naming
// the files are written (or failed to be): it drops the temporary copies.
func (s *Service) storeUploads(ups []Upload, by string, now time.Time) (files []File, found []observe.Observable, release func(), err error) {
	staged := make([]*stagedFile, 0, len(ups))
	releaseAll := func() {
		for _, sf := range staged {
			if err := sf.close(); err != nil {
				s.log.Error("evidence file", "sha256", sf.sum(), "err", err)
			}
		}
	}
	defer func() {
		if err != nil {
			releaseAll()
			closeUploads(ups)
		}
	}()
	var p koban.Problems
	for i, u := range ups {
		sf := u.staged
		if sf == nil {
			if sf, err = s.stage(u.Body); err != nil {
				return nil, nil, nil, err
			}
		}
		staged = append(staged, sf)
		if sf.problem != "" {
			p.Add("files."+strconv.Itoa(i), sf.problem)
		}
	}
	if err := p.Err(); err != nil {
		return nil, nil, nil, err
	}
	for i, sf := range staged {
		name := cleanFileName(ups[i].Name)
		ct := sf.contentType
		if ct == "text/plain" && strings.EqualFold(filepath.Ext(name), ".eml") {
			ct = "message/rfc822"
		}
		if ct == "text/plain" || ct == "message/rfc822" {
			head, err := sf.blob.Head(textHead)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("read upload: %w", err)
			}
			found = append(found, ObservablesOfFile(ct, string(head))...)
		}
		repaired, err := sf.blob.Commit()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("store upload: %w", err)
		}
		if repaired {
			s.log.Error("EVIDENCE FILE WAS DAMAGED: replaced by the same content just received", "sha256", sf.sum())
		}
		files = append(files, File{SHA256: sf.blob.Sum, Name: name, ContentType: ct, Size: sf.blob.Size, AddedBy: by, CreatedAt: now})
	}
	return files, found, releaseAll, nil
}

// ObservablesOfFile returns the observables of an evidence file's text (its
// first MiB): an e-mail message is read as one (senders, Received chain,
// links in its HTML, attachment hashes), any other text as free text. (HTML
// files themselves are refused at upload; analysts read saved pages with
// koban extract.)
func ObservablesOfFile(contentType, text string) []observe.Observable {
	if contentType == "message/rfc822" {
		if ev, err := observe.ExtractEmail([]byte(text)); err == nil {
			return ev.Observables
		}
	}
	return observe.Extract(text)
}

// mergeObservables returns a's observables followed by those of b that a
// does not hold.
func mergeObservables(a, b []observe.Observable) []observe.Observable {
	if len(b) == 0 {
		return a
	}
	seen := make(map[observe.Observable]bool, len(a)+len(b))
	out := make([]observe.Observable, 0, len(a)+len(b))
	for _, o := range slices.Concat(a, b) {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

// CleanFileName is the name a file is listed under: its base name, safe in
// headers and pages.
func CleanFileName(name string) string { return cleanFileName(name) }

// cleanFileName keeps a display name that is safe in headers and pages.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	for utf8.RuneCountInString(name) > 120 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." {
		name = "file"
	}
	return name
}

// StatusView is what the reporter sees on the status page.
type StatusView struct {
	Report *Report
	Advice []Advice
}

// Status returns the reporter's view of the report whose status token is token.
func (s *Service) Status(ctx context.Context, token string) (*StatusView, error) {
	if !auth.PlausibleStatusToken(token) {
		return nil, koban.Errorf(koban.NotFound, "status.error.not_found")
	}
	r, err := s.store.ReportByTokenHash(ctx, auth.HashToken(token))
	if err != nil {
		return nil, err
	}
	return &StatusView{Report: r, Advice: AdviceFor(r, s.clock.Now())}, nil
}

// AddInfo lets the reporter add text and files to their report.
func (s *Service) AddInfo(ctx context.Context, token, text string, ups []Upload, ip string) error {
	view, err := s.Status(ctx, token)
	if err != nil {
		closeUploads(ups)
		return err
	}
	r := view.Report
	text = strings.TrimSpace(text)
	var p koban.Problems
	if text == "" && len(ups) == 0 {
		p.Add("body", "status.error.empty")
	}
	if utf8.RuneCountInString(text) > s.limits.DescriptionRunes {
		p.Add("body", "intake.error.description_too_long")
	} else if !utf8.ValidString(text) || strings.ContainsFunc(text, badControl) {
		p.Add("body", "intake.error.description_invalid")
	}
	if len(ups)+len(r.Files) > s.limits.Files*3 {
		p.Add("files", "intake.error.too_many_files")
	}
	if err := p.Err(); err != nil {
		closeUploads(ups)
		return err
	}
	now := s.clock.Now()
	files, found, release, err := s.storeUploads(ups, "reporter", now)
	if err != nil {
		return err
	}
	defer release()
	if text != "" {
		found = mergeObservables(observe.Extract(text), found)
	}
	var msgs []Message
	if text != "" {
		msgs = append(msgs, Message{ReportID: r.ID, Author: "reporter", Body: text, CreatedAt: now})
	}
	return s.store.AddToReport(ctx, r.ID, Addition{Messages: msgs, Files: files, Observables: found}, audit.Entry{
		Actor: audit.Public(ip), Action: "report.add_info", ObjectType: "report", ObjectID: strconv.FormatInt(r.ID, 10),
		Detail: map[string]any{"files": len(files), "message": text != ""},
	})
}

// Queue lists the reports the principal may see.
func (s *Service) Queue(ctx context.Context, p auth.Principal, f QueueFilter) ([]QueueItem, int, error) {
	if !p.Can(auth.PermQueueRead) {
		return nil, 0, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	f.Scope = s.access.ScopeOf(p, "report", access.View)
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > 200:
		f.Limit = 200
	}
	return s.store.Queue(ctx, f)
}

// Get returns one report for an officer. A report the principal may not see
// is reported as not found, so its existence does not leak. Contact details
// are left out: Given says which the reporter gave, and RevealContact shows
// them. Nothing personal is shown, so nothing is audited.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (*Report, error) {
	r, err := s.visible(ctx, p, id, auth.PermReportRead)
	if err != nil {
		return nil, err
	}
	r.Given = r.Contact.Given()
	r.Contact = Contact{}
	return r, nil
}

// RevealContact returns the reporter's contact details to an officer whose
// role may see them (PermReportPersonal; Forbidden otherwise). The first
// reveal of a report by an officer in a day (in the zone of SetZone) writes
// the report.view_personal audit row; later ones that day are covered by
// it, so the log says who saw whose details on which day without a row for
// every page load.
func (s *Service) RevealContact(ctx context.Context, p auth.Principal, id int64) (Contact, error) {
	r, err := s.visible(ctx, p, id, auth.PermReportRead)
	if err != nil {
		return Contact{}, err
	}
	if !p.Can(auth.PermReportPersonal) {
		return Contact{}, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	if r.Contact.Empty() {
		return Contact{}, nil // nothing personal to show or audit
	}
	now := s.clock.Now().In(s.zone)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.zone)
	e := audit.Entry{Actor: p.Actor(), Action: "report.view_personal", ObjectType: "report", ObjectID: strconv.FormatInt(id, 10)}
	if _, err := s.store.AuditOnce(ctx, e, day); err != nil {
		return Contact{}, err
	}
	return r.Contact, nil
}

// History returns the audit trail of one report.
func (s *Service) History(ctx context.Context, p auth.Principal, id int64) ([]audit.Row, error) {
	if _, err := s.visible(ctx, p, id, auth.PermReportRead); err != nil {
		return nil, err
	}
	return s.store.AuditOf(ctx, "report", strconv.FormatInt(id, 10))
}

// FileOf returns one evidence file of a report the principal may see.
func (s *Service) FileOf(ctx context.Context, p auth.Principal, reportID, fileID int64) (File, error) {
	r, err := s.visible(ctx, p, reportID, auth.PermReportRead)
	if err != nil {
		return File{}, err
	}
	for _, f := range r.Files {
		if f.ID == fileID {
			err := s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "report.file_download", ObjectType: "report",
				ObjectID: strconv.FormatInt(reportID, 10), Detail: map[string]any{"file": fileID, "sha256": f.SHA256}})
			return f, err
		}
	}
	return File{}, koban.Errorf(koban.NotFound, "error.not_found")
}

// Blobs gives read access to stored evidence.
func (s *Service) Blobs() *blob.Store { return s.blobs }

// visible loads a report for p if their role holds perm and the access
// decision gives them the matching right on it: a report they may not view
// is NotFound, one they may view but not act on this way Forbidden.
func (s *Service) visible(ctx context.Context, p auth.Principal, id int64, perm auth.Permission) (*Report, error) {
	if !p.Can(perm) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	r, err := s.store.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, rightFor[perm], ReportObject(r)); err != nil {
		return nil, err
	}
	return r, nil
}

// rightFor is the access right each report permission is exercised as.
var rightFor = map[auth.Permission]access.Right{
	auth.PermReportRead:     access.View,
	auth.PermReportTriage:   access.Edit,
	auth.PermReportReply:    access.Edit,
	auth.PermReportTransfer: access.Refer,
}

// ReportObject is a report as the access decision knows it.
func ReportObject(r *Report) access.Object {
	return access.Object{Type: "report", ID: r.ID, OrgID: r.OrgID, TLP: tlp.Level(r.TLP)}
}

// Access is the decision the service asks; other services share it.
func (s *Service) Access() *access.Decider { return s.access }

// Categories returns the valid categories for forms.
func Categories() []taxonomy.Category { return taxonomy.All() }
