package feed

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// KEVEntry is one row of CISA's Known Exploited Vulnerabilities catalog.
// The JSON and CSV forms of the catalog give identical entries.
type KEVEntry struct {
	CVEID                      string
	VendorProject              string
	Product                    string
	VulnerabilityName          string
	DateAdded                  time.Time // a date, UTC
	ShortDescription           string
	RequiredAction             string
	DueDate                    time.Time // a date, UTC
	KnownRansomwareCampaignUse string    // "Known" or "Unknown"
	Notes                      string
	CWEs                       []string
}

// KEVCatalog is the JSON catalog's header; the CSV form has none.
type KEVCatalog struct {
	Title          string
	CatalogVersion string
	DateReleased   time.Time
	Count          int
}

type kevJSON struct {
	CVEID                      string   `json:"cveID"`
	VendorProject              string   `json:"vendorProject"`
	Product                    string   `json:"product"`
	VulnerabilityName          string   `json:"vulnerabilityName"`
	DateAdded                  string   `json:"dateAdded"`
	ShortDescription           string   `json:"shortDescription"`
	RequiredAction             string   `json:"requiredAction"`
	DueDate                    string   `json:"dueDate"`
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
	Notes                      string   `json:"notes"`
	CWEs                       []string `json:"cwes"`
}

// maxKEVBytes bounds the JSON catalog (about 1.5 MB in 2025).
const maxKEVBytes = 64 << 20

// ReadKEVJSON reads the JSON catalog, gzipped or not.
func ReadKEVJSON(r io.Reader) (KEVCatalog, []KEVEntry, error) {
	br, err := openJSON(r, '{')
	if err != nil {
		return KEVCatalog{}, nil, fmt.Errorf("kev: %w", err)
	}
	var doc struct {
		Title           string    `json:"title"`
		CatalogVersion  string    `json:"catalogVersion"`
		DateReleased    string    `json:"dateReleased"`
		Count           int       `json:"count"`
		Vulnerabilities []kevJSON `json:"vulnerabilities"`
	}
	lr := &io.LimitedReader{R: br, N: maxKEVBytes + 1}
	if err := json.NewDecoder(lr).Decode(&doc); err != nil {
		return KEVCatalog{}, nil, fmt.Errorf("kev: decode catalog: %w", err)
	}
	if lr.N <= 0 {
		return KEVCatalog{}, nil, fmt.Errorf("kev: catalog is larger than %d bytes", maxKEVBytes)
	}
	cat := KEVCatalog{Title: doc.Title, CatalogVersion: doc.CatalogVersion, Count: doc.Count}
	if cat.DateReleased, err = parseTime(doc.DateReleased); err != nil {
		return KEVCatalog{}, nil, fmt.Errorf("kev: dateReleased: %w", err)
	}
	entries := make([]KEVEntry, 0, len(doc.Vulnerabilities))
	for i, j := range doc.Vulnerabilities {
		e, err := j.entry()
		if err != nil {
			return KEVCatalog{}, nil, fmt.Errorf("kev: entry %d: %w", i, err)
		}
		entries = append(entries, e)
	}
	if cat.Count != 0 && cat.Count != len(entries) {
		return KEVCatalog{}, nil, fmt.Errorf("kev: catalog says %d entries, holds %d", cat.Count, len(entries))
	}
	return cat, entries, nil
}

func (j kevJSON) entry() (KEVEntry, error) {
	if j.CVEID == "" {
		return KEVEntry{}, errors.New("no cveID")
	}
	e := KEVEntry{
		CVEID: j.CVEID, VendorProject: j.VendorProject, Product: j.Product,
		VulnerabilityName: j.VulnerabilityName, ShortDescription: j.ShortDescription,
		RequiredAction: j.RequiredAction, KnownRansomwareCampaignUse: j.KnownRansomwareCampaignUse,
		Notes: j.Notes,
	}
	for _, c := range j.CWEs {
		e.CWEs = appendUnique(e.CWEs, strings.TrimSpace(c))
	}
	var err error
	if e.DateAdded, err = parseDate(j.DateAdded); err != nil {
		return KEVEntry{}, fmt.Errorf("%s: dateAdded: %w", j.CVEID, err)
	}
	if e.DueDate, err = parseDate(j.DueDate); err != nil {
		return KEVEntry{}, fmt.Errorf("%s: dueDate: %w", j.CVEID, err)
	}
	return e, nil
}

// kevColumns are the CSV header's names, in the catalog's order.
var kevColumns = []string{"cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded",
	"shortDescription", "requiredAction", "dueDate", "knownRansomwareCampaignUse", "notes", "cwes"}

// ReadKEVCSV reads the CSV catalog. Columns are found by header name; a
// missing column or a bad row is an error naming its line.
func ReadKEVCSV(r io.Reader) ([]KEVEntry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("kev: read header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	idx := make([]int, len(kevColumns))
	for i, name := range kevColumns {
		c, ok := col[name]
		if !ok && name != "cwes" && name != "notes" { // older catalogs lack these
			return nil, fmt.Errorf("kev: header has no %s column", name)
		}
		if !ok {
			c = -1
		}
		idx[i] = c
	}
	var entries []KEVEntry
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("kev: %w", err)
		}
		line, _ := cr.FieldPos(0)
		field := func(i int) string {
			if idx[i] < 0 || idx[i] >= len(rec) {
				return ""
			}
			return rec[idx[i]]
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("kev: line %d: %d fields, header has %d", line, len(rec), len(header))
		}
		j := kevJSON{
			CVEID: field(0), VendorProject: field(1), Product: field(2), VulnerabilityName: field(3),
			DateAdded: field(4), ShortDescription: field(5), RequiredAction: field(6), DueDate: field(7),
			KnownRansomwareCampaignUse: field(8), Notes: field(9),
		}
		if cwes := field(10); cwes != "" {
			j.CWEs = strings.Split(cwes, ",")
		}
		e, err := j.entry()
		if err != nil {
			return nil, fmt.Errorf("kev: line %d: %w", line, err)
		}
		entries = append(entries, e)
	}
}

// parseDate reads a YYYY-MM-DD date as midnight UTC.
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return t, nil
}
