package feed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// maxNVDRecordBytes bounds one CVE record; the largest real ones (long
// configuration lists) are under a megabyte.
const maxNVDRecordBytes = 32 << 20

// Page is the header of one NVD API 2.0 CVE response, used for paging.
type Page struct {
	ResultsPerPage int
	StartIndex     int
	TotalResults   int
	Format         string
	Version        string
	Timestamp      time.Time // UTC
}

// NVDDecoder reads an NVD API 2.0 CVE response one record at a time, so a
// page of any size is held in memory one CVE at a time.
type NVDDecoder struct {
	dec    *json.Decoder
	bound  *byteBound
	page   Page
	inList bool // inside vulnerabilities[]
	done   bool
	err    error // the first error, returned again by every later Next
	n      int   // records returned
}

// NewNVDDecoder starts reading r, gzipped or not. Input that is neither gzip
// nor a JSON object is an error here, before any record is read.
func NewNVDDecoder(r io.Reader) (*NVDDecoder, error) {
	br, err := openJSON(r, '{')
	if err != nil {
		return nil, fmt.Errorf("nvd: %w", err)
	}
	// The bound is renewed before each record, so one record (with the
	// decoder's read-ahead) can hold at most maxNVDRecordBytes in memory.
	bound := &byteBound{R: br, Left: maxNVDRecordBytes, Limit: maxNVDRecordBytes}
	d := &NVDDecoder{dec: json.NewDecoder(bound), bound: bound}
	if err := d.expectDelim('{'); err != nil {
		return nil, err
	}
	return d, nil
}

// Page returns the header fields read so far; NVD writes them before the
// records, so after the first Next they are complete.
func (d *NVDDecoder) Page() Page { return d.page }

// Next returns the next record, or io.EOF after the last one. After any
// other error the stream cannot be resumed: Next returns that error again.
func (d *NVDDecoder) Next() (Vuln, error) {
	if d.err != nil {
		return Vuln{}, d.err
	}
	v, err := d.next()
	if err != nil && !errors.Is(err, io.EOF) {
		d.err = err
	}
	return v, err
}

func (d *NVDDecoder) next() (Vuln, error) {
	if d.done {
		return Vuln{}, io.EOF
	}
	if !d.inList {
		if err := d.seekList(); err != nil {
			return Vuln{}, err
		}
		if d.done {
			return Vuln{}, io.EOF
		}
	}
	if !d.dec.More() {
		// End of vulnerabilities[]: read the rest of the object for any
		// header field written after the records.
		if _, err := d.dec.Token(); err != nil {
			return Vuln{}, d.wrap(err)
		}
		d.inList = false
		if err := d.seekList(); err != nil {
			return Vuln{}, err
		}
		d.done = true
		return Vuln{}, io.EOF
	}
	d.bound.Left = maxNVDRecordBytes
	var item nvdItem
	if err := d.dec.Decode(&item); err != nil {
		return Vuln{}, fmt.Errorf("nvd: record %d: %w", d.n, err)
	}
	v, err := item.CVE.vuln()
	if err != nil {
		return Vuln{}, fmt.Errorf("nvd: record %d (%s): %w", d.n, item.CVE.ID, err)
	}
	d.n++
	return v, nil
}

// seekList reads header fields until vulnerabilities[] opens or the object
// closes (then done is set).
func (d *NVDDecoder) seekList() error {
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return d.wrap(err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("nvd: want a field name, got %v", tok)
		}
		switch key {
		case "vulnerabilities":
			if err := d.expectDelim('['); err != nil {
				return err
			}
			d.inList = true
			return nil
		case "resultsPerPage":
			err = d.dec.Decode(&d.page.ResultsPerPage)
		case "startIndex":
			err = d.dec.Decode(&d.page.StartIndex)
		case "totalResults":
			err = d.dec.Decode(&d.page.TotalResults)
		case "version":
			err = d.dec.Decode(&d.page.Version)
		case "format":
			if err = d.dec.Decode(&d.page.Format); err == nil && d.page.Format != "NVD_CVE" {
				return fmt.Errorf("nvd: format %q is not a CVE page (want NVD_CVE)", d.page.Format)
			}
		case "timestamp":
			var s string
			if err = d.dec.Decode(&s); err == nil {
				d.page.Timestamp, err = parseTime(s)
			}
		default:
			var skip json.RawMessage
			err = d.dec.Decode(&skip)
		}
		if err != nil {
			return fmt.Errorf("nvd: field %s: %w", key, err)
		}
	}
	if _, err := d.dec.Token(); err != nil { // the closing brace
		return d.wrap(err)
	}
	d.done = true
	return nil
}

func (d *NVDDecoder) expectDelim(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.wrap(err)
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return fmt.Errorf("nvd: want %q, got %v", want, tok)
	}
	return nil
}

