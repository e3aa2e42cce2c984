package yara

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Match is one rule that matched, with the provenance every match shows.
type Match struct {
	Set         string
	Rule        string
	Tags        []string
	Author      string // the set's author
	RuleAuthor  string // the rule's meta author, when it has one
	Description string // the rule's meta description
	Licence     string // the set's licence
	Strings     []StringMatch
	// MoreStrings counts string matches past Engine.MaxStrings, not listed.
	MoreStrings int
}

// StringMatch is one place a rule's string matched.
type StringMatch struct {
	ID     string // "$a"
	Offset int64
	Length int
	Hex    string // the first Engine.MaxBytes matched bytes, hex-encoded
}

// Scan runs the sets over the file at path with yara and returns the
// matches, in yara's order. The sets are compiled together (each in its own
// namespace) into the cache first. Scan reads the matched bytes it shows
// from the file itself, so yara's escaped rendering of them never needs
// decoding.
func (e *Engine) Scan(ctx context.Context, sets []RuleSet, path string) ([]Match, error) {
	if len(sets) == 0 {
		return nil, nil
	}
	e = e.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("yara: scan %s: %w", path, err)
	}
	if strings.ContainsAny(abs, "\n\r") {
		// yara prints the path on each match line; a line break in it
		// could pass for a line of yara's own.
		return nil, fmt.Errorf("yara: scan %q: a line break in the path", path)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("yara: scan: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("yara: scan: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("yara: scan %s: not a regular file", path)
	}
	rules, err := e.compiled(ctx, sets)
	if err != nil {
		return nil, fmt.Errorf("yara: scan %s: %w", path, err)
	}
	var raw []rawMatch
	read := func(r io.Reader) error {
		var err error
		raw, err = parseOutput(r, e.MaxStrings)
		return err
	}
	// The absolute path cannot start with '-' and be taken for an option.
	r := e.spawn(ctx, limits{extraMemory: fi.Size()}, read, e.Bin,
		"-C", "-e", "-g", "-s", "-L", "-a", strconv.Itoa(e.seconds()), rules, abs)
	matches, err := e.matches(raw, sets, f)
	if err != nil {
		return nil, fmt.Errorf("yara: scan %s: %w", path, err)
	}
	switch {
	case r.truncated:
		return matches, fmt.Errorf("yara: scan %s: %w (%d MiB)", path, ErrOutput, e.MaxOutput>>20)
	case r.err != nil:
		return nil, e.failure(ctx, "scan "+path, r)
	}
	return matches, nil
}

// seconds is the timeout as yara's whole seconds, at least one.
func (e *Engine) seconds() int {
	return max(1, int((e.Timeout+999_999_999)/1_000_000_000))
}

func (e *Engine) matches(raw []rawMatch, sets []RuleSet, f io.ReaderAt) ([]Match, error) {
	var out []Match
	for _, m := range raw {
		if m.set < 0 || m.set >= len(sets) {
			continue
		}
		s := &sets[m.set]
		rule, _ := s.Rule(m.rule)
		match := Match{
			Set: s.Name, Rule: m.rule, Tags: m.tags, Author: s.Author, Licence: s.Licence,
			RuleAuthor: rule.Author, Description: rule.Description, MoreStrings: m.more,
		}
		for _, sm := range m.strings {
			buf := make([]byte, min(sm.length, e.MaxBytes))
			n, err := f.ReadAt(buf, sm.offset)
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			match.Strings = append(match.Strings, StringMatch{
				ID: sm.id, Offset: sm.offset, Length: sm.length, Hex: hex.EncodeToString(buf[:n]),
			})
		}
		out = append(out, match)
	}
	return out, nil
}

// rawMatch is a rule's match as yara -e -g -s -L prints it.
type rawMatch struct {
	set     int
	rule    string
	tags    []string
	strings []rawString
	more    int
}

type rawString struct {
	id     string
	offset int64
	length int
}

// maxLine bounds one line of yara's output; a longer one is skipped.
const maxLine = 64 << 10

// parseOutput reads yara's -e -g -s -L output:
//
//	set0:rule_name [tag1,tag2] /path/to/file
//	0x1c:5:$a: matched data, escaped
//
// It keeps at most maxStrings string matches per rule and counts the rest.
// Lines it does not recognise are skipped.
func parseOutput(r io.Reader, maxStrings int) ([]rawMatch, error) {
	br := bufio.NewReaderSize(r, maxLine)
	var out []rawMatch
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			line = nil
		}
		if len(line) > 0 {
			parseLine(bytes.TrimRight(line, "\r\n"), &out, maxStrings)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func parseLine(line []byte, out *[]rawMatch, maxStrings int) {
	s := string(line)
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		if len(*out) == 0 {
			return
		}
		m := &(*out)[len(*out)-1]
		if sm, ok := parseString(rest); ok {
			if len(m.strings) < maxStrings {
				m.strings = append(m.strings, sm)
			} else {
				m.more++
			}
		}
		return
	}
	if m, ok := parseRuleLine(s); ok {
		*out = append(*out, m)
	}
}

// parseString reads "1c:5:$a: data" (after the "0x").
func parseString(s string) (rawString, bool) {
	offset, s, ok1 := strings.Cut(s, ":")
	length, s, ok2 := strings.Cut(s, ":")
	id, _, ok3 := strings.Cut(s, ":")
	if !ok1 || !ok2 || !ok3 || !strings.HasPrefix(id, "$") || len(id) > 129 {
		return rawString{}, false
	}
	off, err1 := strconv.ParseInt(offset, 16, 64)
	n, err2 := strconv.Atoi(length)
	if err1 != nil || err2 != nil || off < 0 || n < 0 {
		return rawString{}, false
	}
	return rawString{id: id, offset: off, length: n}, true
}

// parseRuleLine reads "set3:rule [a,b] path".
func parseRuleLine(s string) (rawMatch, bool) {
	rest, ok := strings.CutPrefix(s, "set")
	if !ok {
		return rawMatch{}, false
	}
	num, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return rawMatch{}, false
	}
	set, err := strconv.Atoi(num)
	if err != nil || set < 0 || strconv.Itoa(set) != num {
		return rawMatch{}, false
	}
	name, rest, ok := strings.Cut(rest, " [")
	if !ok || !validName(name) {
		return rawMatch{}, false
	}
	tags, _, ok := strings.Cut(rest, "] ")
	if !ok {
		return rawMatch{}, false
	}
	m := rawMatch{set: set, rule: name}
	if tags != "" {
		for _, t := range strings.Split(tags, ",") {
			if !validName(t) {
				return rawMatch{}, false
			}
			m.tags = append(m.tags, t)
		}
	}
	return m, true
}
