package web

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/vuln/feed"
)

// vulnRecordPage is one record of the dictionary with the line's findings
// of it.
type vulnRecordPage struct {
	page
	V        *vuln.Record
	Findings findingsTable
	// CanCSAF offers the advisory: the officer manages the line's assets
	// and some of them have the vulnerability.
	CanCSAF bool
}

// description is one of a record's descriptions and its language.
type description struct{ Lang, Text string }

// Descriptions lists the record's descriptions, the viewer's language
// first, then English, then the rest by language.
func (p vulnRecordPage) Descriptions() []description {
	var out []description
	for l, d := range p.V.Descriptions {
		out = append(out, description{Lang: l, Text: d})
	}
	rank := func(l string) int {
		switch l {
		case p.Lang:
			return 0
		case "en":
			return 1
		}
		return 2
	}
	sort.Slice(out, func(i, j int) bool {
		if ri, rj := rank(out[i].Lang), rank(out[j].Lang); ri != rj {
			return ri < rj
		}
		return out[i].Lang < out[j].Lang
	})
	return out
}

// Link is a reference's address when it may be a link (http or https),
// else "" and the address is shown as text.
func (p vulnRecordPage) Link(ref feed.Reference) string {
	u, err := url.Parse(ref.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func (s *Server) vulnRecord(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	v, err := s.Vuln.Vuln(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, err := s.Vuln.Findings(r.Context(), pr, vuln.FindingQuery{VulnID: v.ID, All: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := vulnRecordPage{page: s.newPage(r, "vulns.record.title"), V: v}
	p.TitleText = v.ID
	p.Findings = findingsTable{P: p.page, ID: "record-findings", Caption: p.T("vulns.record.findings_caption", "id", v.ID), Rows: fs, Asset: true}
	p.CanCSAF = p.CanVulnManage() && slices.ContainsFunc(fs, func(f *vuln.Finding) bool { return !f.Gone })
	s.render(w, r, http.StatusOK, "vuln_record", p)
}

// vulnCSAF serves a CSAF 2.0 advisory about a vulnerability and the
// line's assets it affects, in the page's language, as a download.
func (s *Server) vulnCSAF(w http.ResponseWriter, r *http.Request) {
	pr, _ := principalFrom(r.Context())
	b, err := s.Vuln.ExportCSAF(r.Context(), pr, r.PathValue("id"), s.lang(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := strings.ToUpper(strings.TrimSpace(r.PathValue("id"))) + ".csaf.json"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Write(b)
}
