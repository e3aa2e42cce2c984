package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/koban"
)

// decodeReport reads one JSON object into a ReportIn, strictly. encoding/json
// alone drops fields it does not know (a typo loses data with a 201) and
// turns invalid UTF-8 and lone surrogates into U+FFFD (the stored text is
// not what was sent), so the body is first walked token by token against the
// raw bytes:
//
//   - a body that is not one JSON value, a field given twice or of the
//     wrong type, or a field the API does not know is a Malformed error
//     (400), the unknown fields each named by their dotted path
//     (contact.mail);
//   - a string that is not valid text is returned in bad, by field, for the
//     caller to report with the other invalid values (422).
func decodeReport(raw []byte) (in ReportIn, bad koban.Problems, err error) {
	return decodeStrict[ReportIn](raw, reportSchema)
}

// decodeStrict is decodeReport for any request body type T, whose json
// tags make sch (schemaOf): every JSON body of the API is read this way.
func decodeStrict[T any](raw []byte, sch schema) (in T, bad koban.Problems, err error) {
	w := walker{dec: json.NewDecoder(bytes.NewReader(raw)), raw: raw}
	if err := w.value("", sch, true); err != nil {
		return in, nil, malformed(err.Error())
	}
	if _, err := w.dec.Token(); !errors.Is(err, io.EOF) {
		return in, nil, malformed("trailing data after the JSON value")
	}
	if len(w.unknown) > 0 {
		var p koban.Problems
		for _, f := range w.unknown {
			p = append(p, &koban.Error{Code: koban.Malformed, Key: "api.error.unknown_field", Field: f})
		}
		return in, nil, p.Err()
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return in, nil, &koban.Error{Code: koban.Malformed, Key: "error.malformed", Field: te.Field, Err: err}
		}
		return in, nil, malformed(err.Error())
	}
	for _, f := range w.bad {
		bad.Add(f, "intake.error.text_invalid")
	}
	return in, bad, nil
}

// schema is the tree of field names a JSON object may hold; a nil schema is
// a leaf (whose value encoding/json checks for its type).
type schema map[string]schema

var reportSchema = schemaOf(reflect.TypeFor[ReportIn]())

// schemaOf reads the field names from the json tags, so that the contract
// is written once, on the struct.
func schemaOf(t reflect.Type) schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	s := schema{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s[name] = schemaOf(f.Type)
	}
	return s
}

type walker struct {
	dec          *json.Decoder
	raw          []byte
	depth        int
	unknown, bad []string // dotted paths
}

// maxDepth bounds how deep objects and arrays may nest. A report nests two
// deep; the walk recurses once per level, and a megabyte of [ would
// otherwise cost a goroutine stack of a hundred megabytes.
const maxDepth = 16

// value reads one value at path; with check, an object's keys must be in sch.
func (w *walker) value(path string, sch schema, check bool) error {
	if w.depth++; w.depth > maxDepth {
		return errors.New("nested too deep")
	}
	defer func() { w.depth-- }()
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '[' {
			for w.dec.More() {
				if err := w.value(path, nil, false); err != nil {
					return err
				}
			}
		} else {
			seen := map[string]bool{}
			for w.dec.More() {
				kstart := w.dec.InputOffset()
				k, err := w.dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				if !validText(w.raw[kstart:w.dec.InputOffset()]) {
					return errors.New("a field name is not valid text")
				}
				p := key
				if path != "" {
					p = path + "." + key
				}
				// encoding/json would keep the last of two values silently.
				if seen[key] {
					return fmt.Errorf("field %s given twice", p)
				}
				seen[key] = true
				sub, known := sch[key]
				if check && !known {
					w.unknown = append(w.unknown, p)
				}
				if err := w.value(p, sub, check && known && sub != nil); err != nil {
					return err
				}
			}
		}
		_, err := w.dec.Token() // the closing ] or }
		return err
	case string:
		if !validText(w.raw[start:w.dec.InputOffset()]) {
			w.bad = append(w.bad, path)
		}
	}
	return nil
}

// validText reports whether the JSON string literal at the end of seg (which
// may start with the separators before it) is valid UTF-8 whose \u escapes
// name no lone surrogate.
func validText(seg []byte) bool {
	i := bytes.IndexByte(seg, '"')
	if i < 0 {
		return false
	}
	lit := seg[i:]
	if !utf8.Valid(lit) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++
		if i >= len(lit) || lit[i] != 'u' {
			continue
		}
		r, ok := hex4(lit[i+1:])
		if !ok {
			return false // encoding/json has refused it already
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low half with no high half before it
		case r >= 0xD800 && r <= 0xDBFF:
			if i+2 >= len(lit) || lit[i+1] != '\\' || lit[i+2] != 'u' {
				return false
			}
			lo, ok := hex4(lit[i+3:])
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(n), err == nil
}
