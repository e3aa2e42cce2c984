package app

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/vuln"
)

// VulnBenchOptions are `koban bench vuln`'s settings.
type VulnBenchOptions struct {
	CVEs        int // in the generated NVD stream
	Assets      int // in the generated inventory, matched against them
	Products    int // distinct vendor:product pairs the CVEs and assets name
	DatabaseURL string
	Dir         string
	Progress    io.Writer
}

// VulnBenchResult is what `koban bench vuln` measured.
type VulnBenchResult struct {
	CVEs, Written, Again int
	Bytes                int64
	Import, Reimport     time.Duration
	CPU                  time.Duration // koban's, during the first import
	HeapPeak, RSSPeak    uint64        // during the first import
	Assets, Findings     int
	Match                time.Duration
}

func runBenchVuln(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("bench vuln", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	o := VulnBenchOptions{Progress: env.Stderr}
	fs.IntVar(&o.CVEs, "n", 300000, "CVEs in the generated NVD stream (the whole NVD is about 300,000)")
	fs.IntVar(&o.Assets, "assets", 10000, "assets in the generated inventory, matched against the dictionary")
	fs.IntVar(&o.Products, "products", 20000, "distinct vendor:product pairs")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "empty: a fresh SQLite; postgres://…: that (empty) PostgreSQL database")
	fs.StringVar(&o.Dir, "dir", "", "data folder to keep (default: a temporary one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := BenchVuln(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %d generated CVEs (%.0f MB of NVD API 2.0 JSON, streamed) in %v: %.0f CVE/s; %d rows written\n",
		r.CVEs, float64(r.Bytes)/1e6, r.Import.Round(time.Millisecond), float64(r.CVEs)/r.Import.Seconds(), r.Written)
	fmt.Fprintf(env.Stdout, "  koban's CPU time %v (%.0f CVE per CPU second); heap in use at most %.0f MB, resident at most %.0f MB\n",
		r.CPU.Round(10*time.Millisecond), float64(r.CVEs)/r.CPU.Seconds(), float64(r.HeapPeak)/(1<<20), float64(r.RSSPeak)/(1<<20))
	fmt.Fprintf(env.Stdout, "  the same stream again in %v: %d rows written\n", r.Reimport.Round(time.Millisecond), r.Again)
	fmt.Fprintf(env.Stdout, "matched %d assets against the dictionary in %v (%.0f assets/s): %d findings\n",
		r.Assets, r.Match.Round(time.Millisecond), float64(r.Assets)/r.Match.Seconds(), r.Findings)
	return nil
}

// BenchVuln imports a generated NVD stream of o.CVEs records through
// vuln.Service.Import (written into a pipe as it is read), imports it
// again (nothing should be written), then adds o.Assets assets in one
// inventory and matches them against the whole dictionary.
func BenchVuln(ctx context.Context, o VulnBenchOptions) (VulnBenchResult, error) {
	var res VulnBenchResult
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	db, tree, closeDB, err := benchDB(ctx, "vuln", o.Dir, o.DatabaseURL)
	if err != nil {
		return res, err
	}
	defer closeDB()
	clock := koban.SystemClock{}
	treeFn := func() *org.Tree { return tree }
	svc := vuln.NewService(db, nil, nil, access.New(db, treeFn, clock), clock, slog.New(slog.DiscardHandler))
	svc.SetTree(treeFn)

	stream := func() (*countingReader, func()) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeBenchNVD(pw, o.CVEs, o.Products)) }()
		return &countingReader{r: pr}, func() { pr.Close() }
	}
	in, done := stream()
	stop := make(chan struct{})
	peak := make(chan [2]uint64)
	go func() { peak <- sampleMemory(stop) }()
	cpu0 := cpuTime()
	start := time.Now()
	st, err := svc.Import(ctx, vuln.KindNVD, in)
	res.Import, res.CPU = time.Since(start), cpuTime()-cpu0
	close(stop)
	p := <-peak
	res.HeapPeak, res.RSSPeak = p[0], p[1]
	done()
	if err != nil {
		return res, err
	}
	res.CVEs, res.Written, res.Bytes = st.Read, st.Changed, in.n
	fmt.Fprintf(o.Progress, "imported %d CVEs\n", st.Read)

	in, done = stream()
	start = time.Now()
	st, err = svc.Import(ctx, vuln.KindNVD, in)
	res.Reimport = time.Since(start)
	done()
	if err != nil {
		return res, err
	}
	res.Again = st.Changed

	npa, _ := tree.ByCode("npa")
	p0 := auth.Principal{UserID: 0, OrgID: npa.ID, Role: auth.RoleAnalyst}
	rng := rand.New(rand.NewPCG(11, 12))
	ins := make([]vuln.AssetInput, o.Assets)
	for i := range ins {
		k := rng.IntN(o.Products)
		ins[i] = vuln.AssetInput{Name: fmt.Sprintf("system %d", i),
			CPE: fmt.Sprintf("cpe:2.3:a:vendor%d:product%d:%d.%d.%d:*:*:*:*:*:*:*", k/10, k, rng.IntN(4), rng.IntN(20), rng.IntN(30))}
	}
	start = time.Now()
	if _, err := svc.AddAssets(ctx, p0, "csv", ins); err != nil {
		return res, err
	}
	res.Match = time.Since(start)
	res.Assets = o.Assets
	ov, err := svc.Overview(ctx, p0)
	if err != nil {
		return res, err
	}
	for _, n := range ov.Counts.BySeverity {
		res.Findings += n
	}
	return res, nil
}

