package org

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// orgsFromSeeds assigns IDs 1..n to seeds in order and resolves parent codes.
func orgsFromSeeds(t *testing.T, seeds []Seed) []Org {
	t.Helper()
	ids := make(map[string]int64, len(seeds))
	orgs := make([]Org, len(seeds))
	for i, s := range seeds {
		id := int64(i + 1)
		var parent int64
		if s.ParentCode != "" {
			p, ok := ids[s.ParentCode]
			if !ok {
				t.Fatalf("seed %q: parent %q not seen before it", s.Code, s.ParentCode)
			}
			parent = p
		}
		ids[s.Code] = id
		orgs[i] = Org{ID: id, Code: s.Code, ParentID: parent, Kind: s.Kind, NameJA: s.NameJA, NameEN: s.NameEN, Prefecture: s.Prefecture}
	}
	return orgs
}

// testTree is the default tree plus a Shinjuku station under the Tokyo MPD
// and two partner roots.
func testTree(t *testing.T) *Tree {
	t.Helper()
	seeds := append(DefaultTree(),
		Seed{Code: "pref-13-shinjuku", ParentCode: "pref-13", Kind: KindStation, NameJA: "新宿警察署", NameEN: "Shinjuku Police Station", Prefecture: "13"},
		Seed{Code: "jc3", Kind: KindPartner, NameJA: "日本サイバー犯罪対策センター", NameEN: "JC3"},
		Seed{Code: "acme", Kind: KindPartner, NameJA: "アクメ株式会社", NameEN: "Acme"},
	)
	tr, err := NewTree(orgsFromSeeds(t, seeds))
	if err != nil {
		t.Fatalf("NewTree: %v", err)
	}
	return tr
}

func mustID(t *testing.T, tr *Tree, code string) int64 {
	t.Helper()
	o, ok := tr.ByCode(code)
	if !ok {
		t.Fatalf("no organisation %q", code)
	}
	return o.ID
}

func codes(orgs []Org) []string {
	out := make([]string, len(orgs))
	for i, o := range orgs {
		out[i] = o.Code
	}
	return out
}

func TestPrefectures(t *testing.T) {
	ps := Prefectures()
	if len(ps) != 47 {
		t.Fatalf("len(Prefectures()) = %d, want 47", len(ps))
	}
	for n := 1; n <= 47; n++ {
		code := fmt.Sprintf("%02d", n)
		t.Run(code, func(t *testing.T) {
			count := 0
			for _, p := range ps {
				if p.Code == code {
					count++
				}
			}
			if count != 1 {
				t.Fatalf("code %s appears %d times, want 1", code, count)
			}
			if ps[n-1].Code != code {
				t.Errorf("Prefectures()[%d].Code = %q, want %q (code order)", n-1, ps[n-1].Code, code)
			}
			p, ok := PrefectureByCode(code)
			if !ok || p != ps[n-1] {
				t.Errorf("PrefectureByCode(%q) = %v, %v; want %v, true", code, p, ok, ps[n-1])
			}
			if p.NameEN == "" {
				t.Errorf("%s has no English name", code)
			}
			// 都 only for Tokyo, 道 only for Hokkaido, 府 only for Kyoto and Osaka.
			suffix := "県"
			switch code {
			case "01":
				suffix = "道"
			case "13":
				suffix = "都"
			case "26", "27":
				suffix = "府"
			}
			if !strings.HasSuffix(p.NameJA, suffix) || len([]rune(p.NameJA)) < 2 {
				t.Errorf("%s NameJA = %q, want a name ending in %s", code, p.NameJA, suffix)
			}
		})
	}
}

