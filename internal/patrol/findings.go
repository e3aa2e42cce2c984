package patrol

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/patrol/match"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

// ObjectType is the record type of findings in the index, grants and
// audit rows.
const ObjectType = "finding"

// States of a finding.
const (
	FindingNew           = "new"
	FindingConfirmed     = "confirmed"
	FindingFalsePositive = "false_positive"
)

// Finding is a capture the matcher flagged.
type Finding struct {
	ID          int64
	CaptureID   int64
	ItemID      int64
	OrgID       int64
	URL         string
	Category    string
	Score       float64
	Hits        []FindingHit
	Excerpt     string // the page's text around the first hits, for the review
	SimHash     uint64
	ClusterID   int64 // the first finding of its near-duplicate cluster
	ClusterSize int   // when loaded
	State       string
	TLP         tlp.Level
	ReviewedBy  int64
	ReviewedAt  time.Time
	ReviewNote  string
	ReportID    int64 // the report made of it; 0 when none
	CreatedAt   time.Time
	Observables []observe.Observable // the values found in the page
}

// FindingHit is one hit as a finding keeps it.
type FindingHit struct {
	Rule     string  `json:"rule"`
	Category string  `json:"category"`
	Weight   float64 `json:"weight"`
	Text     string  `json:"text"` // what matched, as written on the page
	Source   string  `json:"source,omitempty"`
}

// FindingStore keeps findings.
type FindingStore interface {
	// AddFinding stores a finding, joins it to the nearest cluster of its
	// category within threshold bits (or makes it a cluster's first) and
	// indexes its values nationally, in one transaction.
	AddFinding(ctx context.Context, f *Finding, threshold int) error
	Finding(ctx context.Context, id int64) (*Finding, error)
	Findings(ctx context.Context, orgs []int64, state string, limit int) ([]*Finding, error)
	ClusterFindings(ctx context.Context, clusterID int64, limit int) ([]*Finding, error)
	ReviewFinding(ctx context.Context, f *Finding, e audit.Entry) error
	PhraseItems(ctx context.Context, orgID int64) ([]*Item, error)
	// SetFindingReport records the report made of a finding, with the
	// audit entry; Conflict when one was made already.
	SetFindingReport(ctx context.Context, findingID, reportID int64, e audit.Entry) error
}

// Reporter files reports (intake.Service).
type Reporter interface {
	Submit(ctx context.Context, sub intake.Submission, o intake.Origin) (*intake.Receipt, error)
}

// categories map a finding's category to the report taxonomy: 闇バイト
// recruitment is illegal information since the IHC's 2025 guidelines.
var categories = map[string]taxonomy.Code{"yamibaito": taxonomy.IL, "illegal": taxonomy.IL, "serious-crime": taxonomy.SC, "suicide": taxonomy.SU}

// SetReporter lets confirmed findings become reports.
func (s *Service) SetReporter(r Reporter) { s.reporter = r }

