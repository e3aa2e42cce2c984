package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/dbcopy"
	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/malware"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/patrol"
	"github.com/koban-project/koban/internal/reading"
	"github.com/koban-project/koban/internal/retention"
	"github.com/koban-project/koban/internal/search"
	"github.com/koban-project/koban/internal/sso"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/store/pgtest"
	"github.com/koban-project/koban/internal/takedown"
	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/warnlist"
)

// migTables are every table migrate-db copies.
var migTables = []string{"instance", "orgs", "users", "sessions", "api_tokens", "passkeys", "passkey_challenges", "reports", "report_files", "report_messages",
	"observables", "occurrences", "clusters", "cluster_members", "cluster_growth", "warninglists", "access_requests", "grants",
	"case_numbers", "cases", "case_members", "case_reports", "case_tasks", "case_notes", "case_events", "case_evidence", "evidence_custody",
	"case_referrals", "case_parties", "support_requests", "access_answers", "access_request_grants",
	"report_search", "case_search", "note_search", "saved_searches", "saved_search_matches",
	"intel_sources", "intel_polls", "intel_objects", "intel_sightings", "taxii_collections", "taxii_collection_access",
	"taxii_collection_objects", "taxii_status", "audit_log", "rate_limits", "jobs", "job_queue", "job_attempts",
	"patrol_items", "patrol_hosts", "patrol_captures", "patrol_findings", "patrol_tag_retention", "patrol_usage", "takedown_requests", "takedown_checks",
	"foreign_requests", "advisories", "advisory_versions", "reading_feeds", "reading_items",
	"sample_files", "samples", "sample_cases",
	"vuln_sources", "vulns", "vuln_products", "vuln_kev", "vuln_epss", "assets", "vuln_findings", "vuln_alerts",
	"triage_models", "triage_suggestions", "oidc_links", "oidc_flows", "retention_tombstones", "audit_checkpoints"}

// kobanSource is a SQLite koban built through koban's own services.
type kobanSource struct {
	dir      string
	reports  int
	receipts []string // by report id - 1
	files    []string // distinct evidence SHA-256s
	samples  []string // malware samples' SHA-256s
}

const migPassword = "a long enough passphrase"

