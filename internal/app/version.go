package app

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/koban-project/koban/internal/buildinfo"
)

// runVersion is `koban version [-json]`: koban's version, the Go it was
// built with, the VCS revision, the build settings and every module in the
// binary, as the toolchain recorded them.
func runVersion(env Env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print the build information as one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("koban version [-json]")
	}
	info := buildinfo.Read()
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	printVersion(env.Stdout, info)
	return nil
}

func printVersion(w io.Writer, info buildinfo.Info) {
	fmt.Fprintf(w, "koban %s\n", info.Version)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-10s %s\n", k, v)
		}
	}
	row("go", info.GoVersion)
	row("module", info.Module)
	rev := info.Revision
	if rev != "" {
		var notes []string
		if info.Time != "" {
			notes = append(notes, info.Time)
		}
		if info.Modified != nil {
			if *info.Modified {
				notes = append(notes, "modified")
			} else {
				notes = append(notes, "unmodified")
			}
		}
		if len(notes) > 0 {
			rev += " (" + strings.Join(notes, ", ") + ")"
		}
	}
	row("revision", rev)
	keys := make([]string, 0, len(info.Settings))
	for k := range info.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row("build", k+"="+info.Settings[k])
	}
	if len(info.Deps) > 0 {
		fmt.Fprintf(w, "modules (%d):\n", len(info.Deps))
	}
	for _, d := range info.Deps {
		line := "  " + d.Path + " " + d.Version
		if d.Replace != nil {
			line += " => " + d.Replace.Path + " " + d.Replace.Version
		}
		fmt.Fprintln(w, line)
	}
}
