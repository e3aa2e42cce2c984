package stix

import (
	"bufio"
	"errors"
	"io"
)

// Encoder writes a bundle object by object: the bundle's head before the
// first, each object as it comes, the end on Close. Nothing but the
// object being written is held.
type Encoder struct {
	w      *bufio.Writer
	id     string
	n      int
	closed bool
	buf    []byte
}

// NewEncoder writes a bundle with identifier id (a fresh one when "") to w.
func NewEncoder(w io.Writer, id string) *Encoder {
	if id == "" {
		id = NewID("bundle")
	}
	return &Encoder{w: bufio.NewWriterSize(w, 64<<10), id: id}
}

// ID is the bundle's identifier.
func (e *Encoder) ID() string { return e.id }

// Count is the number of objects written so far.
func (e *Encoder) Count() int { return e.n }

// Encode writes one object.
func (e *Encoder) Encode(o *Object) error {
	if e.closed {
		return errors.New("stix: encode after Close")
	}
	e.buf = e.buf[:0]
	if e.n == 0 {
		e.buf = append(e.buf, `{"type":"bundle","id":`...)
		e.buf = appendString(e.buf, e.id)
		e.buf = append(e.buf, `,"objects":[`...)
	} else {
		e.buf = append(e.buf, ',')
	}
	e.buf = append(e.buf, '\n')
	e.buf = o.AppendJSON(e.buf)
	e.n++
	_, err := e.w.Write(e.buf)
	return err
}

// Close ends the bundle (an empty one has no objects property, as the
// spec wants no empty lists) and flushes it; it does not close the
// underlying writer.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.n == 0 {
		e.w.WriteString(`{"type":"bundle","id":`)
		e.w.Write(appendString(nil, e.id))
		e.w.WriteString("}\n")
	} else {
		e.w.WriteString("\n]}\n")
	}
	return e.w.Flush()
}