// buildSource files n reports (some with evidence, some from a partner) in
// a fresh SQLite koban, with users, tokens, sessions, organisations and
// triage on them (assign, categorise, reply, close, transfer, duplicates in
// both directions, reporters adding information and files), then closes it.
func buildSource(t testing.TB, n int) *kobanSource {
	t.Helper()
	if n < 8 {
		t.Fatal("buildSource needs at least 8 reports")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = dir, ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	user := func(by audit.Actor, email, orgCode string, role auth.Role) *auth.User {
		t.Helper()
		u, err := a.Auth.CreateUser(ctx, by, auth.NewUser{Email: email, Name: "名前 " + email, OrgCode: orgCode, Role: role, Password: migPassword})
		must(err)
		return u
	}
	principal := func(u *auth.User) auth.Principal {
		return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: u.Role, IP: "192.0.2.10", Via: "session"}
	}

	adm := user(audit.System, "admin@npa.example", "npa", auth.RoleAdmin)
	ap := principal(adm)
	// At the national level: reports are routed to every prefecture.
	officer := user(ap.Actor(), "officer@npa.example", "npa", auth.RoleIntake)
	op := principal(officer)
	// Two stations; the first is then moved under the second, so that a
	// parent has a greater id than its child.
	st1, err := a.Admin.AddOrg(ctx, ap, admin.NewOrg{Code: "pref-13-shinjuku", ParentCode: "pref-13", NameJA: "新宿警察署", NameEN: "Shinjuku", Kind: org.KindStation})
	must(err)
	st2, err := a.Admin.AddOrg(ctx, ap, admin.NewOrg{Code: "pref-13-kabukicho", ParentCode: "pref-13", NameJA: "歌舞伎町署", NameEN: "Kabukicho", Kind: org.KindStation})
	must(err)
	_, err = a.Admin.AddOrg(ctx, ap, admin.NewOrg{Code: "bank-x", NameJA: "エックス銀行", NameEN: "Bank X", Kind: org.KindPartner})
	must(err)
	must(a.Admin.SetRequireTOTP(ctx, ap, st1.ID, false)) // the one police organisation that relaxed it
	partner, err := a.Admin.AddUser(ctx, ap, auth.NewUser{Email: "feed@bank-x.example", OrgCode: "bank-x", Role: auth.RolePartner, Password: migPassword})
	must(err)
	gone, err := a.Admin.AddUser(ctx, ap, auth.NewUser{Email: "retired@shinjuku.example", OrgCode: "pref-13-shinjuku", Role: auth.RoleInvestigator, Password: migPassword})
	must(err)
	must(a.Admin.SetDisabled(ctx, ap, gone.ID, true))
	_, _, err = a.Auth.CreateToken(ctx, audit.Actor{Label: "cli"}, partner.Email, "nightly feed")
	must(err)
	_, old, err := a.Auth.CreateToken(ctx, audit.Actor{Label: "cli"}, partner.Email, "old feed")
	must(err)
	must(a.Auth.RevokeToken(ctx, audit.Actor{Label: "cli"}, old.ID))
	// A passkey (binary values, booleans, a counter), and a sign-in
	// waiting for it with its challenge kept on the session.
	must(a.DB.AddPasskey(ctx, &auth.Passkey{UserID: officer.ID, CredentialID: []byte{0, 1, 2, 0xfe, 0xff}, PublicKey: []byte("cose key"),
		SignCount: 41, Transports: []string{"internal", "hybrid"}, AAGUID: make([]byte, 16), Attestation: "none", UserPresent: true,
		UserVerified: true, BackupEligible: true, BackupState: true, Name: "署のパソコン", CreatedAt: time.Now(), LastUsedAt: time.Now()},
		audit.Entry{Actor: op.Actor(), Action: "auth.passkey_added"}))
	for _, email := range []string{officer.Email, adm.Email} {
		token, _, err := a.Auth.Login(ctx, email, migPassword, "198.51.100.7")
		must(err)
		if email == officer.Email {
			_, err = a.Auth.BeginPasskeyLogin(ctx, token, auth.RelyingParty{ID: "koban.example.jp", Origin: "https://koban.example.jp"})
			must(err)
		}
	}
	if _, _, err := a.Auth.Login(ctx, officer.Email, "wrong password!", "198.51.100.8"); err == nil {
		t.Fatal("wrong password accepted")
	}
	// The shared-state tables: a rate-limit bucket (a fractional token
	// count) and a job's schedule.
	_, _, err = a.DB.Allow(ctx, "submit:203.0.113.9", 0.7, 5, time.Now())
	must(err)
	_, _, err = a.DB.Allow(ctx, "submit:203.0.113.9", 0.7, 5, time.Now().Add(1234567*time.Microsecond))
	must(err)
	_, err = a.RunJob(ctx, "sweep", 10*time.Minute, func(context.Context) error { return nil })
	must(err)

	src := &kobanSource{dir: dir, reports: n, receipts: make([]string, n)}
	tokens := make([]string, n)
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	for start := 0; start < n; start += 250 {
		end := min(start+250, n)
		var subs []intake.Submission
		for i := start; i < end; i++ {
			subs = append(subs, migSubmission(rng, i))
		}
		o := intake.Origin{Source: "web", IP: "203.0.113.5"}
		if start%500 == 250 {
			o = intake.Origin{Source: "partner", SubmittedBy: partner.ID, OrgID: partner.OrgID, Label: partner.Email, IP: "192.0.2.99"}
			for i := range subs {
				subs[i].ExternalID = fmt.Sprintf("BX-%06d", start+i)
			}
		}
		rs, errs := a.Intake.SubmitBatch(ctx, subs, o)
		for i, r := range rs {
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", start+i, errs[i])
			}
			src.receipts[r.ReportID-1], tokens[r.ReportID-1] = r.Receipt, r.Token
		}
	}
	id := func(i int) int64 { return int64(i%n + 1) }
	for i := 0; i < n; i += 3 {
		must(a.Intake.Assign(ctx, ap, id(i), officer.ID, a.Auth.User))
		must(a.Intake.SetCategory(ctx, op, id(i+1), "PH"))
		must(a.Intake.Reply(ctx, ap, id(i), fmt.Sprintf("ご連絡ありがとうございます（%d）。", i)))
		if i%9 == 0 {
			must(a.Intake.Close(ctx, ap, id(i+2), "advice_given", "電話で助言"))
		}
		if i%12 == 0 {
			to := "pref-27"
			if r, err := a.DB.Report(ctx, id(i+1)); err == nil {
				if o, _ := a.Tree().ByCode(to); o.ID == r.OrgID {
					to = "pref-26"
				}
			}
			must(a.Intake.Transfer(ctx, ap, id(i+1), to, "管轄外の事案"))
		}
		if i%15 == 0 {
			must(a.Intake.AddInfo(ctx, tokens[i], "追加の情報です: 080-1234-"+fmt.Sprintf("%04d", i),
				[]intake.Upload{{Name: "追加.txt", Body: strings.NewReader(fmt.Sprintf("追加の証拠 %d", i))}}, "203.0.113.6"))
		}
		_, err := a.Intake.Get(ctx, ap, id(i)) // audits a view of personal data
		must(err)
	}
	// Two reports that share a number: a cluster.
	for _, tok := range tokens[:2] {
		must(a.Intake.AddInfo(ctx, tok, "同じ番号から電話: 090-4444-5555", nil, "203.0.113.6"))
	}
	// The national index's own tables: an imported warning list, and a
	// request for access to records seen only as counts.
	must(a.DB.SaveWarningLists(ctx, []warnlist.List{{Name: "テスト一覧", Source: warnlist.SourceMISP, Version: 3,
		Kind: warnlist.KindString, Types: []observe.Type{observe.Phone}, Entries: []string{"+819000000000"}}},
		audit.Entry{Actor: audit.System, Action: "warninglists.import", ObjectType: "warninglists"}))
	shared, err := a.DB.ValuesOf(ctx, correlate.Key{Type: correlate.Report, ID: 1})
	must(err)
	if len(shared) == 0 {
		t.Fatal("report 1 holds no observable: the test koban is not realistic enough")
	}
	r1, err := a.DB.Report(ctx, 1)
	must(err)
	asker := user(ap.Actor(), "asker@hokkaido.example", "pref-01", auth.RoleInvestigator)
	if asker.OrgID == r1.OrgID {
		asker = user(ap.Actor(), "asker@okinawa.example", "pref-47", auth.RoleInvestigator)
	}
	_, err = a.Index.RequestAccess(ctx, principal(asker), shared[0].Observable, r1.OrgID, "同一番号の事件を捜査中")
	must(err)
	// The owner answers with a week's grant on report 1 to the asker (the
	// store's own call until the access-request inbox lands).
	must(a.DB.CreateGrant(ctx, &access.GrantRow{ObjectType: "report", ObjectID: 1, UserID: asker.ID, Rights: []access.Right{access.View},
		ExpiresAt: time.Now().Add(7 * 24 * time.Hour), GrantedBy: adm.ID, Reason: "照会に回答", CreatedAt: time.Now()},
		audit.Entry{Actor: ap.Actor(), Action: "grant.create"}))
	// A saved search, matched below by the case and its note.
	_, err = a.Search.Save(ctx, ap, "宅配の事件", search.Query{Text: "宅配"}, false)
	must(err)
	time.Sleep(time.Millisecond)
	// A case opened from two reports, with a member, a task done and a note.
	c, err := a.Cases.Open(ctx, ap, cases.Opening{Title: "宅配SMSの連続事案", Summary: "二件の通報", Category: "PH", Severity: "high",
		Members: []int64{officer.ID}, Reports: []string{src.receipts[0], "2"}})
	must(err)
	task, err := a.Cases.AddTask(ctx, ap, c.ID, cases.NewTask{Title: "送信元の照会", AssigneeID: officer.ID, Due: "2026-04-01"})
	must(err)
	must(a.Cases.SetTaskDone(ctx, op, c.ID, task.ID, true))
	_, err = a.Cases.AddNote(ctx, op, c.ID, "**照会済み**: 宅配業者の番号")
	must(err)
	// Between organisations: the case referred to Osaka and accepted, a
	// party added and removed, the NCU asked for support and answering;
	// a second access request answered with a grant, a third refused.
	osaka := user(ap.Actor(), "osaka@osaka.example", "pref-27", auth.RoleInvestigator)
	ncu := user(ap.Actor(), "analyst@ncu.example", "ncu", auth.RoleAnalyst)
	osakaID, ncuID := osaka.OrgID, ncu.OrgID
	ref, err := a.Cases.Refer(ctx, ap, c.ID, osakaID, "被疑者が大阪在住")
	must(err)
	_, err = a.Cases.Accept(ctx, principal(osaka), ref.ID)
	must(err)
	party, err := a.Cases.AddParty(ctx, principal(osaka), c.ID, asker.OrgID, cases.PartyJoint)
	must(err)
	must(a.Cases.RemoveParty(ctx, principal(osaka), c.ID, party.ID))
	_, err = a.Cases.AddParty(ctx, principal(osaka), c.ID, ncuID, cases.PartySupport)
	must(err)
	sr, err := a.Cases.RequestSupport(ctx, principal(osaka), c.ID, cases.NewSupport{ToOrgID: ncuID, Kind: "crypto_tracing", Description: "送金先の追跡"})
	must(err)
	_, err = a.Cases.AnswerSupport(ctx, principal(ncu), sr.ID, "**送金先** は取引所X", nil)
	must(err)
	for i, grant := range []bool{true, false} {
		rq, err := a.Index.RequestAccess(ctx, principal(asker), shared[0].Observable, r1.OrgID, fmt.Sprintf("照会 %d", i))
		must(err)
		if grant {
			_, err = a.Requests.Grant(ctx, ap, rq.ID, 14)
		} else {
			_, err = a.Requests.Refuse(ctx, ap, rq.ID, "公判前のため")
		}
		must(err)
	}
	// Its evidence: a file (the same content as a report's, stored once)
	// and a seized phone handed to the lab, with their custody logs.
	staged, err := a.Evidence.Stage(strings.NewReader("追加の証拠 0"))
	must(err)
	_, err = a.Evidence.AddFile(ctx, ap, c.ID, "証拠.txt", cases.NewEvidence{ReceivedFrom: "被害者"}, staged)
	must(err)
	staged.Close()
	staged, err = a.Evidence.Stage(strings.NewReader("事件にだけある証拠"))
	must(err)
	file, err := a.Evidence.AddFile(ctx, ap, c.ID, "ログ.bin", cases.NewEvidence{}, staged)
	must(err)
	staged.Close()
	phone, err := a.Evidence.AddPhysical(ctx, ap, c.ID, cases.NewEvidence{Name: "スマートフォン", Serial: "IMEI 356938035643809", Location: "保管庫 A-3"})
	must(err)
	_, err = a.Evidence.RecordTransfer(ctx, ap, c.ID, phone.ID, cases.Transfer{Action: cases.CustodyHandedOver, Party: "科捜研"})
	must(err)
	_, err = a.Evidence.Item(ctx, op, c.ID, file.ID)
	must(err)
	if n, err := a.Search.MatchSaved(ctx); err != nil || n == 0 {
		t.Fatalf("MatchSaved = %d, %v; want the case and its note", n, err)
	}
	// Intel: a collection the bank writes to over TAXII, its objects (one
	// sighted by the reports holding its number), and a police source
	// polling it back.
	srv := httptest.NewServer(a.Handler())
	exchangeIntel(t, a, srv.URL, ap, partner.Email)
	srv.Close()
	// The job queue: a queued mail whose first attempt met the relay down.
	_, err = a.DB.EnqueueJobs(ctx, []jobs.New{{Kind: app.MailJob, Payload: map[string]string{"to": "victim@example.jp", "subject": "返信", "body": "…"}}}, time.Now())
	must(err)
	queued, err := a.DB.ClaimJobs(ctx, []string{app.MailJob}, "migrate-test", 1, time.Now(), time.Minute)
	must(err)
	must(a.DB.FinishJob(ctx, queued[0].ID, "migrate-test", jobs.Outcome{State: jobs.Ready, RunAt: time.Now().Add(jobs.Backoff(1)),
		Error: "421 service not available", StartedAt: time.Now(), FinishedAt: time.Now()}))
	// Cyber patrol: a watch item, its host's robots.txt and one capture
	// (its body in the file store like evidence).
	item, err := a.Patrol.CreateItem(ctx, ap, patrol.ItemInput{Kind: patrol.KindURL, Target: "https://yami-baito.example.jp/bosyu", Label: "募集ページ"})
	must(err)
	must(a.DB.SetHostRobots(ctx, "yami-baito.example.jp", "User-agent: *\nDisallow: /admin\n", 200, time.Second, time.Now()))
	sum, size, err := a.Blobs.Put(strings.NewReader("<html>高収入 即日即金</html>"), 1<<20)
	must(err)
	must(a.DB.AddCapture(ctx, &patrol.Capture{ItemID: item.ID, OrgID: item.OrgID, URL: item.Target, FinalURL: item.Target, Status: 200,
		Headers: []byte(`{"Content-Type":["text/html"]}`), SHA256: sum, Size: size, Profile: patrol.ProfileDefault, UserAgent: "koban/test",
		Route: "direct", FetchedAt: time.Now(), Duration: time.Second, Changed: true}))
	capt, err := a.DB.Captures(ctx, item.ID, 1)
	must(err)
	must(a.DB.AddFinding(ctx, &patrol.Finding{CaptureID: capt[0].ID, ItemID: item.ID, OrgID: item.OrgID, URL: item.Target, Category: "yamibaito", Score: 0.9,
		Hits: []patrol.FindingHit{{Rule: "yamibaito-002", Category: "yamibaito", Weight: 0.6, Text: "即日即金"}}, Excerpt: "高収入 即日即金",
		SimHash: 0x8000_0000_0000_0001, State: patrol.FindingNew, TLP: "amber", CreatedAt: time.Now(),
		Observables: []observe.Observable{{Type: observe.Phone, Value: "+819012345678"}}}, 14))
	// A tag's retention, and the captures' usage measured once.
	_, err = a.Patrol.SetTagRetention(ctx, ap, patrol.TagRetentionInput{Tag: "闇バイト", Days: "30"})
	must(err)
	_, err = a.DB.RecordPatrolUsage(ctx, patrol.Usage{Used: size, At: time.Now()})
	must(err)
	// A takedown request, sent and looked at once.
	td := &takedown.Request{OrgID: item.OrgID, Kind: takedown.Phishing, Target: "https://kuroneko-jp.top/login", State: takedown.Sent,
		RecipientEmail: "abuse@hoster.example", RecipientBasis: "officer", CreatedBy: ap.UserID, CreatedAt: time.Now(), SentAt: time.Now()}
	must(a.DB.CreateTakedown(ctx, td, audit.Entry{Actor: ap.Actor(), Action: "takedown.draft"}))
	must(a.DB.AddTakedownCheck(ctx, td, &takedown.Check{RequestID: td.ID, At: time.Now(), Status: 200, Detail: "200 OK"}))
	// An international request on the case, acknowledged (its clock
	// running), and an advisory published twice.
	fr := &foreign.Request{CaseID: c.ID, OrgID: c.OrgID, Direction: foreign.Outgoing, Kind: foreign.Preservation, State: foreign.Draft, Country: "US",
		Regime: "ninety", Authority: "大阪府警察本部", Offence: "詐欺", Data: "接続記録", Custodian: "Example Cloud", Necessity: "消去のおそれ", FollowUp: true,
		Identifiers: []foreign.Identifier{{Type: "ip", Value: "203.0.113.7", At: time.Now().UTC().Truncate(time.Second), Port: 443}},
		CreatedAt:   time.Now(), UpdatedAt: time.Now()}
	must(a.DB.CreateForeignRequest(ctx, fr, &cases.Event{CaseID: c.ID, At: time.Now(), Kind: foreign.EventCreated}, audit.Entry{Actor: ap.Actor(), Action: "foreign.create"}))
	fr.State, fr.SentAt, fr.AckAt = foreign.Acknowledged, time.Now(), time.Now()
	must(a.DB.UpdateForeignRequest(ctx, fr, nil, audit.Entry{Actor: ap.Actor(), Action: "foreign.move"}))
	adv := &advisory.Advisory{OrgID: c.OrgID, State: advisory.Draft, TLP: "clear", CreatedAt: time.Now(), UpdatedAt: time.Now(),
		Text: advisory.Text{TitleJA: "投資詐欺に注意", SummaryJA: "要約", BodyJA: "本文"}}
	must(a.DB.CreateAdvisory(ctx, adv, audit.Entry{Actor: ap.Actor(), Action: "advisory.create"}))
	for v := 1; v <= 2; v++ {
		adv.State, adv.Version, adv.PublishedAt, adv.RevisedAt = advisory.Published, v, time.Now(), time.Now()
		must(a.DB.UpdateAdvisory(ctx, adv, true, audit.Entry{Actor: ap.Actor(), Action: "advisory.publish"}))
	}
	// The reading list: a feed followed, fetched once, with one item and
	// one left out.
	rf := &reading.Feed{OrgID: item.OrgID, URL: "https://www.jpcert.or.jp/rss/jpcert.rdf", Name: "JPCERT/CC", Every: time.Hour, Enabled: true,
		CreatedBy: ap.UserID, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	must(a.DB.CreateReadingFeed(ctx, rf, audit.Entry{Actor: ap.Actor(), Action: "reading.feed_add"}))
	_, err = a.DB.RecordReadingFetch(ctx, rf.ID, []reading.Entry{{ID: "https://www.jpcert.or.jp/at/2026/at260031.html", Title: "注意喚起 (公開)",
		Link: "https://www.jpcert.or.jp/at/2026/at260031.html", Summary: "概要", Language: "ja", Published: time.Now()}},
		reading.Fetch{At: time.Now(), Status: 200, OK: true, Validators: true, ETag: `"v1"`, Parsed: true, NextAt: time.Now().Add(time.Hour),
			Dropped: []reading.Dropped{{Index: 2, Code: reading.DropNoID}}, DroppedCount: 1})
	must(err)
	// A malware sample on the case (its file in the samples' store), analysed.
	sst, err := a.Malware.Stage(strings.NewReader(strings.Repeat("MZ sample http://c2.evil-example.jp/ ", 40)))
	must(err)
	sm, _, err := a.Malware.Submit(ctx, ap, malware.Submission{Staged: sst, Name: "請求書.exe", CaseID: c.ID})
	must(err)
	sst.Close()
	must(a.Malware.Analyse(ctx, sm.File.SHA256))
	// Vulnerability information: a source, the dictionary from an NVD
	// page, KEV and EPSS, an asset whose finding KEV and EPSS alert on.
	vs := &vuln.Source{Kind: vuln.KindNVD, Location: "/var/lib/koban/nvd", Name: "NVD (offline)", Every: 24 * time.Hour, Enabled: true,
		CreatedBy: ap.UserID, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	must(a.DB.CreateVulnSource(ctx, vs, audit.Entry{Actor: ap.Actor(), Action: "vuln.source_add"}))
	_, err = a.Vuln.ImportPath(ctx, vuln.KindNVD, "../../../shared/data/vuln/nvd-go/nvd-api/testdata/responses/cves-2023.json.gz")
	must(err)
	_, err = a.Vuln.ImportPath(ctx, vuln.KindKEV, "../../../shared/data/vuln/kev-data/known_exploited_vulnerabilities.csv")
	must(err)
	_, err = a.Vuln.Import(ctx, vuln.KindEPSS, strings.NewReader("cve,epss,percentile\nCVE-2022-43781,0.94,0.999\n"))
	must(err)
	_, err = a.Vuln.AddAsset(ctx, ap, vuln.AssetInput{Name: "Bitbucket", CPE: "cpe:2.3:a:atlassian:bitbucket:7.6.5:*:*:*:*:*:*:*", Exposure: "internet"})
	must(err)
	// Triage suggestions for every report, from the first model version.
	for {
		n, err := a.Assist.SuggestPending(ctx)
		must(err)
		if n == 0 {
			break
		}
	}
	// Single sign-on: an account made through the provider, linked to its
	// subject, and a sign-in on its way there.
	ou := &auth.User{Email: "sso@pref13.example.jp", OrgID: ap.OrgID, Role: auth.RoleInvestigator, CreatedAt: time.Now()}
	must(a.DB.CreateOIDCUser(ctx, ou, "https://id.police.example.jp", "sub-1", audit.Entry{Actor: audit.System, Action: "auth.oidc_account_created", ObjectType: "user"}))
	must(a.DB.CreateOIDCFlow(ctx, sso.Flow{IDHash: "flow-1", State: "s", Nonce: "n", Verifier: "v", RedirectURL: "https://koban.example.jp/login/oidc/callback",
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}))
	// A duplicate pointing forward (an early report marked as a duplicate
	// of a later one) and one pointing back.
	must(a.Intake.MarkDuplicate(ctx, ap, id(2), src.receipts[n-3]))
	must(a.Intake.MarkDuplicate(ctx, ap, id(n-1), strconv.FormatInt(id(0), 10)))
	// Retention: two more captures of the patrol item (the same page), the
	// earlier deleted under its tombstone, and the audit log's first rows
	// pruned behind a checkpoint (the copy verifies the source's chain
	// from it).
	var extra []int64
	for range 2 {
		c := &patrol.Capture{ItemID: item.ID, OrgID: item.OrgID, URL: item.Target, FinalURL: item.Target, Status: 200,
			Headers: []byte(`{"Content-Type":["text/html"]}`), SHA256: sum, Size: size, Profile: patrol.ProfileDefault, UserAgent: "koban/test",
			Route: "direct", FetchedAt: time.Now(), Duration: time.Second}
		must(a.DB.AddCapture(ctx, c))
		extra = append(extra, c.ID)
	}
	goneOK, _, err := a.DB.DeleteRecord(ctx, retention.Deletion{Type: retention.TypeCapture, ID: extra[0], Rule: "patrol_capture", Version: "test", At: time.Now()})
	must(err)
	if !goneOK {
		t.Fatal("the extra capture was not deleted")
	}
	_, err = a.DB.PruneAudit(ctx, 5, time.Now(), audit.Entry{Actor: audit.System, Action: "retention.audit_pruned", ObjectType: "audit_log", ObjectID: "5"})
	must(err)
	must(a.Close())

	// Re-parent the first station under the second, as a later "move
	// station" would: a parent id greater than its child's.
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "koban.db")+"?_pragma=foreign_keys(1)")
	must(err)
	_, err = raw.Exec(`UPDATE orgs SET parent_id = ? WHERE id = ?`, st2.ID, st1.ID)
	must(err)
	must(raw.QueryRow(`SELECT COUNT(*) FROM reports`).Scan(&src.reports))
	rows, err := raw.Query(`SELECT sha256 FROM report_files UNION SELECT sha256 FROM case_evidence WHERE sha256 <> '' ORDER BY sha256`)
	must(err)
	for rows.Next() {
		var s string
		must(rows.Scan(&s))
		src.files = append(src.files, s)
	}
	must(rows.Err())
	rows, err = raw.Query(`SELECT sha256 FROM sample_files ORDER BY sha256`)
	must(err)
	for rows.Next() {
		var s string
		must(rows.Scan(&s))
		src.samples = append(src.samples, s)
	}
	must(rows.Err())
	must(raw.Close())
	return src
}

