package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/buildinfo"
)

// TestVersionCommand: `koban version` names the version the rest of koban
// uses (the User-Agent, export manifests), with the Go and build settings
// the toolchain recorded. (A test binary records no modules; scripts/
// repro-check checks a real build's list against go.mod.)
func TestVersionCommand(t *testing.T) {
	code, out, errs := run(t, nil, "", "version")
	if code != 0 || !strings.HasPrefix(out, "koban "+buildinfo.Version()+"\ngo         go1.") || !strings.Contains(out, "build      GOOS=") {
		t.Fatalf("koban version: %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, nil, "", "version", "-json")
	if code != 0 {
		t.Fatalf("koban version -json: %d %q", code, errs)
	}
	var info buildinfo.Info
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if info.Version != buildinfo.Version() || !strings.HasPrefix(info.GoVersion, "go1.") || info.Module != "github.com/koban-project/koban" ||
		info.Settings["GOOS"] == "" {
		t.Errorf("koban version -json: %+v", info)
	}
	if code, _, _ := run(t, nil, "", "version", "extra"); code == 0 {
		t.Error("koban version with an argument succeeded")
	}
}
