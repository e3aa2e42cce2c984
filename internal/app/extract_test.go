package app

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/observe"
)

// TestAppendJSONLine holds the hand-written JSON lines of koban extract to
// encoding/json, on strings of every awkward kind of character: the same
// bytes for valid UTF-8, and the same value read back for invalid UTF-8,
// which koban writes as a raw U+FFFD and Go 1.27's encoding/json as the
// escape \ufffd (Go 1.26 wrote it raw too).
func TestAppendJSONLine(t *testing.T) {
	pieces := []string{"a", "Z", "0", "\"", "\\", "/", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"é", "例", "\u2028", "\u2029", "\U0001F600", "\xff", "\xe4\xbe", "\xc0\x80", "\ufffd", " "}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var s strings.Builder
		for n := r.IntN(8); n > 0; n-- {
			s.WriteString(pieces[r.IntN(len(pieces))])
		}
		o := observe.Observable{Type: observe.URL, Value: s.String()}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(o); err != nil {
			t.Fatal(err)
		}
		got := appendJSONLine(nil, o)
		if utf8.ValidString(o.Value) {
			if string(got) != want.String() {
				t.Fatalf("%q: got %s, want %s", o.Value, got, want.String())
			}
			continue
		}
		var g, w observe.Observable
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", o.Value, got, err)
		}
		json.Unmarshal(want.Bytes(), &w)
		if g != w || bytes.Count(got, []byte("\n")) != bytes.Count(want.Bytes(), []byte("\n")) || got[len(got)-1] != '\n' {
			t.Fatalf("%q: got %s, want %s", o.Value, got, want.String())
		}
	}
}