// migSubmission makes a public report: Japanese text with phones, URLs,
// accounts and e-mail addresses to extract, sometimes money and evidence.
func migSubmission(rng *rand.Rand, i int) intake.Submission {
	now := time.Now()
	texts := []string{
		"宅配業者を名乗るSMSが届き、https://sagawa-delivery%d.example.top/track にアクセスしてカード番号を入力しました。送信元は 090-%04d-%04d です。",
		"SNSで知り合った投資アドバイザーに勧められ、みずほ銀行 新宿支店 普通 %07d に振り込みました。LINE ID は invest_%d、連絡先 support%d@mail.example.com",
		"I got a mail from security@bank-verify%d.example.net telling me to log in at hxxps://bank-verify%d[.]example[.]net/login from 203.0.113.%d.",
		"サポート詐欺です。「ウイルスに感染しました」と表示され 0120-%03d-%03d に電話するよう指示されました。",
	}
	var desc string
	switch k := rng.IntN(len(texts)); k {
	case 0:
		desc = fmt.Sprintf(texts[0], rng.IntN(1000), rng.IntN(10000), rng.IntN(10000))
	case 1:
		desc = fmt.Sprintf(texts[1], rng.IntN(1e7), rng.IntN(1000), rng.IntN(1000))
	case 2:
		x := rng.IntN(1000)
		desc = fmt.Sprintf(texts[2], x, x, rng.IntN(255))
	default:
		desc = fmt.Sprintf(texts[3], rng.IntN(1000), rng.IntN(1000))
	}
	s := intake.Submission{
		Kind: intake.KindReport, Category: []string{"PH", "FR", "", "UA", "SP"}[rng.IntN(5)], Description: desc,
		Prefecture: fmt.Sprintf("%02d", 1+rng.IntN(47)), Language: "ja", Consent: true,
		Contact:    intake.Contact{Name: "山田 太郎", Email: fmt.Sprintf("victim%d@example.jp", i)},
		OccurredAt: now.Add(-time.Duration(rng.IntN(96)) * time.Hour),
	}
	if i%4 == 3 {
		s.Kind, s.Contact, s.Consent = intake.KindTip, intake.Contact{}, false
	}
	if rng.IntN(3) == 0 {
		s.Money = intake.Money{AmountJPY: int64(1000 * (1 + rng.IntN(500))), SentAt: now.Add(-time.Duration(rng.IntN(100)) * time.Hour)}
	}
	switch i % 10 {
	case 1:
		s.Files = []intake.Upload{{Name: "スクリーンショット.png", Body: strings.NewReader(fmt.Sprintf("\x89PNG\r\n\x1a\nfake image %d", i%13))}}
	case 5:
		s.Files = []intake.Upload{{Name: "sms.txt", Body: strings.NewReader(fmt.Sprintf("SMS本文: 荷物をお届けしました https://sagawa-x%d.example.top", i))}}
	}
	return s
}

