package intake_test

import (
	"slices"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/intake"
)

func TestUrgent(t *testing.T) {
	for _, c := range []struct {
		category, description string
		want                  bool
	}{
		// The life-safety category is urgent whatever the wording.
		{"SU", "", true},
		{"SU", "自殺を勧めるサイトを見つけた", true},
		{"SU", "a site that urges people to harm themselves", true},
		// Other categories only by wording.
		{"HR", "SNSで悪口を書かれている", false},
		{"SC", "闇バイトの募集を見つけた", false},
		{"XX", "", false},
		{"", "", false},
		// Japanese wording of a threat to life.
		{"", "もう死にたいです", true},
		{"HR", "元交際相手から「殺すぞ」と言われた", true},
		{"HR", "殺してやると脅された", true},
		{"", "家族が殺されるかもしれない", true},
		{"IL", "学校の爆破予告が掲示板に書き込まれた", true},
		{"", "爆弾を仕掛けたというメール", true},
		{"HR", "包丁で刺すと言われた", true},
		{"", "命を狙われている", true},
		{"", "首を吊るという投稿", true},
		{"", "消えたいと書き込んでいる友人がいる", true},
		{"", "自殺をほのめかしている", true},
		{"", "殺害予告を受けた", true},
		// English, any case and full width (NFKC).
		{"", "He wrote that he wants to kill myself... I mean himself", true},
		{"", "I want to END MY LIFE", true},
		{"", "SUICIDE note posted online", true},
		{"", "ｓｕｉｃｉｄｅ", true},
		{"", "ＫＩＬＬ　ＭＹＳＥＬＦ", true},
		{"", "Ｉ　ａｍ　ｇｏｉｎｇ　ｔｏ　ｋｉｌｌ　ｙｏｕ", true},
		{"", "they said they will shoot everyone", true},
		{"", "a bomb threat against the station", true},
		// Full-width digits or katakana do not make harmless text urgent.
		{"PH", "フィッシングメールが届きました。ＵＲＬは https://example.jp/ です", false},
		{"FR", "通販サイトで代金を払ったが商品が届かない", false},
		{"UA", "Someone logged into my account from abroad", false},
		{"SP", "迷惑メールが毎日１００通届く", false},
	} {
		if got := intake.Urgent(c.category, c.description); got != c.want {
			t.Errorf("Urgent(%q, %q) = %v, want %v", c.category, c.description, got, c.want)
		}
	}
}

// TestUrgentHarmlessEnglishWords: English threat words are matched inside
// other words, so everyday wording in ordinary reports jumps the queue.
func TestUrgentHarmlessEnglishWords(t *testing.T) {
	for _, d := range []string{
		"I was troubleshooting my PC when a fake virus warning appeared",      // "shoot"
		"We are bombarded with spam e-mails every day",                        // "bomb"
		"The support scammer said remote access is a skill you need to learn", // "kill you"
	} {
		if intake.Urgent("", d) {
			t.Errorf("Urgent(%q) = true: a harmless report is flagged as a threat to life", d)
		}
	}
}

func TestFreezeDeadline(t *testing.T) {
	if intake.FreezeWindow != 72*time.Hour {
		t.Fatalf("FreezeWindow = %v", intake.FreezeWindow)
	}
	for _, c := range []struct {
		name string
		sent time.Time
		want time.Time
	}{
		{"nothing sent", time.Time{}, time.Time{}},
		{"sent 71 h ago", now0.Add(-71 * time.Hour), now0.Add(time.Hour)},
		{"sent a moment ago", now0.Add(-time.Minute), now0.Add(72*time.Hour - time.Minute)},
		{"sent exactly 72 h ago", now0.Add(-72 * time.Hour), time.Time{}},
		{"sent 73 h ago", now0.Add(-73 * time.Hour), time.Time{}},
		{"sent a year ago", now0.AddDate(-1, 0, 0), time.Time{}},
	} {
		if got := intake.FreezeDeadline(c.sent, now0); !got.Equal(c.want) {
			t.Errorf("%s: FreezeDeadline = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAdviceFor(t *testing.T) {
	deadline := now0.Add(5 * time.Hour)
	keys := func(a []intake.Advice) []string {
		var out []string
		for _, x := range a {
			out = append(out, x.Key)
		}
		return out
	}
	for _, c := range []struct {
		name string
		r    intake.Report
		want []string
	}{
		{"urgent, freeze and category", intake.Report{Urgent: true, FreezeDeadline: deadline, Category: "FR", Status: intake.StatusNew},
			[]string{"advice.urgent", "advice.freeze", "advice.FR"}},
		{"urgent without category", intake.Report{Urgent: true, Status: intake.StatusNew}, []string{"advice.urgent", "advice.general"}},
		{"freeze without category", intake.Report{FreezeDeadline: deadline, Status: intake.StatusInProgress}, []string{"advice.freeze", "advice.general"}},
		{"category only", intake.Report{Category: "PH", Status: intake.StatusNew}, []string{"advice.PH"}},
		{"nothing known", intake.Report{Status: intake.StatusNew}, []string{"advice.general"}},
		{"unknown category", intake.Report{Category: "ZZ", Status: intake.StatusNew}, []string{"advice.general"}},
		{"closed: the freeze no longer matters", intake.Report{FreezeDeadline: deadline, Category: "FR", Status: intake.StatusClosed}, []string{"advice.FR"}},
		{"suicide category", intake.Report{Urgent: true, Category: "SU", Status: intake.StatusNew}, []string{"advice.urgent", "advice.SU"}},
	} {
		got := intake.AdviceFor(&c.r, now0)
		if !slices.Equal(keys(got), c.want) {
			t.Errorf("%s: advice %v, want %v", c.name, keys(got), c.want)
		}
		for _, a := range got {
			if a.Key == "advice.freeze" && !a.Deadline.Equal(deadline) {
				t.Errorf("%s: freeze advice deadline %v, want %v", c.name, a.Deadline, deadline)
			}
			if a.Key != "advice.freeze" && !a.Deadline.IsZero() {
				t.Errorf("%s: %s carries a deadline", c.name, a.Key)
			}
		}
	}
}

func TestAdviceOnSubmit(t *testing.T) {
	e := newEnv(t)
	s := validSub()
	s.Category = "SU"
	s.Money = intake.Money{AmountJPY: 10_000, SentAt: now0.Add(-time.Hour)}
	rc := e.submit(s)
	want := []intake.Advice{{Key: "advice.urgent"}, {Key: "advice.freeze", Deadline: now0.Add(71 * time.Hour)}, {Key: "advice.SU"}}
	if len(rc.Advice) != len(want) {
		t.Fatalf("advice %+v, want %+v", rc.Advice, want)
	}
	for i := range want {
		if rc.Advice[i].Key != want[i].Key || !rc.Advice[i].Deadline.Equal(want[i].Deadline) {
			t.Errorf("advice %d: %+v, want %+v", i, rc.Advice[i], want[i])
		}
	}
	s = validSub()
	s.Category = ""
	if rc := e.submit(s); len(rc.Advice) != 1 || rc.Advice[0].Key != "advice.general" {
		t.Errorf("advice without category %+v", rc.Advice)
	}
}
