package app

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/warnlist"
)

// IntelBenchOptions choose the size of the intel import benchmark.
type IntelBenchOptions struct {
	Objects     int // STIX objects in the generated bundle
	Reports     int // reports loaded first, some holding values the indicators name
	DatabaseURL string
	Dir         string
	Keys        string // "random" (the default) or "ascending": see benchKeys
	Progress    io.Writer
	// CPUProfile, when set, receives a CPU profile of the import alone
	// (the reports loaded first are bench index's to measure).
	CPUProfile io.Writer
}

// IntelBenchResult is what the intel benchmark measured.
type IntelBenchResult struct {
	Objects, Added, Sightings, Rejected int
	Indexed                             int   // occurrences the import added to the national index
	Bundle                              int64 // bytes of the bundle read
	Import                              time.Duration
	HeapPeak                            uint64        // the largest heap in use sampled during the import
	RSSPeak                             uint64        // the largest resident size sampled during the import (0 where /proc is not)
	CPU                                 time.Duration // the process's CPU time (user and system) during the import (0 where /proc is not)
}

// runBenchIntel is `koban bench intel`.
func runBenchIntel(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("bench intel", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	o := IntelBenchOptions{Progress: env.Stderr}
	fs.IntVar(&o.Objects, "n", 100000, "STIX objects in the generated bundle (indicators, 1 in 4 an observable)")
	fs.IntVar(&o.Reports, "reports", 20000, "reports loaded first, whose values some indicators name")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "empty: a fresh SQLite; postgres://…: that (empty) PostgreSQL database")
	fs.StringVar(&o.Dir, "dir", "", "data folder to keep (default: a temporary one)")
	fs.StringVar(&o.Keys, "keys", "random", "random: UUIDv4 ids and values in no order, as a feed's; ascending: both in order, as the generator made them before")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the import (not of the reports loaded first) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		o.CPUProfile = f
	}
	r, err := BenchIntel(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported a bundle of %d STIX objects (%.0f MB, streamed) in %v: %.0f objects/s into the store with the national index and sightings\n",
		r.Objects, float64(r.Bundle)/1e6, r.Import.Round(time.Millisecond), float64(r.Objects)/r.Import.Seconds())
	fmt.Fprintf(env.Stdout, "  %d versions added, %d rejected, %d values indexed, %d sightings of reports; heap in use at most %.0f MB, resident at most %.0f MB\n",
		r.Added, r.Rejected, r.Indexed, r.Sightings, float64(r.HeapPeak)/(1<<20), float64(r.RSSPeak)/(1<<20))
	if r.CPU > 0 {
		// On a shared machine the wall clock says as much about the
		// neighbours as about koban; the CPU time koban used does not
		// (PostgreSQL's own is not in it).
		fmt.Fprintf(env.Stdout, "  koban's CPU time %v (user and system): %.0f objects per CPU second\n",
			r.CPU.Round(10*time.Millisecond), float64(r.Objects)/r.CPU.Seconds())
	}
	return nil
}

// BenchIntel loads reports, then imports a generated STIX bundle of
// indicators and observables through intel.Service.ImportSTIX, the bundle
// written into a pipe as it is read so that it never sits in memory whole.
func BenchIntel(ctx context.Context, o IntelBenchOptions) (IntelBenchResult, error) {
	var res IntelBenchResult
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	keys, err := newBenchKeys(o.Keys)
	if err != nil {
		return res, err
	}
	db, tree, closeDB, err := benchDB(ctx, "intel", o.Dir, o.DatabaseURL)
	if err != nil {
		return res, err
	}
	defer closeDB()
	treeFn := func() *org.Tree { return tree }
	db.SetPolicy(correlate.Policy{Lists: warnlist.NewMatcher(warnlist.Builtin())})

	// Reports first, so that indicators find reports to sight.
	gen := newIndexGen(o.Reports, 10, tree)
	if err := loadIndexReports(ctx, db, gen, o.Reports, o.Progress, "reports"); err != nil {
		return res, err
	}
	var reported []observe.Observable
	for v := range gen.distinct {
		if v.Type == observe.Domain || v.Type == observe.Phone || v.Type == observe.IPv4 || v.Type == observe.URL {
			reported = append(reported, v)
		}
		if len(reported) == 5000 {
			break
		}
	}

	var reports, before, values int
	if err := db.Stats(ctx, &reports, &before, &values); err != nil {
		return res, err
	}

	npa, _ := tree.ByCode("npa")
	clock := koban.SystemClock{}
	src := &intel.Source{Name: "bench", Kind: intel.SourceFile, OrgID: npa.ID, DefaultTLP: tlp.Amber, Confidence: 50,
		Every: intel.DefaultEvery, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	if err := db.CreateSource(ctx, src, audit.Entry{Actor: audit.System, Action: "intel.source_create"}); err != nil {
		return res, err
	}
	svc := intel.NewService(db, access.New(db, treeFn, clock), treeFn, clock, slog.New(slog.DiscardHandler))

	pr, pw := io.Pipe()
	counted := &countingReader{r: pr}
	go func() { pw.CloseWithError(writeBenchBundle(pw, o.Objects, reported, keys)) }()
	stop := make(chan struct{})
	peak := make(chan [2]uint64)
	go func() { peak <- sampleMemory(stop) }()
	bar := newProgress(o.Progress, "import ")
	dec := stix.NewDecoder(counted)
	n := 0
	next := func() (*stix.Object, error) {
		n++
		if n%10000 == 0 {
			bar.update(n, o.Objects)
		}
		return dec.Next()
	}
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return res, err
		}
	}
	cpu0 := cpuTime()
	start := time.Now()
	r, err := svc.ImportSTIX(ctx, audit.System, src, next)
	res.Import = time.Since(start)
	res.CPU = cpuTime() - cpu0
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	close(stop)
	p := <-peak
	res.HeapPeak, res.RSSPeak = p[0], p[1]
	bar.finish()
	pr.Close()
	if err != nil {
		return res, err
	}
	if r.Broken != nil {
		return res, fmt.Errorf("the generated bundle broke: %w", r.Broken)
	}
	res.Objects, res.Added, res.Sightings, res.Rejected, res.Bundle = r.Seen, r.Stored.Added, r.Stored.Sightings, r.Rejected, counted.n
	var after int
	if err := db.Stats(ctx, &reports, &after, &values); err != nil {
		return res, err
	}
	res.Indexed = after - before
	return res, nil
}

