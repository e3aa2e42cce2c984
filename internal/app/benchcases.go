package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/search"
	"github.com/koban-project/koban/internal/taxonomy"
)

// CasesBenchOptions choose the size of the case and search benchmark.
type CasesBenchOptions struct {
	Cases, Reports, Notes int
	Queries               int    // timed runs of each query shape
	DatabaseURL           string // empty: a fresh SQLite in Dir
	Dir                   string // the data folder; empty: a temporary one, removed after
	Progress              io.Writer
	Profile               io.Writer // when set: a CPU profile of the timed queries
}

// CasesBenchResult is what the case and search benchmark measured.
type CasesBenchResult struct {
	Cases, Reports, Notes int
	Load                  time.Duration
	Shapes                []ShapeTiming
}

// ShapeTiming is one query shape's timings.
type ShapeTiming struct {
	Name          string
	P50, P95, P99 time.Duration
	Rows          float64 // rows on the page, on average
	Total         float64 // the total shown, on average
	LowerBound    float64 // share of runs whose total was "more than"
}

// runBenchCases is `koban bench cases`.
func runBenchCases(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("bench cases", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	o := CasesBenchOptions{Progress: env.Stderr}
	fs.IntVar(&o.Cases, "n", 1000000, "cases to generate (0 with -dir: time queries on what is there)")
	fs.IntVar(&o.Reports, "reports", -1, "reports to generate (default: five per case)")
	fs.IntVar(&o.Notes, "notes", -1, "case notes to generate (default: one per five cases)")
	fs.IntVar(&o.Queries, "q", 200, "timed runs of each query shape")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "empty: a fresh SQLite; postgres://…: that (empty) PostgreSQL database")
	fs.StringVar(&o.Dir, "dir", "", "data folder to keep (default: a temporary one)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the timed queries to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.Reports < 0 {
		o.Reports = 5 * o.Cases
	}
	if o.Notes < 0 {
		o.Notes = o.Cases / 5
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		o.Profile = f
	}
	r, err := BenchCases(ctx, o)
	if err != nil {
		return err
	}
	db := "SQLite"
	if o.DatabaseURL != "" {
		db = "PostgreSQL"
	}
	fmt.Fprintf(env.Stdout, "%s, %d cores (GOMAXPROCS %d): %d cases, %d reports, %d notes loaded in %v\n",
		db, runtime.NumCPU(), runtime.GOMAXPROCS(0), r.Cases, r.Reports, r.Notes, r.Load.Round(time.Second))
	fmt.Fprintf(env.Stdout, "%-46s %9s %9s %9s %6s %8s\n", "query shape ("+fmt.Sprint(o.Queries)+" runs each)", "p50", "p95", "p99", "rows", "total")
	for _, s := range r.Shapes {
		total := fmt.Sprintf("%.0f", s.Total)
		if s.LowerBound > 0 {
			total = fmt.Sprintf(">%.0f", s.Total)
		}
		fmt.Fprintf(env.Stdout, "%-46s %9v %9v %9v %6.1f %8s\n", s.Name, s.P50.Round(10*time.Microsecond), s.P95.Round(10*time.Microsecond),
			s.P99.Round(10*time.Microsecond), s.Rows, total)
	}
	return nil
}

