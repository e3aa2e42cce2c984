package sqlite

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackgroundCheckpoint: the writer leaves its WAL to the checkpointer
// (it would copy it itself only past the backstop), and the checkpointer
// copies it into the database file; stopping it closes its channel.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "koban.db")
	w, r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var pages int
	if err := w.QueryRow("PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != BackstopPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, %v; want the backstop %d", pages, err, BackstopPages)
	}
	if _, err := w.Exec("CREATE TABLE t (v TEXT)"); err != nil {
		t.Fatal(err)
	}
	row := strings.Repeat("x", 3000)
	for range 2000 { // about 1,500 pages: past SQLite's default threshold of 1,000
		if _, err := w.Exec("INSERT INTO t (v) VALUES (?)", row); err != nil {
			t.Fatal(err)
		}
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if s := size(); s > 1<<20 {
		t.Fatalf("the database file is %d bytes before any checkpoint: the writer copied the WAL itself", s)
	}

	ctx, stop := context.WithCancel(t.Context())
	done, err := Checkpoint(ctx, path, 10*time.Millisecond, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); size() < 5<<20; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the checkpointer has not copied the WAL: the file is %d bytes", size())
		}
	}
	stop()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the checkpointer did not stop")
	}
	var n int
	if err := r.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 2000 {
		t.Errorf("after the checkpoints the table holds %d rows, %v", n, err)
	}
}

// TestRemovedFileIsNotRecreated: a connection the pool opens after the
// database file was removed fails, instead of making a new, empty database
// where the old one was (which would hide the loss until a restart).
func TestRemovedFileIsNotRecreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "koban.db")
	w, r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	r.SetMaxIdleConns(0) // every query on a connection of its own
	if _, err := r.Exec(`SELECT 1`); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"", "-wal", "-shm"} {
		os.Remove(path + ext)
	}
	if _, err := r.Exec(`SELECT 1`); err == nil {
		t.Error("a new connection opened a removed database")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the removed database file was made again")
	}
}
