package misp

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedData returns the path of ../shared/data/misp seen from the module
// root (the folder holding go.mod), where the field's test data lives.
func sharedData(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data", "misp")
	if _, err := os.Stat(data); err != nil {
		t.Fatalf("the shared test data is missing: %v", err)
	}
	return data
}

func readData(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedData(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
