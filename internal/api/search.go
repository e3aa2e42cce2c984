package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/search"
)

// SearchResultOut is a report found by GET /api/v1/search: type "report",
// the queue's fields and the reporter's text, as written, around the first
// match.
type SearchResultOut struct {
	Type string `json:"type"`
	QueueItemOut
	Snippet string `json:"snippet"`
}

// CaseResultOut is a case or a note found by search (type "case" or
// "note"): the case's number, title and status, and the text around the
// first match.
type CaseResultOut struct {
	Type      string    `json:"type"`
	ID        int64     `json:"id"`
	CaseID    int64     `json:"case_id"`
	Number    string    `json:"number"`
	Title     string    `json:"title"`
	Category  string    `json:"category"`
	Status    string    `json:"status"`
	Org       string    `json:"org"`
	CreatedAt time.Time `json:"created_at"`
	Snippet   string    `json:"snippet"`
}

// search answers GET /api/v1/search?q=…&type=&status=&category=&org=&from=&to=&limit=&cursor=:
// the reports, cases and notes the caller may see whose text holds every
// term of q, newest first, a page after cursor (the previous page's
// "next"); total counts the matches up to a cap, and total_is_lower_bound
// says when there are more.
func (a *API) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	limit, _ := strconv.Atoi(v.Get("limit"))
	q, err := search.FromValues(v, a.Location)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var after *search.Cursor
	if c := v.Get("cursor"); c != "" {
		cur, err := search.ParseCursor(c)
		if err != nil {
			a.fail(w, r, koban.FieldError("cursor", "search.error.cursor"))
			return
		}
		after = &cur
	}
	res, err := a.Search.Search(r.Context(), principal(r), q, after, limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	tree := a.Tree()
	out := make([]any, 0, len(res.Hits))
	for _, h := range res.Hits {
		snippet := intake.SnippetText(h.Snippet)
		if h.Kind == search.Report {
			out = append(out, SearchResultOut{Type: string(h.Kind), Snippet: snippet, QueueItemOut: a.queueItemOut(intake.QueueItem{ID: h.ID,
				Receipt: h.Label, Kind: intake.Kind(h.ReportKind), Category: h.Category, Prefecture: h.Prefecture, OrgID: h.OrgID,
				Urgent: h.Urgent, Status: intake.Status(h.Status), CreatedAt: h.At})})
			continue
		}
		c := CaseResultOut{Type: string(h.Kind), ID: h.ID, CaseID: h.ID, Number: h.Label, Title: h.Title, Category: h.Category,
			Status: h.Status, CreatedAt: h.At, Snippet: snippet}
		if h.Kind == search.Note {
			c.CaseID = h.CaseID
		}
		if o, ok := tree.ByID(h.OrgID); ok {
			c.Org = o.Code
		}
		out = append(out, c)
	}
	resp := map[string]any{"results": out, "total": res.Total, "total_is_lower_bound": res.TotalIsLowerBound,
		"facets": map[string]any{"type": res.Facets.ByKind, "category": res.Facets.ByCategory, "status": res.Facets.ByStatus,
			"partial": res.Facets.Partial}}
	resp["next"], resp["searched_to"] = nil, nil
	if res.Next != nil {
		resp["next"] = res.Next.String()
	}
	if !res.SearchedTo.IsZero() {
		// The page stops where the search read to (a short word, walked
		// a window at a time): "next" goes on from there.
		resp["searched_to"] = res.SearchedTo
	}
	// A query that is one observable also says how many records the caller
	// may not see hold it: counts, never content.
	if o, hidden, ok, err := a.Index.Elsewhere(r.Context(), principal(r), v.Get("q")); err != nil {
		a.fail(w, r, err)
		return
	} else if ok {
		resp["elsewhere"] = map[string]any{"type": o.Type, "value": o.Value, "hidden": a.hiddenOut(hidden)}
	}
	writeJSON(w, http.StatusOK, resp)
}
