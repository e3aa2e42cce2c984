package web

import (
	"net/http"
	"strconv"

	"github.com/koban-project/koban/internal/cases"
)

type myTasksPage struct {
	page
	Rows       []cases.TaskRow
	Total      int
	All        bool // done tasks too
	Prev, Next string
}

const taskPageSize = 100

// myTasks lists the officer's tasks across every case they may see.
func (s *Server) myTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := myTasksPage{page: s.newPage(r, "tasks.title"), All: q.Get("show") == "all"}
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	tq := cases.TaskQuery{Mine: true, Status: cases.TaskOpen, Limit: taskPageSize, Offset: (n - 1) * taskPageSize}
	if p.All {
		tq.Status = ""
	}
	rows, total, err := s.Cases.TaskList(r.Context(), *p.Principal, tq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Rows, p.Total = rows, total
	p.Prev, p.Next = pageLinks("/tasks", q, n, taskPageSize, total)
	s.render(w, r, http.StatusOK, "tasks", p)
}
