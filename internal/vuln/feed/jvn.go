package feed

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// JVNStatus is MyJVN's status:Status element: whether the API call worked
// and how many results there are.
type JVNStatus struct {
	Method      string
	RetCd       string // "0" when the call worked
	ErrCd       string
	ErrMsg      string
	TotalRes    int
	TotalResRet int
	FirstRes    int
}

// JVNFeed is one JVNRSS document (the JVNDB RSS feeds and MyJVN
// getVulnOverviewList) or one VULDEF document (detail feeds and
// getVulnDetailInfo).
type JVNFeed struct {
	Title    string
	Lang     string // the document's xml:lang, "ja" or "en"
	Modified string
	Status   JVNStatus
	Vulns    []Vuln
}

const jvnScoreSource = "JVN iPedia"

type jvnStatusXML struct {
	Method      string `xml:"method,attr"`
	RetCd       string `xml:"retCd,attr"`
	ErrCd       string `xml:"errCd,attr"`
	ErrMsg      string `xml:"errMsg,attr"`
	TotalRes    string `xml:"totalRes,attr"`
	TotalResRet string `xml:"totalResRet,attr"`
	FirstRes    string `xml:"firstRes,attr"`
}

func (s jvnStatusXML) status() (JVNStatus, error) {
	out := JVNStatus{Method: s.Method, RetCd: s.RetCd, ErrCd: s.ErrCd, ErrMsg: s.ErrMsg}
	for _, f := range []struct {
		name string
		text string
		into *int
	}{{"totalRes", s.TotalRes, &out.TotalRes}, {"totalResRet", s.TotalResRet, &out.TotalResRet}, {"firstRes", s.FirstRes, &out.FirstRes}} {
		if f.text == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(f.text))
		if err != nil {
			return JVNStatus{}, fmt.Errorf("status %s %q is not a number", f.name, f.text)
		}
		*f.into = n
	}
	if out.RetCd != "" && out.RetCd != "0" {
		return out, fmt.Errorf("MyJVN returned an error: retCd %s, errCd %s: %s", out.RetCd, out.ErrCd, out.ErrMsg)
	}
	return out, nil
}

type jvnRSSItem struct {
	About       string `xml:"about,attr"`
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	Description string `xml:"description"`
	Identifier  string `xml:"identifier"`
	References  []struct {
		Source string `xml:"source,attr"`
		ID     string `xml:"id,attr"`
		Title  string `xml:"title,attr"`
		URL    string `xml:",chardata"`
	} `xml:"references"`
	CPEs []struct {
		Vendor  string `xml:"vendor,attr"`
		Product string `xml:"product,attr"`
		Name    string `xml:",chardata"`
	} `xml:"cpe"`
	CPEItems []struct {
		Name  string `xml:"name,attr"`
		Title string `xml:"title"`
		VName string `xml:"vname"`
	} `xml:"cpe-item"`
	CVSS []struct {
		Version  string `xml:"version,attr"`
		Score    string `xml:"score,attr"`
		Severity string `xml:"severity,attr"`
		Vector   string `xml:"vector,attr"`
	} `xml:"cvss"`
	Date     string `xml:"date"`
	Issued   string `xml:"issued"`
	Modified string `xml:"modified"`
}

// ReadJVNRSS reads a JVNRSS 3.x document (RSS 1.0 with JVN's sec: module).
// Malformed XML, an unknown root or a MyJVN error status is an error.
func ReadJVNRSS(r io.Reader) (JVNFeed, error) {
	feed, err := readJVN(r, "RDF", func(d *xml.Decoder, start xml.StartElement, feed *JVNFeed) error {
		switch start.Name.Local {
		case "channel":
			var ch struct {
				Title    string `xml:"title"`
				Modified string `xml:"modified"`
			}
			if err := d.DecodeElement(&ch, &start); err != nil {
				return err
			}
			feed.Title, feed.Modified = strings.TrimSpace(ch.Title), strings.TrimSpace(ch.Modified)
		case "item":
			var item jvnRSSItem
			if err := d.DecodeElement(&item, &start); err != nil {
				return err
			}
			v, err := item.vuln(feed.Lang)
			if err != nil {
				return fmt.Errorf("item %d: %w", len(feed.Vulns), err)
			}
			feed.Vulns = append(feed.Vulns, v)
		default:
			return errSkip
		}
		return nil
	})
	if err != nil {
		return JVNFeed{}, fmt.Errorf("jvnrss: %w", err)
	}
	return feed, nil
}

