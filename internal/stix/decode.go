package stix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DefaultMaxObjectBytes is the largest single object a Decoder reads
// unless told otherwise (an artifact's payload_bin can be large).
const DefaultMaxObjectBytes = 64 << 20

// ObjectError is an object that could not be read: its place in the
// stream, the byte offset where it starts, and why. The Decoder has
// moved past it; the next call to Next reads the object after it.
type ObjectError struct {
	Index  int
	Offset int64
	Err    error
}

func (e *ObjectError) Error() string {
	return fmt.Sprintf("object %d (at byte %d): %v", e.Index+1, e.Offset, e.Err)
}

func (e *ObjectError) Unwrap() error { return e.Err }

// Decoder reads STIX objects one at a time from a bundle
// ({"type":"bundle","id":…,"objects":[…]}, the objects anywhere among the
// bundle's properties), a JSON array of objects, or a single object. It
// holds one object in memory at a time (and a buffer as large as the
// largest), so a bundle of any size can be read.
type Decoder struct {
	// MaxObjectBytes bounds one object's size; a larger one ends the
	// stream with an error. DefaultMaxObjectBytes when 0.
	MaxObjectBytes int

	r       io.Reader
	buf     []byte
	pos     int   // next unread byte of buf
	base    int64 // stream offset of buf[0]
	eof     bool
	state   int
	index   int
	first   bool // no element read yet in the current array
	top     []prop
	topTyp  string
	topSeen map[string]bool
	err     error
}

const (
	stStart       = iota
	stArray       // a bare array of objects
	stTop         // the members of a top-level object
	stBundleArray // the objects array inside a bundle
	stTrailing    // after the top-level value
	stDone
)

// NewDecoder reads from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: r, buf: make([]byte, 0, 64<<10)}
}

// BundleID is the id of the bundle read, once Next has returned io.EOF
// (or as soon as the id was read, when it came before the objects).
func (d *Decoder) BundleID() string {
	for _, p := range d.top {
		if p.name == "id" {
			s, _ := unquote(p.raw)
			return s
		}
	}
	return ""
}

// Next returns the next object, io.EOF after the last, an *ObjectError for
// an object that could not be read (call Next again to go on), or another
// error when the stream itself is broken (every later call returns it).
func (d *Decoder) Next() (*Object, error) {
	if d.err != nil {
		return nil, d.err
	}
	o, err := d.next()
	var oe *ObjectError
	if err != nil && !errors.As(err, &oe) {
		d.err = err
	}
	return o, err
}

func (d *Decoder) fatal(msg string) error {
	return &SyntaxError{Offset: d.base + int64(d.pos), Msg: msg}
}

func (d *Decoder) next() (*Object, error) {
	for {
		switch d.state {
		case stStart:
			c, err := d.peek()
			if err == io.EOF {
				return nil, d.fatal("empty input: want a bundle, an array of objects or an object")
			}
			if err != nil {
				return nil, err
			}
			if c == 0xEF && d.hasPrefix("\xEF\xBB\xBF") { // a byte order mark
				d.pos += 3
				continue
			}
			switch c {
			case '[':
				d.pos++
				d.state, d.first = stArray, true
			case '{':
				d.pos++
				d.state, d.first = stTop, true
			default:
				return nil, d.fatal("want a bundle, an array of objects or an object")
			}
		case stArray, stBundleArray:
			c, err := d.peek()
			if err != nil {
				return nil, d.unexpected(err)
			}
			if c == ']' {
				d.pos++
				if d.state == stArray {
					d.state = stTrailing
				} else {
					d.state, d.first = stTop, false
				}
				continue
			}
			if !d.first {
				if c != ',' {
					return nil, d.fatal("want ',' or ']' after an object")
				}
				d.pos++
				if c, err = d.peek(); err != nil {
					return nil, d.unexpected(err)
				}
			}
			d.first = false
			start := d.base + int64(d.pos)
			raw, err := d.frame()
			if err != nil {
				return nil, err
			}
			i := d.index
			d.index++
			o := &Object{}
			if err := o.parseOwned(bytes.Clone(raw)); err != nil {
				var se *SyntaxError
				if errors.As(err, &se) {
					err = &SyntaxError{Offset: start + se.Offset, Msg: se.Msg}
				}
				return nil, &ObjectError{Index: i, Offset: start, Err: err}
			}
			return o, nil
		case stTop:
			c, err := d.peek()
			if err != nil {
				return nil, d.unexpected(err)
			}
			if c == '}' {
				d.pos++
				d.state = stTrailing
				if d.index == 0 && !d.sawObjects() {
					// A single object, not a bundle.
					d.index++
					o := &Object{props: d.top}
					o.typ, _ = o.String("type")
					o.id, _ = o.String("id")
					if o.typ == "bundle" {
						return nil, io.EOF // an empty bundle
					}
					d.top = nil
					return o, nil
				}
				continue
			}
			if !d.first {
				if c != ',' {
					return nil, d.fatal("want ',' or '}'")
				}
				d.pos++
				if _, err := d.peek(); err != nil {
					return nil, d.unexpected(err)
				}
			}
			d.first = false
			rawName, err := d.frame()
			if err != nil {
				return nil, err
			}
			name, ok := unquote(rawName)
			name = strings.Clone(name)
			if !ok || rawName[0] != '"' {
				return nil, d.fatal("want a property name")
			}
			if err := checkValue(rawName); err != nil {
				return nil, d.fatal("bad property name")
			}
			if d.topSeen[name] {
				return nil, d.fatal(fmt.Sprintf("property %q given twice", name))
			}
			if d.topSeen == nil {
				d.topSeen = map[string]bool{}
			}
			d.topSeen[name] = true
			if c, err = d.peek(); err != nil || c != ':' {
				return nil, d.fatal("want ':' after a property name")
			}
			d.pos++
			if c, err = d.peek(); err != nil {
				return nil, d.unexpected(err)
			}
			if name == "objects" && c == '[' && (d.topTyp == "" || d.topTyp == "bundle") {
				d.pos++
				d.top = append(d.top, prop{name: "objects"})
				d.state, d.first = stBundleArray, true
				continue
			}
			at := d.base + int64(d.pos)
			raw, err := d.frame()
			if err != nil {
				return nil, err
			}
			if err := checkValue(raw); err != nil {
				var se *SyntaxError
				errors.As(err, &se)
				return nil, &SyntaxError{Offset: at + se.Offset, Msg: se.Msg}
			}
			d.top = append(d.top, prop{name: name, raw: bytes.Clone(raw)})
			if name == "type" {
				d.topTyp, _ = unquote(raw)
				d.topTyp = strings.Clone(d.topTyp)
			}
		case stTrailing:
			if _, err := d.peek(); err == io.EOF {
				d.state = stDone
				if d.sawObjects() && d.topTyp != "bundle" {
					return nil, fmt.Errorf("stix: the top-level object has an objects list but is of type %q, not bundle", d.topTyp)
				}
				continue
			} else if err != nil {
				return nil, err
			}
			return nil, d.fatal("data after the end of the JSON value")
		case stDone:
			return nil, io.EOF
		}
	}
}

