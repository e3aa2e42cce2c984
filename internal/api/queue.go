package api

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

func sortResults(rs []BulkResult) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Line < rs[j].Line })
}

// QueueItemOut is one report in the queue, as the API shows it.
type QueueItemOut struct {
	ID             int64  `json:"id"`
	Receipt        string `json:"receipt"`
	Kind           string `json:"kind"`
	Category       string `json:"category"`
	Prefecture     string `json:"prefecture"`
	Org            string `json:"org"`
	Urgent         bool   `json:"urgent"`
	FreezeDeadline string `json:"freeze_deadline,omitempty"`
	Status         string `json:"status"`
	CreatedAt      string `json:"created_at"`
}

func (a *API) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := intake.QueueFilter{Kind: intake.Kind(q.Get("kind")), Category: q.Get("category"), Status: intake.Status(q.Get("status")),
		Urgent: q.Get("urgent") == "true", Freeze: q.Get("freeze") == "true", Sort: q.Get("sort")}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	switch q.Get("assignee") {
	case "":
	case "me": // the reports assigned to the token's owner
		f.AssigneeID = principal(r).UserID
	default:
		a.fail(w, r, koban.FieldError("assignee", "api.error.assignee"))
		return
	}
	items, total, err := a.Intake.Queue(r.Context(), principal(r), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]QueueItemOut, 0, len(items))
	for _, it := range items {
		out = append(out, a.queueItemOut(it))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "reports": out})
}

// queueItemOut is a report row as the queue and search show it.
func (a *API) queueItemOut(it intake.QueueItem) QueueItemOut {
	o := QueueItemOut{ID: it.ID, Receipt: it.Receipt, Kind: string(it.Kind), Category: it.Category, Prefecture: it.Prefecture,
		Urgent: it.Urgent, Status: string(it.Status), CreatedAt: it.CreatedAt.Format(time.RFC3339)}
	if org, ok := a.Tree().ByID(it.OrgID); ok {
		o.Org = org.Code
	}
	if !it.FreezeDeadline.IsZero() {
		o.FreezeDeadline = it.FreezeDeadline.Format(time.RFC3339)
	}
	return o
}

func (a *API) report(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
		return
	}
	rep, err := a.Intake.Get(r.Context(), principal(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// Scripts read the contact details as they always have, where the
	// token's role may see them; like a reveal on the report page, the
	// first read of the day is audited and covers the rest of that day.
	if principal(r).Can(auth.PermReportPersonal) {
		if rep.Contact, err = a.Intake.RevealContact(r.Context(), principal(r), id); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	org := ""
	if o, ok := a.Tree().ByID(rep.OrgID); ok {
		org = o.Code
	}
	files := make([]map[string]any, 0, len(rep.Files))
	for _, f := range rep.Files {
		files = append(files, map[string]any{"id": f.ID, "name": f.Name, "sha256": f.SHA256, "content_type": f.ContentType, "size": f.Size})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": rep.ID, "receipt": rep.Receipt, "kind": rep.Kind, "category": rep.Category, "description": rep.Description,
		"prefecture": rep.Prefecture, "org": org, "urgent": rep.Urgent, "status": rep.Status,
		"contact":     map[string]string{"name": rep.Contact.Name, "email": rep.Contact.Email, "phone": rep.Contact.Phone},
		"observables": rep.Observables, "files": files, "created_at": rep.CreatedAt.Format(time.RFC3339),
	})
}
