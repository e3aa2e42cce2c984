// Package xmlbound reads XML that koban did not write (vulnerability
// feeds, inventory files) with bounds that fail rather than cut: a size
// beyond which the input is refused, and a nesting depth (encoding/xml
// recurses once per level when it decodes into structs).
package xmlbound

import (
	"encoding/xml"
	"fmt"
	"io"
)

// NewDecoder returns a strict decoder over r that fails once the input
// passes maxBytes (0: no size bound) or elements nest deeper than
// maxDepth.
func NewDecoder(r io.Reader, maxBytes int64, maxDepth int) *xml.Decoder {
	if maxBytes > 0 {
		r = &Reader{R: r, Left: maxBytes, Limit: maxBytes}
	}
	inner := xml.NewDecoder(r)
	inner.Strict = true
	return xml.NewTokenDecoder(&depthBound{d: inner, max: maxDepth})
}

// Reader fails, rather than ending quietly, when its input is longer than
// Limit; Left is what remains.
type Reader struct {
	R     io.Reader
	Left  int64
	Limit int64 // for the message
}

// Read reads from R while the input is within its bound.
func (b *Reader) Read(p []byte) (int, error) {
	if b.Left <= 0 {
		return 0, fmt.Errorf("input is larger than %d bytes", b.Limit)
	}
	if int64(len(p)) > b.Left {
		p = p[:b.Left]
	}
	n, err := b.R.Read(p)
	b.Left -= int64(n)
	return n, err
}

type depthBound struct {
	d     *xml.Decoder
	depth int
	max   int
}

func (b *depthBound) Token() (xml.Token, error) {
	tok, err := b.d.Token()
	if err != nil {
		return tok, err
	}
	switch tok.(type) {
	case xml.StartElement:
		b.depth++
		if b.depth > b.max {
			line, _ := b.d.InputPos()
			return nil, fmt.Errorf("line %d: elements nest deeper than %d", line, b.max)
		}
	case xml.EndElement:
		b.depth--
	}
	return tok, nil
}