// BenchCases generates cases, reports and notes into a fresh database
// through the store's bulk loaders, then times the case list with filters
// and search (reports, cases, all kinds) nationally (an NPA officer, who
// sees everything) and for Tokyo (an MPD officer), through the services
// the pages call.
func BenchCases(ctx context.Context, o CasesBenchOptions) (CasesBenchResult, error) {
	var res CasesBenchResult
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	db, tree, closeDB, err := benchDB(ctx, "cases", o.Dir, o.DatabaseURL)
	if err != nil {
		return res, err
	}
	defer closeDB()
	treeFn := func() *org.Tree { return tree }
	npa, _ := tree.ByCode("npa")
	tokyo, _ := tree.ByCode("pref-13")
	author := &auth.User{Email: "bench-author@npa.example", Name: "bench", OrgID: npa.ID, Role: auth.RoleSupervisor,
		PasswordHash: "$argon2id$not-used", CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, author, benchEntry()); err != nil {
		// A database loaded by an earlier run (-n 0 -dir) has it already.
		if author, err = db.UserByEmail(ctx, author.Email); err != nil {
			return res, err
		}
	}
	gen := newCaseGen(tree, author.ID)

	start := time.Now()
	if o.Cases > 0 || o.Reports > 0 {
		bar := newProgress(o.Progress, "reports")
		const batch = 20000
		for done := 0; done < o.Reports; {
			n := min(batch, o.Reports-done)
			rs := make([]*intake.Report, n)
			for i := range rs {
				rs[i] = gen.report(done+i, o.Reports)
			}
			if err := db.BulkLoadReports(ctx, rs); err != nil {
				return res, err
			}
			done += n
			bar.update(done, o.Reports)
		}
		bar.finish()
		bar = newProgress(o.Progress, "cases  ")
		for done, notes := 0, 0; done < o.Cases; {
			n := min(batch, o.Cases-done)
			cs := make([]*cases.Case, n)
			for i := range cs {
				cs[i] = gen.kase(done+i, o.Cases)
			}
			// Notes spread over the cases in proportion.
			want := int(int64(o.Notes) * int64(done+n) / int64(max(o.Cases, 1)))
			var ns []*cases.Note
			for ; notes < want; notes++ {
				ns = append(ns, gen.note(cs, gen.rng.IntN(n)))
			}
			if err := db.BulkLoadCases(ctx, cs, ns); err != nil {
				return res, err
			}
			done += n
			bar.update(done, o.Cases)
		}
		bar.finish()
	}
	res.Load = time.Since(start)
	if err := db.BenchCounts(ctx, &res.Cases, &res.Reports, &res.Notes); err != nil {
		return res, err
	}
	if err := db.Analyze(ctx); err != nil {
		return res, err
	}

	clock := koban.SystemClock{}
	decider := access.New(db, treeFn, clock)
	caseSvc := cases.NewService(db, decider, treeFn, clock, time.UTC)
	searchSvc := search.NewService(db, decider, treeFn, clock, time.UTC, nil)
	national := auth.Principal{UserID: author.ID, Email: author.Email, OrgID: npa.ID, Role: auth.RoleSupervisor}
	metro := auth.Principal{UserID: author.ID, Email: "bench@mpd.example", OrgID: tokyo.ID, Role: auth.RoleInvestigator}
	rng := rand.New(rand.NewPCG(7, 9))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	if len(gen.rare) == 0 && res.Reports > 0 {
		// Timing what an earlier run loaded (-n 0 -dir): rare values from
		// reports picked at random.
		for range 4000 {
			r, err := db.Report(ctx, 1+rng.Int64N(int64(res.Reports)))
			if err != nil {
				continue
			}
			gen.cur = r.OrgID
			gen.text(r.Description)
		}
	}
	rare, rareTokyo := gen.rare, gen.tokyo
	if len(rare) == 0 {
		rare = []string{"見つからない語"}
	}
	if len(rareTokyo) == 0 {
		rareTokyo = rare
	}
	type shape struct {
		name string
		run  func() (rows, total int, lower bool, err error)
	}
	list := func(p auth.Principal, f func() cases.Filter) func() (int, int, bool, error) {
		return func() (int, int, bool, error) {
			rows, total, err := caseSvc.List(ctx, p, f())
			return len(rows), total, false, err
		}
	}
	find := func(p auth.Principal, kinds []search.Kind, words func() string, second bool) func() (int, int, bool, error) {
		return func() (int, int, bool, error) {
			q := search.Query{Text: words(), Kinds: kinds}
			r, err := searchSvc.Search(ctx, p, q, nil, search.DefaultLimit)
			if err == nil && second && r.Next != nil {
				r, err = searchSvc.Search(ctx, p, q, r.Next, search.DefaultLimit)
			}
			return len(r.Hits), r.Total, r.TotalIsLowerBound, err
		}
	}
	statuses := []cases.Status{cases.StatusOpen, cases.StatusInvestigating, cases.StatusClosed}
	cats := []string{"FR", "PH", "UA", "MW"}
	common := func() string { return pick(benchCommonWords) }
	rareWord := func() string { return pick(rare) }
	rareInTokyo := func() string { return pick(rareTokyo) }
	two := func() string { return pick(benchCommonWords) + " " + pick(benchPlaces) }
	reports, casesOnly := []search.Kind{search.Report}, []search.Kind{search.Case}
	shapes := []shape{
		{"case list, national, newest", list(national, func() cases.Filter { return cases.Filter{} })},
		{"case list, national, status+category", list(national, func() cases.Filter {
			return cases.Filter{Status: statuses[rng.IntN(len(statuses))], Category: cats[rng.IntN(len(cats))]}
		})},
		{"case list, national, page 20", list(national, func() cases.Filter { return cases.Filter{Offset: 19 * 50} })},
		{"case list, Tokyo, newest", list(metro, func() cases.Filter { return cases.Filter{} })},
		{"case list, Tokyo, status+category", list(metro, func() cases.Filter {
			return cases.Filter{Status: statuses[rng.IntN(len(statuses))], Category: cats[rng.IntN(len(cats))]}
		})},
		{"search cases, national, common word", find(national, casesOnly, common, false)},
		{"search cases, national, rare word", find(national, casesOnly, rareWord, false)},
		{"search cases, Tokyo, common word", find(metro, casesOnly, common, false)},
		{"search reports, national, common word", find(national, reports, common, false)},
		{"search reports, national, rare word", find(national, reports, rareWord, false)},
		{"search reports, national, two words", find(national, reports, two, false)},
		{"search reports, Tokyo, common word", find(metro, reports, common, false)},
		{"search reports, Tokyo, rare word", find(metro, reports, rareInTokyo, false)},
		{"search all kinds, national, common word", find(national, nil, common, false)},
		{"search all kinds, national, page 2", find(national, nil, common, true)},
		{"search all kinds, Tokyo, common word", find(metro, nil, common, false)},
		{"search all kinds, Tokyo, rare word", find(metro, nil, rareInTokyo, false)},
	}
	if o.Profile != nil {
		if err := pprof.StartCPUProfile(o.Profile); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	for _, s := range shapes {
		if _, _, _, err := s.run(); err != nil { // warm the cache, as a server would be
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		var d []time.Duration
		var rows, total, lower int
		for range o.Queries {
			t0 := time.Now()
			n, t, lb, err := s.run()
			if err != nil {
				return res, fmt.Errorf("%s: %w", s.name, err)
			}
			d = append(d, time.Since(t0))
			rows, total = rows+n, total+t
			if lb {
				lower++
			}
		}
		slices.Sort(d)
		at := func(p int) time.Duration { return d[min(len(d)-1, len(d)*p/100)] }
		fmt.Fprintf(o.Progress, "%-46s p50 %v p95 %v\n", s.name, at(50), at(95))
		q := float64(max(o.Queries, 1))
		res.Shapes = append(res.Shapes, ShapeTiming{Name: s.name, P50: at(50), P95: at(95), P99: at(99), Rows: float64(rows) / q,
			Total: float64(total) / q, LowerBound: float64(lower) / q})
	}
	return res, nil
}

func benchEntry() audit.Entry {
	return audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}
}

// Words the benchmark searches for: common ones (each in several per cent
// of the records or more) and places.
var (
	benchCommonWords = []string{"フィッシング", "投資", "振り込", "暗号資産", "ロマンス", "サポート詐欺", "不正送金", "ランサムウェア", "宅配業者", "ログイン"}
	benchPlaces      = []string{"新宿", "渋谷", "梅田", "札幌", "博多", "横浜", "名古屋", "仙台"}
)

// caseGen makes reports, cases and notes in realistic Japanese, owned by
// prefectures roughly as crime is spread (Tokyo about an eighth), created
// over five years in order, with rare values (domains, phone numbers) a
// search can look for.
type caseGen struct {
	rng     *rand.Rand
	owners  []int64 // drawn from, weighted
	prefOf  map[int64]string
	author  int64
	start   time.Time
	span    time.Duration
	rare    []string // values found in some record, for "rare word" searches
	tokyo   []string // … in a Tokyo record
	cur     int64    // the owner of the record being made
	tokyoID int64
}

func newCaseGen(tree *org.Tree, author int64) *caseGen {
	g := &caseGen{rng: rand.New(rand.NewPCG(3, 5)), prefOf: map[int64]string{}, author: author,
		start: time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)}
	g.span = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).Sub(g.start)
	if t, ok := tree.ByCode("pref-13"); ok {
		g.tokyoID = t.ID
	}
	weight := map[string]int{"13": 15, "27": 9, "14": 8, "23": 7, "11": 6, "12": 5, "01": 4, "40": 4, "28": 4}
	for _, o := range tree.All() {
		switch o.Kind {
		case org.KindPrefecture:
			g.prefOf[o.ID] = o.Prefecture
			for range max(weight[o.Prefecture], 1) {
				g.owners = append(g.owners, o.ID)
			}
		case org.KindUnit:
			g.owners = append(g.owners, o.ID) // the National Cyber Unit's own
		}
	}
	return g
}

