package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/retention"
)

const retentionUsage = "koban retention plan|run"

// runRetentionCmd is `koban retention plan` (what would go now, nothing
// changed) and `koban retention run` (delete it now, as the daily job
// does), each printing the same summary: counts by type and rule, the ids,
// what is kept past its period and why, and the audit rows.
func runRetentionCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "plan" && args[0] != "run" {
		return usageError(retentionUsage)
	}
	a, rest, err := openFromEnv(ctx, env, args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) > 0 {
		return usageError(retentionUsage)
	}
	cats, err := locale.Load()
	if err != nil {
		return err
	}
	lang := cliLanguage(env.Getenv)
	var sum retention.Summary
	head := "cli.retention.plan"
	if args[0] == "plan" {
		sum, err = a.Retention.Plan(ctx)
	} else {
		head = "cli.retention.run"
		sum, err = a.Retention.Run(ctx)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, cats.T(lang, head, "version", sum.Version, "n", strconv.Itoa(len(sum.Items))))
	byRule := map[string][]int64{}
	for _, it := range sum.Items {
		k := it.Type + "\t" + it.Rule
		byRule[k] = append(byRule[k], it.ID)
	}
	for _, k := range slices.Sorted(maps.Keys(byRule)) {
		typ, rule, _ := strings.Cut(k, "\t")
		ids := byRule[k]
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.retention.line", "type", typ, "rule", rule, "n", strconv.Itoa(len(ids)), "ids", idList(ids)))
	}
	kept := map[string][]int64{}
	for _, k := range sum.Kept {
		kept[k.Type+"\t"+k.Reason] = append(kept[k.Type+"\t"+k.Reason], k.ID)
	}
	for _, k := range slices.Sorted(maps.Keys(kept)) {
		typ, reason, _ := strings.Cut(k, "\t")
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.retention.kept", "type", typ, "reason", cats.T(lang, "cli.retention.reason."+reason),
			"n", strconv.Itoa(len(kept[k])), "ids", idList(kept[k])))
	}
	for _, it := range sum.Skipped {
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.retention.skipped", "type", it.Type, "id", strconv.FormatInt(it.ID, 10)))
	}
	if sum.AuditRows > 0 {
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.retention.audit", "n", strconv.FormatInt(sum.AuditRows, 10), "id", strconv.FormatInt(sum.AuditUpTo, 10)))
	}
	if args[0] == "run" && sum.FilesFreed > 0 {
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.retention.files", "n", strconv.Itoa(sum.FilesFreed)))
	}
	return nil
}

// idList writes ids as "1, 2, 5".
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
