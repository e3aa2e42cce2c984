// Package feed parses vulnerability feeds into plain records: NVD API 2.0
// CVE pages, CISA KEV (JSON and CSV), EPSS CSV, CVE JSON 5 and JVN
// (JVNRSS and VULDEF). It reads bytes only: no database, no network; the
// app fetches through its egress client and hands the reader here.
//
// Every parser fails with an error that says what and where; none skips
// input silently.
package feed
