package yara

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SetFile is one entry of a rule folder's sets.json: a file of rules with
// its provenance, which every match of its rules carries.
type SetFile struct {
	File    string `json:"file"`    // a .yar file beside sets.json
	Name    string `json:"name"`    // shown with every match; unique
	Licence string `json:"licence"` // SPDX id
	Author  string `json:"author"`
	Source  string `json:"source"` // a URL, or how it came
}

// maxRuleFile bounds one rule file.
const maxRuleFile = 8 << 20

// LoadFolder reads the rule sets an operator keeps in dir: sets.json names
// each file with its name, licence, author and source (every field but
// source required), and each file is parsed as ParseSet does. A set under
// a licence koban does not ship is loaded all the same and stays flagged
// (Shippable false). Files are read only from dir itself.
func LoadFolder(dir string) ([]RuleSet, error) {
	b, err := os.ReadFile(filepath.Join(dir, "sets.json"))
	if err != nil {
		return nil, fmt.Errorf("yara rules: %w", err)
	}
	var files []SetFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&files); err != nil {
		return nil, fmt.Errorf("yara rules: %s: %w", filepath.Join(dir, "sets.json"), err)
	}
	seen := map[string]bool{}
	var out []RuleSet
	for i, f := range files {
		switch {
		case f.File == "" || f.Name == "" || f.Licence == "" || f.Author == "":
			return nil, fmt.Errorf("yara rules: sets.json entry %d: file, name, licence and author are required", i+1)
		case f.File != filepath.Base(f.File) || strings.HasPrefix(f.File, "."):
			return nil, fmt.Errorf("yara rules: sets.json entry %d: %q is not a file name in the folder", i+1, f.File)
		case seen[f.Name] || f.Name == "koban":
			return nil, fmt.Errorf("yara rules: sets.json entry %d: the name %q is taken", i+1, f.Name)
		}
		seen[f.Name] = true
		fi, err := os.Stat(filepath.Join(dir, f.File))
		if err != nil {
			return nil, fmt.Errorf("yara rules: %w", err)
		}
		if fi.Size() > maxRuleFile {
			return nil, fmt.Errorf("yara rules: %s is larger than %d bytes", f.File, maxRuleFile)
		}
		text, err := os.ReadFile(filepath.Join(dir, f.File))
		if err != nil {
			return nil, fmt.Errorf("yara rules: %w", err)
		}
		set, err := ParseSet(f.Name, f.Licence, f.Author, f.Source, string(text))
		if err != nil {
			return nil, fmt.Errorf("yara rules: %s: %w", f.File, err)
		}
		out = append(out, set)
	}
	return out, nil
}