func TestPrefectureNames(t *testing.T) {
	// Every code/name pair, written out independently of default.go.
	want := []string{
		"01 北海道 Hokkaido", "02 青森県 Aomori", "03 岩手県 Iwate", "04 宮城県 Miyagi",
		"05 秋田県 Akita", "06 山形県 Yamagata", "07 福島県 Fukushima", "08 茨城県 Ibaraki",
		"09 栃木県 Tochigi", "10 群馬県 Gunma", "11 埼玉県 Saitama", "12 千葉県 Chiba",
		"13 東京都 Tokyo", "14 神奈川県 Kanagawa", "15 新潟県 Niigata", "16 富山県 Toyama",
		"17 石川県 Ishikawa", "18 福井県 Fukui", "19 山梨県 Yamanashi", "20 長野県 Nagano",
		"21 岐阜県 Gifu", "22 静岡県 Shizuoka", "23 愛知県 Aichi", "24 三重県 Mie",
		"25 滋賀県 Shiga", "26 京都府 Kyoto", "27 大阪府 Osaka", "28 兵庫県 Hyogo",
		"29 奈良県 Nara", "30 和歌山県 Wakayama", "31 鳥取県 Tottori", "32 島根県 Shimane",
		"33 岡山県 Okayama", "34 広島県 Hiroshima", "35 山口県 Yamaguchi", "36 徳島県 Tokushima",
		"37 香川県 Kagawa", "38 愛媛県 Ehime", "39 高知県 Kochi", "40 福岡県 Fukuoka",
		"41 佐賀県 Saga", "42 長崎県 Nagasaki", "43 熊本県 Kumamoto", "44 大分県 Oita",
		"45 宮崎県 Miyazaki", "46 鹿児島県 Kagoshima", "47 沖縄県 Okinawa",
	}
	for _, w := range want {
		f := strings.Fields(w)
		t.Run(f[0], func(t *testing.T) {
			p, ok := PrefectureByCode(f[0])
			if !ok {
				t.Fatalf("PrefectureByCode(%q) not found", f[0])
			}
			if p.NameJA != f[1] || p.NameEN != f[2] {
				t.Errorf("PrefectureByCode(%q) = %q/%q, want %q/%q", f[0], p.NameJA, p.NameEN, f[1], f[2])
			}
		})
	}
}

func TestPrefectureByCodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, code string }{
		{"empty", ""},
		{"zero", "00"},
		{"past the end", "48"},
		{"one digit", "1"},
		{"three digits", "013"},
		{"letters", "ab"},
		{"sign", "+1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, ok := PrefectureByCode(tc.code); ok {
				t.Errorf("PrefectureByCode(%q) = %v, true; want false", tc.code, p)
			}
		})
	}
}

func TestOrgCodeForPrefecture(t *testing.T) {
	for _, tc := range []struct{ name, jis, want string }{
		{"hokkaido", "01", "pref-01"},
		{"tokyo", "13", "pref-13"},
		{"okinawa", "47", "pref-47"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := OrgCodeForPrefecture(tc.jis); got != tc.want {
				t.Errorf("OrgCodeForPrefecture(%q) = %q, want %q", tc.jis, got, tc.want)
			}
		})
	}
}

func TestDefaultTreeHQs(t *testing.T) {
	// The parent of each prefectural HQ, restated from the brief.
	parent := map[string]string{"01": "npa", "13": "npa"}
	for rb, list := range map[string]string{
		"rpb-tohoku":          "02 03 04 05 06 07",
		"rpb-kanto":           "08 09 10 11 12 14 15 19 20 22",
		"rpb-chubu":           "16 17 18 21 23 24",
		"rpb-kinki":           "25 26 27 28 29 30",
		"rpb-chugoku-shikoku": "31 32 33 34 35 36 37 38 39",
		"rpb-kyushu":          "40 41 42 43 44 45 46 47",
	} {
		for _, jis := range strings.Fields(list) {
			if p, dup := parent[jis]; dup {
				t.Fatalf("test table lists %s under both %s and %s", jis, p, rb)
			}
			parent[jis] = rb
		}
	}
	if len(parent) != 47 {
		t.Fatalf("test table covers %d prefectures, want 47", len(parent))
	}
	seeds := DefaultTree()
	for n := 1; n <= 47; n++ {
		jis := fmt.Sprintf("%02d", n)
		t.Run(jis, func(t *testing.T) {
			var hqs []Seed
			for _, s := range seeds {
				if s.Kind == KindPrefecture && s.Prefecture == jis {
					hqs = append(hqs, s)
				}
			}
			if len(hqs) != 1 {
				t.Fatalf("prefecture %s has %d HQs, want 1", jis, len(hqs))
			}
			hq := hqs[0]
			if hq.Code != "pref-"+jis {
				t.Errorf("HQ code = %q, want %q", hq.Code, "pref-"+jis)
			}
			if hq.ParentCode != parent[jis] {
				t.Errorf("HQ parent = %q, want %q", hq.ParentCode, parent[jis])
			}
			if !strings.HasSuffix(hq.NameJA, "警察本部") && hq.NameJA != "警視庁" {
				t.Errorf("HQ NameJA = %q", hq.NameJA)
			}
		})
	}
}

