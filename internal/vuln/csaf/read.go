package csaf

import (
	"encoding/json"
	"fmt"
	"io"
)

// Read decodes one CSAF JSON document. It checks only that the JSON fits
// the types; Validate runs the specification's tests.
func Read(r io.Reader) (Document, error) {
	var d Document
	dec := json.NewDecoder(r)
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("csaf: read: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Document{}, fmt.Errorf("csaf: read: data after the document")
	}
	return d, nil
}
