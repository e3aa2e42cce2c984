package app_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
)

const mispLists = "../../../shared/data/misp/misp-warninglists"

func openApp(t *testing.T, dir string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestWarningListCommands: MISP lists are imported, the ones that name
// places anyone can put content start off, an administrator switches lists
// on and off, and koban's matcher uses what is on.
func TestWarningListCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"KOBAN_DATA_DIR": dir}
	code, out, errs := run(t, env, "", "warninglists", "import", mispLists)
	if code != 0 || !strings.Contains(out, "imported 134 warning lists") || !strings.Contains(out, "switched off") ||
		strings.Count(out, "skipped:") != 2 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	state := func(name string) string {
		t.Helper()
		_, out, _ := run(t, env, "", "warninglists", "list")
		for _, line := range strings.Split(out, "\n") {
			if strings.HasSuffix(line, "  "+name) {
				return strings.Fields(line)[0]
			}
		}
		t.Fatalf("list lacks %q:\n%s", name, out)
		return ""
	}
	if s := state("Top 10K most-used sites from Tranco"); s != "off" {
		t.Errorf("the Tranco ranking (holds blogspot.com, github.io) is %s, want off", s)
	}
	if s := state("List of known IPv4 public DNS resolvers"); s != "on" {
		t.Errorf("public DNS resolvers list is %s, want on", s)
	}
	if code, _, errs := run(t, env, "", "warninglists", "disable", "List of known IPv4 public DNS resolvers"); code != 0 {
		t.Fatalf("disable: %d %s", code, errs)
	}
	if s := state("List of known IPv4 public DNS resolvers"); s != "off" {
		t.Errorf("after disable: %s", s)
	}
	if code, _, errs := run(t, env, "", "warninglists", "enable", "no such list"); code != 1 || !strings.Contains(errs, "There is no imported warning list") {
		t.Errorf("enable of an unknown list: %d %q", code, errs)
	}
	// Imported again, a list keeps the switch the administrator set.
	if code, _, _ := run(t, env, "", "warninglists", "import", mispLists+"/lists"); code != 0 {
		t.Fatal("second import failed")
	}
	if s := state("List of known IPv4 public DNS resolvers"); s != "off" {
		t.Errorf("after a second import: %s, want off as set", s)
	}

	a := openApp(t, dir)
	defer a.Close()
	p := a.DB.Policy()
	if w := p.Warnings(observe.Observable{Type: observe.IPv4, Value: "9.9.9.10"}); slices.Contains(w, "List of known IPv4 public DNS resolvers") {
		t.Errorf("a switched-off list still matches: %v", w)
	}
	if w := p.Warnings(observe.Observable{Type: observe.IPv4, Value: "10.1.2.3"}); !slices.Contains(w, "List of RFC 1918 CIDR blocks") {
		t.Errorf("10.1.2.3 matches %v, want the MISP RFC 1918 list too", w)
	}
	if w := p.Warnings(observe.Observable{Type: observe.Domain, Value: "phish.github.io"}); len(w) != 0 {
		t.Errorf("a site on a hosting platform is marked benign by %v", w)
	}
	if code, _, _ := run(t, env, "", "warninglists", "import", t.TempDir()); code != 1 {
		t.Error("import from a folder without lists succeeded")
	}
}

// TestReindexCommand: koban observables reindex finds every report's
// values again (description, reporter's additions, text evidence) and
// rebuilds the clusters, drawing its progress.
func TestReindexCommand(t *testing.T) {
	dir := t.TempDir()
	a := openApp(t, dir)
	ctx := context.Background()
	var ids []int64
	for _, d := range []string{"口座 みずほ銀行 新宿支店 普通 1234567 に振り込んだ", "SMSのリンク hxxps://kanri-check[.]jp/login から"} {
		rc, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindTip, Description: d, Language: "ja", Prefecture: "13"},
			intake.Origin{Source: "web", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.ReportID)
		if err := a.Intake.AddInfo(ctx, rc.Token, "犯人の番号 090-2222-3333", nil, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	// The index loses what it knew, as after an extractor upgrade.
	if err := a.DB.ReplaceObservables(ctx, map[int64][]observe.Observable{ids[0]: nil, ids[1]: nil}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	code, out, errs := run(t, map[string]string{"KOBAN_DATA_DIR": dir}, "", "observables", "reindex")
	if code != 0 || !strings.Contains(out, "1 clusters, the largest of 2") || !strings.Contains(errs, "100% 2/2") {
		t.Fatalf("reindex: %d\n%s\n%s", code, out, errs)
	}
	a = openApp(t, dir)
	defer a.Close()
	for i, want := range [][]string{{"+819022223333", "name:みずほ銀行/新宿支店/1/1234567"}, {"+819022223333", "https://kanri-check.jp/login", "kanri-check.jp"}} {
		vals, err := a.DB.ValuesOf(ctx, correlate.Key{Type: correlate.Report, ID: ids[i]})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vals {
			got = append(got, v.Observable.Value)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("report %d after the re-index holds %v, lacks %q", i, got, w)
			}
		}
	}
	if code, _, _ := run(t, map[string]string{"KOBAN_DATA_DIR": dir}, "", "observables"); code != 2 {
		t.Errorf("observables without a subcommand: exit %d, want 2", code)
	}
}
