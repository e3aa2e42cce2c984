package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// syntheticNVD is an NVD 2.0 page stream of n CVEs made on the fly from a
// few pre-rendered records, so a 300,000-CVE stream costs no memory of its
// own and little CPU beside the decoder.
type syntheticNVD struct {
	templates [][]byte // each with idDigits at idAt
	idAt      []int
	n, next   int
	buf       []byte
	tail      bool
	Bytes     int64
}

const idDigits = 7

func newSyntheticNVD(n int) *syntheticNVD {
	s := &syntheticNVD{n: n}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 64; i++ {
		rec := syntheticRecord(rng)
		s.templates = append(s.templates, []byte(rec))
		s.idAt = append(s.idAt, strings.Index(rec, "CVE-2099-")+len("CVE-2099-"))
	}
	s.buf = fmt.Appendf(nil, `{"resultsPerPage":%d,"startIndex":0,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2026-12-07T05:00:00.000","vulnerabilities":[`, n, n)
	return s
}

func syntheticRecord(rng *rand.Rand) string {
	words := []string{"buffer", "overflow", "in", "the", "parser", "allows", "remote", "attackers", "to", "execute", "arbitrary", "code", "via", "a", "crafted", "request", "denial", "of", "service", "authentication", "bypass"}
	var desc strings.Builder
	for i := 0; i < 40+rng.IntN(60); i++ {
		desc.WriteString(words[rng.IntN(len(words))])
		desc.WriteByte(' ')
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"cve":{"id":"CVE-2099-0000000","sourceIdentifier":"cve@mitre.org","published":"2023-0%d-1%dT14:15:12.667","lastModified":"2024-02-1%dT09:00:01.123","vulnStatus":"Analyzed","cveTags":[],`,
		1+rng.IntN(9), rng.IntN(10), rng.IntN(10))
	fmt.Fprintf(&b, `"descriptions":[{"lang":"en","value":%q},{"lang":"es","value":%q}],`, desc.String(), desc.String())
	b.WriteString(`"metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","attackVector":"NETWORK","attackComplexity":"LOW","privilegesRequired":"NONE","userInteraction":"NONE","scope":"UNCHANGED","confidentialityImpact":"HIGH","integrityImpact":"HIGH","availabilityImpact":"HIGH","baseScore":9.8,"baseSeverity":"CRITICAL"},"exploitabilityScore":3.9,"impactScore":5.9}],`)
	b.WriteString(`"cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P","accessVector":"NETWORK","accessComplexity":"LOW","authentication":"NONE","confidentialityImpact":"PARTIAL","integrityImpact":"PARTIAL","availabilityImpact":"PARTIAL","baseScore":7.5},"baseSeverity":"HIGH","exploitabilityScore":10.0,"impactScore":6.4,"acInsufInfo":false,"obtainAllPrivilege":false,"obtainUserPrivilege":false,"obtainOtherPrivilege":false,"userInteractionRequired":false}]},`)
	b.WriteString(`"weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"CWE-787"}]}],`)
	b.WriteString(`"configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[`)
	for i, n := 0, 2+rng.IntN(4); i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"vulnerable":true,"criteria":"cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*","versionStartIncluding":"1.%d.0","versionEndExcluding":"2.%d.%d","matchCriteriaId":"03FA5E81-F7B3-4E1D-9FD5-DB4F1C0A2A%02d"}`,
			rng.IntN(100), rng.IntN(100), rng.IntN(10), rng.IntN(10), rng.IntN(10), rng.IntN(100))
	}
	b.WriteString(`]}]}],"references":[`)
	for i, n := 0, 2+rng.IntN(6); i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"url":"https://example.com/advisories/%d/%d","source":"cve@mitre.org","tags":["Third Party Advisory","Patch"]}`, rng.IntN(1e6), i)
	}
	b.WriteString(`]}}`)
	return b.String()
}

func (s *syntheticNVD) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		switch {
		case s.next < s.n:
			i := s.next % len(s.templates)
			rec := append([]byte(nil), s.templates[i]...)
			copy(rec[s.idAt[i]:], fmt.Sprintf("%0*d", idDigits, s.next))
			if s.next > 0 {
				s.buf = append(s.buf, ',')
			}
			s.buf = append(s.buf, rec...)
			s.next++
		case !s.tail:
			s.buf = append(s.buf, "]}"...)
			s.tail = true
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	s.Bytes += int64(n)
	return n, nil
}

// BenchmarkNVDDecode decodes a synthetic NVD 2.0 stream: 2,000 CVEs, or
// 300,000 (the whole NVD) with KOBAN_BENCH_LARGE=1. It reports CVE/s and
// the peak live heap seen while decoding.
func BenchmarkNVDDecode(b *testing.B) {
	n := 2000
	if os.Getenv("KOBAN_BENCH_LARGE") == "1" {
		n = 300_000
	}
	var total int
	var elapsed time.Duration
	var peak uint64
	var bytes int64
	b.ReportAllocs()
	for b.Loop() {
		src := newSyntheticNVD(n)
		runtime.GC()
		start := time.Now()
		d, err := NewNVDDecoder(src)
		if err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		for count := 0; ; count++ {
			_, err := d.Next()
			if errors.Is(err, io.EOF) {
				if count != n {
					b.Fatalf("decoded %d, want %d", count, n)
				}
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if count%10_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		elapsed += time.Since(start)
		total += n
		bytes += src.Bytes
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "CVE/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(bytes)/float64(total), "bytes/CVE")
}

// BenchmarkNVDDecodeRealPage decodes NVD's own 200-CVE page (cves-2023),
// gunzipped once beforehand, to hold the synthetic figures to real records.
func BenchmarkNVDDecodeRealPage(b *testing.B) {
	f, err := os.Open(dataPath(b, "nvd-go", "nvd-api", "testdata", "responses", "cves-2023.json.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	br, err := openMaybeGzip(f)
	if err != nil {
		b.Fatal(err)
	}
	page, err := io.ReadAll(br)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	var total int
	start := time.Now()
	for b.Loop() {
		d, err := NewNVDDecoder(bytes.NewReader(page))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := d.Next(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			total++
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "CVE/s")
}
