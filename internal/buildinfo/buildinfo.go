// Package buildinfo is what this koban binary is: its version, the one
// place the rest of koban (the User-Agent it fetches with, the export
// manifests' generator, `koban version`) takes it from, and what it was
// built from and with.
package buildinfo

import "runtime/debug"

// version is set by the build:
//
//	go build -ldflags "-X github.com/koban-project/koban/internal/buildinfo.version=v1.2.3"
//
// (make build sets it from `git describe`). Empty: Version falls back to
// what the Go toolchain recorded.
var version string

// Dep is a module the binary was built with.
type Dep struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Sum     string `json:"sum,omitempty"`
	// Replace is the module it was replaced by, if any.
	Replace *Dep `json:"replace,omitempty"`
}

// Info is what the binary knows of its own build.
type Info struct {
	Version   string            `json:"version"`
	GoVersion string            `json:"go_version"`
	Module    string            `json:"module"`
	Revision  string            `json:"vcs_revision,omitempty"`
	Time      string            `json:"vcs_time,omitempty"`
	Modified  *bool             `json:"vcs_modified,omitempty"` // nil: not recorded
	Settings  map[string]string `json:"build_settings"`         // -trimpath, -ldflags, CGO_ENABLED, GOOS, GOARCH, …
	Deps      []Dep             `json:"deps"`
}

// Read reports the build: the Go toolchain's record of it
// (runtime/debug.ReadBuildInfo) with the version Version gives.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok, version)
}

// Version is koban's version: the one the build set with -ldflags -X;
// else the module's version the toolchain recorded (`go install …@v1.2.3`,
// or a pseudo-version from the VCS, "+dirty" for changed trees); else the
// VCS revision the toolchain stamped (12 digits, "-dirty" when the tree
// had changes); else "dev" (go run, tests).
func Version() string { return Read().Version }

// UserAgent is what koban calls itself in requests it makes:
// "koban/<version>".
func UserAgent() string { return "koban/" + Version() }

func fromBuildInfo(bi *debug.BuildInfo, ok bool, set string) Info {
	info := Info{Version: set, Settings: map[string]string{}}
	if !ok || bi == nil {
		if info.Version == "" {
			info.Version = "dev"
		}
		return info
	}
	info.GoVersion, info.Module = bi.GoVersion, bi.Main.Path
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			m := s.Value == "true"
			info.Modified = &m
		default:
			info.Settings[s.Key] = s.Value
		}
	}
	for _, d := range bi.Deps {
		info.Deps = append(info.Deps, dep(d))
	}
	if info.Version == "" {
		switch v := bi.Main.Version; {
		case v != "" && v != "(devel)":
			info.Version = v
		case info.Revision != "":
			info.Version = info.Revision[:min(12, len(info.Revision))]
			if info.Modified != nil && *info.Modified {
				info.Version += "-dirty"
			}
		default:
			info.Version = "dev"
		}
	}
	return info
}

func dep(m *debug.Module) Dep {
	d := Dep{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		r := dep(m.Replace)
		d.Replace = &r
	}
	return d
}
