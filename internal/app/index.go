package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/warnlist"
)

// runWarningLists is `koban warninglists import DIR…` and `koban warninglists list`.
func runWarningLists(ctx context.Context, env Env, args []string) error {
	const use = "koban warninglists import DIR… (MISP warninglists: a checkout, or its lists/ folder) | koban warninglists list | koban warninglists enable|disable NAME"
	if len(args) == 0 {
		return usageError(use)
	}
	switch args[0] {
	case "import":
		a, dirs, err := openFromEnv(ctx, env, args[1:])
		if err != nil {
			return err
		}
		defer a.Close()
		if len(dirs) == 0 {
			return usageError(use)
		}
		return a.importWarningLists(ctx, env.Stdout, dirs)
	case "list":
		a, _, err := openFromEnv(ctx, env, args[1:])
		if err != nil {
			return err
		}
		defer a.Close()
		imported, on, err := a.DB.WarningLists(ctx, true)
		if err != nil {
			return err
		}
		for _, l := range warnlist.Builtin() {
			fmt.Fprintf(env.Stdout, "on   %-6s %-9s %7d  %s\n", l.Source, l.Kind, len(l.Entries), l.Name)
		}
		for i, l := range imported {
			state := "off"
			if on[i] {
				state = "on"
			}
			fmt.Fprintf(env.Stdout, "%-4s %-6s %-9s %7d  %s\n", state, l.Source, l.Kind, len(l.Entries), l.Name)
		}
		return nil
	case "enable", "disable":
		a, rest, err := openFromEnv(ctx, env, args[1:])
		if err != nil {
			return err
		}
		defer a.Close()
		if len(rest) != 1 {
			return usageError(use)
		}
		return a.DB.SetWarningListEnabled(ctx, rest[0], args[0] == "enable", audit.Entry{Actor: audit.Actor{Label: "cli"},
			Action: "warninglists." + args[0], ObjectType: "warninglist", ObjectID: rest[0]})
	}
	return usageError(use)
}

// importWarningLists reads MISP warning lists from dirs and stores them;
// a list that cannot be read is named with the reason and the rest go in.
func (a *App) importWarningLists(ctx context.Context, out io.Writer, dirs []string) error {
	var lists []warnlist.List
	var failed int
	for _, dir := range dirs {
		ls, errs := warnlist.ReadMISPDir(dir)
		for _, err := range errs {
			fmt.Fprintf(out, "skipped: %v\n", err)
		}
		failed += len(errs)
		lists = append(lists, ls...)
	}
	if len(lists) == 0 {
		return fmt.Errorf("no warning list found in %s", strings.Join(dirs, ", "))
	}
	entries, skipped, off := 0, 0, 0
	for _, l := range lists {
		entries += len(l.Entries)
		skipped += len(l.Skipped)
		if warnlist.OffByDefault(l) {
			off++
		}
	}
	err := a.DB.SaveWarningLists(ctx, lists, audit.Entry{Actor: audit.Actor{Label: "cli"}, Action: "warninglists.import",
		ObjectType: "warninglists", Detail: map[string]any{"lists": len(lists), "entries": entries, "from": dirs}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "imported %d warning lists (%d entries; %d entries and %d lists could not be used)\n", len(lists), entries, skipped, failed)
	fmt.Fprintf(out, "%d lists name places anyone can put content (cloud, hosting, shorteners, dynamic DNS…) and start switched off: see koban warninglists list\n", off)
	return nil
}

// runObservables is `koban observables reindex`.
func runObservables(ctx context.Context, env Env, args []string) error {
	const use = "koban observables reindex   (extract every report's observables again, then rebuild the clusters)"
	if len(args) == 0 || args[0] != "reindex" {
		return usageError(use)
	}
	a, _, err := openFromEnv(ctx, env, args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	bar := newProgress(env.Stderr, "reports ")
	if err := a.Intake.Reindex(ctx, a.DB, bar.update); err != nil {
		return err
	}
	bar.finish()
	bar = newProgress(env.Stderr, "clusters")
	if err := a.DB.RebuildClusters(ctx, bar.update); err != nil {
		return err
	}
	bar.finish()
	rows, total, err := a.DB.Clusters(ctx, "size", time.Time{}, 1, 0)
	if err != nil {
		return err
	}
	largest := 0
	if len(rows) > 0 {
		largest = rows[0].Size
	}
	fmt.Fprintf(env.Stdout, "re-indexed; %d clusters, the largest of %d records\n", total, largest)
	return nil
}

// progress draws a progress bar on a terminal line: at most ten times a
// second, and once more at the end.
type progress struct {
	w       io.Writer
	label   string
	start   time.Time
	drawn   time.Time
	done, n int
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, start: time.Now()}
}

func (p *progress) update(done, total int) {
	p.done, p.n = done, total
	if time.Since(p.drawn) >= 100*time.Millisecond {
		p.draw()
	}
}

func (p *progress) draw() {
	p.drawn = time.Now()
	const width = 30
	frac := 1.0
	if p.n > 0 {
		frac = float64(p.done) / float64(p.n)
	}
	filled := int(frac * width)
	rate := float64(p.done) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d  %.0f/s ", p.label, strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		frac*100, p.done, p.n, rate)
}

func (p *progress) finish() {
	p.draw()
	fmt.Fprintln(p.w)
}