// FileReport makes a report (情報提供, source "patrol") of a confirmed
// finding, owned by the finding's prefecture: the page's address, the
// excerpt and the values found, so that the report joins the national
// index and can be linked to a case like any other. One report per
// finding.
func (s *Service) FileReport(ctx context.Context, p auth.Principal, id int64) (*intake.Receipt, error) {
	if s.reporter == nil {
		return nil, koban.Errorf(koban.Conflict, "error.forbidden")
	}
	f, err := s.confirmedFinding(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if f.ReportID != 0 {
		return nil, koban.Errorf(koban.Conflict, "patrol.error.reported")
	}
	o, _ := s.tree().ByID(f.OrgID)
	desc := "サイバーパトロールで確認したページ: " + f.URL + "\n\n" + f.Excerpt
	if f.ReviewNote != "" {
		desc += "\n\n確認者のメモ: " + f.ReviewNote
	}
	rc, err := s.reporter.Submit(ctx, intake.Submission{Kind: intake.KindTip, Category: string(categories[f.Category]), Prefecture: o.Prefecture,
		Language: "ja", Description: desc}, intake.Origin{Source: "patrol", SubmittedBy: p.UserID, OrgID: p.OrgID, Label: p.Email, IP: p.IP, TLP: f.TLP})
	if err != nil {
		return nil, err
	}
	if err := s.findings.SetFindingReport(ctx, f.ID, rc.ReportID, audit.Entry{Actor: p.Actor(), Action: "patrol.finding_report",
		ObjectType: ObjectType, ObjectID: strconv.FormatInt(f.ID, 10), Detail: map[string]any{"report": rc.Receipt}}); err != nil {
		return nil, err
	}
	return rc, nil
}

// confirmedFinding loads a finding p may edit and that an analyst
// confirmed: only those leave cyber patrol.
func (s *Service) confirmedFinding(ctx context.Context, p auth.Principal, id int64) (*Finding, error) {
	f, err := s.findings.Finding(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, access.Edit, access.Object{Type: ObjectType, ID: f.ID, OrgID: f.OrgID, TLP: f.TLP}); err != nil {
		return nil, err
	}
	if f.State != FindingConfirmed {
		return nil, koban.Errorf(koban.Conflict, "patrol.error.not_confirmed")
	}
	return f, nil
}

// maxExamined is how much of a page is read for matching.
const maxExamined = 2 << 20

// textual says whether a capture's body is text worth reading.
func textual(contentType string) bool {
	ct := strings.ToLower(contentType)
	return ct == "" || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "html") || strings.Contains(ct, "xml") || strings.Contains(ct, "json")
}

// PageText is the text a person reads on a page: the text of an HTML
// document outside script, style and the like (with breaks between
// blocks), or the body itself when it is not HTML.
func PageText(body []byte, contentType string) string {
	if !strings.Contains(strings.ToLower(contentType), "html") && !bytes.Contains(bytes.ToLower(body[:min(len(body), 512)]), []byte("<html")) {
		return strings.ToValidUTF8(string(body), "")
	}
	var b strings.Builder
	z := html.NewTokenizer(bytes.NewReader(body))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.ToValidUTF8(b.String(), "")
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template", "svg":
				skip++
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "section", "article":
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template", "svg":
				if skip > 0 {
					skip--
				}
			}
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		}
	}
}

// examine matches a new capture's text against the built-in rules and the
// owner's phrases and expressions, and keeps a finding when the score
// calls for a review.
func (s *Service) examine(ctx context.Context, it *Item, c *Capture) error {
	if s.findings == nil || !textual(c.ContentType) {
		return nil
	}
	r, err := s.blobs.Open(c.SHA256)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(r, maxExamined))
	r.Close()
	if err != nil {
		return err
	}
	text := PageText(body, c.ContentType)
	m, err := s.matcher(ctx, it.OrgID)
	if err != nil {
		return err
	}
	res := m.Scan(text)
	v := match.Classify(res.Hits)
	if v.Category == "" || v.Score < match.ReviewScore {
		return nil
	}
	f := &Finding{CaptureID: c.ID, ItemID: it.ID, OrgID: it.OrgID, URL: c.FinalURL, Category: string(v.Category), Score: v.Score,
		SimHash: match.SimHash64(text), State: FindingNew, TLP: tlp.Amber, CreatedAt: s.clock.Now(), Observables: observe.Extract(text)}
	for _, h := range res.Hits {
		if len(f.Hits) == 50 {
			break
		}
		f.Hits = append(f.Hits, FindingHit{Rule: h.Rule.ID, Category: string(h.Rule.Category), Weight: h.Rule.Weight, Text: text[h.Start:h.End], Source: h.Rule.Source})
	}
	if len(v.Because) > 0 {
		f.Excerpt = excerpt(text, v.Because[0].Start, v.Because[0].End)
	}
	return s.findings.AddFinding(ctx, f, match.DefaultThreshold)
}

// excerpt is up to 200 characters on each side of a hit, on rune
// boundaries, with runs of white space made one.
func excerpt(text string, start, end int) string {
	from, to := start, end
	for n := 0; n < 200 && from > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:from])
		from -= size
	}
	for n := 0; n < 200 && to < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
	return strings.Join(strings.Fields(text[from:to]), " ")
}

