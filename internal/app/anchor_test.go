package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/audit"
)

// serveOnce runs koban serve until it has answered one request, then stops
// it as a signal would, and returns what it logged.
func serveOnce(t *testing.T, env map[string]string) string {
	t.Helper()
	env = maps.Clone(env)
	env["KOBAN_ADDR"] = "127.0.0.1:0"
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	code := app.Run(ctx, app.Env{Args: []string{"serve"}, Getenv: func(k string) string { return env[k] }, Environ: list,
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Ready: func(addr string) {
			// The request waits in the listener's queue until koban serves.
			go func() {
				if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
					resp.Body.Close()
				}
				cancel()
			}()
		}})
	if code != 0 {
		t.Fatalf("serve: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	return errb.String()
}

func addUsers(t *testing.T, env map[string]string, emails ...string) {
	t.Helper()
	for _, e := range emails {
		if code, _, errs := run(t, env, "a long enough passphrase\n", "user", "add", "--email", e, "--org", "pref-13", "--role", "intake", "--password-stdin"); code != 0 {
			t.Fatal(errs)
		}
	}
}

// writeKeys makes an Ed25519 key pair in the PEM files openssl writes.
func writeKeys(t *testing.T, dir string) (privFile, pubFile string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	privFile, pubFile = filepath.Join(dir, "audit-key.pem"), filepath.Join(dir, "audit-key.pub.pem")
	os.WriteFile(privFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600)
	os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
	return privFile, pubFile
}

// anchored is a koban whose server has anchored its audit chain twice.
type anchored struct {
	db          *cliDB
	file, pub   string
	first, last audit.Anchor
}

// newAnchored adds three accounts, serves (an anchor), adds two more and
// serves again (a second anchor), with a signing key.
func newAnchored(t *testing.T) *anchored {
	t.Helper()
	db := newCLIDB(t)
	keys := t.TempDir()
	priv, pub := writeKeys(t, keys)
	db.env["KOBAN_AUDIT_KEY_FILE"] = priv
	addUsers(t, db.env, "a@x.example", "b@x.example", "c@x.example")
	log1 := serveOnce(t, db.env)
	addUsers(t, db.env, "d@x.example", "e@x.example")
	serveOnce(t, db.env)

	files, _ := filepath.Glob(filepath.Join(db.env["KOBAN_DATA_DIR"], "audit-anchors*"))
	if len(files) != 1 {
		t.Fatalf("anchor files %q, want one", files)
	}
	// Servers sharing a PostgreSQL database share the data folder: each
	// writes a file named after its host.
	host, _ := os.Hostname()
	want := "audit-anchors"
	if db.driver == "pgx" {
		want += "." + host
	}
	if filepath.Base(files[0]) != want {
		t.Errorf("anchor file %s, want %s", filepath.Base(files[0]), want)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	as, err := audit.ReadAnchors(f, files[0])
	if err != nil {
		t.Fatal(err)
	}
	// Each server anchors at start and at stop, but writes a head only once.
	if len(as) != 2 || as[0].Line != 2 || as[1].Line != 3 || as[1].ID != as[0].ID+2 || len(as[0].Sig) == 0 {
		t.Fatalf("anchors %+v, want two signed ones two rows apart on lines 2 and 3", as)
	}
	if want := fmt.Sprintf(`msg="audit anchor" id=%d hash=%s`, as[0].ID, as[0].Hash); !strings.Contains(log1, want) {
		t.Errorf("the server's log lacks %q:\n%s", want, log1)
	}
	return &anchored{db: db, file: files[0], pub: pub, first: as[0], last: as[1]}
}

func head(a audit.Anchor) string { return fmt.Sprintf("%d:%s", a.ID, a.Hash) }

func TestAuditAnchorsHold(t *testing.T) {
	k := newAnchored(t)
	env := k.db.env
	code, out, errs := run(t, env, "", "audit", "verify", "--anchors", k.file, "--anchor-key", k.pub)
	if code != 0 || !strings.Contains(out, "audit log intact") ||
		!strings.Contains(out, "All 2 anchors in "+k.file+" match the chain, and every one is signed with the key in "+k.pub+".") {
		t.Errorf("anchors: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, env, "", "verify-audit", "--expect-head", head(k.last))
	if code != 0 || !strings.Contains(out, fmt.Sprintf("Row %d still has hash %s, so no row up to it was rewritten or removed.", k.last.ID, k.last.Hash)) {
		t.Errorf("expect-head: exit %d\n%s%s", code, out, errs)
	}
	// Both at once, the settings' flags in among them.
	code, out, errs = run(t, env, "", "audit", "verify", "--expect-head", head(k.first), "--data-dir", env["KOBAN_DATA_DIR"], "--anchors", k.file)
	if code != 0 || !strings.Contains(out, "All 2 anchors in "+k.file+" match the chain.") {
		t.Errorf("both: exit %d\n%s%s", code, out, errs)
	}
}

func TestAuditAnchorsCatchCutTail(t *testing.T) {
	k := newAnchored(t)
	env := k.db.env
	k.db.tamper(t, nil, fmt.Sprintf(`DELETE FROM audit_log WHERE id > %d`, k.first.ID))

	// The chain alone links up: this is what anchors are for.
	if code, out, _ := run(t, env, "", "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("without anchors a cut tail is not seen, so this test tampered wrongly: %d %q", code, out)
	}
	missing := fmt.Sprintf("row %d is missing and the log ends at row %d, so rows were cut from its end.", k.last.ID, k.first.ID)
	code, out, errs := run(t, env, "", "audit", "verify", "--expect-head", head(k.last))
	if code != 1 || out != fmt.Sprintf("The expected head %s does not hold: %s\n", head(k.last), missing) {
		t.Errorf("expect-head: exit %d, %q, %q", code, out, errs)
	}
	code, out, errs = run(t, env, "", "verify-audit", "--anchors", k.file, "--anchor-key", k.pub)
	if code != 1 || out != fmt.Sprintf("The anchor on line 3 of %s fails: %s The 1 anchor before it matches the chain.\n", k.file, missing) {
		t.Errorf("anchors: exit %d, %q, %q", code, out, errs)
	}
	if code, out, _ := run(t, env, "", "audit", "verify", "--expect-head", head(k.first)); code != 0 {
		t.Errorf("the head before the cut still holds: exit %d, %q", code, out)
	}
}

func TestAuditAnchorsCatchRebuild(t *testing.T) {
	k := newAnchored(t)
	env := k.db.env
	k.db.tamper(t, rebuildFrom(t, 2))

	if code, out, _ := run(t, env, "", "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("without anchors a rebuilt chain is not seen, so this test tampered wrongly: %d %q", code, out)
	}
	code, out, errs := run(t, env, "", "audit", "verify", "--expect-head", head(k.last))
	if code != 1 || !strings.HasPrefix(out, fmt.Sprintf("The expected head %s does not hold: row %d now has hash ", head(k.last), k.last.ID)) ||
		!strings.HasSuffix(out, fmt.Sprintf(", not %s, so the chain was rewritten at or before that row.\n", k.last.Hash)) {
		t.Errorf("expect-head: exit %d, %q, %q", code, out, errs)
	}
	code, out, errs = run(t, env, "", "audit", "verify", "--anchors", k.file)
	if code != 1 || !strings.HasPrefix(out, fmt.Sprintf("The anchor on line 2 of %s fails: row %d now has hash ", k.file, k.first.ID)) ||
		!strings.HasSuffix(out, "so the chain was rewritten at or before that row. No anchor came before it.\n") {
		t.Errorf("anchors: exit %d, %q, %q", code, out, errs)
	}
}

func TestAuditAnchorsFileProblems(t *testing.T) {
	k := newAnchored(t)
	env := k.db.env
	dir := t.TempDir()
	write := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		return p
	}
	_, otherPub := writeKeys(t, t.TempDir())
	unsigned := k.last
	unsigned.Sig = nil
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // part of what it prints, when it prints
		stderr string // part of the error
	}{
		{"malformed line", []string{"--anchors", write("bad", "# anchors", k.first.String(), "17 not-a-hash 2026-03-02T09:30:15Z")}, 1, "",
			"line 3 of " + filepath.Join(dir, "bad") + " is not an anchor: its hash \"not-a-hash\" is not 64 lower-case hexadecimal digits"},
		{"no anchors", []string{"--anchors", write("empty", "# nothing yet")}, 1, "", "holds no anchors, so there is nothing to check the chain against"},
		{"missing file", []string{"--anchors", filepath.Join(dir, "nope")}, 1, "", "the anchor file cannot be read"},
		{"out of order", []string{"--anchors", write("swapped", k.last.String(), k.first.String())}, 1,
			fmt.Sprintf("The anchor on line 2 of %s fails: it names row %d, which comes before row %d named on line 1 above it", filepath.Join(dir, "swapped"), k.first.ID, k.last.ID), ""},
		{"another key", []string{"--anchors", k.file, "--anchor-key", otherPub}, 1, "The anchor on line 2 of " + k.file + " fails: its signature does not verify with the public key", ""},
		{"unsigned with a key", []string{"--anchors", write("unsigned", k.first.String(), unsigned.String()), "--anchor-key", k.pub}, 1,
			"fails: it carries no signature, though a public key was given to check one. The 1 anchor before it matches the chain.", ""},
		{"not a public key", []string{"--anchors", k.file, "--anchor-key", k.file}, 1, "", "is not a key anchors can be checked with"},
		{"key without anchors", []string{"--anchor-key", k.pub}, 2, "", "usage: koban audit verify"},
		{"bad expected head", []string{"--expect-head", "17"}, 1, "", "is not ID:HASH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, env, "", append([]string{"audit", "verify"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tc.code, out, tc.stdout, errs, tc.stderr)
			}
		})
	}
}