func (d *NVDDecoder) wrap(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("nvd: after %d records: %w", d.n, err)
}

// ParseNVDCVE converts one NVD 2.0 "cve" object (as found in
// vulnerabilities[].cve) into a Vuln.
func ParseNVDCVE(raw []byte) (Vuln, error) {
	var c nvdCVE
	if err := json.Unmarshal(raw, &c); err != nil {
		return Vuln{}, fmt.Errorf("nvd: %w", err)
	}
	return c.vuln()
}

type nvdItem struct {
	CVE nvdCVE `json:"cve"`
}

type nvdLangString struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type nvdCVSS struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

type nvdMetric struct {
	Source       string  `json:"source"`
	Type         string  `json:"type"`
	CVSSData     nvdCVSS `json:"cvssData"`
	BaseSeverity string  `json:"baseSeverity"` // v2 keeps it outside cvssData
}

type nvdCVE struct {
	ID           string          `json:"id"`
	Published    string          `json:"published"`
	LastModified string          `json:"lastModified"`
	VulnStatus   string          `json:"vulnStatus"`
	Descriptions []nvdLangString `json:"descriptions"`
	Metrics      struct {
		V40 []nvdMetric `json:"cvssMetricV40"`
		V31 []nvdMetric `json:"cvssMetricV31"`
		V30 []nvdMetric `json:"cvssMetricV30"`
		V2  []nvdMetric `json:"cvssMetricV2"`
	} `json:"metrics"`
	Weaknesses []struct {
		Source      string          `json:"source"`
		Type        string          `json:"type"`
		Description []nvdLangString `json:"description"`
	} `json:"weaknesses"`
	Configurations []struct {
		Operator string `json:"operator"`
		Negate   bool   `json:"negate"`
		Nodes    []struct {
			Operator string `json:"operator"`
			Negate   bool   `json:"negate"`
			CPEMatch []struct {
				Vulnerable            bool   `json:"vulnerable"`
				Criteria              string `json:"criteria"`
				MatchCriteriaID       string `json:"matchCriteriaId"`
				VersionStartIncluding string `json:"versionStartIncluding"`
				VersionStartExcluding string `json:"versionStartExcluding"`
				VersionEndIncluding   string `json:"versionEndIncluding"`
				VersionEndExcluding   string `json:"versionEndExcluding"`
			} `json:"cpeMatch"`
		} `json:"nodes"`
	} `json:"configurations"`
	References []struct {
		URL    string   `json:"url"`
		Source string   `json:"source"`
		Tags   []string `json:"tags"`
	} `json:"references"`
}

func (c *nvdCVE) vuln() (Vuln, error) {
	if c.ID == "" {
		return Vuln{}, errors.New("record has no id")
	}
	v := Vuln{ID: c.ID, Source: SourceNVD, Status: c.VulnStatus}
	var err error
	if v.Published, err = parseTime(c.Published); err != nil {
		return Vuln{}, fmt.Errorf("published: %w", err)
	}
	if v.LastModified, err = parseTime(c.LastModified); err != nil {
		return Vuln{}, fmt.Errorf("lastModified: %w", err)
	}
	if len(c.Descriptions) > 0 {
		v.Descriptions = make(map[string]string, len(c.Descriptions))
		for _, d := range c.Descriptions {
			v.Descriptions[d.Lang] = d.Value
		}
	}
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			v.CWEs = appendUnique(v.CWEs, d.Value)
		}
	}
	for _, r := range c.References {
		v.References = append(v.References, Reference{URL: r.URL, Source: r.Source, Tags: r.Tags})
	}
	for _, group := range [][]nvdMetric{c.Metrics.V40, c.Metrics.V31, c.Metrics.V30, c.Metrics.V2} {
		for _, m := range group {
			sev := m.CVSSData.BaseSeverity
			if sev == "" {
				sev = m.BaseSeverity
			}
			v.Metrics = append(v.Metrics, Metric{
				Version: m.CVSSData.Version, Vector: m.CVSSData.VectorString,
				BaseScore: m.CVSSData.BaseScore, Severity: sev,
				Source: m.Source, Type: m.Type,
			})
		}
	}
	for _, cfg := range c.Configurations {
		out := Configuration{Operator: cfg.Operator, Negate: cfg.Negate}
		for _, n := range cfg.Nodes {
			node := Node{Operator: n.Operator, Negate: n.Negate, CPEMatch: make([]CPEMatch, len(n.CPEMatch))}
			for i, m := range n.CPEMatch {
				node.CPEMatch[i] = CPEMatch(m)
			}
			out.Nodes = append(out.Nodes, node)
		}
		v.Configurations = append(v.Configurations, out)
	}
	return v, nil
}

// appendUnique appends s unless it is empty or already present.
func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}
