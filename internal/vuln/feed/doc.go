// Package feed parses vulnerability feeds into plain records: NVD API 2.0
// CVE pages, CVE JSON 5, JVN (JVNRSS, VULDEF 3.2 and MyJVN 4.0 JSON feeds),
// CISA KEV (JSON and CSV) and EPSS CSV. It reads bytes only: no database,
// no network; the app fetches through its egress client and hands the
// reader here, setting Vuln.FetchedAt itself.
//
// Every parser fails with an error that says what and where (record index,
// line, or line and column); none skips input silently. EPSS is the one
// line-oriented feed where a bad line does not stop the file: it is kept in
// EPSSFile.Problems with its number.
//
// Times are UTC. NVD writes its timestamps without a zone, which means UTC;
// JVN writes +09:00, converted.
//
// Memory is bounded: the NVD decoder holds one record at a time (at most
// 32 MB each), XML input is limited to 256 MB and 64 levels, JSON documents
// read whole (KEV, CVE 5, MyJVN) to 16–64 MB.
//
// # Figures
//
// BenchmarkNVDDecode, on the 2-core build machine shared with other work
// (load average 10–13 during the runs, so these are floors):
//
//	synthetic, 2,000 CVEs (3.3 kB each, 2–5 cpeMatch, v3.1 and v2 metrics):
//	    16,000–17,700 CVE/s, peak live heap 0.5 MB
//	synthetic, 300,000 CVEs (KOBAN_BENCH_LARGE=1, about 1 GB of JSON):
//	    5,700–12,400 CVE/s (24–52 s), peak live heap 4–7 MB, RSS 22–30 MB
//	NVD's own cves-2023 page (200 CVEs, 2.4 kB each):
//	    26,900 CVE/s, 64 MB/s
//
// The whole import (decode and store) must reach 1,700 CVE/s; decoding
// alone runs 3–15 times faster than that, with memory flat in the size of
// the stream.
package feed