// migrate runs koban migrate-db and returns the exit code and output.
func migrate(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	return migrateEnv(t, nil, args...)
}

func migrateEnv(t testing.TB, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: append([]string{"migrate-db"}, args...), Getenv: func(k string) string { return env[k] },
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func counts(t testing.TB, driver, dsn string) map[string]int64 {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int64{}
	for _, tbl := range migTables {
		var n int64
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + tbl).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tbl, err)
		}
		out[tbl] = n
	}
	return out
}

func sqliteDSN(dir string) string { return "file:" + filepath.Join(dir, "koban.db") + "?mode=ro" }

func pgExec(t testing.TB, url string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestMigrateDB(t *testing.T) {
	pg := pgtest.Database(t)
	src := buildSource(t, 60)
	filesTo := t.TempDir()
	ctx := context.Background()

	code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg, "--files-to", filesTo)
	t.Log(out)
	if code != 0 || !strings.Contains(out, "result: OK") {
		t.Fatalf("migrate-db: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{`reports +copied 60/60 rows`, `orgs .*\(1 parent_id set after the rows they point to\)`,
		`reports .*\(1 duplicate_of set after`, `audit chain: source intact, \d+ rows`, `evidence: \d+ files referenced: \d+ copied to`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %q", want)
		}
	}
	sc, tc := counts(t, "sqlite", sqliteDSN(src.dir)), counts(t, "pgx", pg)
	if !reflect.DeepEqual(sc, tc) {
		t.Fatalf("row counts differ:\nsource %v\ntarget %v", sc, tc)
	}
	for _, tbl := range migTables {
		if sc[tbl] == 0 {
			t.Errorf("the source has no %s: the test koban is not realistic enough", tbl)
		}
	}

	// Through koban's own store, the copy reads back the same.
	sdb, err := store.Open(ctx, store.Options{DataDir: src.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	tdb, err := store.Open(ctx, store.Options{DatabaseURL: pg})
	if err != nil {
		t.Fatal(err)
	}
	for i, receipt := range src.receipts {
		id, err := tdb.ReportIDByReceipt(ctx, receipt)
		if err != nil || id != int64(i+1) {
			t.Fatalf("receipt %s: id %d, %v", receipt, id, err)
		}
		want, err := sdb.Report(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tdb.Report(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("report %d differs:\nsource %+v\ntarget %+v", id, want, got)
		}
	}
	// A row hashes alike on both databases, as retention's tombstones take
	// it (booleans as 0 and 1, text as strings, NULL as null).
	for _, row := range []struct {
		table string
		id    int64
	}{{"reports", 1}, {"reports", 2}, {"cases", 1}, {"case_evidence", 1}, {"patrol_captures", 1}, {"users", 1}} {
		want, err := sdb.RowHash(ctx, row.table, row.id)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tdb.RowHash(ctx, row.table, row.id); err != nil || got != want {
			t.Errorf("%s %d hashes to %s on PostgreSQL, %s on SQLite (%v)", row.table, row.id, got, want, err)
		}
	}
	// The search index came along: the same searches find the same reports.
	for _, q := range []string{"sms", "追加の情報", "example", "詐欺 0120"} {
		terms, err := intake.SearchTerms(q)
		if err != nil {
			t.Fatal(err)
		}
		sh, sn, err1 := sdb.SearchReports(ctx, access.Scope{All: true}, terms, 200, 0)
		th, tn, err2 := tdb.SearchReports(ctx, access.Scope{All: true}, terms, 200, 0)
		if err1 != nil || err2 != nil || sn == 0 || sn != tn || !reflect.DeepEqual(sh, th) {
			t.Errorf("search %q: source %d, target %d (%v, %v)", q, sn, tn, err1, err2)
		}
	}
	r3, _ := tdb.Report(ctx, 3)
	if r3.DuplicateOf != int64(src.reports-2) || r3.Status != intake.StatusClosed {
		t.Errorf("forward duplicate: report 3 duplicate_of %d, status %s", r3.DuplicateOf, r3.Status)
	}
	var withAll bool
	for id := int64(1); id <= int64(src.reports); id++ {
		r, _ := tdb.Report(ctx, id)
		withAll = withAll || (len(r.Files) > 0 && len(r.Messages) > 0 && len(r.Observables) > 0)
	}
	if !withAll {
		t.Error("no report with files, messages and observables together")
	}
	sOrgs, _ := sdb.Orgs(ctx)
	tOrgs, _ := tdb.Orgs(ctx)
	if !reflect.DeepEqual(sOrgs, tOrgs) {
		t.Error("organisations differ")
	}
	var relaxed []string
	for _, o := range tOrgs {
		if !o.RequireTOTP && o.Kind != org.KindPartner {
			relaxed = append(relaxed, o.Code)
		}
	}
	if len(relaxed) != 1 || relaxed[0] != "pref-13-shinjuku" {
		t.Errorf("police organisations without a second factor: %v, want [pref-13-shinjuku] (booleans not carried?)", relaxed)
	}
	for id := int64(1); ; id++ {
		su, err := sdb.User(ctx, id)
		if err != nil {
			break
		}
		tu, err := tdb.User(ctx, id)
		if err != nil || !reflect.DeepEqual(su, tu) {
			t.Fatalf("user %d: %+v vs %+v (%v)", id, su, tu, err)
		}
		st, _ := sdb.Tokens(ctx, id)
		tt, _ := tdb.Tokens(ctx, id)
		if !reflect.DeepEqual(st, tt) {
			t.Fatalf("tokens of user %d differ", id)
		}
		sk, _ := sdb.Passkeys(ctx, id)
		tk, _ := tdb.Passkeys(ctx, id)
		if !reflect.DeepEqual(sk, tk) {
			t.Fatalf("passkeys of user %d differ: %+v vs %+v", id, sk, tk)
		}
	}
	if u, _ := tdb.UserByEmail(ctx, "retired@shinjuku.example"); u == nil || !u.Disabled {
		t.Error("disabled user not disabled in the target")
	}
	sv, err := sdb.VerifyAudit(ctx)
	if err != nil || !sv.OK() {
		t.Fatalf("source audit: %+v %v", sv, err)
	}
	tv, err := tdb.VerifyAudit(ctx)
	if err != nil || !tv.OK() || tv.Head != sv.Head || tv.Rows != sv.Rows {
		t.Fatalf("target audit %+v, source %+v, %v", tv, sv, err)
	}
	// Evidence: every file in the shared folder, byte for byte.
	if len(src.files) < 3 {
		t.Fatalf("only %d evidence files", len(src.files))
	}
	if len(src.samples) != 1 {
		t.Fatalf("%d samples, want 1", len(src.samples))
	}
	for folder, sums := range map[string][]string{"files": src.files, "samples": src.samples} {
		for _, sum := range sums {
			rel := filepath.Join(folder, sum[:2], sum[2:4], sum)
			a, err1 := os.ReadFile(filepath.Join(src.dir, rel))
			b, err2 := os.ReadFile(filepath.Join(filesTo, rel))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Fatalf("%s %s: %v %v", folder, sum, err1, err2)
			}
		}
	}
	tdb.Close()

	// Running again finds everything there and copies nothing.
	code, out, errs = migrate(t, "--from", "sqlite:"+filepath.Join(src.dir, "koban.db"), "--to", pg, "--files-to", filesTo)
	if code != 0 || !strings.Contains(out, "copied 0 rows") || !strings.Contains(out, fmt.Sprintf("0 copied to %s (files/, samples/), %d already there", filesTo, len(src.files)+len(src.samples))) {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}

	// koban runs on the copy: new rows get fresh ids (sequences reset) and
	// the audit chain goes on from the copied head.
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = filesTo, pg
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Description: "移行後の最初の通報 https://after.example.com",
		Files: []intake.Upload{{Name: "after.txt", Body: strings.NewReader("after the move")}}}, intake.Origin{Source: "web", IP: "203.0.113.1"})
	if err != nil {
		t.Fatal(err)
	}
	if rc.ReportID != int64(src.reports+1) {
		t.Errorf("new report got id %d, want %d", rc.ReportID, src.reports+1)
	}
	u, err := a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: "new@pref13.example", OrgCode: "pref-13", Role: auth.RoleAnalyst, Password: migPassword})
	if err != nil || u.ID != sc["users"]+1 {
		t.Errorf("new user: %+v %v", u, err)
	}
	ap := auth.Principal{UserID: 1, Email: "admin@npa.example", OrgID: 1, Role: auth.RoleAdmin}
	o, err := a.Admin.AddOrg(ctx, ap, admin.NewOrg{Code: "pref-13-ueno", ParentCode: "pref-13", NameJA: "上野署", NameEN: "Ueno", Kind: org.KindStation})
	if err != nil || o.ID != sc["orgs"]+1 {
		t.Errorf("new org: %+v %v", o, err)
	}
	if err := a.Intake.Reply(ctx, ap, 5, "移行後の返信"); err != nil {
		t.Error(err)
	}
	got, err := a.Intake.Get(ctx, ap, 1)
	if err != nil || len(got.Files)+len(got.Messages)+len(got.Observables) == 0 {
		t.Errorf("copied report 1 through the app: %+v %v", got, err)
	}
	for _, f := range got.Files {
		fh, err := a.Blobs.Open(f.SHA256)
		if err != nil {
			t.Errorf("evidence %s not readable from the new data folder: %v", f.SHA256, err)
			continue
		}
		fh.Close()
	}
	res, err := a.DB.VerifyAudit(ctx)
	if err != nil || !res.OK() || res.Rows <= sv.Rows {
		t.Errorf("audit after new writes: %+v %v", res, err)
	}
}

