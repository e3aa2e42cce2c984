package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browserChromium is Debian's Chromium; the browser tests need it and the
// Japanese fonts, and fail (never skip) without them.
const browserChromium = "/usr/bin/chromium"

// browserAxeTags are the WCAG 2.1 A and AA rules the pages must pass.
var browserAxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// browserStepTimeout bounds one page load, so that a key press that does not
// submit a form fails with a clear message instead of the test's deadline.
const browserStepTimeout = 15 * time.Second

// browserPhone is a browser tab that looks like a Japanese smartphone.
type browserPhone struct {
	t      *testing.T
	ctx    context.Context // the tab; ends with the test's deadline
	base   string          // koban's URL
	arts   string          // where screenshots go
	axeJS  string          // axe.min.js, injected into each page it checks
	start  time.Time       // when the browser was asked for
	nshots atomic.Int32
}

// browserStart starts Chromium (headless, Japanese, a fresh profile) with one
// tab at 360×740 CSS pixels. The browser ends with ctx or the test.
func browserStart(t *testing.T, ctx context.Context, base string) *browserPhone {
	t.Helper()
	if _, err := os.Stat(browserChromium); err != nil {
		t.Fatalf("Chromium not found at %s (%v): install Debian's chromium and fonts-ipafont-gothic "+
			"(apt-get install chromium fonts-ipafont-gothic; .ci/run does this)", browserChromium, err)
	}
	axeJS, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run npm ci (or make npm) in the repository root", err)
	}
	start := time.Now()
	browserLog := &browserOutput{w: new(strings.Builder)}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserChromium),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.Flag("accept-lang", "ja-JP,ja"),
		chromedp.Env("LANGUAGE=ja_JP:ja"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(360, 740),
		chromedp.CombinedOutput(browserLog),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(actx)
	// Cleanups run last-in first-out: the browser stops before t.TempDir
	// removes its profile.
	t.Cleanup(func() { cancelTab(); cancelAlloc() })

	err = chromedp.Do(tab,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// A Japanese phone: Japanese first in Accept-Language, a
			// Japanese locale for JavaScript (Intl), Japan's time zone.
			if _, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": "ja-JP,ja;q=0.9"},
			}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "ja_JP"}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
			return err
		}),
	)
	if err != nil {
		t.Fatalf("start %s: %v\nbrowser output:\n%s", browserChromium, err, browserLog.String())
	}

	arts := os.Getenv("KOBAN_ARTIFACTS")
	if arts == "" {
		arts = filepath.Join("..", "..", "artifacts", "browser")
	}
	if err := os.MkdirAll(arts, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &browserPhone{t: t, ctx: tab, base: base, arts: arts, axeJS: string(axeJS), start: start}
	t.Logf("Chromium started in %s", time.Since(start).Round(100*time.Millisecond))
	return p
}

// browserOutput collects the browser's output, written from its own goroutine.
type browserOutput struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *browserOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *browserOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// do runs actions on the tab and fails the test on error.
func (p *browserPhone) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a koban path and checks the HTTP status.
func (p *browserPhone) open(path string, wantStatus int64) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.base+path))
	if err != nil {
		p.t.Fatalf("open %s: %v", path, err)
	}
	if resp == nil || resp.Status != wantStatus {
		p.t.Fatalf("open %s: status %v, want %d", path, browserStatusOf(resp), wantStatus)
	}
}

// keysAndWait presses keys that make the page navigate (a link or a form
// submission) and waits for the new page, returning its status and URL.
func (p *browserPhone) keysAndWait(what, keys string) (int64, string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(keys))
	if err != nil {
		loc, _ := chromedp.Run(p.ctx, chromedp.Location())
		p.t.Fatalf("%s: no new page (%v); still at %s, focus on %s", what, err, loc, p.focused())
	}
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		p.t.Fatalf("%s: no response; now at %s", what, loc)
	}
	return resp.Status, loc
}

func browserStatusOf(r *network.Response) any {
	if r == nil {
		return "none"
	}
	return r.Status
}

// browserEval evaluates a JavaScript expression in the page and decodes its value.
func browserEval[T any](p *browserPhone, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %q: %v", expr, err)
	}
	return v
}

// focused describes the focused element, for messages and for tabTo.
func (p *browserPhone) focused() string {
	p.t.Helper()
	return browserEval[string](p, `(() => { const e = document.activeElement;
		if (!e || e === document.body) return "body";
		let s = e.tagName.toLowerCase();
		if (e.id) s += "#" + e.id;
		if (e.getAttribute("type")) s += "[type=" + e.getAttribute("type") + "]";
		if (e.getAttribute("href")) s += "[href=" + e.getAttribute("href") + "]";
		return s; })()`)
}

