package intel_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/tlp"
)

// exportEnv is the intel env with the intake and cases services an
// exporter reads records through.
type exportEnv struct {
	*env
	intake *intake.Service
	cases  *cases.Service
	x      *intel.Exporter
}

func newExportEnv(t *testing.T) *exportEnv {
	e := newEnv(t)
	blobs, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tree := func() *org.Tree { return e.tree }
	in := intake.NewService(e.db, blobs, tree, e.clock, nil)
	cs := cases.NewService(e.db, access.New(e.db, tree, e.clock), tree, e.clock, time.UTC)
	return &exportEnv{env: e, intake: in, cases: cs, x: intel.NewExporter(in, cs, access.New(e.db, tree, e.clock), e.db, tree, wording(t))}
}

// The reporter of the test report: what must never leave koban.
const (
	reporterName  = "山田花子"
	reporterPhone = "090-1111-2222"
	reporterMail  = "hanako.yamada@example.jp"
)

// submit stores a report from the public with the reporter's contact
// details, which they also wrote into the text.
func (e *exportEnv) submit(description string, level tlp.Level) *intake.Receipt {
	e.t.Helper()
	rc, err := e.intake.Submit(e.ctx, intake.Submission{Kind: intake.KindReport, Category: "FR", Prefecture: "13",
		Description: description + "\n連絡先: " + reporterName + " " + reporterPhone + " " + reporterMail,
		OccurredAt:  now0.Add(-48 * time.Hour), Money: intake.Money{AmountJPY: 300000},
		Contact: intake.Contact{Name: reporterName, Phone: reporterPhone, Email: reporterMail}, Consent: true, Language: "ja"},
		intake.Origin{Source: "web", IP: "192.0.2.7", TLP: level})
	if err != nil {
		e.t.Fatal(err)
	}
	return rc
}

func (e *exportEnv) write(x *intel.Export) []byte {
	e.t.Helper()
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		e.t.Fatal(err)
	}
	return buf.Bytes()
}

