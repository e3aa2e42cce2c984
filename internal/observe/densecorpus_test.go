package observe

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The dense corpus is the second text BenchmarkExtractDense and
// scripts/bench-extract measure: indicators on nearly every line, as feeds,
// phishing-report dumps, STIX and MISP imports and crawled pages are. It
// interleaves three kinds of text, about a third of the bytes each:
// iocextract's test input (defanged URLs and addresses, IPv6 in brackets,
// odd separators), the STIX and MISP examples of the shared data, and
// generated feed lines in the defanged and obfuscated forms analysts and
// feeds use. The first two are read from ../shared/data at run time (they
// are not ours to ship); the third is generated with a fixed seed, so the
// corpus is the same on every run.

// denseSources are the files of the shared data the dense corpus is made
// from, as globs relative to the shared data folder.
var denseSources = []string{
	"stix/cti-stix2-json-schemas/examples/*.json",
	"stix/cti-stix2-json-schemas/examples/threat-reports/*.json",
	"misp/PyMISP/tests/*.json",
	"misp/PyMISP/tests/mispevent_testfiles/*.json",
	"misp/misp-stix/tests/*.json",
}

// sharedDataDir is the shared data folder seen from this package.
const sharedDataDir = "../../../shared/data"

// denseCorpusSize is the size of the dense corpus the benchmark and the
// comparison script use: the 8 MB of issue 17.
const denseCorpusSize = 8 << 20

// denseCorpus returns about size bytes of indicator-dense text, or an
// error when the shared data is not there.
func denseCorpus(size int) (string, error) {
	input, err := os.ReadFile(filepath.Join(iocextractDir, "test_data", "input.txt"))
	if err != nil {
		return "", err
	}
	var docs [][]byte
	for _, glob := range denseSources {
		names, err := filepath.Glob(filepath.Join(sharedDataDir, glob))
		if err != nil {
			return "", err
		}
		slices.Sort(names)
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				return "", err
			}
			docs = append(docs, b)
		}
	}
	if len(docs) == 0 {
		return "", fmt.Errorf("no STIX or MISP examples under %s", sharedDataDir)
	}
	g := corpusGen{r: rand.New(rand.NewPCG(17, 8))}
	var b strings.Builder
	b.Grow(size + 1<<17)
	for k := 0; b.Len() < size; k++ {
		// A round: the iocextract input and one stored document, then as
		// many bytes of generated feed lines.
		start := b.Len()
		b.Write(input)
		b.WriteByte('\n')
		b.Write(docs[k%len(docs)])
		b.WriteByte('\n')
		for want := 2 * (b.Len() - start); b.Len()-start < want; {
			b.WriteString(g.feedLine())
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

// feedLine returns one line of a feed or a dump: an indicator or two in
// the forms feeds write them — defanged dots, at-signs and schemes, IPv6 in
// brackets, CSV and key=value rows, full-width forms, commas for dots.
func (g corpusGen) feedLine() string {
	ip := g.ipv4()
	switch g.r.IntN(20) {
	case 0:
		return strings.Replace(defang(g.url()), "http", "hxxp", 1)
	case 1:
		return strings.ReplaceAll(g.host(), ".", "[dot]")
	case 2:
		return strings.ReplaceAll(ip, ".", "[.]") + ":" + fmt.Sprint(1024+g.r.IntN(60000)) + "/" + g.hex(6)
	case 3:
		return "tcp://[" + g.ipv6() + "]:" + fmt.Sprint(1+g.r.IntN(65535)) + "/path"
	case 4:
		return "http://[" + g.ipv6() + "]:80/" + g.hex(8)
	case 5:
		return g.ipv6()
	case 6:
		return fmt.Sprintf("%s,%s,%d,%s,%s", ip, defang(g.host()), 1+g.r.IntN(65535), g.hex(32), "2025-03-01T12:00:00Z")
	case 7:
		return "src_ip=" + ip + " dst=" + g.host() + " sha256=" + g.hex(64) + " action=blocked"
	case 8:
		return g.mailbox() + "[@]" + defang(g.host())
	case 9:
		return g.mailbox() + "(at)" + strings.ReplaceAll(g.host(), ".", "(dot)")
	case 10:
		return "http://" + strings.ReplaceAll(ip, ".", ",") + "/"
	case 11:
		return "hxxps[:]//" + defang(g.host()) + "/" + g.hex(12)
	case 12:
		return toFullWidth(g.host()) + "　" + toFullWidth(ip)
	case 13:
		return "http://" + strings.Replace(g.host(), ".", "[.", 1) + "/login"
	case 14:
		return fmt.Sprintf("CVE-%d-%d %s %s", 2015+g.r.IntN(11), 1000+g.r.IntN(90000), g.asn(), ip+"/"+fmt.Sprint(16+g.r.IntN(17)))
	case 15:
		return g.hex(40) + "  " + g.hex(32) + "  sample_" + g.hex(4) + ".exe"
	case 16:
		return "\"url\": \"" + g.url() + "\", \"ip\": \"" + ip + "\","
	case 17:
		return "- [" + ip + "](" + g.url() + ") " + g.wallet()
	case 18:
		return g.hex(128)
	default:
		return "<a href=\"" + g.url() + "\">" + g.host() + "</a> " + g.mailbox() + "@" + g.host()
	}
}

// ipv6 returns a global IPv6 address, fully written out or compressed.
func (g corpusGen) ipv6() string {
	if g.r.IntN(2) == 0 {
		return fmt.Sprintf("2001:db8:%x:%x::%x", g.r.IntN(1<<16), g.r.IntN(1<<16), 1+g.r.IntN(1<<16-1))
	}
	return fmt.Sprintf("fdc4:%04x:%04x:%04x:0000:0000:0000:%04x", g.r.IntN(1<<16), g.r.IntN(1<<16), g.r.IntN(1<<16), g.r.IntN(1<<16))
}

// denseOut is where TestWriteBenchCorpus writes the dense corpus.
var denseOut = flag.String("dense-out", "", "write the dense benchmark corpus to this file (TestWriteBenchCorpus)")

// TestDenseCorpus writes the dense corpus to -dense-out; without the flag
// it checks that the corpus is as dense as intended.
func TestDenseCorpus(t *testing.T) {
	size := denseCorpusSize
	if *denseOut != "" {
		size = outSize(size)
	}
	text, err := denseCorpus(size)
	if err != nil {
		t.Skipf("dense corpus: %v", err)
	}
	if *denseOut != "" {
		if err := os.WriteFile(*denseOut, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	part := text[:strings.LastIndexByte(text[:256<<10], '\n')+1]
	perKB := float64(len(Extract(part))) / float64(len(part)>>10)
	if perKB < 10 {
		t.Errorf("dense corpus has %.1f distinct observables per KB; want many", perKB)
	}
}

// BenchmarkExtractDense runs Extract, in one goroutine, over the dense
// corpus (8 MiB as one text), with the phone-number cache emptied before
// each run.
func BenchmarkExtractDense(b *testing.B) {
	text, err := denseCorpus(denseCorpusSize)
	if err != nil {
		b.Skipf("dense corpus: %v", err)
	}
	Extract(text) // warm-up: tables built on first use, buffers grown
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		clearPhoneCache()
		b.StartTimer()
		Extract(text)
	}
}