// TestMigrateDBResume interrupts the copy again and again (every two
// batches of seven rows) and checks that the runs together copy every row
// exactly once.
func TestMigrateDBResume(t *testing.T) {
	pg := pgtest.Database(t)
	src := buildSource(t, 40)
	filesTo := t.TempDir()
	ctx := context.Background()
	runs := 0
	for ; ; runs++ {
		var out bytes.Buffer
		_, err := dbcopy.Run(ctx, dbcopy.Options{From: "sqlite:" + src.dir, To: pg, FilesTo: filesTo, Batch: 7, StopAfter: 2, Out: &out})
		if err == nil {
			break
		}
		if !errors.Is(err, dbcopy.ErrStopped) {
			t.Fatalf("run %d: %v\n%s", runs, err, out.String())
		}
		if runs == 0 {
			// Two batches of at most seven: the database's identity (one
			// row), then seven organisations; nothing else.
			c := counts(t, "pgx", pg)
			if c["instance"] != 1 || c["orgs"] != 7 || c["users"] != 0 {
				t.Fatalf("after the first interruption: %v", c)
			}
		}
		if runs > 500 {
			t.Fatal("the copy does not end")
		}
	}
	if runs < 20 {
		t.Fatalf("only %d interruptions: the test does not cut the copy often enough", runs)
	}
	// The target may come from the environment, keeping a password off
	// the command line.
	code, out, errs := migrateEnv(t, map[string]string{"KOBAN_DATABASE_URL": pg}, "--from", "sqlite:"+src.dir, "--files-to", filesTo)
	if code != 0 || !strings.Contains(out, "result: OK") || !strings.Contains(out, "copied 0 rows") {
		t.Fatalf("after %d interrupted runs: exit %d\n%s\n%s", runs, code, out, errs)
	}
	t.Logf("%d interrupted runs, then:\n%s", runs, out)
	if sc, tc := counts(t, "sqlite", sqliteDSN(src.dir)), counts(t, "pgx", pg); !reflect.DeepEqual(sc, tc) {
		t.Fatalf("row counts differ:\nsource %v\ntarget %v", sc, tc)
	}
	// The forward references were set although their rows came in later runs.
	pgdb, _ := sql.Open("pgx", pg)
	defer pgdb.Close()
	var dup, parent sql.NullInt64
	pgdb.QueryRow(`SELECT duplicate_of FROM reports WHERE id = 3`).Scan(&dup)
	pgdb.QueryRow(`SELECT o.parent_id FROM orgs o WHERE o.code = 'pref-13-shinjuku'`).Scan(&parent)
	var kabukicho int64
	pgdb.QueryRow(`SELECT id FROM orgs WHERE code = 'pref-13-kabukicho'`).Scan(&kabukicho)
	if dup.Int64 != int64(src.reports-2) || parent.Int64 != kabukicho {
		t.Errorf("forward references: duplicate_of %v, parent %v (want %d, %d)", dup, parent, src.reports-2, kabukicho)
	}
}