func TestDefaultTreeShape(t *testing.T) {
	seeds := DefaultTree()
	byCode := make(map[string]Seed)
	for i, s := range seeds {
		if _, dup := byCode[s.Code]; dup {
			t.Errorf("code %q appears twice", s.Code)
		}
		if !ValidCode(s.Code) {
			t.Errorf("code %q is not a valid code", s.Code)
		}
		if s.ParentCode != "" {
			if _, ok := byCode[s.ParentCode]; !ok {
				t.Errorf("seed %d %q: parent %q does not come before it", i, s.Code, s.ParentCode)
			}
		}
		if s.NameJA == "" || s.NameEN == "" {
			t.Errorf("seed %q lacks a name", s.Code)
		}
		byCode[s.Code] = s
	}
	if want := 1 + 1 + 6 + 1 + 47; len(seeds) != want {
		t.Errorf("len(DefaultTree()) = %d, want %d", len(seeds), want)
	}
	for _, tc := range []struct {
		code, parent string
		kind         Kind
		nameJA       string
	}{
		{"npa", "", KindNational, "警察庁"},
		{NationalQueueCode, "npa", KindBureau, "サイバー警察局"},
		{"rpb-tohoku", "npa", KindRegional, "東北管区警察局"},
		{"rpb-kanto", "npa", KindRegional, "関東管区警察局"},
		{"rpb-chubu", "npa", KindRegional, "中部管区警察局"},
		{"rpb-kinki", "npa", KindRegional, "近畿管区警察局"},
		{"rpb-chugoku-shikoku", "npa", KindRegional, "中国四国管区警察局"},
		{"rpb-kyushu", "npa", KindRegional, "九州管区警察局"},
		{"ncu", "rpb-kanto", KindUnit, "サイバー特別捜査部"},
		{"pref-13", "npa", KindPrefecture, "警視庁"},
		{"pref-01", "npa", KindPrefecture, "北海道警察本部"},
		{"pref-26", "rpb-kinki", KindPrefecture, "京都府警察本部"},
		{"pref-27", "rpb-kinki", KindPrefecture, "大阪府警察本部"},
		{"pref-02", "rpb-tohoku", KindPrefecture, "青森県警察本部"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			s, ok := byCode[tc.code]
			if !ok {
				t.Fatalf("%q missing", tc.code)
			}
			if s.ParentCode != tc.parent || s.Kind != tc.kind || s.NameJA != tc.nameJA {
				t.Errorf("%q = parent %q kind %q name %q; want %q %q %q", tc.code, s.ParentCode, s.Kind, s.NameJA, tc.parent, tc.kind, tc.nameJA)
			}
		})
	}
	regional := 0
	for _, s := range seeds {
		if s.Kind == KindRegional {
			regional++
		}
	}
	if regional != 6 {
		t.Errorf("%d regional bureaus, want 6", regional)
	}
}

