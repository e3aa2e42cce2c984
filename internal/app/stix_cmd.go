package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/stix"
)

const stixUsage = "koban stix validate [FILE…]   (- or no file: standard input)"

// runStix runs "koban stix validate": every object of every file (a
// bundle, an array of objects or one object) checked against the STIX 2.1
// MUST rules, each problem on its own line. Exit 0 when all are valid, 1
// when any problem was found, 2 for a usage error or a file that cannot be
// opened.
func runStix(env Env, args []string) int {
	if len(args) == 0 || args[0] != "validate" {
		fmt.Fprintf(env.Stderr, "usage: %s\n", stixUsage)
		return 2
	}
	files := args[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	cats, err := locale.Load()
	if err != nil {
		fmt.Fprintln(env.Stderr, "koban stix:", err)
		return 1
	}
	lang := cliLanguage(env.Getenv)
	problems, unreadable := 0, false
	for _, name := range files {
		var r io.Reader = env.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(env.Stderr, cats.T(lang, "stix.cli.unreadable", "file", name, "err", err.Error()))
				unreadable = true
				continue
			}
			r = f
			defer f.Close()
		}
		n, objects := validateStream(env.Stdout, cats, lang, name, r)
		problems += n
		if n == 0 {
			fmt.Fprintln(env.Stdout, cats.T(lang, "stix.cli.ok", "file", name, "n", strconv.Itoa(objects)))
		}
	}
	if problems > 0 {
		fmt.Fprintln(env.Stderr, cats.T(lang, "stix.cli.failed", "n", strconv.Itoa(problems)))
	}
	switch {
	case unreadable:
		return 2
	case problems > 0:
		return 1
	}
	return 0
}

// validateStream prints the problems of one file and returns how many
// there were and how many objects it held.
func validateStream(w io.Writer, cats *locale.Catalogs, lang, name string, r io.Reader) (problems, objects int) {
	line := func(p stix.Problem) {
		where := cats.T(lang, "stix.cli.object", "n", strconv.Itoa(p.Index+1))
		if p.ID != "" {
			where = cats.T(lang, "stix.cli.object_id", "n", strconv.Itoa(p.Index+1), "id", p.ID)
		}
		if p.Path != "" {
			where += ": " + p.Path
		}
		fmt.Fprintln(w, cats.T(lang, "stix.cli.problem", "file", name, "where", where, "message", cats.T(lang, "stix.problem."+p.Code, p.Args...)))
		problems++
	}
	d := stix.NewDecoder(r)
	for {
		o, err := d.Next()
		if err == io.EOF {
			return problems, objects
		}
		objects++
		var oe *stix.ObjectError
		if errors.As(err, &oe) {
			offset, detail := oe.Offset, oe.Err.Error()
			var se *stix.SyntaxError
			if errors.As(oe.Err, &se) {
				offset, detail = se.Offset, se.Msg
			}
			line(stix.Problem{Index: oe.Index, Code: stix.CodeJSON, Args: []string{"offset", strconv.FormatInt(offset, 10), "detail", detail}})
			continue
		}
		if err != nil {
			fmt.Fprintln(w, cats.T(lang, "stix.cli.stream", "file", name, "err", err.Error()))
			return problems + 1, objects - 1
		}
		for _, p := range stix.ValidateAt(o, objects-1) {
			line(p)
		}
	}
}