// TestMigrateDBInterruptedByCancel stops a copy through its context, as
// Ctrl-C does, and continues it with the command.
func TestMigrateDBInterruptedByCancel(t *testing.T) {
	pg := pgtest.Database(t)
	src := buildSource(t, 30)
	ctx, cancel := context.WithCancel(context.Background())
	w := &cancelAfter{n: 5, cancel: cancel}
	_, err := dbcopy.Run(ctx, dbcopy.Options{From: "sqlite:" + src.dir, To: pg, Batch: 3, Out: w, Progress: time.Nanosecond})
	if err == nil || !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("cancelled copy: %v", err)
	}
	code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg)
	if code != 0 || !strings.Contains(out, "continuing after") || !strings.Contains(out, "result: OK") {
		t.Fatalf("continue: exit %d\n%s\n%s", code, out, errs)
	}
}

// cancelAfter cancels after n progress lines.
type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("copied")) {
		if c.n--; c.n == 0 {
			c.cancel()
		}
	}
	return len(p), nil
}

func TestMigrateDBVerifyFindsDifferences(t *testing.T) {
	pg := pgtest.Database(t)
	src := buildSource(t, 12)
	if code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg); code != 0 {
		t.Fatalf("migrate-db: exit %d\n%s\n%s", code, out, errs)
	}
	// Someone changes a report and an audit row in the target (one after
	// the source's checkpoint: rows up to 5 were pruned).
	pgExec(t, pg, `UPDATE reports SET description = 'changed' WHERE id = 2`)
	pgExec(t, pg, `ALTER TABLE audit_log DISABLE TRIGGER USER`, `UPDATE audit_log SET actor = 'someone else' WHERE id = 8`,
		`ALTER TABLE audit_log ENABLE TRIGGER USER`)
	code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg, "--verify-only")
	if code != 1 || !strings.Contains(errs, "verification failed") {
		t.Fatalf("verify-only after tampering: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"MISMATCH (id=2: column description differs)",
		"MISMATCH (id=8: column actor differs)",
		"target BROKEN at row 8",
		"result: MISMATCH",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "changed") || strings.Contains(out, "someone else") {
		t.Error("the report shows the differing values: it must name only the row and column")
	}
	if !strings.Contains(out, "orgs ") || strings.Count(out, " OK") < 8 {
		t.Errorf("unchanged tables not reported OK:\n%s", out)
	}
	// Copying again refuses: the target is no longer a prefix of the source.
	code, out, errs = migrate(t, "--from", "sqlite:"+src.dir, "--to", pg)
	if code != 1 || !strings.Contains(errs, "table reports, id=2: column description differs") {
		t.Fatalf("copy onto a changed target: exit %d\n%s\n%s", code, out, errs)
	}
	// A row missing from the target is named too.
	pgExec(t, pg, `DELETE FROM occurrences WHERE record_id = (SELECT MAX(record_id) FROM occurrences)`)
	code, out, _ = migrate(t, "--from", "sqlite:"+src.dir, "--to", pg, "--verify-only")
	if code != 1 || !strings.Contains(out, "is missing from the target") {
		t.Fatalf("missing rows: exit %d\n%s", code, out)
	}
}