// lastAudit is the newest audit row of a record with action.
func (e *exportEnv) lastAudit(objectType string, id int64, action string) (audit.Row, map[string]any) {
	e.t.Helper()
	rows, err := e.db.AuditOf(e.ctx, objectType, strconv.FormatInt(id, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Action == action {
			var d map[string]any
			json.Unmarshal([]byte(rows[i].Detail), &d)
			return rows[i], d
		}
	}
	e.t.Fatalf("no %s row on %s %d", action, objectType, id)
	return audit.Row{}, nil
}

const scamText = "佐川急便を名乗るSMSが届き、https://sagawa-delivery.xyz/track を開いた。電話 090-4444-5555 に掛けるよう言われ、" +
	"みずほ銀行（0001） 新宿支店（001） 普通 1234567 に振り込んだ。"

// The values of scamText, and the reporter's own, as the index holds them.
var (
	scamPhone     = observe.Observable{Type: observe.Phone, Value: "+819044445555"}
	ownPhone      = observe.Observable{Type: observe.Phone, Value: "+819011112222"}
	ownMail       = observe.Observable{Type: observe.Email, Value: reporterMail}
	ownDomain     = observe.Observable{Type: observe.Domain, Value: "example.jp"}
	scamAccount   = observe.Observable{Type: observe.BankAccount, Value: "0001-001-1-1234567"}
	personalBits  = []string{reporterName, "山田", "hanako", "example.jp", "9011112222", "1111-2222", "連絡先"}
	scamTextFacts = []string{"+819044445555", "0001-001-1-1234567", "https://sagawa-delivery.xyz/track"}
)

func TestExportReport(t *testing.T) {
	e := newExportEnv(t)
	rc := e.submit(scamText, tlp.Amber)
	analyst := e.officer("pref-13", auth.RoleAnalyst)

	// The index holds the reporter's own number and address as values of
	// the report (they wrote them in the text); the export leaves them out.
	stored, err := e.db.Report(e.ctx, rc.ReportID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(stored.Observables, ownPhone) || !slices.Contains(stored.Observables, ownMail) || !slices.Contains(stored.Observables, ownDomain) ||
		!slices.Contains(stored.Observables, scamPhone) {
		t.Fatalf("the index holds %v", stored.Observables)
	}

	for _, f := range []intel.Format{intel.FormatSTIX, intel.FormatMISP} {
		x, err := e.x.Report(e.ctx, analyst, rc.ReportID, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		body := string(e.write(x))
		for _, bit := range personalBits {
			if strings.Contains(body, bit) {
				t.Errorf("%s export holds the reporter's %q", f, bit)
			}
		}
		for _, fact := range scamTextFacts {
			if !strings.Contains(body, fact) {
				t.Errorf("%s export lacks %s", f, fact)
			}
		}
		if strings.Contains(body, "佐川急便を名乗る") {
			t.Errorf("%s export holds the report's text", f)
		}
		if x.Name != "koban-"+rc.Receipt+"."+string(f)+".json" || x.TLP != "amber" || x.Objects == 0 {
			t.Errorf("%s export %+v", f, x)
		}
		// The export is audited, with its format and size.
		row, d := e.lastAudit("report", rc.ReportID, "report.export_"+string(f))
		if row.ActorID != analyst.UserID || d["format"] != string(f) || d["objects"] != float64(x.Objects) || d["tlp"] != "amber" {
			t.Errorf("%s audit %+v %v", f, row, d)
		}
		switch f {
		case intel.FormatSTIX:
			dec := stix.NewDecoder(strings.NewReader(body))
			n := 0
			for o, err := dec.Next(); err == nil; o, err = dec.Next() {
				n++
				if ps := stix.Validate(o); len(ps) > 0 {
					t.Errorf("%s: %v", o.ID(), ps)
				}
			}
			if n != x.Objects || x.ContentType != "application/stix+json;version=2.1" || d["bundle"] == nil {
				t.Errorf("%d objects read, %d counted (%s)", n, x.Objects, x.ContentType)
			}
		case intel.FormatMISP:
			ev, err := misp.NewReader(strings.NewReader(body)).Next()
			if err != nil {
				t.Fatal(err)
			}
			if ps := misp.Validate(ev); len(ps) > 0 {
				t.Errorf("MISP: %v", ps)
			}
			if ev.UUID != intel.RecordUUID("report:"+rc.Receipt) || ev.Orgc.Name != "警視庁" || len(ev.Attributes) != x.Objects {
				t.Errorf("event %+v", ev)
			}
		}
	}

	// Who may: not a role without intel.manage (Forbidden, whatever the
	// record), not an officer who may not view the report (NotFound, as a
	// missing one), not a format koban does not write.
	intakeOfficer := e.officer("pref-13", auth.RoleIntake)
	osaka := e.officer("pref-27", auth.RoleAnalyst)
	for _, c := range []struct {
		name string
		p    auth.Principal
		id   int64
		f    intel.Format
		want koban.Code
	}{
		{"intake officer", intakeOfficer, rc.ReportID, intel.FormatSTIX, koban.Forbidden},
		{"intake officer, missing report", intakeOfficer, 999999, intel.FormatSTIX, koban.Forbidden},
		{"another prefecture", osaka, rc.ReportID, intel.FormatSTIX, koban.NotFound},
		{"missing", analyst, 999999, intel.FormatMISP, koban.NotFound},
		{"unknown format", analyst, rc.ReportID, "pdf", koban.NotFound},
	} {
		if _, err := e.x.Report(e.ctx, c.p, c.id, c.f); koban.ErrorCode(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// A report that sighted a partner's indicator says so in its export, when
// the officer may know of the indicator; and a bundle koban exported,
// imported again, puts the report's values (and only those) in the index.
func TestExportSightingsAndRoundTrip(t *testing.T) {
	e := newExportEnv(t)
	rc := e.submit(scamText, tlp.Amber)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	partner := e.fileSource(analyst, "JC3 SMS", "amber")
	res, err := e.svc.ImportFile(e.ctx, analyst, partner.ID, strings.NewReader(`{"type":"indicator","spec_version":"2.1",
		"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-12-01T09:00:00.000Z","modified":"2026-12-01T09:00:00.000Z",
		"pattern":"[x-koban-phone-number:value = '+819044445555']","pattern_type":"stix","valid_from":"2026-12-01T09:00:00Z"}`))
	if err != nil || res.Stored.Sightings != 1 {
		t.Fatalf("partner indicator: %+v %v", res, err)
	}
	x, err := e.x.Report(e.ctx, analyst, rc.ReportID, intel.FormatSTIX)
	if err != nil {
		t.Fatal(err)
	}
	bundle := e.write(x)
	var sightings []*stix.Object
	dec := stix.NewDecoder(bytes.NewReader(bundle))
	for o, err := dec.Next(); err == nil; o, err = dec.Next() {
		if o.Type() == "sighting" {
			sightings = append(sightings, o)
		}
	}
	if len(sightings) != 1 || sightings[0].SightingOfRef() != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" || stix.TLPOf(sightings[0]) != stix.TLPAmber {
		t.Errorf("sightings %v", sightings)
	}
	if _, d := e.lastAudit("report", rc.ReportID, "report.export_stix"); d["sightings"] != float64(1) {
		t.Errorf("audit %v", d)
	}
	// Osaka's analyst, given a view of the report, may not know of the
	// indicator Tokyo's partner gave Tokyo: their export has no sighting.
	osaka := e.officer("pref-27", auth.RoleAnalyst)
	if err := e.db.CreateGrant(e.ctx, &access.GrantRow{ObjectType: "report", ObjectID: rc.ReportID, UserID: osaka.UserID,
		Rights: []access.Right{access.View}, Reason: "test", CreatedAt: now0}, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		t.Fatal(err)
	}
	ox, err := e.x.Report(e.ctx, osaka, rc.ReportID, intel.FormatSTIX)
	if err != nil {
		t.Fatal(err)
	}
	if body := e.write(ox); bytes.Contains(body, []byte(`"sighting"`)) || !bytes.Contains(body, []byte(rc.Receipt)) {
		t.Errorf("Osaka's export:\n%s", body)
	}

	// The round trip: imported as a file source's intel, the bundle gives
	// the index the report's values, the reporter's own left out.
	want := map[observe.Observable]bool{}
	stored, _ := e.db.Report(e.ctx, rc.ReportID)
	for _, o := range stored.Observables {
		if o != ownPhone && o != ownMail && o != ownDomain {
			want[o] = true
		}
	}
	mine := e.fileSource(analyst, "koban's own export", "amber")
	back, err := e.svc.ImportFile(e.ctx, analyst, mine.ID, bytes.NewReader(bundle))
	if err != nil || back.Rejected != 0 || back.Broken != nil {
		t.Fatalf("import: %+v %v", back, err)
	}
	got := map[observe.Observable]bool{}
	seen := map[correlate.Key]bool{}
	for o := range want {
		v, err := e.db.Value(e.ctx, o)
		if err != nil {
			t.Fatalf("%v: %v", o, err)
		}
		occ, _, err := e.db.Occurrences(e.ctx, v.ID, access.Scope{All: true}, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, oc := range occ {
			if oc.Type == correlate.Intel && oc.Key != (correlate.Key{Type: correlate.Intel}) && !seen[oc.Key] {
				seen[oc.Key] = true
				vals, err := e.db.ValuesOf(e.ctx, oc.Key)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					got[v.Observable] = true
				}
			}
		}
	}
	for o := range want {
		if !got[o] {
			t.Errorf("%v did not come back", o)
		}
	}
	for o := range got {
		if !want[o] {
			t.Errorf("%v came back, not a value of the report", o)
		}
	}
	if !want[scamPhone] || !want[scamAccount] {
		t.Errorf("the report's values: %v", want)
	}
	// Imported again: nothing new (the same ids, the same versions).
	again, err := e.svc.ImportFile(e.ctx, analyst, mine.ID, bytes.NewReader(bundle))
	if err != nil || again.Stored.Added != 0 || again.Stored.Duplicates != back.Stored.Added {
		t.Errorf("imported twice: %+v, first %+v, %v", again.Stored, back.Stored, err)
	}
}

func TestExportCase(t *testing.T) {
	e := newExportEnv(t)
	tokyo := e.submit(scamText, tlp.Amber)
	// The other report is red, shared with no one: the analyst does not
	// see it, but the case goes out red.
	other := e.submit("同じ番号 090-4444-5555 から電話があった。", tlp.Red)
	investigator := e.officer("pref-13", auth.RoleInvestigator)
	c, err := e.cases.Open(e.ctx, investigator, cases.Opening{Title: "宅配業者を装うSMS詐欺", Summary: "被害者 山田花子 さんの件", Category: "FR",
		Severity: "high", Reports: []string{tokyo.Receipt, other.Receipt}})
	if err != nil {
		t.Fatal(err)
	}
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	x, err := e.x.Case(e.ctx, analyst, c.ID, intel.FormatSTIX)
	if err != nil {
		t.Fatal(err)
	}
	body := string(e.write(x))
	if x.TLP != "red" || x.Name != "koban-"+c.Number+".stix.json" || strings.Contains(body, other.Receipt) || !strings.Contains(body, tokyo.Receipt) ||
		strings.Contains(body, "被害者") || strings.Contains(body, "山田") {
		t.Errorf("case export %+v:\n%s", x, body)
	}
	if _, d := e.lastAudit("case", c.ID, "case.export_stix"); d["reports"] != float64(1) || d["hidden_reports"] != float64(1) || d["tlp"] != "red" {
		t.Errorf("audit %v", d)
	}
	m, err := e.x.Case(e.ctx, analyst, c.ID, intel.FormatMISP)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := misp.NewReader(bytes.NewReader(e.write(m))).Next()
	if err != nil || len(misp.Validate(ev)) > 0 || misp.TLP(ev.Tags) != "red" || !strings.Contains(ev.Info, c.Number) {
		t.Errorf("MISP case %v %+v", err, ev)
	}
	e.lastAudit("case", c.ID, "case.export_misp")
	// Who may: the investigator (no intel.manage) may not; Osaka's analyst
	// does not see the case.
	if _, err := e.x.Case(e.ctx, investigator, c.ID, intel.FormatSTIX); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("investigator: %v", err)
	}
	if _, err := e.x.Case(e.ctx, e.officer("pref-27", auth.RoleAnalyst), c.ID, intel.FormatSTIX); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka: %v", err)
	}
}
