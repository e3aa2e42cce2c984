package inventory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// spdxPackage is the part of an SPDX package the inventory keeps.
type spdxPackage struct {
	SPDXID       string `json:"SPDXID"`
	Name         string `json:"name"`
	VersionInfo  string `json:"versionInfo"`
	Supplier     string `json:"supplier"`
	ExternalRefs []struct {
		ReferenceType    string `json:"referenceType"`
		ReferenceLocator string `json:"referenceLocator"`
	} `json:"externalRefs"`
	Annotations []spdxAnnotation `json:"annotations"`
}

type spdxAnnotation struct {
	Comment string `json:"comment"`
}

type spdxJSON struct {
	SPDXVersion *string       `json:"spdxVersion"`
	Packages    []spdxPackage `json:"packages"`
	// Annotations on the document may point at a package by SPDXID.
	Annotations []struct {
		spdxAnnotation
		SPDXElementID string `json:"spdxElementId"`
	} `json:"annotations"`
}

// ReadSPDX reads an SPDX 2.2 or 2.3 document, JSON or tag-value. Each
// package is an asset candidate, its SPDXID the Ref; its cpe23Type (or, failing
// that, cpe22Type) and purl external references give CPE and PURL, and a
// supplier "Organization: X" or "Person: Y" gives Supplier. SPDX 2 has no
// properties, so exposure and owner come from package annotations whose
// comment reads "koban:exposure=internet" or "koban:owner=B12".
func ReadSPDX(r io.Reader) ([]Asset, []Problem, error) {
	data, err := readBounded(r)
	if err != nil {
		return nil, nil, err
	}
	if firstByte(data) == '{' {
		return parseSPDXJSON(data)
	}
	return parseSPDXTag(data)
}

func parseSPDXJSON(data []byte) ([]Asset, []Problem, error) {
	var doc spdxJSON
	if err := json.Unmarshal(trimBOM(data), &doc); err != nil {
		return nil, nil, fmt.Errorf("SPDX JSON: %w", err)
	}
	if doc.SPDXVersion == nil {
		return nil, nil, errors.New("SPDX JSON: spdxVersion is missing")
	}
	if err := checkSPDXVersion(*doc.SPDXVersion); err != nil {
		return nil, nil, err
	}
	if len(doc.Packages) > MaxAssets {
		return nil, nil, tooMany()
	}
	byID := map[string]int{}
	for i, p := range doc.Packages {
		if p.SPDXID != "" {
			byID[p.SPDXID] = i
		}
	}
	for _, a := range doc.Annotations {
		if i, ok := byID[a.SPDXElementID]; ok {
			doc.Packages[i].Annotations = append(doc.Packages[i].Annotations, a.spdxAnnotation)
		}
	}
	var c collector
	for i, p := range doc.Packages {
		pk := spdxPackageRec{id: p.SPDXID, name: p.Name, version: p.VersionInfo, supplier: p.Supplier}
		for _, ref := range p.ExternalRefs {
			pk.ref(ref.ReferenceType, ref.ReferenceLocator)
		}
		for _, a := range p.Annotations {
			pk.comments = append(pk.comments, a.Comment)
		}
		if err := c.spdxPackage(pk, fmt.Sprintf("packages[%d]", i)); err != nil {
			return nil, nil, err
		}
	}
	return c.assets, c.problems, nil
}

func checkSPDXVersion(v string) error {
	switch strings.TrimSpace(v) {
	case "SPDX-2.2", "SPDX-2.3":
		return nil
	}
	return fmt.Errorf("SPDX version %q is neither SPDX-2.2 nor SPDX-2.3", v)
}

// spdxPackageRec is a package as either syntax gives it.
type spdxPackageRec struct {
	id, name, version, supplier string
	cpe23, cpe22, purl          string // the first of each kind
	comments                    []string
}

func (p *spdxPackageRec) ref(typ, locator string) {
	locator = strings.TrimSpace(locator)
	var slot *string
	switch typ {
	case "cpe23Type":
		slot = &p.cpe23
	case "cpe22Type":
		slot = &p.cpe22
	case "purl":
		slot = &p.purl
	default:
		return
	}
	if *slot == "" {
		*slot = locator
	}
}

// spdxPackage adds one package; path names a package without an SPDXID.
func (c *collector) spdxPackage(p spdxPackageRec, path string) error {
	if err := c.count(); err != nil {
		return err
	}
	ref := p.id
	if ref == "" {
		ref = path
	}
	rec := record{Asset: Asset{Ref: ref, Name: p.name, Version: p.version, PURL: p.purl, Supplier: spdxSupplier(p.supplier)}}
	cpeField := "cpe23Type"
	rec.CPE = p.cpe23
	if rec.CPE == "" && p.cpe22 != "" {
		// A cpe22Type is a URI ("cpe:/a:…"); cpe.Parse reads it and the
		// asset keeps the formatted string.
		rec.CPE, cpeField = p.cpe22, "cpe22Type"
	}
	rec.Version = spdxNoValue(rec.Version)
	for _, comment := range p.comments {
		key, value, ok := kobanAnnotation(comment)
		switch {
		case !ok:
		case key == "koban:exposure":
			rec.exposure = value
		case key == "koban:owner":
			rec.Owner = value
		}
	}
	c.add(rec, cpeField, "purl", "koban:exposure")
	return nil
}

