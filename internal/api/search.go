package api

import (
	"net/http"
	"strconv"
	"time"
)

// SearchResultOut is one report found by GET /api/v1/search.
type SearchResultOut struct {
	ID         int64  `json:"id"`
	Receipt    string `json:"receipt"`
	Kind       string `json:"kind"`
	Category   string `json:"category"`
	Prefecture string `json:"prefecture"`
	Org        string `json:"org"`
	Status     string `json:"status"`
	CreatedAt  string `json:"created_at"`
	Snippet    string `json:"snippet"`
}

// search answers GET /api/v1/search?q=…&limit=&offset=: the reports the
// caller may see whose text holds every term of q, newest first, each with
// the normalised text around the first term; total counts them all.
func (a *API) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	hits, total, err := a.Intake.Search(r.Context(), principal(r), q.Get("q"), limit, offset)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	tree := a.Tree()
	out := make([]SearchResultOut, 0, len(hits))
	for _, h := range hits {
		o := SearchResultOut{ID: h.ID, Receipt: h.Receipt, Kind: string(h.Kind), Category: h.Category, Prefecture: h.Prefecture,
			Status: string(h.Status), CreatedAt: h.CreatedAt.Format(time.RFC3339), Snippet: h.Snippet}
		if org, ok := tree.ByID(h.OrgID); ok {
			o.Org = org.Code
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "total": total})
}