func (g *caseGen) at(i, n int) time.Time {
	return g.start.Add(time.Duration(float64(g.span) * float64(i) / float64(max(n, 1)))).Add(time.Duration(g.rng.IntN(1000)) * time.Microsecond)
}

var (
	genBanks    = []string{"みずほ銀行", "三菱UFJ銀行", "三井住友銀行", "ゆうちょ銀行", "りそな銀行", "楽天銀行", "PayPay銀行"}
	genServices = []string{"Amazon", "楽天市場", "メルカリ", "LINE", "Instagram", "X（旧Twitter）", "Facebook", "マッチングアプリ"}
	genPlaces   = []string{"新宿", "渋谷", "池袋", "梅田", "難波", "札幌", "博多", "横浜", "名古屋", "仙台", "広島", "神戸", "京都市内", "さいたま市"}
	genOpeners  = map[string][]string{
		"PH": {"宅配業者を名乗るSMSが届き、記載のURLを開いてしまいました。", "銀行を名乗るフィッシングメールが届き、リンク先でログイン情報を入力しました。",
			"Amazonを装うメールで「アカウントが停止されました」と言われ、カード番号を入力しました。", "携帯電話会社を名乗るSMSのフィッシングサイトでパスワードを入れてしまいました。"},
		"FR": {"SNSで知り合った人物から投資を勧められ、指定の口座に振り込みました。", "マッチングアプリで知り合った相手からロマンス詐欺の手口で暗号資産を送金させられました。",
			"パソコンに警告画面が出て、表示された番号に電話するとサポート詐欺でした。", "副業サイトで登録料を振り込んだ後、連絡が取れなくなりました。", "通販サイトで商品を購入し代金を振り込みましたが、商品が届きません。"},
		"UA": {"ネットバンキングに身に覚えのないログインがあり、不正送金されていました。", "SNSのアカウントが乗っ取られ、知人に詐欺のメッセージが送られました。",
			"証券口座に不正アクセスされ、勝手に株式が売買されていました。"},
		"MW": {"社内のサーバーがランサムウェアに感染し、ファイルが暗号化されました。", "スマートフォンに不正なアプリを入れてしまい、情報が抜き取られたようです。"},
		"HR": {"掲示板に自分の実名と住所を書き込まれ、誹謗中傷を受けています。", "SNSで「殺す」と脅迫するメッセージが繰り返し届きます。"},
		"AV": {"会社のウェブサイトにDDoS攻撃があり、サービスが停止しました。"},
		"DL": {"利用しているサービスから個人情報が漏えいしたとの通知がありました。"},
	}
	genMiddles = []string{"相手は{svc}で連絡してきました。", "{bank}の口座に{amount}円を振り込みました。", "連絡先は {phone} でした。",
		"サイトのアドレスは {domain} です。", "{place}に住んでいます。", "警察に相談するのは初めてです。", "同じような被害がないか心配です。",
		"家族に相談して通報しました。", "相手の名前は「{name}」と名乗っていました。", "被害額は合計で{amount}円です。"}
	genNames   = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"}
	genTitles  = map[string]string{"PH": "フィッシング", "FR": "投資・ロマンス詐欺", "UA": "不正アクセス・不正送金", "MW": "ランサムウェア", "HR": "脅迫・誹謗中傷", "AV": "DDoS", "DL": "情報漏えい"}
	genCats    = []string{"PH", "PH", "PH", "FR", "FR", "FR", "UA", "UA", "MW", "HR", "AV", "DL"}
	genReportS = []intake.Status{intake.StatusNew, intake.StatusInProgress, intake.StatusClosed, intake.StatusClosed}
	genCaseS   = []cases.Status{cases.StatusOpen, cases.StatusInvestigating, cases.StatusInvestigating, cases.StatusSuspended, cases.StatusClosed, cases.StatusClosed}
	genNotes   = []string{"被害者から追加の聞き取りを行った。", "口座の凍結を金融機関に依頼した。", "プロバイダに発信者情報の開示を照会した。",
		"同一手口の通報が他県でも確認された。", "押収した端末の解析を依頼した。", "送金先の暗号資産アドレスを追跡中。"}
)