// writeBenchBundle writes a bundle of n objects: three indicators in four
// (a domain, an address, a URL, or a value a report holds), the rest
// domain-name observables; one object in eight marked green. Names are
// under example.jp (reserved for examples by JPRS, and a real public
// suffix): under .example, which is no ICANN top-level domain, koban
// indexes nothing, and seven objects in ten were stored without the index
// work the benchmark is there to measure. keys makes the ids and the
// numbers in the names and addresses (a bijection of i: as distinct as
// ever, in the order keys chooses).
func writeBenchBundle(w io.Writer, n int, reported []observe.Observable, keys *benchKeys) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprint(bw, `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`)
	for i := range n {
		if i > 0 {
			bw.WriteByte(',')
		}
		id := keys.id(i)
		name := keys.number(i, 32)
		marking := ""
		if i%8 == 0 {
			marking = `,"object_marking_refs":["` + stix.TLP1Green + `"]`
		}
		if i%4 == 3 {
			fmt.Fprintf(bw, `{"type":"domain-name","spec_version":"2.1","id":"domain-name--%s","value":"host-%d.bench.example.jp"%s}`, id, name, marking)
			continue
		}
		var p string
		switch {
		case len(reported) > 0 && i%20 == 0:
			v := reported[(i/20)%len(reported)]
			switch v.Type {
			case observe.Domain:
				p = "[domain-name:value = '" + v.Value + "']"
			case observe.Phone:
				p = "[x-koban-phone-number:value = '" + v.Value + "']"
			case observe.IPv4:
				p = "[ipv4-addr:value = '" + v.Value + "']"
			default:
				p = "[url:value = '" + v.Value + "']"
			}
		case i%3 == 0:
			p = "[ipv4-addr:value = '" + benchAddress(i, keys) + "']"
		case i%3 == 1:
			p = fmt.Sprintf("[url:value = 'https://login-%d.bench.example.jp/verify']", name)
		default:
			p = fmt.Sprintf("[domain-name:value = 'phish-%d.bench.example.jp']", name)
		}
		fmt.Fprintf(bw, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"bench %d","pattern":%s,"pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"%s}`,
			id, i, jsonText(p), marking)
	}
	fmt.Fprint(bw, `]}`)
	return bw.Flush()
}

// benchAddress is indicator i's address in 198.18.0.0/15 (the range set
// aside for benchmarks). Ascending keys keep the generator's old formula;
// random ones scatter i's low 17 bits over the range, so addresses repeat
// no more often than before.
func benchAddress(i int, keys *benchKeys) string {
	if keys.ascending {
		return fmt.Sprintf("198.%d.%d.%d", 18+i%2, (i/256)%256, i%256)
	}
	a := scatter(uint64(i), 17)
	return fmt.Sprintf("198.%d.%d.%d", 18+a>>16, a>>8&0xff, a&0xff)
}

func jsonText(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// sampleMemory reads the heap in use and the resident size every 100 ms
// until stop, and returns the largest of each.
func sampleMemory(stop <-chan struct{}) [2]uint64 {
	var peak [2]uint64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak[0] = max(peak[0], m.HeapInuse)
		peak[1] = max(peak[1], residentSize())
		select {
		case <-stop:
			return peak
		case <-t.C:
		}
	}
}

// cpuTime is the CPU time the process has used (user and system), read
// from /proc/self/stat; 0 where there is none.
func cpuTime() time.Duration { return processCPU("self") }

// processCPU is the CPU time (user and system) of the process /proc names
// pid ("self" for this one); 0 where there is none.
func processCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing one. utime and stime are the 14th and 15th fields,
	// in clock ticks of 1/100 s (USER_HZ on every Linux koban runs on).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(u+k) * 10 * time.Millisecond
}

// residentSize is the process's resident set size in bytes, read from
// /proc/self/statm; 0 where there is none.
func residentSize() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
