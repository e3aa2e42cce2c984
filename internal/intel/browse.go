package intel

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
)

// ListQuery selects a page of the newest versions of intel objects for
// one reader (the intel browser).
type ListQuery struct {
	Reader   access.Scope
	Type     string
	SourceID int64
	TLP      tlp.Level
	Text     string
	// BeforeAdded and BeforeID are where the previous page stopped.
	BeforeAdded time.Time
	BeforeID    int64
	Limit       int
}

// BrowseQuery is the intel browser's filter as an officer gives it.
type BrowseQuery struct {
	Type   string
	Source int64
	TLP    string
	Text   string
	Cursor string // the previous page's Next
}

// BrowsePage is one page of the intel browser.
type BrowsePage struct {
	Objects []*Object
	Sources map[int64]string // the names of the sources the objects came from, where the viewer may know them
	Next    string           // the cursor of the next page; "" on the last
}

// browsePageSize is how many objects one page of the browser lists.
const browsePageSize = 50

// Browse lists the newest versions of the intel objects the officer may
// view, most recently added first, filtered by type, source, marking and
// text (a name, or a STIX id exactly). A malformed filter is refused with
// the field at fault.
func (s *Service) Browse(ctx context.Context, p auth.Principal, q BrowseQuery) (*BrowsePage, error) {
	if !p.Can(auth.PermIntelRead) {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	lq := ListQuery{Reader: s.access.ScopeOf(p, ObjectType, access.View), Type: strings.TrimSpace(q.Type), SourceID: q.Source,
		Text: q.Text, Limit: browsePageSize}
	if q.TLP != "" {
		l, ok := tlp.Parse(q.TLP)
		if !ok {
			return nil, koban.FieldError("tlp", "intel.error.tlp")
		}
		lq.TLP = l
	}
	if q.Cursor != "" {
		at, id, ok := strings.Cut(q.Cursor, ".")
		n, err1 := strconv.ParseInt(at, 10, 64)
		m, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, koban.FieldError("cursor", "error.malformed")
		}
		lq.BeforeAdded, lq.BeforeID = time.UnixMicro(n).UTC(), m
	}
	objs, more, err := s.store.IntelList(ctx, lq)
	if err != nil {
		return nil, err
	}
	page := &BrowsePage{Objects: objs, Sources: map[int64]string{}}
	if more && len(objs) > 0 {
		last := objs[len(objs)-1]
		page.Next = strconv.FormatInt(last.AddedAt.UnixMicro(), 10) + "." + strconv.FormatInt(last.ID, 10)
	}
	tree := s.tree()
	for _, o := range objs {
		if _, done := page.Sources[o.SourceID]; done || o.SourceID == 0 {
			continue
		}
		src, err := s.store.Source(ctx, o.SourceID)
		if err != nil {
			return nil, err
		}
		if tree.Sees(p.OrgID, src.OrgID) || src.Kind == SourcePush {
			page.Sources[o.SourceID] = src.Name
		} else {
			page.Sources[o.SourceID] = ""
		}
	}
	return page, nil
}
