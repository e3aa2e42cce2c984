package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/koban-project/koban/internal/assist"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/taxonomy"
)

type queuePage struct {
	page
	Items      []intake.QueueItem
	Total      int
	F          queueInput
	Kinds      []intake.Kind
	Statuses   []intake.Status
	Categories []taxonomy.Category
	Prev, Next string
	From, To   int // the rows shown, counted from 1
	// Suggested are the triage suggestions of the rows shown, by report.
	Suggested map[int64]*assist.Suggestion
}

type queueInput struct {
	Kind, Category, Status, From, To, Sort string
	Urgent, Freeze                         bool
	Mine                                   bool // assignee=me: only the viewer's reports
	Page                                   int
}

const queuePageSize = 50

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := queueInput{Kind: q.Get("kind"), Category: q.Get("category"), Status: q.Get("status"), From: q.Get("from"),
		To: q.Get("to"), Sort: q.Get("sort"), Urgent: q.Get("urgent") == "1", Freeze: q.Get("freeze") == "1", Mine: q.Get("assignee") == "me"}
	in.Page, _ = strconv.Atoi(q.Get("page"))
	if in.Page < 1 {
		in.Page = 1
	}
	f := intake.QueueFilter{Kind: intake.Kind(in.Kind), Category: in.Category, Status: intake.Status(in.Status),
		Urgent: in.Urgent, Freeze: in.Freeze, Sort: in.Sort, Limit: queuePageSize, Offset: (in.Page - 1) * queuePageSize}
	p := queuePage{page: s.newPage(r, "queue.title"), F: in, Kinds: intake.Kinds, Statuses: intake.Statuses, Categories: taxonomy.All()}
	if in.Mine {
		f.AssigneeID = p.Principal.UserID
	}
	if t, err := s.parseLocal(in.From); err == nil {
		f.From = t
	}
	if t, err := s.parseLocal(in.To); err == nil && !t.IsZero() {
		f.To = t.AddDate(0, 0, 1) // "to" a day includes that day
	}
	items, total, err := s.Intake.Queue(r.Context(), *p.Principal, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Items, p.Total = items, total
	if s.Assist != nil && len(items) > 0 {
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		// The rows are the ones the officer may see: their suggestions too.
		if p.Suggested, err = s.Assist.ReportSuggestions(r.Context(), ids); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if len(items) > 0 {
		p.From, p.To = f.Offset+1, f.Offset+len(items)
	}
	p.Prev, p.Next = pageLinks("/queue", q, in.Page, queuePageSize, total)
	s.render(w, r, http.StatusOK, "queue", p)
}

// pageLinks returns the addresses of the previous and next pages of a
// paged list at path, keeping the other parameters of q ("" at either end).
func pageLinks(path string, q url.Values, page, size, total int) (prev, next string) {
	at := func(n int) string {
		c := url.Values{}
		for k, v := range q {
			c[k] = v
		}
		c.Set("page", strconv.Itoa(n))
		return path + "?" + c.Encode()
	}
	if page > 1 {
		prev = at(page - 1)
	}
	if page*size < total {
		next = at(page + 1)
	}
	return prev, next
}
