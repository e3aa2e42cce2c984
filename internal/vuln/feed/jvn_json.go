package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// maxJVNJSONBytes bounds one MyJVN 4.0 (OKA) JSON document.
const maxJVNJSONBytes = 64 << 20

// ReadJVNFeedJSON reads a MyJVN 4.0 (OKA) JSON feed: the JVNDB RSS data
// feed and getVulnOverviewList. Malformed JSON is an error naming its line
// and column; so is a MyJVN error status.
func ReadJVNFeedJSON(r io.Reader) (JVNFeed, error) {
	br, err := openMaybeGzip(r)
	if err != nil {
		return JVNFeed{}, fmt.Errorf("jvn json: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(br, maxJVNJSONBytes+1))
	if err != nil {
		return JVNFeed{}, fmt.Errorf("jvn json: read: %w", err)
	}
	if len(data) > maxJVNJSONBytes {
		return JVNFeed{}, fmt.Errorf("jvn json: document is larger than %d bytes", maxJVNJSONBytes)
	}
	var doc struct {
		Feed *struct {
			Title   string         `json:"title"`
			Updated string         `json:"updated"`
			Lang    string         `json:"lang"`
			Entry   []jvnJSONEntry `json:"entry"`
		} `json:"feed"`
		Status *struct {
			Method      string      `json:"method"`
			RetCd       json.Number `json:"retCd"`
			ErrCd       string      `json:"errCd"`
			ErrMsg      string      `json:"errMsg"`
			TotalRes    json.Number `json:"totalRes"`
			TotalResRet json.Number `json:"totalResRet"`
			FirstRes    json.Number `json:"firstRes"`
		} `json:"status"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := lineCol(data, syn.Offset)
			return JVNFeed{}, fmt.Errorf("jvn json: line %d, column %d: %w", line, col, err)
		}
		return JVNFeed{}, fmt.Errorf("jvn json: %w", err)
	}
	if doc.Feed == nil {
		return JVNFeed{}, errors.New("jvn json: no feed object: not a MyJVN feed")
	}
	out := JVNFeed{Title: doc.Feed.Title, Lang: doc.Feed.Lang, Modified: doc.Feed.Updated}
	if out.Lang == "" {
		out.Lang = "ja"
	}
	if s := doc.Status; s != nil {
		status := jvnStatusXML{Method: s.Method, RetCd: s.RetCd.String(), ErrCd: s.ErrCd, ErrMsg: s.ErrMsg,
			TotalRes: s.TotalRes.String(), TotalResRet: s.TotalResRet.String(), FirstRes: s.FirstRes.String()}
		if out.Status, err = status.status(); err != nil {
			return JVNFeed{}, fmt.Errorf("jvn json: %w", err)
		}
	}
	for i, e := range doc.Feed.Entry {
		v, err := e.vuln(out.Lang)
		if err != nil {
			return JVNFeed{}, fmt.Errorf("jvn json: entry %d: %w", i, err)
		}
		out.Vulns = append(out.Vulns, v)
	}
	return out, nil
}

type jvnJSONEntry struct {
	Title      string `json:"title"`
	ID         string `json:"id"`
	Summary    string `json:"summary"`
	Modified   string `json:"modified"`
	Created    string `json:"created"`
	Public     string `json:"public"`
	References []struct {
		Summary string `json:"summary"`
		URL     string `json:"url"`
		Source  string `json:"source"`
	} `json:"references"`
	Products []struct {
		VName      string `json:"vname"`
		PName      string `json:"pname"`
		Version    string `json:"version"`
		ProductIDs struct {
			CPE string `json:"cpe"`
		} `json:"product_ids"`
	} `json:"products"`
	Metrics []struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"metrics"`
	CWEs []struct {
		ID string `json:"id"`
	} `json:"cwes"`
}

func (e *jvnJSONEntry) vuln(lang string) (Vuln, error) {
	if e.ID == "" {
		return Vuln{}, errors.New("no id")
	}
	v := Vuln{ID: e.ID, Source: SourceJVN, Title: e.Title}
	if e.Summary != "" {
		v.Descriptions = map[string]string{lang: e.Summary}
	}
	var err error
	if v.Published, err = parseTime(e.Created); err != nil {
		return Vuln{}, fmt.Errorf("%s: created: %w", e.ID, err)
	}
	if v.LastModified, err = parseTime(e.Modified); err != nil {
		return Vuln{}, fmt.Errorf("%s: modified: %w", e.ID, err)
	}
	for _, r := range e.References {
		if (r.Source == "CVE" || r.Source == "NVD") && strings.HasPrefix(r.Summary, "CVE-") {
			v.Aliases = appendUnique(v.Aliases, r.Summary)
		}
		v.References = append(v.References, Reference{URL: r.URL, Name: r.Summary, Source: r.Source})
	}
	for _, p := range e.Products {
		a := Affected{Vendor: p.VName, Product: p.PName}
		if p.ProductIDs.CPE != "" {
			a.CPEs = []string{p.ProductIDs.CPE}
		}
		if p.Version != "" {
			a.Versions = []AffectedVersion{{Version: p.Version, Status: "affected"}}
		}
		v.Affected = append(v.Affected, a)
	}
	for _, m := range e.Metrics {
		keys := make([]string, 0, len(m.Content))
		for k := range m.Content {
			if strings.HasPrefix(k, "cvss_") {
				keys = append(keys, k)
			}
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys))) // newest version first, as NVD
		for _, k := range keys {
			var c cve5CVSS
			if err := json.Unmarshal(m.Content[k], &c); err != nil {
				return Vuln{}, fmt.Errorf("%s: metric %s: %w", e.ID, k, err)
			}
			metric, err := jvnMetric(c.Version, strconv.FormatFloat(c.BaseScore, 'f', -1, 64), c.BaseSeverity, c.VectorString)
			if err != nil {
				return Vuln{}, fmt.Errorf("%s: %w", e.ID, err)
			}
			v.Metrics = append(v.Metrics, metric)
		}
	}
	for _, c := range e.CWEs {
		v.CWEs = appendUnique(v.CWEs, c.ID)
	}
	return v, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}