func (d *Decoder) sawObjects() bool {
	for _, p := range d.top {
		if p.name == "objects" && p.raw == nil {
			return true
		}
	}
	return false
}

func (d *Decoder) unexpected(err error) error {
	if err == io.EOF {
		return d.fatal("unexpected end of input")
	}
	return err
}

func (d *Decoder) hasPrefix(s string) bool {
	for len(d.buf)-d.pos < len(s) && !d.eof {
		if err := d.fill(); err != nil {
			return false
		}
	}
	return bytes.HasPrefix(d.buf[d.pos:], []byte(s))
}

// peek skips white space and returns the next byte without consuming it.
func (d *Decoder) peek() (byte, error) {
	for {
		for d.pos < len(d.buf) {
			switch c := d.buf[d.pos]; c {
			case ' ', '\t', '\n', '\r':
				d.pos++
			default:
				return c, nil
			}
		}
		if d.eof {
			return 0, io.EOF
		}
		if err := d.fill(); err != nil {
			return 0, err
		}
	}
}

// fill reads more input, moving unread bytes to the front of the buffer
// first when more than half of it has been read.
func (d *Decoder) fill() error {
	if d.pos > 0 && d.pos >= len(d.buf)/2 {
		n := copy(d.buf, d.buf[d.pos:])
		d.base += int64(d.pos)
		d.buf = d.buf[:n]
		d.pos = 0
	}
	if len(d.buf) == cap(d.buf) {
		nb := make([]byte, len(d.buf), 2*cap(d.buf))
		copy(nb, d.buf)
		d.buf = nb
	}
	n, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
	d.buf = d.buf[:len(d.buf)+n]
	if err == io.EOF {
		d.eof = true
		return nil
	}
	return err
}

// frame finds the extent of the JSON value at d.pos (a string, object,
// array or literal), reading more input as needed, and consumes it. The
// bytes are only framed (brackets counted, strings skipped), not checked:
// the caller parses them, so a damaged object is found and skipped while
// the stream goes on.
func (d *Decoder) frame() ([]byte, error) {
	limit := d.MaxObjectBytes
	if limit <= 0 {
		limit = DefaultMaxObjectBytes
	}
	// Compact so that indexes below stay valid while fill only appends.
	if d.pos > 0 {
		n := copy(d.buf, d.buf[d.pos:])
		d.base += int64(d.pos)
		d.buf = d.buf[:n]
		d.pos = 0
	}
	i := 0
	depth := 0
	inStr, esc := false, false
	scalar := false
	for {
		for ; i < len(d.buf); i++ {
			c := d.buf[i]
			if inStr {
				if !esc {
					// Jump to the next quote or backslash.
					j := bytes.IndexAny(d.buf[i:], "\"\\")
					if j < 0 {
						i = len(d.buf) - 1
						continue
					}
					i += j
					c = d.buf[i]
				}
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if depth == 0 {
						i++
						return d.take(i), nil
					}
				}
				continue
			}
			if scalar {
				switch c {
				case ',', ']', '}', ' ', '\t', '\n', '\r', ':':
					return d.take(i), nil
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth <= 0 {
					i++
					return d.take(i), nil
				}
			default:
				if depth == 0 {
					scalar = true
				}
			}
		}
		if i > limit {
			return nil, fmt.Errorf("stix: an object at byte %d is larger than %d bytes", d.base, limit)
		}
		if d.eof {
			if scalar {
				return d.take(i), nil
			}
			return nil, &SyntaxError{Offset: d.base, Msg: "the value starting here does not end before the input does"}
		}
		if err := d.fill(); err != nil {
			return nil, err
		}
	}
}

// take consumes n bytes from the front of the buffer and returns them.
func (d *Decoder) take(n int) []byte {
	b := d.buf[:n]
	d.pos = n
	return b
}
