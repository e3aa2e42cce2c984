package correlate_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
)

// inbox is the access-request inbox over a real store, with a station under
// Kanagawa's HQ, an analysis unit and a partner.
type inbox struct {
	*world
	tree     *org.Tree
	requests *correlate.Requests
	decider  *access.Decider
	mail     *mailbox
	seq      int
}

type mailbox struct {
	mu   sync.Mutex
	sent []string
}

func (m *mailbox) NotifyAccessAnswer(_ context.Context, to string, id int64, granted bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, fmt.Sprintf("%s #%d %v", to, id, granted))
	return nil
}

func newInbox(t *testing.T) *inbox {
	w := newWorld(t)
	ctx := t.Context()
	parent := func(code string) int64 { o, _ := w.tree.ByCode(code); return o.ID }
	for _, o := range []org.Org{
		{Code: "pref-14-yokohama", ParentID: parent("pref-14"), Kind: org.KindStation, NameJA: "横浜警察署", NameEN: "Yokohama", Prefecture: "14"},
		{Code: "rpb-kinki-forensic", ParentID: parent("rpb-kinki"), Kind: org.KindUnit, NameJA: "情報技術解析課", NameEN: "Forensic unit"},
		{Code: "jc3", Kind: org.KindPartner, NameJA: "JC3", NameEN: "JC3"},
	} {
		if err := w.db.CreateOrg(ctx, &o, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
			t.Fatal(err)
		}
	}
	orgs, _ := w.db.Orgs(ctx)
	tree, err := org.NewTree(orgs)
	if err != nil {
		t.Fatal(err)
	}
	w.tree = tree
	in := &inbox{world: w, tree: tree, mail: &mailbox{}}
	treeOf := func() *org.Tree { return in.tree }
	in.decider = access.New(w.db, treeOf, w.clock)
	in.requests = correlate.NewRequests(w.db, in.decider, treeOf, w.clock, nil)
	in.requests.SetNotifier(in.mail)
	w.svc = correlate.NewService(w.db, treeOf, w.db.Policy, w.clock, jst)
	return in
}

// user creates an account and returns its principal.
func (in *inbox) user(code string, role auth.Role) auth.Principal {
	in.t.Helper()
	in.seq++
	o, _ := in.tree.ByCode(code)
	u := &auth.User{Email: fmt.Sprintf("u%d@%s.example.jp", in.seq, code), OrgID: o.ID, Role: role, PasswordHash: "x", CreatedAt: in.clock.Now()}
	if err := in.db.CreateUser(in.t.Context(), u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		in.t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: role}
}

// ask has requester ask owner for the records of o.
func (in *inbox) ask(requester auth.Principal, o observe.Observable, owner string) *correlate.AccessRequest {
	in.t.Helper()
	ow, _ := in.tree.ByCode(owner)
	r, err := in.svc.RequestAccess(in.t.Context(), requester, o, ow.ID, "同じ番号の詐欺事件を捜査中")
	if err != nil {
		in.t.Fatalf("RequestAccess: %v", err)
	}
	return r
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return string(koban.ErrorCode(err))
}