// spdxSupplier reads "Organization: X" or "Person: Y (mail)" as X or Y.
func spdxSupplier(s string) string {
	s = spdxNoValue(s)
	for _, prefix := range []string{"Organization:", "Person:", "Tool:"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = rest
			break
		}
	}
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		s = s[:i]
	}
	return s
}

// spdxNoValue returns s trimmed, or "" for NOASSERTION and NONE.
func spdxNoValue(s string) string {
	s = strings.TrimSpace(s)
	if s == "NOASSERTION" || s == "NONE" {
		return ""
	}
	return s
}

// kobanAnnotation reads "koban:key=value" or "koban:key: value".
func kobanAnnotation(comment string) (key, value string, ok bool) {
	comment = strings.TrimSpace(comment)
	if !strings.HasPrefix(comment, "koban:") {
		return "", "", false
	}
	i := strings.IndexAny(comment[len("koban:"):], "=:")
	if i < 0 {
		return "", "", false
	}
	i += len("koban:")
	return strings.TrimSpace(comment[:i]), strings.TrimSpace(comment[i+1:]), true
}

// parseSPDXTag reads the tag-value syntax: "Tag: value" lines, a value
// spanning lines inside <text>…</text>. A package starts at PackageName and
// ends where a file, snippet, licence or the next package starts.
func parseSPDXTag(data []byte) ([]Asset, []Problem, error) {
	sc := bufio.NewScanner(bytes.NewReader(trimBOM(data)))
	sc.Buffer(make([]byte, 0, 64<<10), MaxBytes)
	var (
		c        collector
		version  string
		pkgs     []*spdxPackageRec
		cur      *spdxPackageRec
		annotRef string // the SPDXREF of the annotation being read
		byID     = map[string]*spdxPackageRec{}
		pending  = map[string][]string{} // annotations on packages not yet seen
	)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		tag, value, ok := strings.Cut(text, ":")
		if !ok {
			return nil, nil, fmt.Errorf("SPDX tag-value line %d: no \"Tag: value\"", line)
		}
		value = strings.TrimSpace(value)
		if rest, ok := strings.CutPrefix(value, "<text>"); ok {
			// Only each new line is searched for </text>, so a long
			// unclosed text costs one pass, not one per line.
			var b strings.Builder
			part, _, closed := strings.Cut(rest, "</text>")
			b.WriteString(part)
			for !closed {
				if !sc.Scan() {
					return nil, nil, fmt.Errorf("SPDX tag-value line %d: <text> is never closed", line)
				}
				line++
				var next string
				next, _, closed = strings.Cut(sc.Text(), "</text>")
				b.WriteByte('\n')
				b.WriteString(next)
			}
			value = strings.TrimSpace(b.String())
		}
		switch tag {
		case "SPDXVersion":
			version = value
		case "PackageName":
			if len(pkgs) >= MaxAssets {
				return nil, nil, tooMany()
			}
			cur = &spdxPackageRec{name: value}
			pkgs = append(pkgs, cur)
		case "FileName", "SnippetSPDXID", "LicenseID":
			cur = nil
		case "SPDXID":
			if cur != nil && cur.id == "" {
				cur.id = value
				byID[value] = cur
			}
		case "PackageVersion":
			if cur != nil {
				cur.version = value
			}
		case "PackageSupplier":
			if cur != nil {
				cur.supplier = value
			}
		case "ExternalRef":
			if cur != nil {
				// "ExternalRef: SECURITY cpe23Type cpe:2.3:…"
				if f := strings.Fields(value); len(f) >= 3 {
					cur.ref(f[1], f[2])
				}
			}
		case "Annotator":
			annotRef = ""
		case "SPDXREF":
			annotRef = value
		case "AnnotationComment":
			pending[annotRef] = append(pending[annotRef], value)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("SPDX tag-value line %d: %w", line+1, err)
	}
	if version == "" {
		return nil, nil, errors.New("SPDX tag-value: SPDXVersion is missing")
	}
	if err := checkSPDXVersion(version); err != nil {
		return nil, nil, err
	}
	for id, comments := range pending {
		if p, ok := byID[id]; ok {
			p.comments = append(p.comments, comments...)
		}
	}
	for i, p := range pkgs {
		if err := c.spdxPackage(*p, fmt.Sprintf("package %d", i+1)); err != nil {
			return nil, nil, err
		}
	}
	return c.assets, c.problems, nil
}
