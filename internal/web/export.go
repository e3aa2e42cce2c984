package web

import (
	"net/http"
	"strconv"

	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/tlp"
)

// Exports for partners from the report and case pages: a form with a
// button for each format. A POST, as the court bundle's: each export is an
// audited act (intel.Exporter decides who may and writes the row).

// exportForm is the dot of the "record_export" partial.
type exportForm struct {
	P      any    // the page, for its T
	Action string // where the form posts; the format is added to it
	Hint   string
}

// ExportForm is the report page's export form.
func (p detailPage) ExportForm() exportForm {
	level := tlp.Level(p.R.TLP)
	if level == "" {
		level = tlp.Amber
	}
	return exportForm{P: p.page, Action: "/reports/" + strconv.FormatInt(p.R.ID, 10) + "/export",
		Hint: p.T("export.report_hint", "tlp", level.Label())}
}

// ExportForm is the case page's export form.
func (p casePage) ExportForm() exportForm {
	return exportForm{P: p.page, Action: "/cases/" + strconv.FormatInt(p.C.ID, 10) + "/export", Hint: p.T("export.case_hint")}
}

// recordExport sends a report's or a case's export as a download.
func (s *Server) recordExport(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			s.notFound(w, r)
			return
		}
		pr, _ := principalFrom(r.Context())
		f := intel.Format(r.PathValue("format"))
		var out *intel.Export
		if kind == "case" {
			out, err = s.Exports.Case(r.Context(), pr, id, f)
		} else {
			out, err = s.Exports.Report(r.Context(), pr, id, f)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sendAttachment(w, out.Name, -1)
		w.Header().Set("Content-Type", out.ContentType)
		if err := out.Write(w); err != nil {
			s.Log.Warn("send export", "kind", kind, "id", id, "format", string(f), "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}