// tabTo presses Tab until the focused element matches the CSS selector,
// failing if it is not reached within max presses (so the element is
// reachable by keyboard, in document order).
func (p *browserPhone) tabTo(sel string, max int) {
	p.t.Helper()
	match := fmt.Sprintf(`!!(document.activeElement && document.activeElement.matches(%q))`, sel)
	var path []string
	for i := 0; i <= max; i++ {
		if browserEval[bool](p, match) {
			return
		}
		if i == max {
			break
		}
		p.do("press Tab", chromedp.KeyEvent(kb.Tab))
		path = append(path, p.focused())
	}
	p.t.Fatalf("%s not reached with %d Tab presses; focus went: %s", sel, max, strings.Join(path, " → "))
}

// arrowTo presses ArrowDown in a radio group until the radio sel is focused
// and checked, as a keyboard user moves through a group.
func (p *browserPhone) arrowTo(sel string, max int) {
	p.t.Helper()
	match := fmt.Sprintf(`(() => { const e = document.activeElement; return !!e && e.matches(%q) && e.checked; })()`, sel)
	var path []string
	for i := 0; i <= max; i++ {
		if browserEval[bool](p, match) {
			return
		}
		if i == max {
			break
		}
		p.do("press ArrowDown", chromedp.KeyEvent(kb.ArrowDown))
		path = append(path, p.focused())
	}
	p.t.Fatalf("%s not checked with %d ArrowDown presses; focus went: %s", sel, max, strings.Join(path, " → "))
}

// typeText types text into the focused element, one key event per character.
func (p *browserPhone) typeText(text string) {
	p.t.Helper()
	p.do("type "+text, chromedp.KeyEvent(text))
}

// text returns the visible text of the first element matching sel.
func (p *browserPhone) text(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// shot saves a full-page PNG screenshot into the artefact folder, after
// checking that the page fits the phone's width (wide content such as the
// queue table must scroll inside its own region, not move the whole page).
func (p *browserPhone) shot(name string) {
	p.t.Helper()
	if w := browserEval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); len(w) == 2 && w[0] > w[1] {
		p.t.Errorf("%s page is %d CSS px wide on a %d px screen: it scrolls sideways", name, w[0], w[1])
	}
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	n := p.nshots.Add(1)
	path := filepath.Join(p.arts, fmt.Sprintf("%02d-%s.png", n, name))
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	p.t.Logf("screenshot %s (at %s): %s", name, time.Since(p.start).Round(100*time.Millisecond), path)
}

// browserAxeResult is the part of axe-core's results the test reports.
type browserAxeResult struct {
	Violations []struct {
		ID      string `json:"id"`
		Impact  string `json:"impact"`
		Help    string `json:"help"`
		HelpURL string `json:"helpUrl"`
		Nodes   []struct {
			Target  []any  `json:"target"`
			HTML    string `json:"html"`
			Summary string `json:"summary"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes     int      `json:"passes"`
	Incomplete []string `json:"incomplete"`
	Version    string   `json:"version"`
}

// checkAxe runs axe-core on the current page for WCAG 2.1 A and AA and fails
// the test on any violation, naming each rule and element.
func (p *browserPhone) checkAxe(pageName string) {
	p.t.Helper()
	// Runtime.evaluate is not subject to the page's CSP (script-src 'self'),
	// so axe can be injected without weakening koban's headers.
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](p.axeJS)); err != nil {
		p.t.Fatalf("inject axe-core on %s: %v", pageName, err)
	}
	tags, _ := json.Marshal(browserAxeTags)
	expr := `axe.run(document, {runOnly: {type: 'tag', values: ` + string(tags) + `}}).then(r => JSON.stringify({
		version: r.testEngine.version,
		passes: r.passes.length,
		incomplete: r.incomplete.map(v => v.id),
		violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))}))
	}))`
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("run axe-core on %s: %v", pageName, err)
	}
	var res browserAxeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		p.t.Fatalf("read axe-core results on %s: %v", pageName, err)
	}
	p.t.Logf("axe-core %s on %s: %d rules pass, %d violations, needs review: %v",
		res.Version, pageName, res.Passes, len(res.Violations), res.Incomplete)
	if len(res.Violations) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "axe-core found %d WCAG 2.1 A/AA violation(s) on the %s page:", len(res.Violations), pageName)
	for _, v := range res.Violations {
		fmt.Fprintf(&b, "\n- %s (%s): %s <%s>", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    at %v: %s", n.Target, n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	p.t.Error(b.String())
}

// browserEvidencePNG writes a small PNG (a screenshot stand-in) and returns its path.
func browserEvidencePNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 160, A: 255})
		}
	}
	path := filepath.Join(t.TempDir(), "sms-screenshot.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
