package inventory

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// maxXMLDepth bounds element nesting: a BOM nests components a few levels
// deep, and encoding/xml recurses once per level.
const maxXMLDepth = 128

// newBoundedXML returns a strict decoder over data that fails once elements
// nest deeper than maxXMLDepth. The size is bounded by readBounded already.
func newBoundedXML(data []byte) *xml.Decoder {
	inner := xml.NewDecoder(bytes.NewReader(data))
	inner.Strict = true
	return xml.NewTokenDecoder(&depthBound{d: inner})
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
