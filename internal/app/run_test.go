package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app"
)

// run runs a koban command with its own environment and returns the exit
// code and output.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: args, Getenv: func(k string) string { return env[k] }, Environ: list,
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestUserAndTokenCommands(t *testing.T) {
	env := map[string]string{"KOBAN_DATA_DIR": t.TempDir()}
	code, out, errs := run(t, env, "a long enough passphrase\n", "user", "add", "--email", "Officer@Pref13.example", "--org", "pref-13", "--role", "intake", "--password-stdin")
	if code != 0 || !strings.Contains(out, "officer@pref13.example") {
		t.Fatalf("user add: %d %q %q", code, out, errs)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"duplicate", "a long enough passphrase\n", []string{"user", "add", "--email", "officer@pref13.example", "--org", "pref-13", "--role", "intake", "--password-stdin"}, "email"},
		{"short password", "short\n", []string{"user", "add", "--email", "b@x.example", "--org", "pref-13", "--role", "intake", "--password-stdin"}, "password"},
		{"unknown org", "a long enough passphrase\n", []string{"user", "add", "--email", "c@x.example", "--org", "pref-99", "--role", "intake", "--password-stdin"}, "org"},
		{"unknown role", "a long enough passphrase\n", []string{"user", "add", "--email", "d@x.example", "--org", "pref-13", "--role", "chief", "--password-stdin"}, "role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(t, env, tc.stdin, tc.args...)
			if code != 1 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q, want mention of %q", code, errs, tc.want)
			}
		})
	}
	code, out, _ = run(t, env, "", "token", "create", "--email", "officer@pref13.example", "--name", "script")
	if code != 0 || !strings.HasPrefix(out, "kbn_") {
		t.Fatalf("token create: %d %q", code, out)
	}
	code, out, _ = run(t, env, "", "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %d %q", code, out)
	}
	code, out, _ = run(t, env, "", "config")
	if code != 0 || !strings.Contains(out, "KOBAN_DATA_DIR=") {
		t.Fatalf("config: %d %q", code, out)
	}
	if code, _, errs := run(t, map[string]string{"KOBAN_DATA_DIR": env["KOBAN_DATA_DIR"], "KOBAN_DATADIR": "typo"}, "", "audit", "verify"); code != 1 || !strings.Contains(errs, "KOBAN_DATADIR") {
		t.Fatalf("unknown setting accepted: %d %q", code, errs)
	}
	if code, _, _ := run(t, env, "", "frobnicate"); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}

func TestExtractCommand(t *testing.T) {
	f := filepath.Join(t.TempDir(), "mail.txt")
	os.WriteFile(f, []byte("連絡は ０９０－１２３４－５６７８ か hxxps://evil[.]example[.]com/pay まで"), 0o600)
	code, out, errs := run(t, nil, "", "extract", f)
	if code != 0 {
		t.Fatalf("extract: %d %s", code, errs)
	}
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var o struct{ Type, Value string }
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("not JSON lines: %q", line)
		}
		got[o.Type+" "+o.Value] = true
	}
	for _, want := range []string{"phone +819012345678", "url https://evil.example.com/pay", "domain evil.example.com"} {
		if !got[want] {
			t.Errorf("missing %q in %v", want, got)
		}
	}
	code, out, _ = run(t, nil, "mail me at taro@example.co.jp", "extract")
	if code != 0 || !strings.Contains(out, `"type":"email","value":"taro@example.co.jp"`) {
		t.Fatalf("stdin: %d %q", code, out)
	}
	// A saved page is read as HTML: its form's target, not its script.
	page := filepath.Join(t.TempDir(), "phish.html")
	os.WriteFile(page, []byte(`<html><script>x="https://in-script.example.net/"</script><form action="https://collect.evil.top/p.php"></form></html>`), 0o600)
	code, out, _ = run(t, nil, "", "extract", page)
	if code != 0 || !strings.Contains(out, `"value":"https://collect.evil.top/p.php"`) || strings.Contains(out, "in-script") {
		t.Fatalf("extract page.html: %d %q", code, out)
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	db := newCLIDB(t)
	env := db.env
	for _, e := range []string{"a@x.example", "b@x.example", "c@x.example"} {
		if code, _, errs := run(t, env, "a long enough passphrase\n", "user", "add", "--email", e, "--org", "pref-13", "--role", "intake", "--password-stdin"); code != 0 {
			t.Fatal(errs)
		}
	}
	db.tamper(t, nil, `UPDATE audit_log SET actor = 'someone else' WHERE id = 3`)
	code, out, _ := run(t, env, "", "verify-audit")
	if code != 1 || !strings.Contains(out, "row 3") {
		t.Fatalf("tampered log: exit %d, %q", code, out)
	}
}

// catalogKey looks like a message key (auth.error.org, error.not_found):
// what a person must never read in place of a sentence.
var catalogKey = regexp.MustCompile(`\b(error|auth|intake|triage|admin|cli|status|observable|api)\.[a-z_]+(\.[a-z_]+)*\b`)

// TestCLISpeaksInSentences: refusals on the command line are sentences in
// the terminal's language, and an unknown organisation or role lists the
// valid ones (before, "koban user: org: auth.error.org").
func TestCLISpeaksInSentences(t *testing.T) {
	dir := t.TempDir()
	base := map[string]string{"KOBAN_DATA_DIR": dir}
	if code, _, errs := run(t, base, "a long enough passphrase\n", "user", "add", "--email", "taken@pref13.example", "--org", "pref-13", "--role", "intake", "--password-stdin"); code != 0 {
		t.Fatal(errs)
	}
	add := func(email, orgCode, role, password string) []string {
		return []string{"user", "add", "--email", email, "--org", orgCode, "--role", role, "--password-stdin"}
	}
	for _, tc := range []struct {
		name, lang, stdin string
		args              []string
		want              []string
	}{
		{"unknown org", "", "a long enough passphrase\n", add("c@x.example", "pref-99", "intake", ""),
			[]string{`There is no organisation with the code "pref-99"`, "pref-13", "Tokyo Metropolitan Police", "ncu"}},
		{"unknown org in Japanese", "ja_JP.UTF-8", "a long enough passphrase\n", add("c@x.example", "pref-99", "intake", ""),
			[]string{"組織コード「pref-99」の組織はありません", "警視庁", "pref-27"}},
		{"unknown role", "C.UTF-8", "a long enough passphrase\n", add("d@x.example", "pref-13", "chief", ""),
			[]string{`There is no role "chief"`, "investigator", "supervisor"}},
		{"duplicate e-mail", "en_GB.UTF-8", "a long enough passphrase\n", add("taken@pref13.example", "pref-13", "intake", ""),
			[]string{"email: "}},
		{"short password in Japanese", "ja_JP.UTF-8", "short\n", add("e@x.example", "pref-13", "intake", ""),
			[]string{"password: "}},
		{"token for nobody", "", "", []string{"token", "create", "--email", "ghost@x.example", "--name", "feed"},
			[]string{`No account has the e-mail address "ghost@x.example"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"KOBAN_DATA_DIR": dir, "LANG": tc.lang}
			code, _, errs := run(t, env, tc.stdin, tc.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if k := catalogKey.FindString(errs); k != "" {
				t.Errorf("a message key reached the terminal (%s):\n%s", k, errs)
			}
		})
	}
}
