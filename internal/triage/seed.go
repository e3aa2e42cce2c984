package triage

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"github.com/koban-project/koban/internal/taxonomy"
)

// seedFiles are the labelled examples written for koban (seed/*.jsonl, one
// JSON object a line). No open labelled Japanese set of cybercrime reports
// exists; these are invented, with example.jp / example.com domains and
// 090-0000-xxxx numbers.
//
//go:embed seed/*.jsonl
var seedFiles embed.FS

// Seed returns the seed set, files in name order and lines in file order,
// so that training on it is deterministic. It panics if an embedded file is
// malformed, which a test catches before a build ships.
func Seed() []Example {
	ex, err := readSeed(seedFiles)
	if err != nil {
		panic(err)
	}
	return ex
}

func readSeed(fsys fs.FS) ([]Example, error) {
	names, err := fs.Glob(fsys, "seed/*.jsonl")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Example
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		line := 0
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var ex Example
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ex); err != nil {
				return nil, fmt.Errorf("triage: %s:%d: %w", name, line, err)
			}
			if !taxonomy.Valid(string(ex.Category)) {
				return nil, fmt.Errorf("triage: %s:%d: unknown category %q", name, line, ex.Category)
			}
			if ex.Text == "" {
				return nil, fmt.Errorf("triage: %s:%d: empty text", name, line)
			}
			out = append(out, ex)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("triage: %s: %w", name, err)
		}
	}
	return out, nil
}
