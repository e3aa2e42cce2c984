package app

import (
	"context"
	"flag"
	"fmt"

	"github.com/koban-project/koban/internal/blob"
)

// runFiles is `koban files sweep`: the background sweep of evidence files no
// report names, run once by hand (after restoring a backup, say) or by tests
// with an age of their choosing.
func runFiles(ctx context.Context, env Env, args []string) error {
	const use = "koban files sweep [-older-than 1h]"
	if len(args) == 0 || args[0] != "sweep" {
		return usageError(use)
	}
	fs := flag.NewFlagSet("files sweep", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	age := fs.Duration("older-than", blob.StaleAfter,
		"remove only files last written longer ago than this; below the default, the files of reports being sent at this moment may go too")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *age < 0 {
		return usageError(use)
	}
	a, _, err := openFromEnv(ctx, env, fs.Args())
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.SweepFiles(ctx, *age)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "removed %d evidence file(s) that no report or case names, last written more than %v ago\n", n, *age)
	return nil
}