// matcher is the built-in rules with the owner's phrase and regex items,
// compiled once for each set of items (a capture is matched with the
// matcher its organisation's items made last; compiling a thousand rules
// takes tens of milliseconds, which each fetch need not pay).
func (s *Service) matcher(ctx context.Context, orgID int64) (*match.Matcher, error) {
	items, err := s.findings.PhraseItems(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return match.Builtin(), nil
	}
	var sig strings.Builder
	for _, it := range items {
		sig.WriteString(strconv.FormatInt(it.ID, 10))
		sig.WriteByte(',')
	}
	s.mu.Lock()
	c, ok := s.matchers[orgID]
	s.mu.Unlock()
	if ok && c.sig == sig.String() {
		return c.m, nil
	}
	rules := match.BuiltinRules()
	for _, it := range items {
		kind := match.Phrase
		if it.Kind == KindRegex {
			kind = match.Regex
		}
		rules = append(rules, match.Rule{ID: "item-" + strconv.FormatInt(it.ID, 10), Kind: kind, Pattern: it.Target, Category: match.Yamibaito,
			Weight: 0.6, Source: it.Label})
	}
	m, err := match.Compile(rules)
	if err != nil { // an item that no longer compiles must not stop the patrol
		s.log.Warn("patrol: the line's rules do not compile; built-in rules only", "org", orgID, "err", err)
		m = match.Builtin()
	}
	s.mu.Lock()
	s.matchers[orgID] = compiled{sig: sig.String(), m: m}
	s.mu.Unlock()
	return m, nil
}

// compiled is an organisation's matcher and the items it was made of.
type compiled struct {
	sig string
	m   *match.Matcher
}

// FindingView is a finding with its cluster, as an officer reads it.
type FindingView struct {
	*Finding
	Cluster []*Finding
}

// Findings lists the findings of the officer's line in a state ("" for
// every state), newest first.
func (s *Service) Findings(ctx context.Context, p auth.Principal, state string) ([]*Finding, error) {
	if !p.Can(auth.PermPatrolRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return s.findings.Findings(ctx, s.tree().Visible(p.OrgID), state, 200)
}

// Finding returns a finding the officer may view, with the other pages of
// its cluster (those of the officer's line), and audits the read.
func (s *Service) Finding(ctx context.Context, p auth.Principal, id int64) (*FindingView, error) {
	f, err := s.findings.Finding(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, p, access.View, access.Object{Type: ObjectType, ID: f.ID, OrgID: f.OrgID, TLP: f.TLP}); err != nil {
		return nil, err
	}
	if err := s.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "patrol.finding_view", ObjectType: ObjectType, ObjectID: strconv.FormatInt(id, 10)}); err != nil {
		return nil, err
	}
	v := &FindingView{Finding: f}
	all, err := s.findings.ClusterFindings(ctx, f.ClusterID, 50)
	if err != nil {
		return nil, err
	}
	for _, o := range all {
		if o.ID != f.ID && s.tree().Sees(p.OrgID, o.OrgID) {
			v.Cluster = append(v.Cluster, o)
		}
	}
	return v, nil
}

// Review confirms a new finding or marks it a false positive. Only a
// confirmed finding may leave koban (a report, a case, a takedown).
func (s *Service) Review(ctx context.Context, p auth.Principal, id int64, state, note string) error {
	f, err := s.findings.Finding(ctx, id)
	if err != nil {
		return err
	}
	if err := s.access.Check(ctx, p, access.Edit, access.Object{Type: ObjectType, ID: f.ID, OrgID: f.OrgID, TLP: f.TLP}); err != nil {
		return err
	}
	if state != FindingConfirmed && state != FindingFalsePositive {
		return koban.FieldError("state", "patrol.error.review_state")
	}
	if f.State != FindingNew {
		return koban.Errorf(koban.Conflict, "patrol.error.reviewed")
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 1000 {
		return koban.FieldError("note", "patrol.error.review_note")
	}
	f.State, f.ReviewedBy, f.ReviewedAt, f.ReviewNote = state, p.UserID, s.clock.Now(), note
	return s.findings.ReviewFinding(ctx, f, audit.Entry{Actor: p.Actor(), Action: "patrol.finding_" + state, ObjectType: ObjectType,
		ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"category": f.Category, "url": f.URL}})
}

// HitsJSON writes hits as stored.
func HitsJSON(h []FindingHit) string {
	if len(h) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(h)
	return string(b)
}
