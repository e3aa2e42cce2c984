package inventory

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// Format is the form an inventory file was read in.
type Format string

// The forms Read tells apart.
const (
	FormatCSV           Format = "csv"
	FormatCycloneDXJSON Format = "cyclonedx-json"
	FormatCycloneDXXML  Format = "cyclonedx-xml"
	FormatSPDXJSON      Format = "spdx-json"
	FormatSPDXTag       Format = "spdx-tag-value"
)

// Read reads an inventory in any of the forms, picked by content, not by
// name: JSON with a bomFormat key is CycloneDX and with an spdxVersion key
// SPDX; XML whose root is <bom> is CycloneDX; text with an "SPDXVersion:"
// line is SPDX tag-value; anything else is CSV. The name (the uploaded
// file's) only prefixes error messages.
func Read(name string, r io.Reader) ([]Asset, []Problem, Format, error) {
	data, err := readBounded(r)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", name, err)
	}
	format, err := sniff(data)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", name, err)
	}
	var (
		assets   []Asset
		problems []Problem
	)
	switch format {
	case FormatCycloneDXJSON:
		assets, problems, err = parseCycloneDXJSON(data)
	case FormatCycloneDXXML:
		assets, problems, err = parseCycloneDXXML(data)
	case FormatSPDXJSON:
		assets, problems, err = parseSPDXJSON(data)
	case FormatSPDXTag:
		assets, problems, err = parseSPDXTag(data)
	default:
		assets, problems, err = parseCSV(data)
	}
	if err != nil {
		return nil, nil, format, fmt.Errorf("%s: %w", name, err)
	}
	return assets, problems, format, nil
}

var spdxTagLine = regexp.MustCompile(`(?m)^[ \t]*SPDXVersion:`)

// sniff tells the format from the content.
func sniff(data []byte) (Format, error) {
	switch firstByte(data) {
	case '{':
		var keys struct {
			BOMFormat   *json.RawMessage `json:"bomFormat"`
			SPDXVersion *json.RawMessage `json:"spdxVersion"`
		}
		if err := json.Unmarshal(trimBOM(data), &keys); err != nil {
			return "", fmt.Errorf("JSON: %w", err)
		}
		switch {
		case keys.BOMFormat != nil:
			return FormatCycloneDXJSON, nil
		case keys.SPDXVersion != nil:
			return FormatSPDXJSON, nil
		}
		return "", errors.New("JSON with neither bomFormat (CycloneDX) nor spdxVersion (SPDX)")
	case '<':
		d := newBoundedXML(trimBOM(data))
		for {
			tok, err := d.Token()
			if err != nil {
				return "", fmt.Errorf("XML: %w", err)
			}
			if start, ok := tok.(xml.StartElement); ok {
				if start.Name.Local == "bom" {
					return FormatCycloneDXXML, nil
				}
				return "", fmt.Errorf("XML whose root is <%s>, not a CycloneDX <bom>", start.Name.Local)
			}
		}
	}
	if spdxTagLine.Match(data) && !bytes.Contains(firstLine(data), []byte(",")) {
		return FormatSPDXTag, nil
	}
	return FormatCSV, nil
}

func firstLine(data []byte) []byte {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i]
	}
	return data
}
