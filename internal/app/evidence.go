package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/locale"
)

const evidenceUsage = "koban evidence verify"

// runEvidence is `koban evidence verify`: every stored evidence file (the
// reports' files and the cases' evidence) hashed again, each distinct file
// once. Each file missing or not matching its SHA-256 is named on its own
// line with the reports and cases that hold it, and the exit status is 1
// when there is any. Each case item gets a custody entry (verified, or
// verification failed with a timeline entry); the run is audited.
func runEvidence(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError(evidenceUsage)
	}
	a, rest, err := openFromEnv(ctx, env, args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) > 0 {
		return usageError(evidenceUsage)
	}
	cats, err := locale.Load()
	if err != nil {
		return err
	}
	lang := cliLanguage(env.Getenv)
	sum, err := a.Evidence.VerifyAll(ctx, func(f cases.Finding) {
		fmt.Fprintln(env.Stdout, findingLine(cats, lang, f))
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, cats.T(lang, "cli.evidence.summary", "files", strconv.Itoa(sum.Files), "reports", strconv.Itoa(sum.Reports),
		"evidence", strconv.Itoa(sum.Evidence)))
	if sum.Damaged > 0 {
		return cliError{key: "cli.evidence.failed", pairs: []string{"n", strconv.Itoa(sum.Damaged)}}
	}
	fmt.Fprintln(env.Stdout, cats.T(lang, "cli.evidence.ok"))
	return nil
}

// findingLine says what is wrong with one file and who holds it.
func findingLine(cats *locale.Catalogs, lang string, f cases.Finding) string {
	var holders []string
	for _, h := range f.Holders {
		if h.EvidenceID != 0 {
			holders = append(holders, cats.T(lang, "cli.evidence.holder_case", "number", h.CaseNumber, "id", strconv.FormatInt(h.EvidenceID, 10)))
		} else {
			holders = append(holders, cats.T(lang, "cli.evidence.holder_report", "receipt", h.Receipt))
		}
	}
	sep := ", "
	if lang == "ja" {
		sep = "、"
	}
	size := ""
	if len(f.Holders) > 0 {
		size = strconv.FormatInt(f.Holders[0].Size, 10)
	}
	return cats.T(lang, "cli.evidence."+f.Problem, "sha256", f.SHA256, "found", f.Found, "size", size,
		"actual", strconv.FormatInt(f.Size, 10), "holders", strings.Join(holders, sep))
}
