package warnlist

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/koban-project/koban/internal/observe"
)

// builtinJSON is koban's own list, in koban's format: MISP's fields with
// koban's type names, so no attribute mapping is needed.
//
//go:embed builtin.json
var builtinJSON []byte

// kobanFile is the format of builtin.json.
type kobanFile struct {
	Lists []struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Version     int            `json:"version"`
		Kind        Kind           `json:"kind"`
		Types       []observe.Type `json:"types"`
		List        []string       `json:"list"`
	} `json:"lists"`
}

// parseKoban reads lists in koban's format; unlike ParseMISP it fails on
// any skipped entry, since koban's own list must be exact.
func parseKoban(data []byte) ([]List, error) {
	var f kobanFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var lists []List
	for _, k := range f.Lists {
		l, err := build(List{
			Name:        k.Name,
			Description: k.Description,
			Source:      SourceKoban,
			Version:     k.Version,
			Kind:        k.Kind,
			Types:       k.Types,
		}, k.List)
		if err != nil {
			return nil, err
		}
		if len(l.Skipped) > 0 {
			return nil, fmt.Errorf("%w: %q: entry %q: %s", ErrInvalid, l.Name, l.Skipped[0].Entry, l.Skipped[0].Reason)
		}
		lists = append(lists, l)
	}
	return lists, nil
}

// builtin parses the embedded list once.
var builtin = sync.OnceValue(func() []List {
	lists, err := parseKoban(builtinJSON)
	if err != nil {
		panic("warnlist: builtin.json: " + err.Error()) // caught by TestBuiltin
	}
	return lists
})

// Builtin returns koban's own lists: special-use addresses, public DNS
// resolvers, reserved example names and major platforms.
func Builtin() []List {
	lists := slices.Clone(builtin())
	for i := range lists {
		lists[i].Types = slices.Clone(lists[i].Types)
		lists[i].Entries = slices.Clone(lists[i].Entries)
	}
	return lists
}