func (item *jvnRSSItem) vuln(lang string) (Vuln, error) {
	id := strings.TrimSpace(item.Identifier)
	if id == "" {
		return Vuln{}, errors.New("no sec:identifier")
	}
	v := Vuln{ID: id, Source: SourceJVN, Title: strings.TrimSpace(item.Title)}
	if d := strings.TrimSpace(item.Description); d != "" {
		v.Descriptions = map[string]string{lang: d}
	}
	var err error
	issued := item.Issued
	if strings.TrimSpace(issued) == "" {
		issued = item.Date
	}
	if v.Published, err = parseTime(issued); err != nil {
		return Vuln{}, fmt.Errorf("%s: issued: %w", id, err)
	}
	if v.LastModified, err = parseTime(item.Modified); err != nil {
		return Vuln{}, fmt.Errorf("%s: modified: %w", id, err)
	}
	for _, ref := range item.References {
		refID := strings.TrimSpace(ref.ID)
		switch {
		case strings.HasPrefix(refID, "CVE-"):
			v.Aliases = appendUnique(v.Aliases, refID)
		case strings.HasPrefix(refID, "CWE-"):
			v.CWEs = appendUnique(v.CWEs, refID)
		}
		name := refID
		if name == "" {
			name = strings.TrimSpace(ref.Title)
		}
		v.References = append(v.References, Reference{URL: strings.TrimSpace(ref.URL), Name: name, Source: ref.Source})
	}
	for _, c := range item.CPEs {
		v.Affected = append(v.Affected, Affected{Vendor: c.Vendor, Product: c.Product, CPEs: []string{strings.TrimSpace(c.Name)}})
	}
	for _, c := range item.CPEItems {
		v.Affected = append(v.Affected, Affected{Product: strings.TrimSpace(c.Title), Vendor: strings.TrimSpace(c.VName), CPEs: []string{strings.TrimSpace(c.Name)}})
	}
	for _, c := range item.CVSS {
		m, err := jvnMetric(c.Version, c.Score, c.Severity, c.Vector)
		if err != nil {
			return Vuln{}, fmt.Errorf("%s: %w", id, err)
		}
		v.Metrics = append(v.Metrics, m)
	}
	return v, nil
}

func jvnMetric(version, score, severity, vector string) (Metric, error) {
	m := Metric{Version: strings.TrimSpace(version), Vector: strings.TrimSpace(vector), Severity: strings.TrimSpace(severity), Source: jvnScoreSource}
	if s := strings.TrimSpace(score); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f > 10 {
			return Metric{}, fmt.Errorf("cvss score %q is not a number from 0 to 10", score)
		}
		m.BaseScore = f
	}
	return m, nil
}

type vuldefInfo struct {
	ID   string `xml:"VulinfoID"`
	Data struct {
		Title    string `xml:"Title"`
		Overview string `xml:"VulinfoDescription>Overview"`
		Affected []struct {
			Name        string `xml:"Name"`
			ProductName string `xml:"ProductName"`
			CPEs        []struct {
				Name string `xml:",chardata"`
			} `xml:"Cpe"`
			VersionNumbers []string `xml:"VersionNumber"`
		} `xml:"Affected>AffectedItem"`
		CVSS []struct {
			Version  string `xml:"version,attr"`
			Severity string `xml:"Severity"`
			Base     string `xml:"Base"`
			Vector   string `xml:"Vector"`
		} `xml:"Impact>Cvss"`
		Related []struct {
			Type  string `xml:"type,attr"`
			Name  string `xml:"Name"`
			ID    string `xml:"VulinfoID"`
			Title string `xml:"Title"`
			URL   string `xml:"URL"`
		} `xml:"Related>RelatedItem"`
		FirstPublished string `xml:"DateFirstPublished"`
		LastUpdated    string `xml:"DateLastUpdated"`
		Public         string `xml:"DatePublic"`
	} `xml:"VulinfoData"`
}

// ReadVULDEF reads a VULDEF 3.x document (JVN iPedia detail).
// Malformed XML, an unknown root or a MyJVN error status is an error.
func ReadVULDEF(r io.Reader) (JVNFeed, error) {
	feed, err := readJVN(r, "VULDEF-Document", func(d *xml.Decoder, start xml.StartElement, feed *JVNFeed) error {
		if start.Name.Local != "Vulinfo" {
			return errSkip
		}
		var info vuldefInfo
		if err := d.DecodeElement(&info, &start); err != nil {
			return err
		}
		v, err := info.vuln(feed.Lang)
		if err != nil {
			return fmt.Errorf("Vulinfo %d: %w", len(feed.Vulns), err)
		}
		feed.Vulns = append(feed.Vulns, v)
		return nil
	})
	if err != nil {
		return JVNFeed{}, fmt.Errorf("vuldef: %w", err)
	}
	return feed, nil
}

