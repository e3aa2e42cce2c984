package app

import (
	"context"
	"fmt"

	"github.com/koban-project/koban/internal/audit"
)

// runModel is `koban model train|eval|list`: the triage model's versions.
// train learns from the seed set and the categories officers confirmed,
// evaluates the result by stratified 5-fold and makes it the active
// version; eval prints that evaluation without training; list shows the
// stored versions.
func runModel(ctx context.Context, env Env, args []string) error {
	const use = "koban model train | koban model eval | koban model list"
	if len(args) == 0 {
		return usageError(use)
	}
	a, rest, err := openFromEnv(ctx, env, args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) != 0 {
		return usageError(use)
	}
	switch args[0] {
	case "train":
		row, rep, err := a.Assist.Train(ctx, audit.System)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "trained %s on %d examples (%d confirmed by officers); now active\n\n%s", row.Version, row.Examples, row.Confirmed, rep)
	case "eval":
		rep, err := a.Assist.Evaluate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprint(env.Stdout, rep)
	case "list":
		rows, err := a.Assist.Models(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			state := " "
			if r.Active {
				state = "*"
			}
			fmt.Fprintf(env.Stdout, "%s %s  %s  %d examples (%d confirmed)  macro-F1 %.3f  闇バイト recall %.3f\n", state, r.Version,
				r.CreatedAt.In(a.Config.Location).Format("2006-01-02 15:04"), r.Examples, r.Confirmed, r.MacroF1, r.Yamibaito)
		}
	default:
		return usageError(use)
	}
	return nil
}
