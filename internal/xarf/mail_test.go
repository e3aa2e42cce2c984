package xarf

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
)

func catalogs(t *testing.T) *locale.Catalogs {
	t.Helper()
	c, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The takedown mail in Japanese and English, held to golden files.
func TestMailGolden(t *testing.T) {
	cat := catalogs(t)
	m := MailFor(requests()["phishing"], "KBN-TD-2026-000123")
	m.Phone = "03-0000-0110"
	for _, lang := range locale.Languages {
		t.Run(lang, func(t *testing.T) {
			msg, err := m.Render(cat, lang)
			if err != nil {
				t.Fatal(err)
			}
			got := "Subject: " + msg.Subject + "\n\n" + msg.Body
			golden := filepath.Join("testdata", "golden", "mail-phishing."+lang+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("differs from %s (-update rewrites it):\n%s", golden, got)
			}
		})
	}
}

func TestMailContents(t *testing.T) {
	cat := catalogs(t)
	for name, r := range requests() {
		for _, lang := range locale.Languages {
			m := MailFor(r, "KBN-TD-1")
			msg, err := m.Render(cat, lang)
			if err != nil {
				t.Fatalf("%s %s: %v", name, lang, err)
			}
			if !strings.Contains(msg.Subject, "[KBN-TD-1]") || strings.ContainsAny(msg.Subject, "\r\n") {
				t.Errorf("%s %s: subject %q", name, lang, msg.Subject)
			}
			target := r.URL
			if target == "" {
				target = r.Source
			}
			for _, want := range []string{target, police.Name, police.Email, "[KBN-TD-1]", "X-ARF"} {
				if !strings.Contains(msg.Body, want) {
					t.Errorf("%s %s: the body does not name %q", name, lang, want)
				}
			}
			for _, e := range r.Evidence {
				if !strings.Contains(msg.Body, sha256hex(e.Data)) {
					t.Errorf("%s %s: evidence hash missing", name, lang)
				}
			}
			if strings.Contains(msg.Body, "takedown.mail.") {
				t.Errorf("%s %s: a catalog key reached the text:\n%s", name, lang, msg.Body)
			}
			if (r.Note != "") != strings.Contains(msg.Body, cat.T(lang, "takedown.mail.note")) {
				t.Errorf("%s %s: the note heading without a note, or a note without it", name, lang)
			}
		}
	}
}

func TestMailRefuses(t *testing.T) {
	cat := catalogs(t)
	good := MailFor(requests()["fraud"], "KBN-TD-9")
	for name, tc := range map[string]struct {
		change func(m *Mail)
		lang   string
		field  string
	}{
		"no ticket":           {func(m *Mail) { m.Ticket = " " }, "ja", "ticket"},
		"header injection":    {func(m *Mail) { m.Ticket = "1\r\nBcc: x@evil.example" }, "ja", "ticket"},
		"no target":           {func(m *Mail) { m.Target = "" }, "en", "target"},
		"no organisation":     {func(m *Mail) { m.Org.Name = "" }, "en", "org.name"},
		"organisation e-mail": {func(m *Mail) { m.Org.Email = "police" }, "en", "org.email"},
		"kind":                {func(m *Mail) { m.Kind = "other" }, "en", "kind"},
		"language":            {func(m *Mail) {}, "fr", "lang"},
	} {
		t.Run(name, func(t *testing.T) {
			m := good
			tc.change(&m)
			_, err := m.Render(cat, tc.lang)
			var e *koban.Error
			if !errors.As(err, &e) || e.Field != tc.field {
				t.Fatalf("Render = %v, want a problem with %s", err, tc.field)
			}
		})
	}
	// A line break in a value becomes a space: it cannot add a line.
	m := good
	m.Target = "https://scam.example/\nBcc: x@evil.example"
	msg, err := m.Render(cat, "en")
	if err != nil || strings.Contains(msg.Body, "\nBcc:") {
		t.Fatalf("%v\n%s", err, msg.Body)
	}
}

var keyRE = regexp.MustCompile(`"((?:xarf\.problem|takedown\.mail)\.[a-z0-9_.]+)"`)

// Every catalog key the package uses has a Japanese and an English
// sentence, and each kind has its words.
func TestCatalogKeys(t *testing.T) {
	cat := catalogs(t)
	files, _ := filepath.Glob("*.go")
	keys := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, _ := os.ReadFile(f)
		for _, m := range keyRE.FindAllStringSubmatch(string(data), -1) {
			keys[m[1]] = true
		}
	}
	for _, k := range Kinds {
		keys["takedown.mail.kind."+string(k)] = true
		keys["takedown.mail.reason."+string(k)] = true
	}
	for _, k := range []string{"subject", "greeting", "intro", "target", "observed", "evidence", "evidence_line", "evidence_unnamed", "note", "xarf", "voluntary", "reply", "phone"} {
		keys["takedown.mail."+k] = true
	}
	if len(keys) < 40 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for k := range keys {
		for _, lang := range locale.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%s has no %s sentence", k, lang)
			}
		}
	}
}