func (info *vuldefInfo) vuln(lang string) (Vuln, error) {
	id := strings.TrimSpace(info.ID)
	if id == "" {
		return Vuln{}, errors.New("no VulinfoID")
	}
	d := &info.Data
	v := Vuln{ID: id, Source: SourceJVN, Title: strings.TrimSpace(d.Title)}
	if o := strings.TrimSpace(d.Overview); o != "" {
		v.Descriptions = map[string]string{lang: o}
	}
	published := d.FirstPublished
	if strings.TrimSpace(published) == "" {
		published = d.Public
	}
	var err error
	if v.Published, err = parseTime(published); err != nil {
		return Vuln{}, fmt.Errorf("%s: DateFirstPublished: %w", id, err)
	}
	if v.LastModified, err = parseTime(d.LastUpdated); err != nil {
		return Vuln{}, fmt.Errorf("%s: DateLastUpdated: %w", id, err)
	}
	for _, a := range d.Affected {
		out := Affected{Vendor: strings.TrimSpace(a.Name), Product: strings.TrimSpace(a.ProductName)}
		for _, c := range a.CPEs {
			out.CPEs = append(out.CPEs, strings.TrimSpace(c.Name))
		}
		for _, n := range a.VersionNumbers {
			// JVN writes versions as prose ("1.05およびそれ以前"), kept raw.
			out.Versions = append(out.Versions, AffectedVersion{Version: strings.TrimSpace(n), Status: "affected"})
		}
		v.Affected = append(v.Affected, out)
	}
	for _, c := range d.CVSS {
		m, err := jvnMetric(c.Version, c.Base, c.Severity, c.Vector)
		if err != nil {
			return Vuln{}, fmt.Errorf("%s: %w", id, err)
		}
		v.Metrics = append(v.Metrics, m)
	}
	for _, rel := range d.Related {
		relID := strings.TrimSpace(rel.ID)
		switch {
		case rel.Type == "cwe" && strings.HasPrefix(relID, "CWE-"):
			v.CWEs = appendUnique(v.CWEs, relID)
		case strings.HasPrefix(relID, "CVE-"):
			v.Aliases = appendUnique(v.Aliases, relID)
		}
		v.References = append(v.References, Reference{
			URL: strings.TrimSpace(rel.URL), Name: relID, Source: strings.TrimSpace(rel.Name), Tags: []string{rel.Type},
		})
	}
	return v, nil
}

// errSkip tells readJVN to skip an element the caller does not read.
var errSkip = errors.New("skip element")

// readJVN walks a JVN document's top level: it checks the root's local name,
// hands each child element to child, and reads the status:Status element
// itself.
func readJVN(r io.Reader, root string, child func(*xml.Decoder, xml.StartElement, *JVNFeed) error) (JVNFeed, error) {
	br, err := openMaybeGzip(r)
	if err != nil {
		return JVNFeed{}, err
	}
	d := newBoundedXML(br)
	var feed JVNFeed
	depth := 0
	sawRoot := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return JVNFeed{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Local != root {
					return JVNFeed{}, fmt.Errorf("root element is %s, want %s", t.Name.Local, root)
				}
				sawRoot = true
				feed.Lang = "ja"
				for _, a := range t.Attr {
					if a.Name.Local == "lang" && a.Value != "" {
						feed.Lang = a.Value
					}
				}
				continue
			}
			if t.Name.Local == "Status" {
				var s jvnStatusXML
				if err := d.DecodeElement(&s, &t); err != nil {
					return JVNFeed{}, err
				}
				if feed.Status, err = s.status(); err != nil {
					return JVNFeed{}, err
				}
			} else if err := child(d, t, &feed); errors.Is(err, errSkip) {
				if err := d.Skip(); err != nil {
					return JVNFeed{}, err
				}
			} else if err != nil {
				return JVNFeed{}, err
			}
			depth--
		case xml.EndElement:
			depth--
		}
	}
	if !sawRoot {
		return JVNFeed{}, errors.New("no root element")
	}
	return feed, nil
}
