package api

import (
	"net/http"
	"net/url"

	"github.com/koban-project/koban/internal/intel"
)

// Exports for partners: a report or a case as a STIX 2.1 bundle or a MISP
// event, a file to download (intel.Exporter decides who may, and audits
// each).

// recordExport answers GET /api/v1/reports/{id}/stix, …/misp and the same
// under /api/v1/cases/{id}.
func (a *API) recordExport(kind string, f intel.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			a.fail(w, r, err)
			return
		}
		var out *intel.Export
		if kind == "case" {
			out, err = a.Exports.Case(r.Context(), principal(r), id, f)
		} else {
			out, err = a.Exports.Report(r.Context(), principal(r), id, f)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", out.ContentType)
		h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(out.Name))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Koban-TLP", out.TLP.Label())
		if err := out.Write(w); err != nil {
			a.Log.Warn("send export", "kind", kind, "id", id, "format", string(f), "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}
