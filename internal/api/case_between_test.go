package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/org"
)

// TestBetweenAPI: referrals, parties, support requests and access requests
// through a real koban: strict bodies, field problems by name, 404 for
// those out of sight and 403 for those who see but may not act.
func TestBetweenAPI(t *testing.T) {
	s := apptest.Start(t)
	npa, _ := s.App.Tree().ByCode("npa")
	root := auth.Principal{UserID: 1, OrgID: npa.ID, Role: auth.RoleAdmin}
	for _, o := range []admin.NewOrg{
		{Kind: org.KindStation, ParentCode: "pref-14", Code: "pref-14-yokohama", NameJA: "横浜警察署", NameEN: "Yokohama"},
		{Kind: org.KindPartner, Code: "jc3", NameJA: "JC3", NameEN: "JC3"},
	} {
		if _, err := s.App.Admin.AddOrg(context.Background(), root, o); err != nil {
			t.Fatal(err)
		}
	}
	users := map[string]string{"station@kanagawa.example": "pref-14-yokohama", "hq@kanagawa.example": "pref-14", "osaka@osaka.example": "pref-27",
		"analyst@ncu.example": "ncu"}
	clients := map[string]client{}
	for email, code := range users {
		role := auth.RoleInvestigator
		if code == "ncu" {
			role = auth.RoleAnalyst
		}
		s.AddUser(t, email, code, role, pw)
		clients[code] = client{t, s.URL, s.Token(t, email)}
	}
	station, hq, osaka, ncu := clients["pref-14-yokohama"], clients["pref-14"], clients["pref-27"], clients["ncu"]
	code, out := station.do("POST", "/api/v1/cases", `{"title":"VPN機器経由の侵入","category":"UA","severity":"high"}`)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %v", code, out)
	}
	id := int64(out["id"].(float64))
	path := fmt.Sprintf("/api/v1/cases/%d", id)

	// Referral: strict body, a partner refused, then up to the HQ.
	if code, out = station.do("POST", path+"/referrals", `{"to":"pref-14","reason":"x","urgent":true}`); code != http.StatusBadRequest ||
		firstProblem(out) != "urgent:api.error.unknown_field" {
		t.Errorf("unknown field: %d %v", code, out)
	}
	if code, out = station.do("POST", path+"/referrals", `{"to":"jc3","reason":"共有"}`); code != http.StatusUnprocessableEntity ||
		firstProblem(out) != "to:referral.error.partner" {
		t.Errorf("partner: %d %v", code, out)
	}
	if code, out = station.do("POST", path+"/referrals", `{"to":"nowhere","reason":"x"}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "to:referral.error.to" {
		t.Errorf("unknown org: %d %v", code, out)
	}
	if code, out = osaka.do("POST", path+"/referrals", `{"to":"pref-27","reason":"x"}`); code != http.StatusNotFound {
		t.Errorf("Osaka refers: %d", code)
	}
	code, out = station.do("POST", path+"/referrals", `{"to":"pref-14","reason":"本部で捜査を"}`)
	if code != http.StatusCreated || out["status"] != "pending" || out["from"] != "pref-14-yokohama" || out["to"] != "pref-14" || out["created_by"] != "station@kanagawa.example" {
		t.Fatalf("refer: %d %v", code, out)
	}
	rid := int64(out["id"].(float64))
	if code, out = station.do("POST", path+"/referrals", `{"to":"pref-27","reason":"二重"}`); code != http.StatusConflict {
		t.Errorf("a second referral: %d %v", code, out)
	}
	if _, out = hq.do("GET", "/api/v1/referrals", ""); out["total"] != 1.0 {
		t.Errorf("HQ inbox %v", out)
	}
	if _, out = osaka.do("GET", "/api/v1/referrals", ""); out["total"] != 0.0 {
		t.Errorf("Osaka inbox %v", out)
	}
	ref := fmt.Sprintf("/api/v1/referrals/%d", rid)
	if code, _ = station.do("POST", ref+"/accept", ""); code != http.StatusForbidden {
		t.Errorf("the station accepts: %d", code)
	}
	if code, _ = osaka.do("POST", ref+"/accept", ""); code != http.StatusNotFound {
		t.Errorf("Osaka accepts: %d", code)
	}
	if code, out = hq.do("POST", ref+"/decline", `{}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "reason:case.error.reason_required" {
		t.Errorf("decline without reason: %d %v", code, out)
	}
	if code, out = hq.do("POST", ref+"/accept", ""); code != http.StatusOK || out["status"] != "accepted" || out["answered_by"] != "hq@kanagawa.example" {
		t.Fatalf("accept: %d %v", code, out)
	}
	code, out = station.do("GET", path+"/between", "")
	refs, _ := out["referrals"].([]any)
	if code != http.StatusOK || out["owner"] != "pref-14" || len(refs) != 1 || out["can_refer"] != false || out["can_parties"] != false {
		t.Errorf("between as the station: %d %v", code, out)
	}

	// Parties.
	code, out = hq.do("POST", path+"/parties", `{"org":"pref-27","role":"joint"}`)
	if code != http.StatusCreated || out["org"] != "pref-27" || out["role"] != "joint" {
		t.Fatalf("add party: %d %v", code, out)
	}
	pid := int64(out["id"].(float64))
	if code, out = hq.do("POST", path+"/parties", `{"org":"pref-27","role":"support"}`); code != http.StatusConflict || firstProblem(out) != "org:party.error.taking_part" {
		t.Errorf("twice: %d %v", code, out)
	}
	if code, out = hq.do("POST", path+"/parties", `{"org":"pref-26","role":"lead"}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "role:party.error.role" {
		t.Errorf("role lead: %d %v", code, out)
	}
	if code, _ = osaka.do("POST", path+"/notes", `{"body":"大阪のメモ"}`); code != http.StatusCreated {
		t.Errorf("a joint party writes: %d", code)
	}
	if code, _ = osaka.do("DELETE", fmt.Sprintf("%s/parties/%d", path, pid), ""); code != http.StatusForbidden {
		t.Errorf("the party removes itself: %d", code)
	}
	if code, _ = hq.do("DELETE", fmt.Sprintf("%s/parties/%d", path, pid), ""); code != http.StatusNoContent {
		t.Errorf("remove: %d", code)
	}
	if code, _ = hq.do("DELETE", fmt.Sprintf("%s/parties/%d", path, pid), ""); code != http.StatusNotFound {
		t.Errorf("remove twice: %d", code)
	}

	// Support: the NCU's analyst answers.
	due := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	code, out = hq.do("POST", path+"/support", `{"to":"ncu","kind":"log_analysis","description":"VPN機器のログ","due":"`+due+`"}`)
	if code != http.StatusCreated || out["to"] != "ncu" || out["from"] != "pref-14" || out["due"] != due || out["status"] != "requested" {
		t.Fatalf("support: %d %v", code, out)
	}
	sid := int64(out["id"].(float64))
	if code, out = hq.do("POST", path+"/support", `{"to":"pref-14","kind":"malware","description":"x"}`); code != http.StatusUnprocessableEntity ||
		firstProblem(out) != "to:support.error.self" {
		t.Errorf("self: %d %v", code, out)
	}
	code, out = ncu.do("GET", "/api/v1/support", "")
	reqs, _ := out["requests"].([]any)
	if code != http.StatusOK || out["total"] != 1.0 || len(reqs) != 1 || reqs[0].(map[string]any)["overdue"] != false {
		t.Errorf("NCU queue: %d %v", code, out)
	}
	work := fmt.Sprintf("/api/v1/support/%d", sid)
	if code, _ = osaka.do("POST", work+"/answer", `{"answer":"x"}`); code != http.StatusNotFound {
		t.Errorf("Osaka answers: %d", code)
	}
	if code, _ = hq.do("POST", work+"/answer", `{"answer":"x"}`); code != http.StatusForbidden {
		t.Errorf("the requester answers: %d", code)
	}
	if code, out = ncu.do("POST", work+"/answer", `{"answer":""}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "answer:case.error.answer_required" {
		t.Errorf("empty answer: %d %v", code, out)
	}
	if code, out = ncu.do("POST", work+"/answer", `{"answer":"不審な接続元 198.51.100.9"}`); code != http.StatusOK || out["status"] != "answered" || out["note_id"] == nil {
		t.Errorf("answer: %d %v", code, out)
	}
	if code, _ = ncu.do("POST", work+"/decline", `{"reason":"遅い"}`); code != http.StatusConflict {
		t.Errorf("decline after answering: %d", code)
	}

	// Access requests: Osaka asks the station's HQ; the HQ grants a week.
	rc, err := s.App.Intake.Submit(context.Background(), intake.Submission{Kind: intake.KindTip, Category: "FR", Prefecture: "14",
		Description: "振込先 090-7777-1234"}, intake.Origin{Source: "web", IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	code, out = osaka.do("POST", "/api/v1/access-requests", `{"type":"phone","value":"090-7777-1234","owner":"pref-14","reason":"同一番号"}`)
	if code != http.StatusCreated {
		t.Fatalf("request access: %d %v", code, out)
	}
	aid := strconv.FormatInt(int64(out["id"].(float64)), 10)
	if _, out = hq.do("GET", "/api/v1/access-requests?status=open", ""); out["total"] != 1.0 {
		t.Errorf("HQ's access inbox %v", out)
	}
	if code, _ = osaka.do("POST", "/api/v1/access-requests/"+aid+"/grant", `{"days":30}`); code != http.StatusNotFound {
		t.Errorf("the asker grants: %d", code)
	}
	if code, out = hq.do("POST", "/api/v1/access-requests/"+aid+"/grant", `{"days":120}`); code != http.StatusUnprocessableEntity || firstProblem(out) != "days:access_request.error.days" {
		t.Errorf("120 days: %d %v", code, out)
	}
	if code, out = hq.do("POST", "/api/v1/access-requests/"+aid+"/grant", `{"days":7}`); code != http.StatusOK || out["status"] != "granted" || out["expires_at"] == "" {
		t.Errorf("grant: %d %v", code, out)
	}
	code, out = osaka.do("GET", "/api/v1/access-requests/"+aid, "")
	if code != http.StatusOK || fmt.Sprint(out["receipts"]) != "["+rc.Receipt+"]" || out["expired"] != false {
		t.Errorf("the asker's view: %d %v", code, out)
	}
	if _, out = osaka.do("GET", "/api/v1/access-requests?box=mine", ""); out["total"] != 1.0 {
		t.Errorf("my requests %v", out)
	}
	if code, _ = osaka.do("GET", fmt.Sprintf("/api/v1/reports/%d", rc.ReportID), ""); code != http.StatusOK {
		t.Errorf("the granted report: %d", code)
	}
}
