// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server named by KOBAN_TEST_POSTGRES (which .ci/run starts). Without that
// variable the PostgreSQL tests are skipped on a developer's machine and
// fail in CI, where a missing server is a broken set-up, not a reason to
// test less.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Env is the variable that names the test server's admin URL.
const Env = "KOBAN_TEST_POSTGRES"

// URL returns the admin URL, skipping (or in CI failing) the test without one.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must start PostgreSQL (see .ci/run)", Env)
		}
		t.Skipf("%s not set: no PostgreSQL server to test against", Env)
	}
	return u
}

// Database creates an empty database for this test, drops it when the test
// ends, and returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	admin := URL(t)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "koban_t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
