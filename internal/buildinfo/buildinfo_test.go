package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func buildInfo(mainVersion string, settings ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/koban-project/koban", Version: mainVersion},
		Deps: []*debug.Module{{Path: "modernc.org/sqlite", Version: "v1.62.0", Sum: "h1:x"},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/new", Version: "v1.0.1"}}}}
	for i := 0; i+1 < len(settings); i += 2 {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return bi
}

// TestVersionPrecedence: the version the build set wins; then the
// module's recorded version; then the VCS revision, marked dirty; then
// "dev".
func TestVersionPrecedence(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	for _, c := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		set  string
		want string
	}{
		{"set by -ldflags -X", buildInfo("v0.0.0-2026-abc", "vcs.revision", rev), true, "v1.4.0-3-gabcdef0", "v1.4.0-3-gabcdef0"},
		{"go install @version", buildInfo("v1.2.3"), true, "", "v1.2.3"},
		{"toolchain pseudo-version", buildInfo("v0.0.0-20261207110000-0123456789ab+dirty"), true, "", "v0.0.0-20261207110000-0123456789ab+dirty"},
		{"revision, clean", buildInfo("(devel)", "vcs.revision", rev, "vcs.modified", "false"), true, "", "0123456789ab"},
		{"revision, dirty", buildInfo("(devel)", "vcs.revision", rev, "vcs.modified", "true"), true, "", "0123456789ab-dirty"},
		{"nothing recorded", buildInfo("(devel)"), true, "", "dev"},
		{"no build info", nil, false, "", "dev"},
	} {
		if got := fromBuildInfo(c.bi, c.ok, c.set).Version; got != c.want {
			t.Errorf("%s: version %q, want %q", c.name, got, c.want)
		}
	}
}

// TestInfoFields: the VCS settings are lifted out, the rest kept as build
// settings, and every dependency listed with its replacement.
func TestInfoFields(t *testing.T) {
	bi := buildInfo("(devel)", "vcs.revision", "abc", "vcs.time", "2026-12-07T11:00:00Z", "vcs.modified", "false",
		"-trimpath", "true", "CGO_ENABLED", "0", "-ldflags", "-s -w")
	info := fromBuildInfo(bi, true, "")
	if info.Revision != "abc" || info.Time != "2026-12-07T11:00:00Z" || info.Modified == nil || *info.Modified || info.GoVersion != "go1.26.8" {
		t.Errorf("vcs: %+v", info)
	}
	if info.Settings["-trimpath"] != "true" || info.Settings["CGO_ENABLED"] != "0" || info.Settings["-ldflags"] != "-s -w" || info.Settings["vcs.revision"] != "" {
		t.Errorf("settings: %v", info.Settings)
	}
	if len(info.Deps) != 2 || info.Deps[0].Path != "modernc.org/sqlite" || info.Deps[0].Sum != "h1:x" ||
		info.Deps[1].Replace == nil || info.Deps[1].Replace.Path != "example.com/new" {
		t.Errorf("deps: %+v", info.Deps)
	}
	if ua := UserAgent(); !strings.HasPrefix(ua, "koban/") || ua != "koban/"+Version() {
		t.Errorf("UserAgent() = %q, Version() = %q", ua, Version())
	}
}