func TestNewTreeAcceptsDefault(t *testing.T) {
	seeds := DefaultTree()
	tr, err := NewTree(orgsFromSeeds(t, seeds))
	if err != nil {
		t.Fatalf("NewTree(default) = %v", err)
	}
	all := tr.All()
	if len(all) != len(seeds) {
		t.Fatalf("len(All()) = %d, want %d", len(all), len(seeds))
	}
	for i, o := range all {
		if o.ID != int64(i+1) || o.Code != seeds[i].Code {
			t.Errorf("All()[%d] = %d %q, want %d %q", i, o.ID, o.Code, i+1, seeds[i].Code)
		}
	}
}

func TestNewTreeRejects(t *testing.T) {
	npa := Org{ID: 1, Code: "npa", Kind: KindNational}
	tokyo := Org{ID: 2, Code: "pref-13", ParentID: 1, Kind: KindPrefecture, Prefecture: "13"}
	for _, tc := range []struct {
		name string
		orgs []Org
	}{
		{"unknown parent", []Org{npa, {ID: 2, Code: "x", ParentID: 99, Kind: KindStation}}},
		{"duplicate code", []Org{npa, {ID: 2, Code: "npa", Kind: KindNational}}},
		{"duplicate id", []Org{npa, {ID: 1, Code: "other", Kind: KindNational}}},
		{"self cycle", []Org{npa, {ID: 2, Code: "a", ParentID: 2, Kind: KindStation}}},
		{"two-node cycle", []Org{npa,
			{ID: 2, Code: "a", ParentID: 3, Kind: KindStation},
			{ID: 3, Code: "b", ParentID: 2, Kind: KindStation}}},
		{"three-node cycle with a tail", []Org{npa,
			{ID: 2, Code: "a", ParentID: 4, Kind: KindStation},
			{ID: 3, Code: "b", ParentID: 2, Kind: KindStation},
			{ID: 4, Code: "c", ParentID: 3, Kind: KindStation},
			{ID: 5, Code: "tail", ParentID: 4, Kind: KindStation}}},
		{"zero id", []Org{npa, {ID: 0, Code: "zero", Kind: KindPartner}}},
		{"negative id", []Org{npa, {ID: -3, Code: "neg", Kind: KindPartner}}},
		{"empty code", []Org{npa, {ID: 2, Code: "", Kind: KindPartner}}},
		{"upper-case code", []Org{npa, {ID: 2, Code: "JC3", Kind: KindPartner}}},
		{"unknown kind", []Org{npa, {ID: 2, Code: "x", ParentID: 1, Kind: "army"}}},
		{"partner with a parent", []Org{npa, {ID: 2, Code: "jc3", ParentID: 1, Kind: KindPartner}}},
		{"unknown prefecture", []Org{npa, {ID: 2, Code: "pref-48", ParentID: 1, Kind: KindPrefecture, Prefecture: "48"}}},
		{"HQ without prefecture", []Org{npa, {ID: 2, Code: "pref-xx", ParentID: 1, Kind: KindPrefecture}}},
		{"two HQs for one prefecture", []Org{npa, tokyo, {ID: 3, Code: "mpd", ParentID: 1, Kind: KindPrefecture, Prefecture: "13"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewTree(tc.orgs)
			if err == nil {
				t.Fatalf("NewTree accepted %v", tc.orgs)
			}
			if tr != nil {
				t.Errorf("NewTree returned a tree with error %v", err)
			}
			if !errors.Is(err, ErrInvalidTree) {
				t.Errorf("error %v does not wrap ErrInvalidTree", err)
			}
		})
	}
}

func TestNewTreeCopiesInput(t *testing.T) {
	orgs := []Org{{ID: 2, Code: "b", Kind: KindPartner}, {ID: 1, Code: "a", Kind: KindNational}}
	tr, err := NewTree(orgs)
	if err != nil {
		t.Fatal(err)
	}
	orgs[0].Code = "changed"
	if o, _ := tr.ByID(2); o.Code != "b" {
		t.Errorf("tree changed with its input: ByID(2).Code = %q", o.Code)
	}
	all := tr.All()
	if got := codes(all); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("All() = %v, want sorted by ID [a b]", got)
	}
	all[0].Code = "changed"
	if o, _ := tr.ByID(1); o.Code != "a" {
		t.Errorf("tree changed through All(): ByID(1).Code = %q", o.Code)
	}
}

