package misp

import (
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// readFeed reads a whole feed, splitting records from per-line problems.
func readFeed(t *testing.T, in io.Reader, f Feed) ([]Record, []Problem) {
	t.Helper()
	r := NewCSVReader(in, f)
	var recs []Record
	var probs []Problem
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, probs
		}
		var p *Problem
		if errors.As(err, &p) && p.Code != CodeCSVConfig {
			probs = append(probs, *p)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

func TestURLhausLikeFeed(t *testing.T) {
	in, err := os.Open("testdata/urlhaus-like.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	recs, probs := readFeed(t, in, Feed{Value: 3, Type: "url", FirstSeen: 2, CommentCol: 6, Tags: 7})
	var values []string
	for _, r := range recs {
		values = append(values, r.Value)
	}
	want := []string{
		"http://198.51.100.23:43210/i",
		"https://login-example.com/jp/account/verify.php",
		"hxxp://evil-example[.]net/payload.exe",
		"http://[2001:db8::7]/a.sh",
		"https://shop-example.co.jp/%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3",
	}
	if !slices.Equal(values, want) {
		t.Errorf("values %q", values)
	}
	first := recs[0]
	if first.Line != 8 || first.Type != "url" || first.Comment != "malware_download" ||
		!first.Time.Equal(time.Date(2024, 8, 20, 9, 5, 7, 0, time.UTC)) ||
		!slices.Equal(first.Tags, []string{"32-bit", "elf", "mips", "Mozi"}) {
		t.Errorf("first record %+v", first)
	}
	o, err := Observables(recs[2].Type, recs[2].Value)
	if err != nil || len(o) != 1 || o[0].Value != "http://evil-example.net/payload.exe" {
		t.Errorf("defanged URL read as %v, %v", o, err)
	}
	wantProbs := []struct {
		line int
		code Code
	}{{11, CodeMissing}, {12, CodeTimestampInvalid}, {14, CodeCSVSyntax}, {15, CodeCSVColumns}}
	if len(probs) != len(wantProbs) {
		t.Fatalf("problems %v", probs)
	}
	for i, w := range wantProbs {
		if probs[i].Line != w.line || probs[i].Code != w.code || !strings.Contains(probs[i].Error(), "line ") {
			t.Errorf("problem %d: %v (line %d), want %s on line %d", i, probs[i], probs[i].Line, w.code, w.line)
		}
	}
}

func TestPlainListFeed(t *testing.T) {
	in, err := os.Open("testdata/ip-list.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	recs, probs := readFeed(t, in, Feed{Value: 1, Type: "ip-src"})
	if len(probs) != 0 {
		t.Errorf("problems %v", probs)
	}
	var got []string
	unreadable := 0
	for _, r := range recs {
		o, err := Observables(r.Type, r.Value)
		if err != nil {
			unreadable++
			continue
		}
		got = append(got, string(o[0].Type)+" "+o[0].Value)
	}
	want := []string{"ipv4 192.0.2.1", "ipv4 198.51.100.77", "ipv4 203.0.113.200", "ipv6 2001:db8::1", "cidr 203.0.113.0/24", "ipv4 192.0.2.1"}
	if !slices.Equal(got, want) || unreadable != 1 {
		t.Errorf("got %v (%d unreadable)", got, unreadable)
	}
	if recs[0].Line != 3 || recs[3].Line != 7 {
		t.Errorf("lines %d %d", recs[0].Line, recs[3].Line)
	}
}

func TestCSVWithHeaderAndTypeColumn(t *testing.T) {
	in := "type;value;first seen;note\n" +
		"domain;example.com;1704153600;a\n" +
		"sha256;E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855;;b\n" +
		"nonsense;x;;c\n" +
		"domain|ip;a.example.com;;d\n" +
		"# a comment\n" +
		"\n" +
		"ip-dst|port;192.0.2.1|443;2024-01-02T03:04:05+09:00;e\n"
	recs, probs := readFeed(t, strings.NewReader(in), Feed{Delimiter: ';', Header: true, Value: 2, TypeColumn: 1, FirstSeen: 3, CommentCol: 4})
	if len(recs) != 3 || recs[0].Type != "domain" || recs[0].Time.Unix() != 1704153600 || recs[1].Type != "sha256" ||
		recs[2].Line != 8 || !recs[2].Time.Equal(time.Date(2024, 1, 1, 18, 4, 5, 0, time.UTC)) || recs[2].Comment != "e" {
		t.Errorf("records %+v", recs)
	}
	if len(probs) != 2 || probs[0].Code != CodeTypeUnknown || probs[0].Line != 4 || probs[1].Code != CodeCompositeParts || probs[1].Line != 5 {
		t.Errorf("problems %v", probs)
	}
}

func TestPyMISPCSV(t *testing.T) {
	recs, probs := readFeed(t, strings.NewReader(string(readData(t, "PyMISP/tests/csv_testfiles/valid_fieldnames.csv"))),
		Feed{Header: true, Value: 3, Type: "sha256"})
	if len(probs) != 0 || len(recs) < 3 {
		t.Fatalf("%d records, problems %v", len(recs), probs)
	}
	for _, r := range recs {
		if o, err := Observables(r.Type, r.Value); err != nil || len(o) != 1 {
			t.Errorf("line %d: %v %v", r.Line, o, err)
		}
	}
}

func TestCSVConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		f       Feed
		setting string
	}{
		{"no value", Feed{Type: "url"}, "Value"},
		{"no type", Feed{Value: 1}, "Type"},
		{"unknown type", Feed{Value: 1, Type: "URL"}, "Type"},
		{"negative column", Feed{Value: 1, Type: "url", Tags: -2}, "columns"},
		{"quote delimiter", Feed{Value: 1, Type: "url", Delimiter: '"'}, "Delimiter"},
		{"delimiter is comment", Feed{Value: 1, Type: "url", Delimiter: '#'}, "Delimiter"},
		{"newline comment", Feed{Value: 1, Type: "url", Comment: '\n'}, "Comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewCSVReader(strings.NewReader("http://example.com/\n"), tc.f)
			for range 2 { // and it stays refused
				_, err := r.Next()
				var p *Problem
				if !errors.As(err, &p) || p.Code != CodeCSVConfig || p.Path != tc.setting {
					t.Fatalf("got %v, want csv_config for %s", err, tc.setting)
				}
			}
		})
	}
	recs, _ := readFeed(t, strings.NewReader("#tag\n"), Feed{Value: 1, Type: "text", Comment: NoComment})
	if len(recs) != 1 || recs[0].Value != "#tag" {
		t.Errorf("NoComment: %v", recs)
	}
}

func TestCSVReadError(t *testing.T) {
	r := NewCSVReader(io.MultiReader(strings.NewReader("192.0.2.1\n"), errReader{}), Feed{Value: 1, Type: "ip-dst"})
	if rec, err := r.Next(); err != nil || rec.Value != "192.0.2.1" {
		t.Fatalf("%v %v", rec, err)
	}
	if _, err := r.Next(); !errors.Is(err, errBroken) {
		t.Fatalf("got %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, errBroken) {
		t.Fatalf("after the error: %v", err)
	}
}

var errBroken = errors.New("connection reset")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }
