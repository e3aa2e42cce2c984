package xarf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/taxonomy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	observed = time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)
	police   = Organisation{Name: "Example Prefectural Police, Cybercrime Division", Email: "cyber-takedown@police.example.jp", Domain: "police.example.jp"}
	png      = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	html     = []byte("<html><head><title>ログイン | Example Bank</title></head><body><form action=\"/collect\">…</form></body></html>")
)

func ptr[T any](v T) *T { return &v }

// requests are one takedown of each kind, as an officer would file them.
func requests() map[string]Request {
	return map[string]Request{
		"phishing": {
			ID: "3f1e6b0a-9c4d-4e2b-8a7f-1d2c3b4a5e6f", Kind: Phishing, Observed: observed, Reporter: police,
			URL:        "https://login.example-bank.example.com/auth/ログイン?next=口座&id=1",
			Note:       "Imitates Example Bank's login page; seen live by an officer on 1 July.",
			VerifiedAt: observed.Add(time.Hour), TargetBrand: "Example Bank", LureType: "account_suspension",
			Confidence: ptr(0.95), Tags: []string{"target:banking", "campaign:2026-07"},
			Evidence: []Evidence{
				{ContentType: "image/png", Description: "Screenshot of the page", Data: png},
				{ContentType: "text/html; charset=utf-8", Description: "HTML source", Data: html},
			},
		},
		"malware": {
			ID: "6a0c1f7e-2b3d-4c5e-9f8a-7b6c5d4e3f2a", Kind: Malware, Observed: observed, Reporter: police,
			Sender:        &Organisation{Name: "National Police Agency", Email: "takedown@npa.example.jp", Domain: "npa.example.jp"},
			URL:           "http://203.0.113.7:8080/update/installer.apk",
			MalwareFamily: "ExampleStealer", MalwareType: "infostealer", DistributionMethod: "social_engineering",
			FileSHA256: strings.Repeat("AB", 32),
		},
		"fraud": {
			ID: "0b9e8d7c-6f5a-4b3c-8d2e-1f0a9b8c7d6e", Kind: Fraud, Observed: observed, Reporter: police,
			URL: "https://brand-outlet-sale.example/shop", FraudType: "shopping", ClaimedEntity: "Example Outlet",
			PaymentMethods: []string{"bank_transfer", "bank_transfer", "gift_cards"},
		},
		"spam": {
			ID: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", Kind: Spam, Observed: observed, Reporter: police,
			Source: "198.51.100.25", SourcePort: 25, Protocol: "smtp", SMTPFrom: "notice@parcel-delivery.example",
			Subject: "【重要】お荷物のお届けについて", MessageID: "<20260701.abc@parcel-delivery.example>",
			Evidence: []Evidence{{ContentType: "message/rfc822", Description: "The message with its headers", Data: []byte("From: notice@parcel-delivery.example\r\nSubject: test\r\n\r\nbody\r\n")}},
		},
		"sms spam": {
			ID: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", Kind: Spam, Observed: observed, Reporter: police,
			Source: "sms-gateway.example.com", Protocol: "sms", EvidenceSource: "user_complaint",
		},
		"IDN host": {
			ID: "d4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f7a", Kind: Phishing, Observed: observed, Reporter: police,
			URL: "https://ログイン.例え.jp/", // the domain field is left out: its pattern refuses xn-- labels
		},
	}
}

// Every report Build writes validates against the X-ARF v4 master schema,
// and matches its golden file.
func TestBuildValidatesAndMatchesGolden(t *testing.T) {
	for name, r := range requests() {
		t.Run(name, func(t *testing.T) {
			out, err := Build(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, out); err != nil {
				t.Fatalf("%s\n%s", err, out)
			}
			golden := filepath.Join("testdata", "golden", strings.ReplaceAll(name, " ", "-")+".json")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != string(want) {
				t.Errorf("differs from %s (go test -run %s -update rewrites it):\n%s", golden, t.Name(), out)
			}
			// What Build writes, Parse reads.
			if _, err := Parse(out); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestBuildFields(t *testing.T) {
	out, err := Build(requests()["phishing"])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"url":               "https://login.example-bank.example.com/auth/%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3?next=%E5%8F%A3%E5%BA%A7&id=1",
		"source_identifier": "login.example-bank.example.com",
		"domain":            "login.example-bank.example.com",
		"category":          "content",
		"type":              "phishing",
		"timestamp":         "2026-07-01T09:30:00Z",
		"evidence_source":   "user_report",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if m["sender"].(map[string]any)["contact"] != police.Email {
		t.Error("the sender is not the reporter when none is given")
	}
	ev := m["evidence"].([]any)[0].(map[string]any)
	if ev["hash"] != "sha256:"+sha256hex(png) || ev["size"] != float64(len(png)) {
		t.Errorf("evidence %v", ev)
	}

	// Without an id, Build draws a random UUID.
	r := requests()["fraud"]
	r.ID = ""
	a, _ := Build(r)
	b, _ := Build(r)
	var ma, mb map[string]any
	json.Unmarshal(a, &ma)
	json.Unmarshal(b, &mb)
	if ma["report_id"] == mb["report_id"] || validate(t, a) != nil {
		t.Errorf("ids %v %v", ma["report_id"], mb["report_id"])
	}
}

// Nothing of the citizen who reported can be put in a report: a Request
// has no field for them, and the only free text is the officer's note and
// evidence descriptions.
func TestRequestHasNoReporterFields(t *testing.T) {
	typ := reflectFields(Request{})
	for _, f := range typ {
		lower := strings.ToLower(f)
		for _, banned := range []string{"citizen", "victim", "complainant", "caller", "reportername", "reportercontact", "reporterphone"} {
			if strings.Contains(lower, banned) {
				t.Errorf("Request has a field %s", f)
			}
		}
	}
}

func TestBuildProblems(t *testing.T) {
	base := requests()
	for _, tc := range []struct {
		name   string
		change func(r *Request)
		want   []string // field=key
	}{
		{"nothing", func(r *Request) { *r = Request{} }, []string{"kind=kind", "observed=required", "reporter.name=required",
			"reporter.email=required", "reporter.domain=required"}},
		{"kind", func(r *Request) { r.Kind = "defamation" }, []string{"kind=kind"}},
		{"content without URL", func(r *Request) { r.URL = "" }, []string{"url=required"}},
		{"URL scheme", func(r *Request) { r.URL = "ftp://files.example.com/x" }, []string{"url=url"}},
		{"URL with password", func(r *Request) { r.URL = "https://user:pw@example.com/" }, []string{"url=url"}},
		{"bad id", func(r *Request) { r.ID = "3f1e6b0a-9c4d-1e2b-8a7f-1d2c3b4a5e6f" }, []string{"id=id"}}, // version 1
		{"reporter", func(r *Request) {
			r.Reporter = Organisation{Name: strings.Repeat("署", 201), Email: "Police <a@b.example>", Domain: "not a domain"}
		}, []string{"reporter.name=too_long", "reporter.email=email", "reporter.domain=domain"}},
		{"sender", func(r *Request) { r.Sender = &Organisation{Name: "x", Email: "x@y", Domain: "y.example"} }, []string{"sender.email=email"}},
		{"note too long", func(r *Request) { r.Note = strings.Repeat("あ", MaxNote+1) }, []string{"note=too_long"}},
		{"confidence", func(r *Request) { r.Confidence = ptr(1.5) }, []string{"confidence=confidence"}},
		{"lure", func(r *Request) { r.LureType = "love_letter" }, []string{"lure_type=value"}},
		{"fields of another kind", func(r *Request) { r.FraudType, r.Protocol, r.FileSHA256 = "romance", "smtp", "00" }, []string{
			"fraud_type=not_for_kind", "file_sha256=not_for_kind", "protocol=not_for_kind"}},
		{"evidence", func(r *Request) {
			r.Evidence = []Evidence{{ContentType: "", Data: nil}, {ContentType: "image/png", Data: make([]byte, MaxEvidenceSize+1), Description: strings.Repeat("x", 501)}}
		}, []string{"evidence[0].content_type=content_type", "evidence[0].data=required", "evidence[1].data=evidence_size", "evidence[1].description=too_long"}},
		{"too much evidence", func(r *Request) {
			r.Evidence = make([]Evidence, MaxEvidence+1)
			for i := range r.Evidence {
				r.Evidence[i] = Evidence{ContentType: "text/plain", Data: []byte("x")}
			}
		}, []string{"evidence=too_many"}},
		{"tags", func(r *Request) { r.Tags = []string{"Target:Bank", "ok:tag", "nocolon"} }, []string{"tags[0]=tag", "tags[2]=tag"}},
		{"evidence source", func(r *Request) { r.EvidenceSource = "spamtrap" }, []string{"evidence_source=value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base["phishing"]
			tc.change(&r)
			_, err := Build(r)
			var pe *koban.ProblemsError
			if !errors.As(err, &pe) {
				t.Fatalf("Build = %v, want problems", err)
			}
			var got []string
			for _, p := range pe.Problems {
				if p.Code != koban.Invalid {
					t.Errorf("%s: code %s", p.Field, p.Code)
				}
				got = append(got, p.Field+"="+strings.TrimPrefix(p.Key, "xarf.problem."))
			}
			if !sameSet(got, tc.want) {
				t.Errorf("problems %v\nwant     %v", got, tc.want)
			}
		})
	}

	// Spam over SMTP needs the envelope sender and the port; spam needs a
	// protocol and a source.
	r := Request{Kind: Spam, Observed: observed, Reporter: police, Protocol: "smtp"}
	_, err := Build(r)
	var pe *koban.ProblemsError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pe.Problems {
		got = append(got, p.Field+"="+strings.TrimPrefix(p.Key, "xarf.problem."))
	}
	if want := []string{"source=required", "smtp_from=required", "source_port=required"}; !sameSet(got, want) {
		t.Errorf("spam problems %v, want %v", got, want)
	}
}

func TestForCategory(t *testing.T) {
	for code, want := range map[taxonomy.Code]Kind{taxonomy.PH: Phishing, taxonomy.FR: Fraud, taxonomy.MW: Malware, taxonomy.SP: Spam} {
		if got, ok := ForCategory(code); !ok || got != want {
			t.Errorf("ForCategory(%s) = %s, %v", code, got, ok)
		}
	}
	for _, code := range []taxonomy.Code{taxonomy.HR, taxonomy.UA, taxonomy.OT, "ZZ"} {
		if got, ok := ForCategory(code); ok {
			t.Errorf("ForCategory(%s) = %s", code, got)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func reflectFields(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := 0; i < t.NumField(); i++ {
		out = append(out, t.Field(i).Name)
	}
	return out
}