func TestSees(t *testing.T) {
	tr := testTree(t)
	for _, tc := range []struct {
		name          string
		viewer, owner string
		want          bool
	}{
		{"npa sees a Tokyo record", "npa", "pref-13", true},
		{"npa sees a Tokyo station record", "npa", "pref-13-shinjuku", true},
		{"npa sees its own record", "npa", "npa", true},
		{"rpb-kanto sees Saitama", "rpb-kanto", "pref-11", true},
		{"rpb-kanto sees the NCU", "rpb-kanto", "ncu", true},
		{"rpb-kanto does not see Tokyo", "rpb-kanto", "pref-13", false},
		{"rpb-kanto does not see Osaka", "rpb-kanto", "pref-27", false},
		{"rpb-kanto does not see its parent", "rpb-kanto", "npa", false},
		{"rpb-kinki sees Osaka", "rpb-kinki", "pref-27", true},
		{"Tokyo does not see Osaka", "pref-13", "pref-27", false},
		{"Osaka does not see Tokyo", "pref-27", "pref-13", false},
		{"Tokyo sees its own record", "pref-13", "pref-13", true},
		{"Tokyo sees its station", "pref-13", "pref-13-shinjuku", true},
		{"station sees itself", "pref-13-shinjuku", "pref-13-shinjuku", true},
		{"station does not see its parent", "pref-13-shinjuku", "pref-13", false},
		{"station does not see npa", "pref-13-shinjuku", "npa", false},
		{"Saitama does not see its sibling Chiba", "pref-11", "pref-12", false},
		{"cab does not see a prefecture", NationalQueueCode, "pref-13", false},
		{"Osaka does not see its parent bureau", "pref-27", "rpb-kinki", false},
		{"partner sees itself", "jc3", "jc3", true},
		{"partner does not see npa", "jc3", "npa", false},
		{"partner does not see Tokyo", "jc3", "pref-13", false},
		{"partner does not see another partner", "jc3", "acme", false},
		{"npa does not see a partner", "npa", "jc3", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, o := mustID(t, tr, tc.viewer), mustID(t, tr, tc.owner)
			if got := tr.Sees(v, o); got != tc.want {
				t.Errorf("Sees(%s, %s) = %v, want %v", tc.viewer, tc.owner, got, tc.want)
			}
		})
	}
	npa := mustID(t, tr, "npa")
	for _, tc := range []struct {
		name          string
		viewer, owner int64
	}{
		{"unknown owner", npa, 9999},
		{"unknown viewer", 9999, npa},
		{"both unknown and equal", 9999, 9999},
		{"zero viewer", 0, npa},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tr.Sees(tc.viewer, tc.owner) {
				t.Errorf("Sees(%d, %d) = true, want false", tc.viewer, tc.owner)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	tr := testTree(t)
	kanto := []string{"rpb-kanto", "ncu", "pref-08", "pref-09", "pref-10", "pref-11", "pref-12", "pref-14", "pref-15", "pref-19", "pref-20", "pref-22"}
	var allButPartners []string
	for _, o := range tr.All() {
		if o.Kind != KindPartner {
			allButPartners = append(allButPartners, o.Code)
		}
	}
	for _, tc := range []struct {
		name   string
		viewer string
		want   []string
	}{
		{"npa sees everything but partners", "npa", allButPartners},
		{"rpb-kanto", "rpb-kanto", kanto},
		{"rpb-kinki", "rpb-kinki", []string{"rpb-kinki", "pref-25", "pref-26", "pref-27", "pref-28", "pref-29", "pref-30"}},
		{"Tokyo sees itself and its station", "pref-13", []string{"pref-13", "pref-13-shinjuku"}},
		{"Osaka sees only itself", "pref-27", []string{"pref-27"}},
		{"station sees only itself", "pref-13-shinjuku", []string{"pref-13-shinjuku"}},
		{"cab sees only itself", NationalQueueCode, []string{NationalQueueCode}},
		{"partner sees only itself", "jc3", []string{"jc3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := make([]int64, len(tc.want))
			for i, c := range tc.want {
				want[i] = mustID(t, tr, c)
			}
			slices.Sort(want)
			got := tr.Visible(mustID(t, tr, tc.viewer))
			if !slices.Equal(got, want) {
				t.Errorf("Visible(%s) = %v, want %v", tc.viewer, got, want)
			}
			// Visible and Sees must agree.
			for _, o := range tr.All() {
				if in := slices.Contains(got, o.ID); in != tr.Sees(mustID(t, tr, tc.viewer), o.ID) {
					t.Errorf("Visible(%s) contains %s = %v, but Sees says %v", tc.viewer, o.Code, in, !in)
				}
			}
		})
	}
	if got := tr.Visible(9999); got != nil {
		t.Errorf("Visible(unknown) = %v, want nil", got)
	}
}

func TestForPrefecture(t *testing.T) {
	tr := testTree(t)
	for _, tc := range []struct {
		name, jis, code, nameJA string
		ok                      bool
	}{
		{"tokyo is the MPD", "13", "pref-13", "警視庁", true},
		{"hokkaido", "01", "pref-01", "北海道警察本部", true},
		{"osaka", "27", "pref-27", "大阪府警察本部", true},
		{"okinawa", "47", "pref-47", "沖縄県警察本部", true},
		{"unknown code", "48", "", "", false},
		{"empty", "", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, ok := tr.ForPrefecture(tc.jis)
			if ok != tc.ok || o.Code != tc.code || o.NameJA != tc.nameJA {
				t.Errorf("ForPrefecture(%q) = %q %q %v, want %q %q %v", tc.jis, o.Code, o.NameJA, ok, tc.code, tc.nameJA, tc.ok)
			}
			if ok && o.Kind != KindPrefecture {
				t.Errorf("ForPrefecture(%q).Kind = %q", tc.jis, o.Kind)
			}
		})
	}
}

