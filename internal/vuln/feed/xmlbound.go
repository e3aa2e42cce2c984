package feed

import (
	"encoding/xml"
	"io"

	"github.com/koban-project/koban/internal/xmlbound"
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
	return xmlbound.NewDecoder(r, maxXMLBytes, maxXMLDepth)
}

// byteBound fails, rather than ending quietly, when its input is too long.
type byteBound = xmlbound.Reader
