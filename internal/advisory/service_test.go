package advisory_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/markdown"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

var t0 = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

type env struct {
	db    *store.DB
	tree  *org.Tree
	clock *koban.FixedClock
	svc   *advisory.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	clock := koban.NewFixedClock(t0)
	db, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(ctx)
	tree, _ := org.NewTree(orgs)
	e := &env{db: db, tree: tree, clock: clock}
	treeFn := func() *org.Tree { return e.tree }
	e.svc = advisory.NewService(db, access.New(db, treeFn, clock), treeFn, clock, nil)
	return e
}

func (e *env) officer(t *testing.T, orgCode string, role auth.Role) auth.Principal {
	t.Helper()
	o, _ := e.tree.ByCode(orgCode)
	u := &auth.User{Email: fmt.Sprintf("%s-%s-%d@example.jp", orgCode, role, time.Now().UnixNano()), OrgID: o.ID, Role: role, PasswordHash: "x", CreatedAt: t0}
	if err := e.db.CreateUser(t.Context(), u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: role}
}

var sms = advisory.Input{TLP: "clear", Text: advisory.Text{TitleJA: "宅配便を装うSMSに注意", SummaryJA: "不在通知を装うSMSが増えています。",
	BodyJA: "リンクを**開かず**、公式アプリで確認してください。<script>alert(1)</script>", TitleEN: "Beware of SMS posing as deliveries",
	SummaryEN: "SMS posing as missed-delivery notices are rising.", BodyEN: "Do **not** open the link."}}

// From draft to the public feed: the author cannot publish their own,
// a supervisor can; a revision stays private until published again, and
// the feed entry keeps its id while its updated time moves; a withdrawal
// is said; what is not TLP:CLEAR never reaches the public.
func TestAdvisoryLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	analyst := e.officer(t, "pref-13", auth.RoleAnalyst)
	sup := e.officer(t, "pref-13", auth.RoleSupervisor)
	osaka := e.officer(t, "pref-27", auth.RoleSupervisor)
	intake := e.officer(t, "pref-13", auth.RoleIntake)
	if _, err := e.svc.Create(ctx, intake, sms); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an intake officer drafted: %v", err)
	}
	a, err := e.svc.Create(ctx, analyst, sms)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Submit(ctx, analyst, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Publish(ctx, analyst, a.ID); err == nil {
		t.Error("an analyst published")
	}
	if err := e.svc.Publish(ctx, osaka, a.ID); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("another prefecture published: %v", err)
	}
	e.clock.Advance(time.Hour)
	if err := e.svc.Publish(ctx, sup, a.ID); err != nil {
		t.Fatal(err)
	}
	pub, err := e.svc.Public(ctx, 10)
	if err != nil || len(pub) != 1 || pub[0].Version != 1 {
		t.Fatalf("public after publishing: %+v %v", pub, err)
	}
	feed := advisory.Feed{Base: &url.URL{Scheme: "https", Host: "koban.police.example.jp"}, Instance: "db-1", Lang: "ja", Title: "注意喚起",
		Author: "警視庁", Render: markdown.Render}
	atom1 := atomOf(t, feed, pub)
	// The supervisor revises it: the public keeps version 1.
	rev := sms
	rev.TitleJA = "宅配便・通販を装うSMSに注意"
	if _, err := e.svc.Edit(ctx, sup, a.ID, rev); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.svc.PublicOne(ctx, a.Number); v.Text.TitleJA != sms.TitleJA {
		t.Error("a revision in progress went public")
	}
	if err := e.svc.Submit(ctx, sup, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Publish(ctx, sup, a.ID); koban.ErrorKey(err) != "advisory.error.own" {
		t.Errorf("the reviser published their own revision: %v", err)
	}
	sup2 := e.officer(t, "pref-13", auth.RoleSupervisor)
	e.clock.Advance(time.Hour)
	if err := e.svc.Publish(ctx, sup2, a.ID); err != nil {
		t.Fatal(err)
	}
	pub, _ = e.svc.Public(ctx, 10)
	atom2 := atomOf(t, feed, pub)
	if atom1.Entries[0].ID != atom2.Entries[0].ID || atom2.Entries[0].Title != rev.TitleJA || atom2.Entries[0].Updated != t0.Add(2*time.Hour).Format(time.RFC3339) ||
		atom2.Entries[0].Published != t0.Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("the revised entry: %+v (was %+v)", atom2.Entries[0], atom1.Entries[0])
	}
	if strings.Contains(atom2.Entries[0].Content, "<script") || !strings.Contains(atom2.Entries[0].Content, "<strong>開かず</strong>") {
		t.Errorf("content: %s", atom2.Entries[0].Content)
	}
	// English readers get the English text, with the same id.
	en := feed
	en.Lang = "en"
	var jf struct {
		Items []struct {
			ID, Title, Language string
		} `json:"items"`
	}
	var buf bytes.Buffer
	if err := en.WriteJSON(&buf, pub, "(withdrawn)"); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &jf); err != nil || len(jf.Items) != 1 || jf.Items[0].ID != atom1.Entries[0].ID ||
		jf.Items[0].Title != sms.TitleEN || jf.Items[0].Language != "en" {
		t.Errorf("JSON feed: %+v %v", jf, err)
	}
	// An amber advisory is published for officers only.
	amber := sms
	amber.TLP = "amber"
	b, _ := e.svc.Create(ctx, analyst, amber)
	e.svc.Submit(ctx, analyst, b.ID)
	if err := e.svc.Publish(ctx, sup, b.ID); err != nil {
		t.Fatal(err)
	}
	if pub, _ := e.svc.Public(ctx, 10); len(pub) != 1 {
		t.Errorf("an amber advisory went public: %d", len(pub))
	}
	if _, err := e.svc.PublicOne(ctx, b.Number); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("the amber advisory's public page: %v", err)
	}
	e.clock.Advance(time.Hour)
	if err := e.svc.Withdraw(ctx, sup, a.ID); err != nil {
		t.Fatal(err)
	}
	pub, _ = e.svc.Public(ctx, 10)
	atom3 := atomOf(t, feed, pub)
	if !strings.HasPrefix(atom3.Entries[0].Summary, "(withdrawn)") || atom3.Entries[0].Updated != t0.Add(3*time.Hour).Format(time.RFC3339) {
		t.Errorf("the withdrawn entry: %+v", atom3.Entries[0])
	}
	if _, err := e.svc.Edit(ctx, sup, a.ID, sms); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("a withdrawn advisory was edited: %v", err)
	}
	if _, err := e.svc.Create(ctx, analyst, advisory.Input{TLP: "purple", Text: advisory.Text{TitleJA: "二行\nの題", TitleEN: "only a title"}}); err == nil {
		t.Error("bad input accepted")
	} else if pe, ok := err.(*koban.ProblemsError); !ok || len(pe.Problems) < 5 {
		t.Errorf("problems: %v", err)
	}
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Summary   string `xml:"summary"`
		Content   string `xml:"content"`
	} `xml:"entry"`
}

func atomOf(t *testing.T, f advisory.Feed, vs []*advisory.Version) atomDoc {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WriteAtom(&buf, vs, "(withdrawn)"); err != nil {
		t.Fatal(err)
	}
	var d atomDoc
	if err := xml.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !strings.HasPrefix(d.ID, "urn:uuid:") || len(d.Entries) == 0 || !strings.HasPrefix(d.Entries[0].ID, "urn:uuid:") {
		t.Fatalf("ids: %+v", d)
	}
	return d
}