func TestAncestors(t *testing.T) {
	tr := testTree(t)
	for _, tc := range []struct {
		name, code string
		want       []string
	}{
		{"root", "npa", nil},
		{"partner", "jc3", nil},
		{"station", "pref-13-shinjuku", []string{"pref-13", "npa"}},
		{"saitama", "pref-11", []string{"rpb-kanto", "npa"}},
		{"ncu", "ncu", []string{"rpb-kanto", "npa"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := codes(tr.Ancestors(mustID(t, tr, tc.code))); !slices.Equal(got, tc.want) {
				t.Errorf("Ancestors(%s) = %v, want %v", tc.code, got, tc.want)
			}
		})
	}
	if got := tr.Ancestors(9999); got != nil {
		t.Errorf("Ancestors(unknown) = %v, want nil", got)
	}
}

func TestChildren(t *testing.T) {
	tr := testTree(t)
	for _, tc := range []struct {
		name, code string
		want       []string
	}{
		{"npa", "npa", []string{NationalQueueCode, "rpb-tohoku", "rpb-kanto", "rpb-chubu", "rpb-kinki", "rpb-chugoku-shikoku", "rpb-kyushu", "pref-01", "pref-13"}},
		{"rpb-tohoku", "rpb-tohoku", []string{"pref-02", "pref-03", "pref-04", "pref-05", "pref-06", "pref-07"}},
		{"tokyo", "pref-13", []string{"pref-13-shinjuku"}},
		{"station", "pref-13-shinjuku", []string{}},
		{"partner", "jc3", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := codes(tr.Children(mustID(t, tr, tc.code))); !slices.Equal(got, tc.want) {
				t.Errorf("Children(%s) = %v, want %v", tc.code, got, tc.want)
			}
		})
	}
}

