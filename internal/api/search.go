package api

import (
	"net/http"
	"strconv"

	"github.com/koban-project/koban/internal/intake"
)

// SearchResultOut is one report found by GET /api/v1/search: the queue's
// fields and the reporter's text, as written, around the first match.
type SearchResultOut struct {
	QueueItemOut
	Snippet string `json:"snippet"`
}

// search answers GET /api/v1/search?q=…&limit=&offset=: the reports the
// caller may see whose text holds every term of q, newest first, each with
// the reporter's text around the first match; total counts them all.
func (a *API) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	hits, total, err := a.Intake.Search(r.Context(), principal(r), q.Get("q"), limit, offset)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]SearchResultOut, 0, len(hits))
	for _, h := range hits {
		out = append(out, SearchResultOut{QueueItemOut: a.queueItemOut(h.QueueItem), Snippet: intake.SnippetText(h.Snippet)})
	}
	resp := map[string]any{"results": out, "total": total}
	// A query that is one observable also says how many records the caller
	// may not see hold it: counts, never content.
	if o, hidden, ok, err := a.Index.Elsewhere(r.Context(), principal(r), q.Get("q")); err != nil {
		a.fail(w, r, err)
		return
	} else if ok {
		resp["elsewhere"] = map[string]any{"type": o.Type, "value": o.Value, "hidden": a.hiddenOut(hidden)}
	}
	writeJSON(w, http.StatusOK, resp)
}