// TestAccessRequestAuthorisation: who may grant or refuse a request made
// to a Kanagawa station: the station and those above it whose role may
// share records; everyone else is answered as if the request did not
// exist, and the refusal is audited.
func TestAccessRequestAuthorisation(t *testing.T) {
	in := newInbox(t)
	osaka := in.user("pref-27", auth.RoleInvestigator)
	actors := []struct {
		name string
		p    auth.Principal
		want string
	}{
		{"station", in.user("pref-14-yokohama", auth.RoleInvestigator), "ok"},
		{"station analyst", in.user("pref-14-yokohama", auth.RoleAnalyst), "not_found"},
		{"prefecture HQ", in.user("pref-14", auth.RoleInvestigator), "ok"},
		{"regional bureau", in.user("rpb-kanto", auth.RoleSupervisor), "ok"},
		{"NPA", in.user("npa", auth.RoleSupervisor), "ok"},
		{"NCU", in.user("ncu", auth.RoleInvestigator), "not_found"},
		{"analysis unit", in.user("rpb-kinki-forensic", auth.RoleAnalyst), "not_found"},
		{"the requester's prefecture", osaka, "not_found"},
		{"partner", in.user("jc3", auth.RolePartner), "not_found"},
	}
	for i, a := range actors {
		for _, verb := range []string{"grant", "refuse"} {
			v := phone(100 + 2*i + len(verb)%2)
			in.report("pref-14-yokohama", v)
			r := in.ask(osaka, v, "pref-14-yokohama")
			var err error
			if verb == "grant" {
				_, err = in.requests.Grant(t.Context(), a.p, r.ID, 0)
			} else {
				_, err = in.requests.Refuse(t.Context(), a.p, r.ID, "捜査上の支障")
			}
			if got := outcome(err); got != a.want {
				t.Errorf("%s %s: %s, want %s", a.name, verb, got, a.want)
			}
			rows, _ := in.db.AuditOf(t.Context(), correlate.ObjectAccessRequest, strconv.FormatInt(r.ID, 10))
			var actions []string
			for _, row := range rows {
				actions = append(actions, row.Action)
			}
			want := "access_request." + verb
			if a.want != "ok" {
				want = "access_request.refused"
			}
			if !slices.Contains(actions, want) {
				t.Errorf("%s %s: audit %v lacks %s", a.name, verb, actions, want)
			}
		}
	}
}

// TestAccessRequestGrantExpires: the owner grants for 30 days; the officer
// who asked opens the owner's records holding the value (and no other), is
// told by mail and on their page, and loses them when the grant runs out.
func TestAccessRequestGrantExpires(t *testing.T) {
	in := newInbox(t)
	ctx := t.Context()
	v := phone(7)
	held := in.report("pref-14-yokohama", v)
	other := in.report("pref-14-yokohama", phone(8))
	hqHeld := in.report("pref-14", v) // the HQ's own record: not the station's to give
	osaka := in.user("pref-27", auth.RoleInvestigator)
	station := in.user("pref-14-yokohama", auth.RoleInvestigator)
	r := in.ask(osaka, v, "pref-14-yokohama")

	// The inbox of the station (and of those above it) holds the request;
	// the asker's own list too.
	box, n, err := in.requests.List(ctx, station, correlate.RequestQuery{Status: correlate.RequestOpen})
	if err != nil || n != 1 || box[0].ID != r.ID || box[0].Value != v || box[0].RequesterID != osaka.UserID {
		t.Fatalf("inbox %v %d %+v", err, n, box)
	}
	if _, n, _ := in.requests.List(ctx, in.user("pref-13", auth.RoleInvestigator), correlate.RequestQuery{}); n != 0 {
		t.Errorf("Tokyo's inbox holds %d", n)
	}
	if mine, n, _ := in.requests.List(ctx, osaka, correlate.RequestQuery{Mine: true}); n != 1 || mine[0].Status != correlate.RequestOpen {
		t.Errorf("my requests %d %+v", n, mine)
	}
	if _, err := in.requests.Grant(ctx, station, r.ID, 91); koban.ErrorCode(err) != koban.Invalid {
		t.Errorf("91 days: %v", err)
	}
	report := func(id, owner int64) access.Object { return access.Object{Type: "report", ID: id, OrgID: owner} }
	if ok, _ := in.decider.Can(ctx, osaka, access.View, report(held.ID, held.OrgID)); ok {
		t.Fatal("the asker sees the record before the grant")
	}
	got, err := in.requests.Grant(ctx, station, r.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != correlate.RequestGranted || !got.ExpiresAt.Equal(in.clock.Now().Add(30*24*time.Hour)) {
		t.Errorf("granted %+v", got)
	}
	if _, err := in.requests.Refuse(ctx, station, r.ID, "やはり"); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("answering twice: %v", err)
	}
	for _, c := range []struct {
		rec  access.Object
		want bool
	}{
		{report(held.ID, held.OrgID), true},
		{report(other.ID, other.OrgID), false},
		{report(hqHeld.ID, hqHeld.OrgID), false},
	} {
		if ok, _ := in.decider.Can(ctx, osaka, access.View, c.rec); ok != c.want {
			t.Errorf("report %d: view %v, want %v", c.rec.ID, ok, c.want)
		}
		if ok, _ := in.decider.Can(ctx, osaka, access.Edit, c.rec); ok {
			t.Errorf("report %d: the grant lets the asker edit", c.rec.ID)
		}
	}
	mine, owner, err := in.requests.Get(ctx, osaka, r.ID)
	if err != nil || owner || len(mine.Records) != 1 || mine.Records[0].ID != held.ID || mine.Records[0].Label != held.Receipt {
		t.Fatalf("the asker's view %v %v %+v", err, owner, mine)
	}
	if _, _, err := in.requests.Get(ctx, in.user("pref-13", auth.RoleInvestigator), r.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a stranger reads the request: %v", err)
	}
	if len(in.mail.sent) != 1 || in.mail.sent[0] != fmt.Sprintf("%s #%d true", osaka.Email, r.ID) {
		t.Errorf("mail %v", in.mail.sent)
	}
	// Thirty days on, the grant has run out: the access layer no longer
	// honours it, and the asker's page says so.
	in.clock.Advance(30*24*time.Hour - time.Second)
	if ok, _ := in.decider.Can(ctx, osaka, access.View, report(held.ID, held.OrgID)); !ok {
		t.Error("the grant ended early")
	}
	in.clock.Advance(time.Second)
	if ok, _ := in.decider.Can(ctx, osaka, access.View, report(held.ID, held.OrgID)); ok {
		t.Error("the grant outlived its 30 days")
	}
	if mine, _, _ := in.requests.Get(ctx, osaka, r.ID); !mine.Expired(in.clock.Now()) {
		t.Error("the asker's page does not say the grant ran out")
	}
}