// writeBenchNVD writes an NVD API 2.0 page of n CVEs shaped like NVD's
// (two descriptions, CVSS v3.1 and v2, a CWE, references, one to three
// configurations of version ranges or exact versions, a fifth of them an
// application on an operating system), over products pairs.
func writeBenchNVD(w io.Writer, n, products int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	rng := rand.New(rand.NewPCG(5, 6))
	words := strings.Fields("buffer overflow in the parser allows remote attackers to execute arbitrary code via a crafted request denial of service authentication bypass cross-site scripting SQL injection")
	fmt.Fprintf(bw, `{"resultsPerPage":%d,"startIndex":0,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2026-12-07T05:00:00.000","vulnerabilities":[`, n, n)
	var desc strings.Builder
	for i := range n {
		if i > 0 {
			bw.WriteByte(',')
		}
		desc.Reset()
		for j := 0; j < 30+rng.IntN(50); j++ {
			desc.WriteString(words[rng.IntN(len(words))])
			desc.WriteByte(' ')
		}
		score := float64(rng.IntN(100)) / 10
		fmt.Fprintf(bw, `{"cve":{"id":"CVE-%d-%05d","sourceIdentifier":"cve@mitre.org","published":"2023-0%d-1%dT14:15:12.667","lastModified":"2024-02-1%dT09:00:01.123","vulnStatus":"Analyzed",`,
			2000+i/100000, i%100000, 1+rng.IntN(9), rng.IntN(10), rng.IntN(10))
		fmt.Fprintf(bw, `"descriptions":[{"lang":"en","value":%q},{"lang":"es","value":%q}],`, desc.String(), desc.String())
		fmt.Fprintf(bw, `"metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":%.1f,"baseSeverity":"HIGH"},"exploitabilityScore":3.9,"impactScore":5.9}],`, score)
		bw.WriteString(`"cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P","baseScore":7.5},"baseSeverity":"HIGH"}]},`)
		bw.WriteString(`"weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"CWE-787"}]}],"configurations":[`)
		for c, nc := 0, 1+rng.IntN(3); c < nc; c++ {
			if c > 0 {
				bw.WriteByte(',')
			}
			k := rng.IntN(products)
			crit := fmt.Sprintf("cpe:2.3:a:vendor%d:product%d", k/10, k)
			platform := rng.IntN(5) == 0
			if platform {
				bw.WriteString(`{"operator":"AND","nodes":[`)
			} else {
				bw.WriteString(`{"nodes":[`)
			}
			bw.WriteString(`{"operator":"OR","negate":false,"cpeMatch":[`)
			for m, nm := 0, 1+rng.IntN(3); m < nm; m++ {
				if m > 0 {
					bw.WriteByte(',')
				}
				if rng.IntN(3) == 0 {
					fmt.Fprintf(bw, `{"vulnerable":true,"criteria":"%s:%d.%d.%d:*:*:*:*:*:*:*","matchCriteriaId":"%08X-0000-0000-0000-000000000000"}`, crit, rng.IntN(4), rng.IntN(20), rng.IntN(30), rng.Uint32())
				} else {
					lo := rng.IntN(4)
					fmt.Fprintf(bw, `{"vulnerable":true,"criteria":"%s:*:*:*:*:*:*:*:*","versionStartIncluding":"%d.0","versionEndExcluding":"%d.%d.%d","matchCriteriaId":"%08X-0000-0000-0000-000000000000"}`,
						crit, lo, lo, 1+rng.IntN(19), rng.IntN(30), rng.Uint32())
				}
			}
			bw.WriteString(`]}`)
			if platform {
				bw.WriteString(`,{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*","matchCriteriaId":"A2572D17-1DE6-457B-99CC-64AFD54487EA"}]}`)
			}
			bw.WriteString(`]}`)
		}
		bw.WriteString(`],"references":[`)
		for r, nr := 0, 2+rng.IntN(5); r < nr; r++ {
			if r > 0 {
				bw.WriteByte(',')
			}
			fmt.Fprintf(bw, `{"url":"https://example.com/advisories/%d/%d","source":"cve@mitre.org","tags":["Third Party Advisory"]}`, i, r)
		}
		bw.WriteString(`]}}`)
	}
	bw.WriteString(`]}`)
	return bw.Flush()
}
