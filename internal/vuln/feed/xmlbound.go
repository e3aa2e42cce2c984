package feed

import (
	"encoding/xml"
	"fmt"
	"io"
)

// Bounds on XML input: JVN's largest real feeds are tens of megabytes and
// a few levels deep.
const (
	maxXMLBytes = 256 << 20
	maxXMLDepth = 64
)

// newBoundedXML returns a decoder over r that fails once the input passes
// maxXMLBytes or nests deeper than maxXMLDepth.
func newBoundedXML(r io.Reader) *xml.Decoder {
	inner := xml.NewDecoder(&byteBound{r: r, left: maxXMLBytes, limit: maxXMLBytes})
	inner.Strict = true
	return xml.NewTokenDecoder(&depthBound{d: inner})
}

// byteBound fails, rather than ending quietly, when its input is too long.
type byteBound struct {
	r     io.Reader
	left  int64
	limit int64 // for the message
}

func (b *byteBound) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("input is larger than %d bytes", b.limit)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

type depthBound struct {
	d     *xml.Decoder
	depth int
}

func (b *depthBound) Token() (xml.Token, error) {
	tok, err := b.d.Token()
	if err != nil {
		return tok, err
	}
	switch tok.(type) {
	case xml.StartElement:
		b.depth++
		if b.depth > maxXMLDepth {
			line, _ := b.d.InputPos()
			return nil, fmt.Errorf("line %d: elements nest deeper than %d", line, maxXMLDepth)
		}
	case xml.EndElement:
		b.depth--
	}
	return tok, nil
}
