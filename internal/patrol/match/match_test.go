package match

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// sharedData returns the path of a file in the project's shared test data,
// beside the repository.
func sharedData(t *testing.T, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "..", "shared", "data"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test data: %v", err)
	}
	return p
}

// sharedPhrase is a row of the shared yamibaito-phrases.tsv.
type sharedPhrase struct{ phrase, kind, publisher, url, date string }

func readSharedPhrases(t *testing.T) []sharedPhrase {
	t.Helper()
	f, err := os.Open(sharedData(t, "patrol", "yamibaito-phrases.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sharedPhrase
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 || sc.Text() == "" {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("yamibaito-phrases.tsv:%d: %d columns", line, len(c))
		}
		out = append(out, sharedPhrase{c[0], c[1], c[2], c[3], c[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSeedIsTheSharedList: the embedded seed holds every phrase of the
// shared list, in its order, with its kind and its source.
func TestSeedIsTheSharedList(t *testing.T) {
	shared := readSharedPhrases(t)
	seed := YamibaitoPhrases()
	if len(seed) != len(shared) {
		t.Fatalf("seed has %d phrases, the shared list %d", len(seed), len(shared))
	}
	for i, s := range shared {
		r := seed[i]
		if r.Pattern != s.phrase || r.Signal != s.kind || r.Source != s.publisher+"; "+s.url+"; "+s.date {
			t.Errorf("seed %s = %q (%s, %s), shared row %d = %q (%s, %s; %s; %s)",
				r.ID, r.Pattern, r.Signal, r.Source, i+1, s.phrase, s.kind, s.publisher, s.url, s.date)
		}
		if r.Kind != Phrase || r.Category != Yamibaito {
			t.Errorf("seed %s: kind %s, category %s", r.ID, r.Kind, r.Category)
		}
	}
}

func TestBuiltinRules(t *testing.T) {
	rules := BuiltinRules()
	if _, err := Compile(rules); err != nil {
		t.Fatal(err)
	}
	for _, c := range Categories() {
		if !slices.ContainsFunc(rules, func(r Rule) bool { return r.Category == c }) {
			t.Errorf("no built-in rule for %s", c)
		}
	}
	for _, r := range KobanRules() {
		if r.Source != "koban" || r.Signal == "" {
			t.Errorf("%s: source %q, signal %q", r.ID, r.Source, r.Signal)
		}
	}
}

// halfWidth writes katakana and Japanese punctuation in half-width forms,
// voiced kana as the kana and ﾞ or ﾟ: the test's own table, independent of
// the normaliser.
func halfWidth(s string) string {
	const (
		full = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー。「」、・"
		half = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ｡｢｣､･"
		// voiced kana and the kana they are made from
		voiced     = "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ"
		voicedBase = "カキクケコサシスセソタチツテトハヒフヘホウ"
		semi       = "パピプペポ"
		semiBase   = "ハヒフヘホ"
	)
	table := map[rune]string{}
	h := []rune(half)
	for i, r := range []rune(full) {
		table[r] = string(h[i])
	}
	vb := []rune(voicedBase)
	for i, r := range []rune(voiced) {
		table[r] = table[vb[i]] + "ﾞ"
	}
	sb := []rune(semiBase)
	for i, r := range []rune(semi) {
		table[r] = table[sb[i]] + "ﾟ"
	}
	var b strings.Builder
	for _, r := range s {
		if v, ok := table[r]; ok {
			b.WriteString(v)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hiragana writes katakana as hiragana.
func hiragana(s string) string {
	return strings.Map(func(r rune) rune {
		if 0x30A1 <= r && r <= 0x30F6 {
			return r - 0x60
		}
		return r
	}, s)
}

// fullWidth writes ASCII in full-width forms and spaces as ideographic
// spaces.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '　'
		case '!' <= r && r <= '~':
			return r + 0xFEE0
		}
		return r
	}, s)
}

// spaced puts a space between every two characters, except inside a run
// of ASCII: the normaliser keeps the spaces between Latin words (U D stays
// two words, # UD is not a hashtag), so these are not split.
func spaced(s string) string {
	var b strings.Builder
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 && !(prev < utf8.RuneSelf && r < utf8.RuneSelf) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// zeroWidth puts an invisible character between every two characters,
// going through the zero-width ones.
func zeroWidth(s string) string {
	invisible := []rune{0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xFE0F}
	var b strings.Builder
	for i, r := range []rune(s) {
		if i > 0 {
			b.WriteRune(invisible[i%len(invisible)])
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestPhraseVariants: every phrase of the shared list is found, as
// written and written in the ways posts disguise it, and the hit shows
// exactly the disguised text.
func TestPhraseVariants(t *testing.T) {
	m, err := Compile(YamibaitoPhrases())
	if err != nil {
		t.Fatal(err)
	}
	byPattern := map[string]string{}
	for _, r := range m.Rules() {
		byPattern[r.Pattern] = r.ID
	}
	for _, p := range readSharedPhrases(t) {
		id := byPattern[p.phrase]
		variants := map[string]string{
			"as written":    p.phrase,
			"half-width":    halfWidth(p.phrase),
			"spaced":        spaced(p.phrase),
			"zero-width":    zeroWidth(p.phrase),
			"full-width":    fullWidth(p.phrase),
			"half and full": fullWidth(halfWidth(p.phrase)),
		}
		if h := hiragana(p.phrase); h != p.phrase {
			variants["hiragana"] = h
			variants["hiragana spaced"] = spaced(h)
		}
		for name, v := range variants {
			text := "昨日見つけた投稿には「" + v + "」と書かれていた。"
			found := false
			for _, h := range m.Match(text) {
				if h.Rule.ID == id && text[h.Start:h.End] == v {
					found = true
				}
			}
			if !found {
				t.Errorf("%s %q (%s): no hit showing %q in %q (normalised %q, phrase %q)",
					id, p.phrase, name, v, text, Normalize(text), Normalize(p.phrase))
			}
		}
	}
}

// TestNeutralCorpus: no seed phrase hits ordinary text, except the weak
// ones, which are weak because they do; koban's own rules hit none of it.
func TestNeutralCorpus(t *testing.T) {
	m := Builtin()
	hitWeak := map[string]bool{}
	for _, s := range neutralCorpus {
		for _, h := range m.Match(s) {
			switch {
			case h.Rule.Source == "koban":
				t.Errorf("koban rule %s hits ordinary text %q at %q", h.Rule.ID, s, s[h.Start:h.End])
			case !weakPhrases[h.Rule.Pattern]:
				t.Errorf("%s %q hits ordinary text %q", h.Rule.ID, h.Rule.Pattern, s)
			default:
				hitWeak[h.Rule.Pattern] = true
			}
		}
	}
	for _, r := range YamibaitoPhrases() {
		if weakPhrases[r.Pattern] {
			if r.Weight > Weak {
				t.Errorf("%s %q holds in ordinary text but weighs %v, above Weak", r.ID, r.Pattern, r.Weight)
			}
			if !hitWeak[r.Pattern] {
				t.Errorf("%s %q is listed as weak but hits none of the corpus", r.ID, r.Pattern)
			}
		}
	}
	if v := Classify(m.Match(strings.Join(neutralCorpus, "\n"))); v.Score >= ReviewScore {
		t.Errorf("the whole ordinary corpus scores %v for %s, from %d rules", v.Score, v.Category, len(v.Because))
	}
}

func TestLatinPhrasesMatchWholeWords(t *testing.T) {
	m := Builtin()
	tests := []struct {
		text string
		ud   bool
	}{
		{"UD募集中", true},
		{"#UD", true},
		{"ud フォント", true},
		{"ＵＤ", true},
		{"cloud storage", false},
		{"UDON", false},
		{"audit", false},
		{"U D", false}, // a space between Latin letters stays: two words
	}
	for _, tt := range tests {
		got := slices.ContainsFunc(m.Match(tt.text), func(h Hit) bool { return h.Rule.Pattern == "UD" })
		if got != tt.ud {
			t.Errorf("UD in %q: %v, want %v", tt.text, got, tt.ud)
		}
	}
}

func TestHitsShowTheOriginal(t *testing.T) {
	text := "【急募】ﾎﾜｲﾄ案件！　日給５万円から\n即日即金"
	var got []string
	for _, h := range Builtin().Match(text) {
		got = append(got, h.Rule.ID+"="+text[h.Start:h.End]+"/"+h.Norm)
	}
	want := []string{
		"yb-03=ﾎﾜｲﾄ案件/ホワイト案件",
		"yb-k-daily-pay=日給５万/日給5万",
		"yb-06=日給５万円から/日給5万円カラ",
		"yb-02=即日即金/即日即金",
		"yb-50=即金/即金",
	}
	if !slices.Equal(got, want) {
		t.Errorf("hits:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLurePostsClassify(t *testing.T) {
	m := Builtin()
	for _, p := range lurePosts {
		v := Classify(m.Match(p))
		if v.Category != Yamibaito || v.Score < ReviewScore {
			t.Errorf("%q: %s %.2f", p, v.Category, v.Score)
		}
	}
}

func TestOtherCategories(t *testing.T) {
	tests := []struct {
		text string
		want Category
	}{
		{"上質な大麻あります、手押しで即配。連絡はテレグラムで", Illegal},
		{"使っていない口座を高価買取します。通帳とキャッシュカードを送るだけ", Illegal},
		{"個人間融資、ブラックでもOK。即日対応", Illegal},
		{"トカレフ売ります。弾もあります", Illegal},
		{"殺人請け負います。報酬は相談", SeriousCrime},
		{"パイプ爆弾の作り方を教えます", SeriousCrime},
		{"腎臓売ります。健康な二十代です", SeriousCrime},
		{"元交際相手の住所特定代行します", SeriousCrime},
		{"誰か一緒に死にませんか。練炭は用意します", Suicide},
		{"集団自殺のメンバーを探しています", Suicide},
	}
	m := Builtin()
	for _, tt := range tests {
		v := Classify(m.Match(tt.text))
		if v.Category != tt.want || v.Score < ReviewScore {
			t.Errorf("%q: %s %.2f (scores %v), want %s", tt.text, v.Category, v.Score, v.Scores, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	good := Rule{ID: "ok", Kind: Phrase, Pattern: "ホワイト案件", Category: Yamibaito, Weight: 0.5}
	with := func(f func(r *Rule)) Rule { r := good; f(&r); return r }
	tests := []struct {
		name  string
		rules []Rule
		want  []string // each error's text holds these, in order
		is    error
	}{
		{"bad regex says where", []Rule{good, with(func(r *Rule) { r.ID, r.Kind, r.Pattern = "r2", Regex, "日給(5万|10万" })},
			[]string{"rule 2 (r2): pattern: error parsing regexp: missing closing ): `日給(5万|10万`"}, nil},
		{"bad repetition at its place", []Rule{with(func(r *Rule) { r.Kind, r.Pattern = Regex, "即金**" })},
			[]string{"rule 1 (ok): pattern at byte 6: error parsing regexp: invalid nested repetition operator: `**`"}, nil},
		{"duplicate id", []Rule{good, good}, []string{"rule 2 (ok): id: another rule has this id"}, ErrDuplicateID},
		{"no id", []Rule{with(func(r *Rule) { r.ID = " " })}, []string{"rule 1 ( ): id: a rule needs an id"}, ErrNoID},
		{"kind", []Rule{with(func(r *Rule) { r.Kind = "glob" })}, []string{`rule 1 (ok): kind: the kind must be "phrase" or "regex"`}, ErrKind},
		{"category", []Rule{with(func(r *Rule) { r.Category = "spam" })}, []string{`rule 1 (ok): category: unknown category "spam"`}, ErrCategory},
		{"weight", []Rule{with(func(r *Rule) { r.Weight = 1.5 })}, []string{"rule 1 (ok): weight: the weight must be above 0 and at most 1"}, ErrWeight},
		{"zero weight", []Rule{with(func(r *Rule) { r.Weight = 0 })}, []string{"rule 1 (ok): weight"}, ErrWeight},
		{"invisible phrase", []Rule{with(func(r *Rule) { r.Pattern = " \u200b　" })}, []string{"rule 1 (ok): pattern: the pattern is empty once normalised"}, ErrEmptyPattern},
		{"empty match", []Rule{with(func(r *Rule) { r.Kind, r.Pattern = Regex, "(即金)?" })}, []string{"rule 1 (ok): pattern: the regular expression can match empty text"}, ErrEmptyMatch},
		{"anchor", []Rule{with(func(r *Rule) { r.Kind, r.Pattern = Regex, "^即金" })}, []string{"rule 1 (ok): pattern: anchors"}, ErrAnchor},
		{"every problem at once", []Rule{
			with(func(r *Rule) { r.ID = "a"; r.Weight = -1 }),
			with(func(r *Rule) { r.ID = "b"; r.Kind, r.Pattern = Regex, "[" }),
			with(func(r *Rule) { r.ID = "c" }),
			with(func(r *Rule) { r.ID = "c"; r.Category = "" }),
		}, []string{"rule 1 (a): weight", "rule 2 (b): pattern: error parsing regexp: missing closing ]", "rule 4 (c): id", "rule 4 (c): category"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.rules)
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("errors:\n%v\nwant %d", err, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d = %q, want it to start %q", i, lines[i], w)
				}
			}
			var re *RuleError
			if !errors.As(err, &re) {
				t.Errorf("%v is not a *RuleError", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v is not %v", err, tt.is)
			}
		})
	}
	if _, err := CompileWith([]Rule{good}, Limits{Window: 10, Span: 10, Budget: time.Second}); err == nil {
		t.Error("limits with a window smaller than four spans accepted")
	}
}

// TestRegexFolding: a regular expression is written as people write and
// matches the page however it is written.
func TestRegexFolding(t *testing.T) {
	tests := []struct {
		pattern, text string
		match         bool
	}{
		{"ほわいと案件", "ﾎﾜｲﾄ案件", true},
		{"ホワイト案件", "ほ わ い と 案 件", true},
		{"[ぁ-ん]+案件", "ホワイト案件", true},
		{"LINE", "ｌｉｎｅで連絡", true},
		{"(?i)line", "LINEで連絡", true},
		{"日給[０-９]+万", "日給5万", true},
		{"ドライバー", "ドライバ－", true},
		{"090-[0-9]{4}", "090ー1234", true},
		{"1〇万", "10万円", true},
		{"二〇二四", "二〇二四年", true},
		{"[^あ]案件", "ア案件", false},
		{"[^あ]案件", "イ案件", true},
		{"月給100万円~", "月給100万円〜", true},
		{`\bud\b`, "ud募集", true},
		{`\bud\b`, "cloud", false},
	}
	for _, tt := range tests {
		m, err := Compile([]Rule{{ID: "r", Kind: Regex, Pattern: tt.pattern, Category: Yamibaito, Weight: 0.5}})
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if got := len(m.Match(tt.text)) > 0; got != tt.match {
			t.Errorf("%q in %q (normalised %q): %v, want %v", tt.pattern, tt.text, Normalize(tt.text), got, tt.match)
		}
	}
}

func TestRegexTriggers(t *testing.T) {
	tests := []struct {
		pattern  string
		want     []string
		prefix   bool
		first    bool // runs from the bytes a match starts with
		anchored bool // tried only where a match can start
		reach    int
	}{
		{"日給[0-9]+万", []string{"日給"}, true, false, true, 512},
		{"(テレグラム|シグナル)[^。]{0,12}(連絡|追加)", []string{"シグナル", "テレグラム"}, true, false, true, 15 + 12*4 + 6},
		{"(?i)LINE", []string{"line"}, true, false, true, 16},
		{"[0-9]{3}-[0-9]{4}", nil, false, true, true, 10}, // - matches ー too
		{`\b[0-9]{3}-[0-9]{4}`, nil, false, true, false, 10},
		{`\b[0-9]+万円`, []string{"万円"}, false, false, false, 512},
		{"(即金)+|高額", []string{"即金", "高額"}, true, false, true, 512},
		{"[0-9]+万円", nil, false, true, true, 512},
		{"[^。]{0,10}即金", []string{"即金"}, false, false, false, 46},
		{"a|bc", nil, false, true, true, 2}, // a trigger of one byte would run the expression everywhere
		{"[ァ-ン]{2}[0-9]", nil, false, false, false, 7},
		{"ほわいと", []string{"ホワイト"}, true, false, true, 12},
	}
	for _, tt := range tests {
		c, err := compileRegex(0, &Rule{ID: "r", Kind: Regex, Pattern: tt.pattern}, DefaultLimits.Span)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(slices.Values(c.triggers))
		if !slices.Equal(got, tt.want) || c.prefix != tt.prefix || (c.first != nil) != tt.first ||
			(c.anchored != nil) != tt.anchored || c.reach != tt.reach {
			t.Errorf("%q: triggers %q prefix %v first %v anchored %v reach %d, want %q %v %v %v %d", tt.pattern,
				got, c.prefix, c.first != nil, c.anchored != nil, c.reach, tt.want, tt.prefix, tt.first, tt.anchored, tt.reach)
		}
	}
}

// TestPrintRegexp: the syntax koban prints an expression in means what
// the expression meant.
func TestPrintRegexp(t *testing.T) {
	patterns := []string{
		`a+b*?c{2,5}d{3}e{2,}`, `(?i)Line|sms`, `[^。、\n]{1,8}`, `(?P<amount>[0-9]+)万`,
		`(?s).x(?-s:.)`, `\bud\B`, `[\-\]\\^]+`, `x(?:)y`, `[\x{0}-\x{10FFFF}]`, `\x{200b}| `,
		`(a|b)(c|d)?`, `[^\x00-\x{10FFFF}]|z`,
	}
	texts := []string{"aabcc ddd ee LINE SMS sms 12万 xyz ud udon [-]\\^ \x00 ac bd ab 。、x\nx \u200b", strings.Join(lurePosts, "")}
	for _, p := range patterns {
		tree, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		printed := printRegexp(tree)
		re, err := regexp.Compile(printed)
		if err != nil {
			t.Errorf("%q printed as %q: %v", p, printed, err)
			continue
		}
		for _, text := range texts {
			if got, want := re.FindAllStringSubmatchIndex(text, -1), regexp.MustCompile(p).FindAllStringSubmatchIndex(text, -1); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%q printed as %q finds %v, want %v", p, printed, got, want)
			}
		}
	}
}

// TestRegexWindows: run in small windows, and only near their triggers,
// regular expressions find what they find over the whole normalised page.
func TestRegexWindows(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 200_000; i++ {
		b.WriteString(neutralCorpus[i%len(neutralCorpus)])
		if i%7 == 0 {
			b.WriteString(lurePosts[i/7%len(lurePosts)])
		}
	}
	text := b.String()
	// One of each way of running: tried at its triggers (prefix) or its
	// first bytes, run in windows around its triggers or from its first
	// bytes, run over the whole text in windows.
	patterns := []string{
		"日給[0-9]+万",
		"[0-9]{3}-[0-9]{4}-[0-9]{4}",
		"(テレグラム|シグナル)[^。]{0,12}(連絡|追加)",
		`\b[a-z_]+[0-9]+\b`,
		"(案件|ホワイト)[^。]{0,20}",
		"[0-9]+万円",
		"[^。]{0,10}即金",
		"[ァ-ン]{2}(。|!)",
		"(?s).{3}。",
	}
	var rules []Rule
	for i, p := range patterns {
		rules = append(rules, Rule{ID: string(rune('a' + i)), Kind: Regex, Pattern: p, Category: Yamibaito, Weight: 0.5})
	}
	m, err := CompileWith(rules, Limits{Window: 256, Span: 64, Budget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tx := NormalizeText(text)
	res := m.Scan(text)
	if len(res.Stopped) > 0 {
		t.Fatalf("stopped: %v", res.Stopped)
	}
	for i, p := range patterns {
		var want []string
		for _, loc := range regexp.MustCompile(p).FindAllStringIndex(tx.Norm, -1) {
			a, b := tx.Source(loc[0], loc[1])
			want = append(want, text[a:b])
		}
		var got []string
		for _, h := range res.Hits {
			if h.Rule.ID == rules[i].ID {
				got = append(got, text[h.Start:h.End])
			}
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%q: %d hits in windows, %d over the whole text", p, len(got), len(want))
		}
	}
}

// TestRegexBudget: a rule that runs out of time stops after the window it
// is in, says where, and keeps what it found before.
func TestRegexBudget(t *testing.T) {
	text := strings.Repeat("連絡先 090-1234-5678 です。", 5000)
	rules := []Rule{
		{ID: "phone", Kind: Regex, Pattern: "[0-9]{3}-[0-9]{4}-[0-9]{4}", Category: Yamibaito, Weight: 0.5},
		{ID: "phrase", Kind: Phrase, Pattern: "連絡先", Category: Yamibaito, Weight: 0.1},
	}
	m, err := CompileWith(rules, Limits{Window: 1024, Span: 64, Budget: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	res := m.Scan(text)
	if len(res.Stopped) != 1 || res.Stopped[0].Rule.ID != "phone" {
		t.Fatalf("stopped = %v", res.Stopped)
	}
	at := res.Stopped[0].At
	if at <= 0 || at >= len(text)/10 {
		t.Errorf("stopped at %d of %d", at, len(text))
	}
	phones, phrases := 0, 0
	for _, h := range res.Hits {
		switch h.Rule.ID {
		case "phone":
			phones++
			if h.Start >= at {
				t.Errorf("hit at %d after the stop at %d", h.Start, at)
			}
		case "phrase":
			phrases++
		}
	}
	if phones == 0 || phrases != 5000 {
		t.Errorf("%d phone hits, %d phrase hits", phones, phrases)
	}
}

func TestConcurrentScans(t *testing.T) {
	m := Builtin()
	want := len(m.Match(strings.Join(lurePosts, "\n")))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := len(m.Match(strings.Join(lurePosts, "\n"))); got != want {
					t.Errorf("%d hits, want %d", got, want)
				}
			}
		})
	}
	wg.Wait()
}

// TestGeneratedRegexesAgree: the benchmark's regular expressions, run in
// their windows, find what they find over the whole normalised text.
func TestGeneratedRegexesAgree(t *testing.T) {
	text := benchText()[:agreeBytes]
	text = strings.ToValidUTF8(text, "")
	rules := generatedRules(0, 100)
	m, err := CompileWith(rules, Limits{Window: DefaultLimits.Window, Span: DefaultLimits.Span, Budget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tx := NormalizeText(text)
	got := map[string][]string{}
	for _, h := range m.Match(text) {
		got[h.Rule.ID] = append(got[h.Rule.ID], h.Norm)
	}
	for _, r := range m.Rules() {
		c, _ := compileRegex(0, &r, DefaultLimits.Span)
		want := c.re.FindAllString(tx.Norm, -1)
		if !slices.Equal(got[r.ID], want) {
			t.Errorf("%s %q: %d hits, %d over the whole text\n%q\n%q", r.ID, r.Pattern, len(got[r.ID]), len(want), got[r.ID], want)
		}
	}
}

// agreeBytes is how much of benchText TestGeneratedRegexesAgree reads.
var agreeBytes = 200_000

// TestRegexChunksAgree: cut into windows, a page gives the matches that
// matching it whole gives, where they follow each other closely too.
func TestRegexChunksAgree(t *testing.T) {
	text := strings.Repeat("ab", 5000) + strings.Repeat("ア", 300)
	for _, p := range []string{`(?s).{3}`, `[ab]{5}`, `[^x]{7}|ア`} {
		m, err := CompileWith([]Rule{{ID: "r", Kind: Regex, Pattern: p, Category: Yamibaito, Weight: 0.5}},
			Limits{Window: 64, Span: 16, Budget: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		var got [][2]int
		for _, h := range m.Match(text) {
			got = append(got, [2]int{h.Start, h.End})
		}
		var want [][2]int
		for _, loc := range regexp.MustCompile(p).FindAllStringIndex(text, -1) {
			want = append(want, [2]int{loc[0], loc[1]})
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: %d hits in windows, %d over the whole text", p, len(got), len(want))
		}
	}
}