// TestAccessRequestRefuse: a refusal needs a reason, gives nothing and is
// told; a request whose records the owner no longer holds cannot be
// granted.
func TestAccessRequestRefuse(t *testing.T) {
	in := newInbox(t)
	ctx := t.Context()
	v := phone(9)
	in.report("pref-14-yokohama", v)
	osaka := in.user("pref-27", auth.RoleInvestigator)
	hq := in.user("pref-14", auth.RoleInvestigator)
	r := in.ask(osaka, v, "pref-14-yokohama")
	if _, err := in.requests.Refuse(ctx, hq, r.ID, " "); koban.ErrorKey(err) != "access_request.error.reason_required" {
		t.Errorf("no reason: %v", err)
	}
	got, err := in.requests.Refuse(ctx, hq, r.ID, "公判前のため共有できません")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != correlate.RequestRefused || got.Answer != "公判前のため共有できません" || got.AnsweredBy != hq.UserID {
		t.Errorf("refused %+v", got)
	}
	mine, _, _ := in.requests.Get(ctx, osaka, r.ID)
	if mine.Status != correlate.RequestRefused || mine.Answer == "" || len(mine.Records) != 0 {
		t.Errorf("the asker's view %+v", mine)
	}
	if len(in.mail.sent) != 1 || in.mail.sent[0] != fmt.Sprintf("%s #%d false", osaka.Email, r.ID) {
		t.Errorf("mail %v", in.mail.sent)
	}
	if _, n, _ := in.requests.List(ctx, hq, correlate.RequestQuery{Status: correlate.RequestOpen}); n != 0 {
		t.Errorf("the open inbox still holds %d", n)
	}
	if _, n, _ := in.requests.List(ctx, hq, correlate.RequestQuery{Status: "answered"}); n != 1 {
		t.Errorf("the answered list holds %d", n)
	}
}
