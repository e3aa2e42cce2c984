package web

import (
	"net/http"
	"slices"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/patrol"
)

// patrolRetentionPage lists the retentions set by tag in the officer's
// line and, for a patrol manager, the form that sets one.
type patrolRetentionPage struct {
	page
	Quota      *patrol.QuotaStatus
	Retentions []patrol.TagRetention
	// Orgs are the organisations the officer may set a retention for that
	// matter here: their own, and those of the line's items and of the
	// retentions listed.
	Orgs []org.Org
	// Tags are the tags on the line's items, offered as the form's
	// suggestions (a retention applies to a tag spelt exactly so).
	Tags      []string
	CanManage bool
	mayManage map[int64]bool
	Form      patrol.TagRetentionInput
}

// MayRemove tells whether the officer may remove the retention.
func (p patrolRetentionPage) MayRemove(r patrol.TagRetention) bool { return p.mayManage[r.OrgID] }

// OrgCode is the code of an organisation, as the forms send it.
func (p patrolRetentionPage) OrgCode(id int64) string {
	o, _ := p.tree.ByID(id)
	return o.Code
}

// FormOrg is the organisation the form has chosen.
func (p patrolRetentionPage) FormOrg() string {
	if p.Form.OrgCode != "" {
		return p.Form.OrgCode
	}
	return p.OrgCode(p.Principal.OrgID)
}

func (s *Server) patrolRetention(w http.ResponseWriter, r *http.Request) {
	s.renderRetention(w, r, http.StatusOK, patrolRetentionPage{page: s.newPage(r, "patrol.retention_title")})
}

func (s *Server) renderRetention(w http.ResponseWriter, r *http.Request, status int, p patrolRetentionPage) {
	pr := *p.Principal
	var err error
	if p.Retentions, err = s.Patrol.TagRetentions(r.Context(), pr); err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := s.Patrol.Items(r.Context(), pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := []int64{pr.OrgID}
	for _, it := range items {
		ids = append(ids, it.OrgID)
		for _, t := range it.Tags {
			if !slices.Contains(p.Tags, t) {
				p.Tags = append(p.Tags, t)
			}
		}
	}
	for _, rt := range p.Retentions {
		ids = append(ids, rt.OrgID)
	}
	p.mayManage = map[int64]bool{}
	for _, id := range ids {
		if _, seen := p.mayManage[id]; seen {
			continue
		}
		o, ok := p.tree.ByID(id)
		may := ok && o.Kind != org.KindPartner && s.Patrol.MayManage(pr, id)
		p.mayManage[id] = may
		if may {
			p.Orgs = append(p.Orgs, o)
		}
	}
	slices.Sort(p.Tags)
	p.CanManage = pr.Can(auth.PermPatrolManage)
	if p.CanManage {
		p.SwitchForm = "retention-submit"
	}
	p.Quota = s.Patrol.QuotaAlarm(pr)
	s.render(w, r, status, "patrol_retention", p)
}

// patrolRetentionSet sets the retention of a tag.
func (s *Server) patrolRetentionSet(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 16<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	in := patrol.TagRetentionInput{OrgCode: r.PostForm.Get("org"), Tag: r.PostForm.Get("tag"), Days: r.PostForm.Get("days")}
	_, err := s.Patrol.SetTagRetention(r.Context(), pr, in)
	if koban.ErrorCode(err) == koban.Invalid {
		p := patrolRetentionPage{page: s.newPage(r, "patrol.retention_title"), Form: in}
		p.setProblems(err)
		s.renderRetention(w, r, guard.Status(koban.Invalid), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/patrol/retention?done=patrol_tag_retention_set", http.StatusSeeOther)
}

// patrolRetentionRemove removes the retention of a tag.
func (s *Server) patrolRetentionRemove(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 16<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	if err := s.Patrol.RemoveTagRetention(r.Context(), pr, r.PostForm.Get("org"), r.PostForm.Get("tag")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/patrol/retention?done=patrol_tag_retention_removed", http.StatusSeeOther)
}
