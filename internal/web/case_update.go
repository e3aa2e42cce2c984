package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
)

// caseUpdate takes the case page's forms: status, tasks (add), notes,
// reports (link) and the legal hold (set or lift, with a reason).
func (s *Server) caseUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 1<<20) {
		return
	}
	pr, _ := principalFrom(r.Context())
	ctx, f := r.Context(), r.PostForm
	var in caseInput
	var done string
	switch r.PathValue("action") {
	case "status":
		in.Status, in.Reason, in.StatusNote = f.Get("status"), f.Get("reason"), f.Get("note")
		_, err = s.Cases.SetStatus(ctx, pr, id, cases.Status(in.Status), in.Reason, in.StatusNote)
		done = "case_status"
	case "tasks":
		in.TaskTitle, in.TaskDue = f.Get("title"), f.Get("due")
		in.TaskAssignee, _ = strconv.ParseInt(f.Get("assignee"), 10, 64)
		_, err = s.Cases.AddTask(ctx, pr, id, cases.NewTask{Title: in.TaskTitle, AssigneeID: in.TaskAssignee, Due: in.TaskDue})
		done = "case_task"
	case "notes":
		in.Note = f.Get("body")
		_, err = s.Cases.AddNote(ctx, pr, id, in.Note)
		done = "case_note"
	case "hold":
		in.HoldReason = f.Get("reason")
		hold := f.Get("hold") == "on"
		_, err = s.Cases.SetHold(ctx, pr, id, hold, in.HoldReason)
		done = "case_hold"
		if !hold {
			done = "case_hold_lifted"
		}
	case "reports":
		in.Report = f.Get("report")
		_, err = s.Cases.LinkReport(ctx, pr, id, in.Report)
		done = "case_link"
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	s.afterCaseChange(w, r, id, done, in, err)
}

// afterCaseChange goes back to the case page: with the notice on success,
// with the form and its errors kept when the input was refused.
func (s *Server) afterCaseChange(w http.ResponseWriter, r *http.Request, id int64, done string, in caseInput, err error) {
	switch code := koban.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=%s", id, url.QueryEscape(done)), http.StatusSeeOther)
	case code == koban.Invalid || code == koban.Conflict:
		status := http.StatusUnprocessableEntity
		if code == koban.Conflict {
			status = http.StatusConflict
		}
		s.showCase(w, r, id, status, in, err)
	default:
		s.fail(w, r, err)
	}
}

// caseTaskState marks a task done or open again.
func (s *Server) caseTaskState(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tid, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	pr, _ := principalFrom(r.Context())
	var done string
	switch r.PathValue("state") {
	case "done":
		err, done = s.Cases.SetTaskDone(r.Context(), pr, id, tid, true), "case_task_done"
	case "open":
		err, done = s.Cases.SetTaskDone(r.Context(), pr, id, tid, false), "case_task_reopen"
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	s.afterCaseChange(w, r, id, done, caseInput{}, err)
}

// caseUnlink takes a report off the case.
func (s *Server) caseUnlink(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rid, err := strconv.ParseInt(r.PathValue("rid"), 10, 64)
	if err != nil {
		s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	pr, _ := principalFrom(r.Context())
	err = s.Cases.UnlinkReport(r.Context(), pr, id, rid)
	s.afterCaseChange(w, r, id, "case_unlink", caseInput{}, err)
}
