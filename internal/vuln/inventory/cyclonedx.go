package inventory

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// cdxComponent is the part of a CycloneDX component the inventory keeps,
// in both JSON and XML (same names, the XML ones as elements).
type cdxComponent struct {
	BOMRef     string         `json:"bom-ref" xml:"bom-ref,attr"`
	Name       string         `json:"name" xml:"name"`
	Version    string         `json:"version" xml:"version"`
	CPE        string         `json:"cpe" xml:"cpe"`
	PURL       string         `json:"purl" xml:"purl"`
	Supplier   *cdxOrg        `json:"supplier" xml:"supplier"`
	Publisher  string         `json:"publisher" xml:"publisher"`
	Properties []cdxProperty  `json:"properties" xml:"properties>property"`
	Components []cdxComponent `json:"components" xml:"components>component"`
}

type cdxOrg struct {
	Name string `json:"name" xml:"name"`
}

type cdxProperty struct {
	Name  string `json:"name" xml:"name,attr"`
	Value string `json:"value" xml:",chardata"`
}

type cdxMetadata struct {
	Component *cdxComponent `json:"component" xml:"component"`
}

type cdxJSON struct {
	BOMFormat   *string        `json:"bomFormat"`
	SpecVersion string         `json:"specVersion"`
	Metadata    *cdxMetadata   `json:"metadata"`
	Components  []cdxComponent `json:"components"`
}

type cdxXML struct {
	XMLName    xml.Name
	Metadata   *cdxMetadata   `xml:"metadata"`
	Components []cdxComponent `xml:"components>component"`
}

// ReadCycloneDX reads a CycloneDX 1.2–1.6 BOM in JSON or XML, told apart by
// the first byte that is not space. Every component is an asset candidate:
// metadata.component, the components and their nested components. The
// properties koban:exposure and koban:owner fill Exposure and Owner.
func ReadCycloneDX(r io.Reader) ([]Asset, []Problem, error) {
	data, err := readBounded(r)
	if err != nil {
		return nil, nil, err
	}
	switch firstByte(data) {
	case '{':
		return parseCycloneDXJSON(data)
	case '<':
		return parseCycloneDXXML(data)
	}
	return nil, nil, errors.New("CycloneDX: the input is neither JSON nor XML")
}

func parseCycloneDXJSON(data []byte) ([]Asset, []Problem, error) {
	var bom cdxJSON
	if err := json.Unmarshal(trimBOM(data), &bom); err != nil {
		return nil, nil, fmt.Errorf("CycloneDX JSON: %w", err)
	}
	if bom.BOMFormat == nil || *bom.BOMFormat != "CycloneDX" {
		got := "none"
		if bom.BOMFormat != nil {
			got = strconv.Quote(*bom.BOMFormat)
		}
		return nil, nil, fmt.Errorf("CycloneDX JSON: bomFormat is %s, want \"CycloneDX\"", got)
	}
	if err := checkCDXVersion(bom.SpecVersion); err != nil {
		return nil, nil, err
	}
	return walkCDX(bom.Metadata, bom.Components)
}

// cdxNamespace is the XML namespace of every CycloneDX version, up to its
// minor version.
const cdxNamespace = "http://cyclonedx.org/schema/bom/1."

func parseCycloneDXXML(data []byte) ([]Asset, []Problem, error) {
	var bom cdxXML
	if err := newBoundedXML(trimBOM(data)).Decode(&bom); err != nil {
		return nil, nil, fmt.Errorf("CycloneDX XML: %w", err)
	}
	if bom.XMLName.Local != "bom" {
		return nil, nil, fmt.Errorf("CycloneDX XML: the root element is <%s>, want <bom>", bom.XMLName.Local)
	}
	minor, ok := strings.CutPrefix(bom.XMLName.Space, cdxNamespace)
	if !ok {
		return nil, nil, fmt.Errorf("CycloneDX XML: namespace %q is not CycloneDX's", bom.XMLName.Space)
	}
	if err := checkCDXVersion("1." + minor); err != nil {
		return nil, nil, err
	}
	return walkCDX(bom.Metadata, bom.Components)
}

func checkCDXVersion(v string) error {
	switch v {
	case "1.2", "1.3", "1.4", "1.5", "1.6":
		return nil
	}
	return fmt.Errorf("CycloneDX specVersion %q is not one of 1.2 to 1.6", v)
}

// walkCDX collects metadata.component and every component, depth first.
func walkCDX(meta *cdxMetadata, comps []cdxComponent) ([]Asset, []Problem, error) {
	var c collector
	if meta != nil && meta.Component != nil {
		if err := c.cdxComponent(*meta.Component, "metadata.component"); err != nil {
			return nil, nil, err
		}
	}
	for i, comp := range comps {
		if err := c.cdxComponent(comp, fmt.Sprintf("components[%d]", i)); err != nil {
			return nil, nil, err
		}
	}
	return c.assets, c.problems, nil
}

// cdxComponent adds one component and its nested ones; path names a
// component that has no bom-ref.
func (c *collector) cdxComponent(comp cdxComponent, path string) error {
	if err := c.count(); err != nil {
		return err
	}
	ref := comp.BOMRef
	if ref == "" {
		ref = path
	}
	rec := record{Asset: Asset{Ref: ref, Name: comp.Name, Version: comp.Version, CPE: comp.CPE, PURL: comp.PURL}}
	if comp.Supplier != nil && strings.TrimSpace(comp.Supplier.Name) != "" {
		rec.Supplier = comp.Supplier.Name
	} else {
		rec.Supplier = comp.Publisher
	}
	for _, p := range comp.Properties {
		switch p.Name {
		case "koban:exposure":
			rec.exposure = p.Value
		case "koban:owner":
			rec.Owner = p.Value
		}
	}
	c.add(rec, "cpe", "purl", "koban:exposure")
	for i, sub := range comp.Components {
		if err := c.cdxComponent(sub, fmt.Sprintf("%s.components[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// firstByte is the first byte after a byte order mark and white space, or 0.
func firstByte(data []byte) byte {
	data = bytes.TrimLeft(trimBOM(data), " \t\r\n")
	if len(data) == 0 {
		return 0
	}
	return data[0]
}

func trimBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
}