// text fills a template's {…} with generated values; rare values are kept
// now and then for the benchmark to search for.
func (g *caseGen) text(tmpl string) string {
	r := strings.NewReplacer(
		"{svc}", genServices[g.rng.IntN(len(genServices))],
		"{bank}", genBanks[g.rng.IntN(len(genBanks))],
		"{amount}", fmt.Sprint((1+g.rng.IntN(300))*10000),
		"{phone}", fmt.Sprintf("090-%04d-%04d", g.rng.IntN(10000), g.rng.IntN(10000)),
		"{domain}", fmt.Sprintf("secure-%x.example-login.jp", g.rng.Uint32()),
		"{place}", genPlaces[g.rng.IntN(len(genPlaces))],
		"{name}", genNames[g.rng.IntN(len(genNames))],
	)
	s := r.Replace(tmpl)
	keep := func(v string) {
		if len(g.rare) < 500 && g.rng.IntN(200) == 0 {
			g.rare = append(g.rare, v)
		}
		if g.cur == g.tokyoID && len(g.tokyo) < 500 && g.rng.IntN(50) == 0 {
			g.tokyo = append(g.tokyo, v)
		}
	}
	if i := strings.Index(s, "secure-"); i >= 0 {
		keep(s[i : i+15])
	} else if i := strings.Index(s, "090-"); i >= 0 {
		keep(s[i : i+13])
	}
	return s
}

