package observe

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// iocextractDir holds InQuest/iocextract's test data (GPL-2.0, used as test
// input only); see shared/data/INDEX.md.
const iocextractDir = "../../../shared/data/ioc/iocextract"

// readLines returns the non-empty lines of a corpus file, failing the test
// if the file is missing.
func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(iocextractDir, "test_data", name))
	if err != nil {
		t.Fatalf("iocextract corpus missing: %v", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return lines
}

// corpusType says which observable type a line of valid.txt is there for.
func corpusType(line string) Type {
	refanged := prepare(line).text
	switch {
	case strings.Contains(refanged, "://"):
		return URL
	case strings.Trim(line, "0123456789abcdefABCDEF") == "":
		if ty, ok := hashTypes[len(line)]; ok {
			return ty
		}
	case strings.Trim(line, "0123456789-() +") == "":
		return Phone
	case strings.Count(refanged, ":") >= 2:
		return IPv6
	}
	host := refanged
	if k := strings.IndexAny(host, ":/"); k >= 0 {
		host = host[:k]
	}
	if strings.Trim(host, "0123456789.") == "" {
		return IPv4
	}
	return Domain
}

// validExceptions are the lines of valid.txt that koban does not extract as
// their type, on purpose, with the reason.
var validExceptions = map[string]string{
	"456-7890": "a local number without its area code: no E.164 form can be known (in Japan, the default region, it is not a number at all)",
}

// TestIOCExtractValid reads valid.txt, the lines iocextract must extract:
// each gives an observable of the line's type, except the documented
// exceptions.
func TestIOCExtractValid(t *testing.T) {
	lines := readLines(t, "valid.txt")
	hits := 0
	for _, l := range lines {
		want := corpusType(l)
		got := Extract(l)
		found := slices.ContainsFunc(got, func(ob Observable) bool { return ob.Type == want })
		why, excepted := validExceptions[l]
		switch {
		case found && excepted:
			t.Errorf("%q is extracted now (%v): drop its exception", l, got)
		case found:
			hits++
		case excepted:
			t.Logf("documented exception %q → %v: %s", l, got, why)
		default:
			t.Errorf("Extract(%q) = %v, want a %s", l, got, want)
		}
	}
	t.Logf("iocextract valid.txt: %d/%d extracted, %d documented exceptions", hits, len(lines), len(validExceptions))
}

// invalidExceptions are the lines of invalid.txt that koban extracts on
// purpose, with the reason.
var invalidExceptions = map[string]string{
	"100.20.30.0/24": "a CIDR block: not an ipv4 host address (iocextract's point), but a cidr observable",
}

// TestIOCExtractInvalid checks that nothing is extracted from invalid.txt.
func TestIOCExtractInvalid(t *testing.T) {
	for _, l := range readLines(t, "invalid.txt") {
		got := Extract(l)
		if why, ok := invalidExceptions[l]; ok {
			t.Logf("documented exception %q → %v: %s", l, got, why)
			continue
		}
		if len(got) > 0 {
			t.Errorf("Extract(%q) = %v, want nothing", l, got)
		}
	}
}

// assertionTypes maps iocextract's extractor functions to the koban types
// they correspond to.
var assertionTypes = map[string][]Type{
	"extract_md5_hashes":    {MD5},
	"extract_sha1_hashes":   {SHA1},
	"extract_sha256_hashes": {SHA256},
	"extract_sha512_hashes": {SHA512},
	"extract_emails":        {Email},
	"extract_ipv4s":         {IPv4},
	"extract_ipv6s":         {IPv6},
	"extract_ips":           {IPv4, IPv6},
	"extract_urls":          {URL},
	"extract_iocs":          {URL, Email, IPv4, IPv6, MD5, SHA1, SHA256, SHA512},
}

// TestIOCExtractAssertions runs the extraction assertions of iocextract's
// own tests whose function koban has a type for: a case agrees when Extract
// yields the expected value in koban's canonical form. The rest are
// conventions koban does not share, logged: "at"/"dot" written as words or
// with spaces inside brackets, spaces around '@', unbalanced brackets,
// URLs without a scheme (koban yields their domain), an IP literal after
// '@', ".tld" (not a real top-level domain), '\.' for a dot, URLs running on
// past characters RFC 3986 does not allow (" < > ` and non-ASCII), YARA
// rules. The figure is logged; the floor only catches regressions.
func TestIOCExtractAssertions(t *testing.T) {
	const floor = 0.45
	data, err := os.ReadFile(filepath.Join(iocextractDir, "extracted_assertions.json"))
	if err != nil {
		t.Fatalf("iocextract assertions missing: %v", err)
	}
	var doc struct {
		Cases []struct {
			Function string `json:"function"`
			Input    string `json:"input"`
			Expected string `json:"expected"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	total, agree := 0, 0
	for _, c := range doc.Cases {
		types, ok := assertionTypes[c.Function]
		if !ok {
			continue
		}
		total++
		got := Extract(c.Input)
		found := false
		for _, ty := range types {
			want, err := Normalize(ty, c.Expected)
			if err == nil && slices.Contains(got, Observable{ty, want}) {
				found = true
			}
		}
		if found {
			agree++
		} else {
			t.Logf("differs: %s(%q) expected %q, got %v", c.Function, c.Input, c.Expected, got)
		}
	}
	rate := float64(agree) / float64(total)
	t.Logf("iocextract extraction assertions: %d/%d = %.1f%% agree", agree, total, 100*rate)
	if rate < floor {
		t.Errorf("agreement %.3f below the floor %.2f", rate, floor)
	}
}
