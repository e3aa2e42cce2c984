package misp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Reader reads MISP events one at a time from any of the shapes exports
// come in:
//
//   - {"Event": {...}} — one event, as MISP's event view and PyMISP write it;
//   - {...} — one bare event;
//   - {"response": [...]} — the answer of MISP's restSearch, each element
//     {"Event": {...}} or a bare event;
//   - [...] — a JSON array of either.
//
// The two list shapes are streamed: only one event is in memory at a time,
// so a response of a million events can be read. A lone event is read
// whole. Unknown fields are ignored.
type Reader struct {
	br    *bufio.Reader
	dec   *json.Decoder
	list  bool // inside a list: each Next reads one element
	done  bool
	n     int // events returned
	start bool
	in    *counter
	// skipped counts the bytes before the decoder's first (a byte-order
	// mark), so that offsets count from the start of the input.
	skipped int64
}

// counter counts the bytes read from the input, to say where it ended too soon.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewReader returns a Reader of the events in r.
func NewReader(r io.Reader) *Reader {
	cr := &counter{r: r}
	return &Reader{br: bufio.NewReaderSize(cr, 64<<10), in: cr}
}

// Next returns the next event, or io.EOF when there is none left. Any
// other error is a *Problem (CodeJSONSyntax, CodeJSONShape, CodeNotEvent,
// CodeEmpty) saying where, or the error of the underlying reader; the
// Reader cannot go on after it.
func (r *Reader) Next() (*Event, error) {
	if r.done {
		return nil, io.EOF
	}
	if !r.start {
		r.start = true
		if err := r.open(); err != nil {
			r.done = true
			return nil, err
		}
	}
	if r.list {
		if !r.dec.More() {
			r.done = true
			if _, err := r.dec.Token(); err != nil { // the closing ']'
				return nil, r.problem(err, "")
			}
			return nil, io.EOF
		}
		return r.element(fmt.Sprintf("[%d]", r.n))
	}
	r.done = true
	return r.element("")
}

// open looks at how the input starts and positions the decoder at the first event.
func (r *Reader) open() error {
	first, key, err := r.peek()
	if err != nil {
		return err
	}
	r.dec = json.NewDecoder(r.br)
	switch {
	case first == '[':
		r.dec.Token()
		r.list = true
	case first == '{' && key == "response":
		r.dec.Token() // {
		r.dec.Token() // "response"
		tok, err := r.dec.Token()
		if err != nil {
			return r.problem(err, "response")
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return &Problem{Code: CodeNotEvent, Path: "response", Value: "response does not hold a list"}
		}
		r.list = true
	case first == '{':
	default:
		return &Problem{Code: CodeNotEvent, Path: "byte 0"}
	}
	return nil
}

// peek returns the first non-space byte of the input and, when it opens an
// object, the object's first key, without consuming anything but a
// byte-order mark.
func (r *Reader) peek() (byte, string, error) {
	if b, _ := r.br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		r.br.Discard(3)
		r.skipped = 3
	}
	for size := 64; ; size *= 2 {
		buf, err := r.br.Peek(size)
		more := err == nil // a longer peek may see further
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return 0, "", err
		}
		rest := bytes.TrimLeft(buf, " \t\r\n")
		if len(rest) == 0 {
			if more {
				continue
			}
			if err == io.EOF {
				return 0, "", &Problem{Code: CodeEmpty}
			}
			return 0, "", &Problem{Code: CodeNotEvent, Path: "byte 0"}
		}
		if rest[0] != '{' {
			return rest[0], "", nil
		}
		after := bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(after) > 0 && after[0] != '"' {
			return '{', "", nil
		}
		if len(after) > 0 {
			if end := bytes.IndexByte(after[1:], '"'); end >= 0 {
				return '{', string(after[1 : 1+end]), nil
			}
		}
		if !more {
			return '{', "", nil
		}
	}
}

// element decodes one event (wrapped or bare) at the decoder's position.
func (r *Reader) element(path string) (*Event, error) {
	var env wireEnvelope
	if err := r.dec.Decode(&env); err != nil {
		r.done = true
		if err == io.EOF {
			if r.n == 0 && !r.list {
				return nil, &Problem{Code: CodeEmpty}
			}
			return nil, r.truncated()
		}
		return nil, r.problem(err, path)
	}
	r.n++
	w := &env.wireEvent
	if env.Event != nil {
		w = env.Event
	}
	if w.empty() {
		r.done = true
		return nil, &Problem{Code: CodeNotEvent, Path: path, Value: "no field of an event"}
	}
	return readEvent(w), nil
}

// problem turns a decoding error into a Problem that says where.
func (r *Reader) problem(err error, path string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read up to and including the bad one.
		return &Problem{Code: CodeJSONSyntax, Path: fmt.Sprintf("byte %d", r.skipped+max(syn.Offset-1, 0)), Value: syn.Error()}
	case errors.As(err, &typ):
		field := strings.ReplaceAll(typ.Field, "wireEvent.", "")
		where := strings.TrimPrefix(path+"."+field, ".")
		return &Problem{Code: CodeJSONShape, Path: where, Value: fmt.Sprintf("%s where %s belongs (byte %d)", typ.Value, goKind(typ.Type.Kind().String()), typ.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return r.truncated()
	}
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	// Errors of the jtext reader (an object where a value belongs) and of the
	// underlying io.Reader.
	if strings.Contains(err.Error(), "where a single value belongs") {
		return &Problem{Code: CodeJSONShape, Path: path, Value: err.Error()}
	}
	return err
}

// truncated is the problem of an input that ends inside a value: it ends
// at the last byte read, as the decoder reads to the end before it knows.
func (r *Reader) truncated() *Problem {
	return &Problem{Code: CodeJSONSyntax, Path: fmt.Sprintf("byte %d", r.in.n), Value: "unexpected end of input"}
}

// goKind names a Go kind as JSON would.
func goKind(k string) string {
	switch k {
	case "slice", "array":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "a value"
}

// Parse reads every event in data (any shape NewReader takes). A syntax
// error names its line and column.
func Parse(data []byte) ([]*Event, error) {
	r := NewReader(bytes.NewReader(data))
	var events []*Event
	for {
		e, err := r.Next()
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			var p *Problem
			if errors.As(err, &p) && p.Code == CodeJSONSyntax {
				var off int64
				if _, e := fmt.Sscanf(p.Path, "byte %d", &off); e == nil {
					p.Path = lineColumn(data, off)
				}
			}
			return events, err
		}
		events = append(events, e)
	}
}

// ParseEvent reads data that must hold exactly one event.
func ParseEvent(data []byte) (*Event, error) {
	es, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if len(es) != 1 {
		return nil, &Problem{Code: CodeNotEvent, Value: fmt.Sprintf("%d events", len(es)), Want: "1"}
	}
	return es[0], nil
}

// lineColumn names a byte offset as "line L, column C" (1-based, columns in bytes).
func lineColumn(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
