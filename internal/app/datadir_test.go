package app_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/datadir"
	"github.com/koban-project/koban/internal/store/pgtest"
)

// openAt opens koban on a data folder (and database URL, "" for SQLite),
// closing it when the test ends.
func openAt(t *testing.T, dir, dbURL string) (*app.App, error) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = dir, dbURL
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{HasherParams: &apptest.TestHasher})
	if err == nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

// backendURL is a fresh database on the backend the suite runs on: ""
// (SQLite in the data folder) or a new PostgreSQL database.
func backendURL(t *testing.T) string {
	if os.Getenv(apptest.BackendEnv) == "postgres" {
		return pgtest.Database(t)
	}
	return ""
}

func submitTip(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/public/reports", "application/json", strings.NewReader(
		`{"kind":"tip","description":"偽サイト https://pay-check.example.com/ を見つけました"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestDatabaseRemovedUnderServer is the pulled plug of issue 9: the SQLite
// file deleted under a running server (on PostgreSQL: another database
// answering at the same address). Before, reports still got receipts,
// /readyz said ready, and the restart made an empty database with a new
// administrator password beside the old evidence.
func TestDatabaseRemovedUnderServer(t *testing.T) {
	s := apptest.Start(t)
	if code := submitTip(t, s.URL); code != http.StatusCreated {
		t.Fatalf("submit before: %d", code)
	}
	if code, _ := get(t, s.URL+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before: %d", code)
	}
	if s.App.DB.Shared() {
		// PostgreSQL: the database at the URL is another one now.
		db, err := sql.Open("pgx", s.App.Config.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE instance SET database_id = 'another-database'`); err != nil {
			t.Fatal(err)
		}
		db.Close()
	} else {
		if err := os.Remove(filepath.Join(s.Dir, "koban.db")); err != nil {
			t.Fatal(err)
		}
		// Writes check the file themselves: no receipt is handed out for a
		// report stored in a file nobody can open again.
		if code := submitTip(t, s.URL); code != http.StatusServiceUnavailable {
			t.Errorf("submit after the database file was removed: %d, want 503", code)
		}
	}
	if code, _ := get(t, s.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz after: %d, want 503", code)
	}
	// The watcher takes the server out of service: every page and API call
	// is refused, not only writes.
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get(t, s.URL+"/report")
		if code == http.StatusServiceUnavailable {
			if !strings.Contains(body, "110") {
				t.Errorf("the refusal does not tell the public what to do: %q", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/report still answers %d after the database went", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := submitTip(t, s.URL); code != http.StatusServiceUnavailable {
		t.Errorf("submit once out of service: %d, want 503", code)
	}
	if code, _ := get(t, s.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz (the process lives): %d", code)
	}

	// A restart on the same folder refuses to start afresh.
	_, err := openAt(t, s.Dir, s.App.Config.DatabaseURL)
	if !errors.Is(err, datadir.ErrInUse) {
		t.Fatalf("restart on the folder of a removed database: %v, want a refusal", err)
	}
	if _, statErr := os.Stat(filepath.Join(s.Dir, "koban.db")); !s.App.DB.Shared() && statErr == nil {
		t.Error("the refused start created a new koban.db")
	}
}

// TestFreshDatabaseRefusedOverEvidence: a folder with evidence files or a
// previous database's marker does not get a new, empty database.
func TestFreshDatabaseRefusedOverEvidence(t *testing.T) {
	withEvidence := t.TempDir()
	sum := strings.Repeat("ab", 32)
	path := filepath.Join(withEvidence, datadir.FilesDir, "ab", "ab", sum)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("evidence"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := openAt(t, withEvidence, backendURL(t))
	if !errors.Is(err, datadir.ErrInUse) || !strings.Contains(err.Error(), "evidence files") {
		t.Errorf("fresh database over evidence files: %v", err)
	}

	withMarker := t.TempDir()
	if err := datadir.WriteMarker(withMarker, "a-previous-database"); err != nil {
		t.Fatal(err)
	}
	_, err = openAt(t, withMarker, backendURL(t))
	if !errors.Is(err, datadir.ErrInUse) || !strings.Contains(err.Error(), "a-previous-database") {
		t.Errorf("fresh database over a marker: %v", err)
	}

	// Temporary uploads a crash left are not evidence: the folder is usable.
	onlyTmp := t.TempDir()
	if err := os.MkdirAll(filepath.Join(onlyTmp, datadir.FilesDir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(onlyTmp, datadir.FilesDir, "tmp", "put-123"), []byte("half"), 0o600)
	a, err := openAt(t, onlyTmp, backendURL(t))
	if err != nil {
		t.Fatalf("folder with only temporary uploads: %v", err)
	}
	if m, _ := datadir.ReadMarker(onlyTmp); m == "" || m != mustIdentity(t, a) {
		t.Errorf("marker %q after the first start", m)
	}
}

func mustIdentity(t *testing.T, a *app.App) string {
	t.Helper()
	id, err := a.DB.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestReplacedDatabaseRefused: another koban's database put where this
// folder's was (or KOBAN_DATABASE_URL pointed at another database) is
// refused at start, naming both.
func TestReplacedDatabaseRefused(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	urlA, urlB := backendURL(t), backendURL(t)
	a, err := openAt(t, dirA, urlA)
	if err != nil {
		t.Fatal(err)
	}
	idA := mustIdentity(t, a)
	a.Close()
	b, err := openAt(t, dirB, urlB)
	if err != nil {
		t.Fatal(err)
	}
	idB := mustIdentity(t, b)
	b.Close()
	if idA == idB {
		t.Fatalf("two databases share the identity %s", idA)
	}
	if urlA == "" {
		for _, ext := range []string{"", "-wal", "-shm"} {
			os.Remove(filepath.Join(dirA, "koban.db"+ext))
			if data, err := os.ReadFile(filepath.Join(dirB, "koban.db"+ext)); err == nil {
				os.WriteFile(filepath.Join(dirA, "koban.db"+ext), data, 0o600)
			}
		}
	} else {
		urlA = urlB
	}
	_, err = openAt(t, dirA, urlA)
	if !errors.Is(err, datadir.ErrInUse) || !strings.Contains(err.Error(), idA) || !strings.Contains(err.Error(), idB) {
		t.Fatalf("start with another database: %v", err)
	}
	// Its own database still opens.
	if _, err := openAt(t, dirB, urlB); err != nil {
		t.Errorf("the database in its own folder: %v", err)
	}
}