func TestByIDAndCode(t *testing.T) {
	tr := testTree(t)
	for _, tc := range []struct {
		name, code string
		ok         bool
	}{
		{"npa", "npa", true},
		{"national queue", NationalQueueCode, true},
		{"station", "pref-13-shinjuku", true},
		{"missing", "pref-48", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, ok := tr.ByCode(tc.code)
			if ok != tc.ok {
				t.Fatalf("ByCode(%q) ok = %v, want %v", tc.code, ok, tc.ok)
			}
			if !ok {
				return
			}
			if o.Code != tc.code {
				t.Errorf("ByCode(%q).Code = %q", tc.code, o.Code)
			}
			if back, ok := tr.ByID(o.ID); !ok || back != o {
				t.Errorf("ByID(%d) = %v, %v; want %v", o.ID, back, ok, o)
			}
		})
	}
	if _, ok := tr.ByID(0); ok {
		t.Error("ByID(0) found an organisation")
	}
}

func TestValidCode(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		want       bool
	}{
		{"simple", "npa", true},
		{"with digits and dashes", "pref-13-shinjuku", true},
		{"empty", "", false},
		{"upper case", "NPA", false},
		{"leading dash", "-npa", false},
		{"trailing dash", "npa-", false},
		{"space", "np a", false},
		{"non-ASCII", "警察", false},
		{"underscore", "pref_13", false},
		{"too long", strings.Repeat("a", 65), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidCode(tc.code); got != tc.want {
				t.Errorf("ValidCode(%q) = %v, want %v", tc.code, got, tc.want)
			}
		})
	}
}

func TestKindValid(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		want bool
	}{
		{KindNational, true}, {KindBureau, true}, {KindUnit, true}, {KindRegional, true},
		{KindPrefecture, true}, {KindStation, true}, {KindPartner, true},
		{"", false}, {"National", false}, {"army", false},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			if got := tc.kind.Valid(); got != tc.want {
				t.Errorf("Kind(%q).Valid() = %v, want %v", tc.kind, got, tc.want)
			}
		})
	}
}

// TestInOrderPutsEachUnderItsParent: a station added after all 47 HQs is
// listed right under its HQ; every organisation comes once, after its
// parent, with the depth its ancestors give it.
func TestInOrderPutsEachUnderItsParent(t *testing.T) {
	tr := testTree(t)
	order := codes(tr.InOrder())
	if len(order) != len(tr.All()) {
		t.Fatalf("%d organisations in order, %d in all", len(order), len(tr.All()))
	}
	at := map[string]int{}
	for i, c := range order {
		if _, dup := at[c]; dup {
			t.Fatalf("%s listed twice", c)
		}
		at[c] = i
	}
	if at["pref-13-shinjuku"] != at["pref-13"]+1 {
		t.Errorf("Shinjuku at %d, its HQ at %d: want right under it", at["pref-13-shinjuku"], at["pref-13"])
	}
	for _, o := range tr.All() {
		if p, ok := tr.ByID(o.ParentID); ok && at[p.Code] >= at[o.Code] {
			t.Errorf("%s listed before its parent %s", o.Code, p.Code)
		}
	}
	if order[0] != "npa" || order[len(order)-2] != "jc3" || order[len(order)-1] != "acme" {
		t.Errorf("order begins with %s and ends with %v: want the NPA first and the partners last", order[0], order[len(order)-2:])
	}
	if d := tr.Depth(mustID(t, tr, "pref-13-shinjuku")); d != tr.Depth(mustID(t, tr, "pref-13"))+1 {
		t.Errorf("Shinjuku at depth %d", d)
	}
	if tr.Depth(mustID(t, tr, "npa")) != 0 || tr.Depth(mustID(t, tr, "jc3")) != 0 || tr.Depth(99999) != 0 {
		t.Error("roots and unknown organisations are not at depth 0")
	}
}