func TestMigrateDBRefuses(t *testing.T) {
	src := buildSource(t, 8)
	ctx := context.Background()

	t.Run("target with other data", func(t *testing.T) {
		pg := pgtest.Database(t)
		db, err := store.Open(ctx, store.Options{DatabaseURL: pg})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		pgExec(t, pg, `INSERT INTO orgs (id, code, kind, name_ja, name_en, created_at) VALUES (1, 'other-koban', 'national', '別', 'Other', 1)`)
		code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg)
		if code != 1 || !strings.Contains(errs, "table orgs, id=1: column code differs") || !strings.Contains(errs, "empty database") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
		if c := counts(t, "pgx", pg); c["orgs"] != 1 || c["users"] != 0 || c["audit_log"] != 0 {
			t.Fatalf("the refused target was written to: %v", c)
		}
	})

	t.Run("target that is not a koban database", func(t *testing.T) {
		pg := pgtest.Database(t)
		pgExec(t, pg, `CREATE TABLE customers (id BIGINT PRIMARY KEY, name TEXT)`)
		code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg)
		if code != 1 || !strings.Contains(errs, "tables that are not koban's (customers)") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
		db, _ := sql.Open("pgx", pg)
		defer db.Close()
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n)
		if n != 1 {
			t.Errorf("koban's migrations ran on a foreign database: %d tables", n)
		}
	})

	t.Run("target where koban already ran", func(t *testing.T) {
		pg := pgtest.Database(t)
		cfg := config.Default()
		cfg.DataDir, cfg.DatabaseURL = t.TempDir(), pg
		a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg)
		if code != 1 || !strings.Contains(errs, "not (part of) a copy of this source") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
	})

	t.Run("schema versions differ", func(t *testing.T) {
		dir := t.TempDir()
		b, err := os.ReadFile(filepath.Join(src.dir, "koban.db"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "koban.db"), b, 0o600)
		raw, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, "koban.db"))
		if _, err := raw.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, 1)`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		pg := pgtest.Database(t)
		code, _, errs := migrate(t, "--from", "sqlite:"+dir, "--to", pg)
		if code != 1 || !strings.Contains(errs, "source schema version 99 is newer") {
			t.Fatalf("exit %d, %s", code, errs)
		}
	})

	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"--from", "sqlite:" + src.dir},
			{"--to", "postgres://x/y"},
			{"--from", "sqlite:" + src.dir, "--to", "postgres://x/y", "extra"},
		} {
			if code, _, errs := migrate(t, args...); code != 2 || !strings.Contains(errs, "usage: koban migrate-db") {
				t.Errorf("%v: exit %d, %s", args, code, errs)
			}
		}
		for _, tc := range []struct{ from, to, want string }{
			{src.dir, "postgres://x/y", "give sqlite:PATH"},
			{"sqlite:" + filepath.Join(src.dir, "nothing-here"), "postgres://x/y", "no such file"},
			{"sqlite:" + src.dir, "mysql://u:secret@x/y", "give postgres://"},
		} {
			code, _, errs := migrate(t, "--from", tc.from, "--to", tc.to)
			if code != 1 || !strings.Contains(errs, tc.want) || strings.Contains(errs, "secret") {
				t.Errorf("%s → %s: exit %d, %s", tc.from, tc.to, code, errs)
			}
		}
	})
}

func TestMigrateDBEvidence(t *testing.T) {
	pgtest.URL(t)
	src := buildSource(t, 20)
	if len(src.files) < 2 {
		t.Fatalf("only %d evidence files", len(src.files))
	}
	blob := func(dir, sum string) string { return filepath.Join(dir, "files", sum[:2], sum[2:4], sum) }

	// Without --files-to the files are checked in place and stay there.
	pg := pgtest.Database(t)
	code, out, errs := migrate(t, "--from", "sqlite:"+src.dir, "--to", pg)
	n := len(src.files) + len(src.samples)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d files referenced, %d present in", n, n)) ||
		!strings.Contains(out, "KOBAN_DATA_DIR/files") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}

	// A wrong file already at the destination is replaced; a file missing
	// from the source fails the run, naming it.
	filesTo := t.TempDir()
	bad := blob(filesTo, src.files[0])
	os.MkdirAll(filepath.Dir(bad), 0o700)
	os.WriteFile(bad, []byte("not the evidence"), 0o600)
	saved, _ := os.ReadFile(blob(src.dir, src.files[1]))
	os.Remove(blob(src.dir, src.files[1]))
	code, out, errs = migrate(t, "--from", "sqlite:"+src.dir, "--to", pgtest.Database(t), "--files-to", filesTo)
	if code != 1 || !strings.Contains(out, "1 missing from the source: "+src.files[1]) || !strings.Contains(out, "copied again") ||
		!strings.Contains(errs, "verification failed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if got, _ := os.ReadFile(bad); bytes.Equal(got, []byte("not the evidence")) {
		t.Error("the wrong file at the destination was kept")
	}

	// A source file whose content no longer matches its hash is not copied.
	os.WriteFile(blob(src.dir, src.files[1]), append(saved, '!'), 0o600)
	code, out, _ = migrate(t, "--from", "sqlite:"+src.dir, "--to", pgtest.Database(t), "--files-to", t.TempDir())
	if code != 1 || !strings.Contains(out, "whose content does not match") {
		t.Fatalf("corrupt source file: exit %d\n%s", code, out)
	}
	// Put right, the files copy and verify.
	os.WriteFile(blob(src.dir, src.files[1]), saved, 0o600)
	code, out, errs = migrate(t, "--from", "sqlite:"+src.dir, "--to", pg, "--files-to", filesTo, "--verify-only")
	if code != 1 || !strings.Contains(out, "evidence files: ") {
		t.Fatalf("verify-only before the files are there: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = migrate(t, "--from", "sqlite:"+src.dir, "--to", pg, "--files-to", filesTo)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ = migrate(t, "--from", "sqlite:"+src.dir, "--to", pg, "--files-to", filesTo, "--verify-only"); code != 0 {
		t.Fatalf("verify-only: exit %d\n%s", code, out)
	}
}

// BenchmarkMigrateDB copies a koban of 20,000 reports (with their files,
// observables, messages and audit rows) into a fresh PostgreSQL database per
// iteration and reports the rows copied per second.
func BenchmarkMigrateDB(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("KOBAN_MIGRATE_BENCH_REPORTS")); err == nil && v > 0 {
		n = v
	}
	pgtest.URL(b)
	t0 := time.Now()
	src := buildSource(b, n)
	b.Logf("source of %d reports built in %v", src.reports, time.Since(t0).Round(time.Millisecond))
	batch := dbcopy.DefaultBatch
	if v, err := strconv.Atoi(os.Getenv("KOBAN_MIGRATE_BENCH_BATCH")); err == nil && v > 0 {
		batch = v
	}
	var rows int64
	var copyTime, total time.Duration
	for b.Loop() {
		b.StopTimer()
		pg := pgtest.Database(b)
		b.StartTimer()
		start := time.Now()
		var out bytes.Buffer
		res, err := dbcopy.Run(context.Background(), dbcopy.Options{From: "sqlite:" + src.dir, To: pg, Batch: batch, Out: &out})
		if err != nil || !res.OK() {
			b.Fatalf("%v\n%s", err, out.String())
		}
		if testing.Verbose() {
			b.Log(out.String())
		}
		total += time.Since(start)
		rows += res.Copied
		copyTime += res.CopyTime
	}
	b.ReportMetric(float64(rows)/copyTime.Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/total.Seconds(), "rows/s-with-verify")
	b.ReportMetric(float64(rows)/float64(b.N), "rows")
}
