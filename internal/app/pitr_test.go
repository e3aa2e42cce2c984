package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/store/pgtest"
)

const pgBin = "/usr/lib/postgresql/15/bin"

// pgCluster is a PostgreSQL cluster of the test's own, run as the postgres
// user when the test runs as root (initdb and postgres refuse root).
type pgCluster struct {
	t    *testing.T
	data string
	port int
	log  string
}

func pgCmd(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(pgBin, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func pgRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := pgCmd(t, name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// pgDir makes a folder the postgres user owns, below a root it can reach.
func pgDir(t *testing.T, root, name string) string {
	t.Helper()
	d := filepath.Join(root, name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "-R", "postgres:postgres", d).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	return d
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (c *pgCluster) start(extra ...string) {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s", c.port, filepath.Dir(c.data))
	for _, e := range extra {
		opts += " -c " + e
	}
	pgRun(c.t, "pg_ctl", "-D", c.data, "-l", c.log, "-w", "-t", "120", "-o", opts, "start")
	c.t.Cleanup(c.stop)
}

func (c *pgCluster) stop() {
	pgCmd(c.t, "pg_ctl", "-D", c.data, "-m", "fast", "-w", "stop").Run()
}

func (c *pgCluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// pgDigests is every koban table's row count and the MD5 of its rows in
// order, as PostgreSQL prints them.
func pgDigests(t *testing.T, url string) map[string]string {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, name := range tables {
		var n int64
		var sum sql.NullString
		q := fmt.Sprintf(`SELECT count(*), md5(string_agg(t::text, E'\n' ORDER BY t::text)) FROM %q t`, name)
		if err := db.QueryRow(q).Scan(&n, &sum); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = strconv.FormatInt(n, 10) + ":" + sum.String
	}
	return out
}

// TestPostgresBaseBackupAndWAL follows docs/operations.md's route for a
// koban on PostgreSQL: WAL archived continuously, a base backup with
// pg_basebackup, koban backup for the data folder; then the cluster is lost,
// recovered from the base backup and the archived WAL, and koban restore
// puts the data folder back and checks it against the database. Every
// table, written before and after the base backup, comes back the same.
func TestPostgresBaseBackupAndWAL(t *testing.T) {
	pgtest.URL(t) // PostgreSQL's tools are installed where a test server is
	if os.Getenv("KOBAN_TEST_BACKEND") == "postgres" {
		t.Skip("runs once, in the first pass: it starts clusters of its own")
	}
	if _, err := os.Stat(filepath.Join(pgBin, "pg_basebackup")); err != nil {
		t.Fatalf("PostgreSQL 15's tools are not installed: %v", err)
	}
	ctx := context.Background()
	root, err := os.MkdirTemp("", "koban-pitr-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(root, 0o755)
	t.Cleanup(func() { os.RemoveAll(root) })
	archive := pgDir(t, root, "wal-archive")
	orig := &pgCluster{t: t, data: filepath.Join(pgDir(t, root, "orig"), "data"), port: freePort(t), log: filepath.Join(root, "orig", "log")}
	pgRun(t, "initdb", "-D", orig.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
	orig.start("wal_level=replica", "archive_mode=on", "archive_command='cp %p "+archive+"/%f'", "max_wal_senders=4")
	admin, err := sql.Open("pgx", orig.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE koban`); err != nil {
		t.Fatal(err)
	}

	dataDir := filepath.Join(root, "koban-data")
	os.MkdirAll(dataDir, 0o700)
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = dataDir, orig.url("koban")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	submit := func(a *app.App, text string) {
		t.Helper()
		_, err := a.Intake.Submit(ctx, intake.Submission{Kind: intake.KindReport, Description: text, Language: "ja", Prefecture: "27",
			Consent: true, Contact: intake.Contact{Email: "v@example.jp"}, Files: []intake.Upload{{Name: "e.txt", Body: strings.NewReader("証拠 " + text)}}},
			intake.Origin{Source: "web", IP: "192.0.2.9"})
		if err != nil {
			t.Fatal(err)
		}
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	submit(a, "ベースバックアップ前の通報 1")
	submit(a, "ベースバックアップ前の通報 2")

	base := filepath.Join(pgDir(t, root, "base"), "data")
	pgRun(t, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(orig.port), "-U", "postgres", "-D", base, "-X", "stream", "-c", "fast")

	// Written after the base backup: only the archived WAL brings these back.
	submit(a, "ベースバックアップ後の通報 3")
	a.Close()
	env := map[string]string{"KOBAN_DATA_DIR": dataDir, "KOBAN_DATABASE_URL": cfg.DatabaseURL}
	files := filepath.Join(root, "files.tar")
	code, out, errs := run(t, env, "", "backup", "--out", files)
	if code != 0 || !strings.Contains(out, "3 evidence files") || !strings.Contains(out, "pg_basebackup") {
		t.Fatalf("koban backup: %d %q %q", code, out, errs)
	}
	var before int64
	admin.QueryRow(`SELECT archived_count FROM pg_stat_archiver`).Scan(&before)
	if _, err := admin.Exec(`SELECT pg_switch_wal()`); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		var n int64
		admin.QueryRow(`SELECT archived_count FROM pg_stat_archiver`).Scan(&n)
		if n > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the last WAL segment was not archived within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := pgDigests(t, orig.url("koban"))
	admin.Close()
	orig.stop() // the server is lost

	// Recovery: the base backup, the archived WAL replayed to its end.
	restored := &pgCluster{t: t, data: base, port: freePort(t), log: filepath.Join(root, "base", "log")}
	conf := fmt.Sprintf("\nrestore_command = 'cp %s/%%f %%p'\narchive_mode = off\n", archive)
	f, err := os.OpenFile(filepath.Join(base, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(conf)
	f.Close()
	sig := filepath.Join(base, "recovery.signal")
	os.WriteFile(sig, nil, 0o600)
	if os.Geteuid() == 0 {
		exec.Command("chown", "postgres:postgres", sig).Run()
	}
	if err := pgCmd(t, "pg_ctl", "-D", base, "status").Run(); err == nil {
		t.Fatal("pg_ctl status: a server runs on the base backup")
	}
	restored.start()
	rdb, err := sql.Open("pgx", restored.url("koban"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		var rec bool
		if err := rdb.QueryRow(`SELECT pg_is_in_recovery()`).Scan(&rec); err == nil && !rec {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("recovery did not end within two minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := pgDigests(t, restored.url("koban"))
	if len(want) < 50 {
		t.Fatalf("only %d tables compared", len(want))
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("table %s: %s recovered, %s before the loss", name, got[name], w)
		}
	}
	if !strings.HasPrefix(want["reports"], "3:") {
		t.Fatalf("reports before the loss: %s", want["reports"])
	}

	// The data folder back from koban's archive, checked against the recovered database.
	newDir := filepath.Join(root, "koban-data-restored")
	renv := map[string]string{"KOBAN_DATA_DIR": newDir, "KOBAN_DATABASE_URL": restored.url("koban")}
	code, out, errs = run(t, renv, "", "restore", "--from", files)
	if code != 0 || !strings.Contains(out, "all 3 evidence files") {
		t.Fatalf("koban restore: %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, renv, "", "audit", "verify")
	if code != 0 {
		t.Fatalf("audit verify on the recovered koban: %d %q %q", code, out, errs)
	}
}
