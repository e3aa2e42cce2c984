package inventory

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/koban-project/koban/internal/vuln/cpe"
)

// Bounds on an uploaded inventory: a police force's whole estate is a few
// thousand systems, and a large SBOM some tens of thousands of components.
const (
	MaxBytes  = 64 << 20
	MaxAssets = 100_000
)

// ErrTooLarge is wrapped when an input passes MaxBytes or MaxAssets.
var ErrTooLarge = errors.New("inventory: input too large")

// Exposure says whether an asset can be reached from the internet.
type Exposure string

// The two exposures; the empty Exposure is unknown.
const (
	Internet Exposure = "internet"
	Internal Exposure = "internal"
)

// Asset is one system or piece of software in the inventory.
type Asset struct {
	Ref      string   // where it came from: "line 12", a CycloneDX bom-ref, an SPDX SPDXID
	Name     string   // human name, e.g. "Apache HTTP Server" or the component name
	Version  string   // as written; matching reads the CPE's version
	CPE      string   // CPE 2.3 formatted string, normalised by cpe.Parse(…).FS(); "" when none
	PURL     string   // canonical package URL; "" when none
	Supplier string   // vendor or supplier organisation
	Owner    string   // organisation code owning the asset; "" is the importing organisation
	Exposure Exposure // Internet, Internal or "" (unknown)
	Notes    string   // free text kept with the asset
}

// Problem is one record left out of (or partly read into) the result.
type Problem struct {
	Ref    string // the record, as in Asset.Ref
	Field  string // the column or field at fault; "" for the whole record
	Reason string // a sentence saying what is wrong
}

// Error reads "line 12: cpe: reason".
func (p Problem) Error() string {
	if p.Field == "" {
		return p.Ref + ": " + p.Reason
	}
	return p.Ref + ": " + p.Field + ": " + p.Reason
}

// readBounded reads all of r, failing with ErrTooLarge past MaxBytes.
func readBounded(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxBytes)
	}
	return data, nil
}

func tooMany() error {
	return fmt.Errorf("%w: more than %d assets", ErrTooLarge, MaxAssets)
}

// collector gathers the assets and problems of one file.
type collector struct {
	assets   []Asset
	problems []Problem
	seen     int // records looked at, bounded by MaxAssets
}

func (c *collector) problem(ref, field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Ref: ref, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// count notes one more record and fails once there are too many.
func (c *collector) count() error {
	c.seen++
	if c.seen > MaxAssets {
		return tooMany()
	}
	return nil
}

// record is an asset as written, before its identifiers are checked.
type record struct {
	Asset
	exposure string // raw exposure text; "" when not given
}

// add checks a record and keeps it as an asset, or reports why not. The
// field names are those of the source (a CSV column, "cpe", "purl"). An
// unreadable exposure is reported but keeps the asset, its exposure unknown:
// losing the asset would hide its vulnerabilities altogether.
func (c *collector) add(rec record, cpeField, purlField, exposureField string) {
	a := rec.Asset
	a.Name = strings.TrimSpace(a.Name)
	a.Version = strings.TrimSpace(a.Version)
	a.Supplier = strings.TrimSpace(a.Supplier)
	a.Owner = strings.TrimSpace(a.Owner)
	a.Notes = strings.TrimSpace(a.Notes)
	rawCPE, rawPURL := strings.TrimSpace(a.CPE), strings.TrimSpace(a.PURL)
	if a.Name == "" {
		c.problem(a.Ref, "", "the name is missing")
		return
	}
	if rawCPE == "" && rawPURL == "" {
		c.problem(a.Ref, "", "neither a CPE nor a purl is given, so the asset cannot be matched")
		return
	}
	ok := true
	a.CPE, a.PURL = "", ""
	if rawCPE != "" {
		fs, err := normaliseCPE(rawCPE)
		if err != nil {
			c.problem(a.Ref, cpeField, "%v", err)
			ok = false
		}
		a.CPE = fs
	}
	if rawPURL != "" {
		p, err := canonicalPURL(rawPURL)
		if err != nil {
			c.problem(a.Ref, purlField, "%v", err)
			ok = false
		}
		a.PURL = p
	}
	if !ok {
		return
	}
	if rec.exposure != "" {
		e, err := parseExposure(rec.exposure)
		if err != nil {
			c.problem(a.Ref, exposureField, "%v", err)
		}
		a.Exposure = e
	}
	c.assets = append(c.assets, a)
}

// normaliseCPE reads a CPE in either binding and returns its formatted
// string. A CPE that names no vendor or product matches nothing useful and
// is refused.
func normaliseCPE(s string) (string, error) {
	n, err := cpe.Parse(s)
	if err != nil {
		return "", err
	}
	if n.Get(cpe.Part).Kind != cpe.Str {
		return "", fmt.Errorf("the CPE %q has no part (a, o or h)", s)
	}
	if n.Get(cpe.Vendor).Kind != cpe.Str || n.Get(cpe.Product).Kind != cpe.Str {
		return "", fmt.Errorf("the CPE %q names no vendor or no product", s)
	}
	return n.FS(), nil
}

// exposures maps the words an inventory uses to the two exposures.
var exposures = map[string]Exposure{
	"internet": Internet, "external": Internet, "public": Internet, "yes": Internet,
	"インターネット": Internet, "公開": Internet, "外部": Internet, "あり": Internet,
	"internal": Internal, "private": Internal, "no": Internal,
	"内部": Internal, "非公開": Internal, "なし": Internal,
}

func parseExposure(s string) (Exposure, error) {
	if e, ok := exposures[strings.ToLower(strings.TrimSpace(s))]; ok {
		return e, nil
	}
	return "", fmt.Errorf("exposure %q is neither internet nor internal", s)
}