func (g *caseGen) story(cat string, sentences int) string {
	openers := genOpeners[cat]
	var b strings.Builder
	b.WriteString(openers[g.rng.IntN(len(openers))])
	for range sentences {
		b.WriteString(g.text(genMiddles[g.rng.IntN(len(genMiddles))]))
	}
	return b.String()
}

func (g *caseGen) owner() int64 {
	g.cur = g.owners[g.rng.IntN(len(g.owners))]
	return g.cur
}

func (g *caseGen) report(i, n int) *intake.Report {
	cat := genCats[g.rng.IntN(len(genCats))]
	at := g.at(i, n)
	o := g.owner()
	desc := g.story(cat, 2+g.rng.IntN(3))
	// The values extracted, as intake does: their canonical forms go into
	// the search text (a phone number is found as +8190…).
	return &intake.Report{Receipt: fmt.Sprintf("B%09d", i), TokenHash: fmt.Sprintf("bench-%d-%x", i, g.rng.Uint64()), Kind: intake.KindReport,
		Category: cat, Description: desc, Prefecture: g.prefOf[o], OrgID: o, Observables: observe.Extract(desc),
		Status: genReportS[g.rng.IntN(len(genReportS))], Language: "ja", Source: "bench", CreatedAt: at, UpdatedAt: at}
}

func (g *caseGen) kase(i, n int) *cases.Case {
	cat := genCats[g.rng.IntN(len(genCats))]
	at := g.at(i, n)
	o := g.owner()
	pref := g.prefOf[o]
	if pref == "" {
		pref = "00"
	}
	c := &cases.Case{Number: fmt.Sprintf("%d-%s-%06d", at.Year(), pref, i), Category: cat, Law: taxonomy.LawOther,
		Title:    fmt.Sprintf("%sにおける%s事案（%s）", genPlaces[g.rng.IntN(len(genPlaces))], genTitles[cat], genNames[g.rng.IntN(len(genNames))]),
		Summary:  g.story(cat, 3+g.rng.IntN(3)),
		Severity: cases.Severities[g.rng.IntN(len(cases.Severities))], Status: genCaseS[g.rng.IntN(len(genCaseS))], OrgID: o,
		CreatedAt: at, UpdatedAt: at.Add(time.Duration(g.rng.IntN(90*24)) * time.Hour)}
	if c.Status == cases.StatusClosed {
		c.CloseReason = "arrested"
	}
	return c
}

// note makes a note on cs[i]; its CaseID is that index until loaded.
func (g *caseGen) note(cs []*cases.Case, i int) *cases.Note {
	c := cs[i]
	return &cases.Note{CaseID: int64(i), AuthorID: g.author, Body: genNotes[g.rng.IntN(len(genNotes))] + g.text(genMiddles[g.rng.IntN(len(genMiddles))]),
		CreatedAt: c.CreatedAt.Add(time.Duration(1+g.rng.IntN(30*24)) * time.Hour)}
}
