package feed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxCVE5Bytes bounds one CVE JSON 5 record; the largest real ones are a
// few hundred kilobytes.
const maxCVE5Bytes = 16 << 20

// ReadCVE5 reads one CVE JSON 5 record (5.0, 5.1 or later 5.x), gzipped or
// not, into a Vuln: the CNA container first, then each ADP container.
// For CVE 5, a Metric's Type is the container it came from: "cna" or "adp".
// CVE 5 has no NVD configurations; its affected products are kept raw.
func ReadCVE5(r io.Reader) (Vuln, error) {
	br, err := openJSON(r, '{')
	if err != nil {
		return Vuln{}, fmt.Errorf("cve5: %w", err)
	}
	lr := &io.LimitedReader{R: br, N: maxCVE5Bytes + 1}
	var rec cve5Record
	if err := json.NewDecoder(lr).Decode(&rec); err != nil {
		return Vuln{}, fmt.Errorf("cve5: decode: %w", err)
	}
	if lr.N <= 0 {
		return Vuln{}, fmt.Errorf("cve5: record is larger than %d bytes", maxCVE5Bytes)
	}
	v, err := rec.vuln()
	if err != nil {
		return Vuln{}, fmt.Errorf("cve5: %w", err)
	}
	return v, nil
}

type cve5Record struct {
	DataType    string `json:"dataType"`
	DataVersion string `json:"dataVersion"`
	CVEMetadata struct {
		CVEID         string `json:"cveId"`
		State         string `json:"state"`
		DatePublished string `json:"datePublished"`
		DateUpdated   string `json:"dateUpdated"`
	} `json:"cveMetadata"`
	Containers struct {
		CNA *cve5Container  `json:"cna"`
		ADP []cve5Container `json:"adp"`
	} `json:"containers"`
}

type cve5Container struct {
	ProviderMetadata struct {
		ShortName string `json:"shortName"`
		OrgID     string `json:"orgId"`
	} `json:"providerMetadata"`
	Descriptions    []cve5Description `json:"descriptions"`
	RejectedReasons []cve5Description `json:"rejectedReasons"`
	Affected        []struct {
		Vendor        string   `json:"vendor"`
		Product       string   `json:"product"`
		CollectionURL string   `json:"collectionURL"`
		PackageName   string   `json:"packageName"`
		Platforms     []string `json:"platforms"`
		CPEs          []string `json:"cpes"`
		DefaultStatus string   `json:"defaultStatus"`
		Versions      []struct {
			Version         string `json:"version"`
			Status          string `json:"status"`
			LessThan        string `json:"lessThan"`
			LessThanOrEqual string `json:"lessThanOrEqual"`
			VersionType     string `json:"versionType"`
		} `json:"versions"`
	} `json:"affected"`
	ProblemTypes []struct {
		Descriptions []struct {
			CWEID string `json:"cweId"`
		} `json:"descriptions"`
	} `json:"problemTypes"`
	Title      string `json:"title"`
	References []struct {
		URL  string   `json:"url"`
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	} `json:"references"`
	Metrics []map[string]json.RawMessage `json:"metrics"`
}

type cve5Description struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type cve5CVSS struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

// cve5MetricKeys are the CVSS forms a CVE 5 metric may hold, newest first.
var cve5MetricKeys = []string{"cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"}

func (rec *cve5Record) vuln() (Vuln, error) {
	if rec.DataType != "" && rec.DataType != "CVE_RECORD" {
		return Vuln{}, fmt.Errorf("dataType %q is not CVE_RECORD", rec.DataType)
	}
	if !strings.HasPrefix(rec.DataVersion, "5.") {
		return Vuln{}, fmt.Errorf("dataVersion %q is not 5.x", rec.DataVersion)
	}
	m := rec.CVEMetadata
	if m.CVEID == "" {
		return Vuln{}, errors.New("cveMetadata has no cveId")
	}
	if rec.Containers.CNA == nil {
		return Vuln{}, fmt.Errorf("%s: no cna container", m.CVEID)
	}
	v := Vuln{ID: m.CVEID, Source: SourceCVE5, Status: m.State}
	var err error
	if v.Published, err = parseTime(m.DatePublished); err != nil {
		return Vuln{}, fmt.Errorf("%s: datePublished: %w", m.CVEID, err)
	}
	if v.LastModified, err = parseTime(m.DateUpdated); err != nil {
		return Vuln{}, fmt.Errorf("%s: dateUpdated: %w", m.CVEID, err)
	}
	if err := v.addCVE5Container(rec.Containers.CNA, "cna"); err != nil {
		return Vuln{}, fmt.Errorf("%s: cna: %w", m.CVEID, err)
	}
	for i := range rec.Containers.ADP {
		if err := v.addCVE5Container(&rec.Containers.ADP[i], "adp"); err != nil {
			return Vuln{}, fmt.Errorf("%s: adp %d: %w", m.CVEID, i, err)
		}
	}
	return v, nil
}

func (v *Vuln) addCVE5Container(c *cve5Container, kind string) error {
	source := c.ProviderMetadata.ShortName
	if source == "" {
		source = c.ProviderMetadata.OrgID
	}
	for _, d := range append(c.Descriptions, c.RejectedReasons...) {
		if v.Descriptions == nil {
			v.Descriptions = make(map[string]string)
		}
		if _, ok := v.Descriptions[d.Lang]; !ok { // the CNA's text comes first and wins
			v.Descriptions[d.Lang] = d.Value
		}
	}
	if v.Title == "" {
		v.Title = c.Title
	}
	for _, p := range c.ProblemTypes {
		for _, d := range p.Descriptions {
			v.CWEs = appendUnique(v.CWEs, d.CWEID)
		}
	}
	for _, r := range c.References {
		v.References = append(v.References, Reference{URL: r.URL, Name: r.Name, Source: source, Tags: r.Tags})
	}
	for _, a := range c.Affected {
		out := Affected{
			Vendor: a.Vendor, Product: a.Product, CollectionURL: a.CollectionURL, PackageName: a.PackageName,
			Platforms: a.Platforms, CPEs: a.CPEs, DefaultStatus: a.DefaultStatus,
		}
		for _, ver := range a.Versions {
			out.Versions = append(out.Versions, AffectedVersion(ver))
		}
		v.Affected = append(v.Affected, out)
	}
	for _, metric := range c.Metrics {
		for _, key := range cve5MetricKeys {
			raw, ok := metric[key]
			if !ok {
				continue
			}
			var s cve5CVSS
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("metric %s: %w", key, err)
			}
			v.Metrics = append(v.Metrics, Metric{
				Version: s.Version, Vector: s.VectorString, BaseScore: s.BaseScore,
				Severity: s.BaseSeverity, Source: source, Type: kind,
			})
		}
	}
	return nil
}
