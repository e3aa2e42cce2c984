package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/vuln"
)

// runVuln is `koban vuln import KIND PATH…`: the offline route for
// vulnerability data carried in (a copy of NVD's API pages, CVE 5
// records, JVN feeds, the KEV catalog, an EPSS file; files, folders or
// tarballs), imported as a scheduled source would and matched against the
// inventory.
func runVuln(ctx context.Context, env Env, args []string) error {
	use := "koban vuln import " + kindList() + " PATH… (files, folders or .tar/.tar.gz/.tgz)"
	if len(args) == 0 || args[0] != "import" {
		return usageError(use)
	}
	a, rest, err := openFromEnv(ctx, env, args[1:])
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) < 2 || !vuln.Kind(rest[0]).Valid() {
		return usageError(use)
	}
	kind := vuln.Kind(rest[0])
	for _, path := range rest[1:] {
		start := time.Now()
		st, err := a.Vuln.ImportPath(ctx, kind, path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		secs := time.Since(start).Seconds()
		fmt.Fprintf(env.Stdout, "%s: %d read, %d written, %d refused, %d findings changed in %.1f s (%.0f records/s)\n",
			path, st.Read, st.Changed, st.Problems, st.Findings, secs, float64(st.Read)/max(secs, 1e-9))
	}
	return nil
}

func kindList() string {
	var ks []string
	for _, k := range vuln.Kinds() {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, "|")
}
