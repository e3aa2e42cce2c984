package inventory

import (
	"bytes"
	"encoding/xml"

	"github.com/koban-project/koban/internal/xmlbound"
)

// maxXMLDepth bounds element nesting: a BOM nests components a few levels
// deep, and encoding/xml recurses once per level.
const maxXMLDepth = 128

// newBoundedXML returns a strict decoder over data that fails once elements
// nest deeper than maxXMLDepth. The size is bounded by readBounded already.
func newBoundedXML(data []byte) *xml.Decoder {
	return xmlbound.NewDecoder(bytes.NewReader(data), 0, maxXMLDepth)
}
