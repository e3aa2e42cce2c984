package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/reading"
)

// CanReading tells whether the viewer reads the reading list (shows the
// menu).
func (p page) CanReading() bool {
	return p.reading && p.Principal != nil && p.Principal.Can(auth.PermIntelRead)
}

// readingPage is the reading list: other bodies' advisories, newest
// first, from every feed or one.
type readingPage struct {
	page
	Feeds  []*reading.Feed
	FeedID int64
	List   *reading.Page
	// CanManage shows the way to the feeds' page as a place to act.
	CanManage bool
}

// FeedName names the feed the list is narrowed to.
func (p readingPage) FeedName() string {
	for _, f := range p.Feeds {
		if f.ID == p.FeedID {
			return f.Name
		}
	}
	return ""
}

// NextURL is the next page of the same list.
func (p readingPage) NextURL() string {
	q := url.Values{"after": {p.List.Next}}
	if p.FeedID != 0 {
		q.Set("feed", strconv.FormatInt(p.FeedID, 10))
	}
	if p.Lang != "" {
		q.Set("lang", p.Lang)
	}
	return "/reading?" + q.Encode()
}

// Updated tells whether an item changed after koban first stored it.
func (p readingPage) Updated(it *reading.Item) bool { return !it.ChangedAt.IsZero() }

func (s *Server) readingList(w http.ResponseWriter, r *http.Request) {
	p := readingPage{page: s.newPage(r, "reading.title")}
	feeds, err := s.Reading.Feeds(r.Context(), *p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Feeds, p.CanManage = feeds, s.Reading.CanManage(*p.Principal, nil)
	if v := r.URL.Query().Get("feed"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !slices.ContainsFunc(feeds, func(f *reading.Feed) bool { return f.ID == id }) {
			s.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
			return
		}
		p.FeedID = id
	}
	if p.List, err = s.Reading.List(r.Context(), *p.Principal, p.FeedID, r.URL.Query().Get("after")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reading", p)
}

// readingFeedsPage lists the feeds followed with their last fetch, the
// feeds suggested and the form that adds one.
type readingFeedsPage struct {
	page
	Feeds       []*reading.Feed
	Suggestions []reading.Suggestion // those not followed yet
	CanAdd      bool
	Form        reading.FeedInput
	may         func(*reading.Feed) bool
}

// CanChange tells whether the viewer may disable, enable or remove f.
func (p readingFeedsPage) CanChange(f *reading.Feed) bool { return p.may(f) }

// Every writes a feed's interval.
func (p readingFeedsPage) Every(d time.Duration) string {
	if m := int(d.Minutes()); m%60 != 0 {
		return p.T("reading.every_min", "n", strconv.Itoa(m))
	}
	return p.T("reading.every_hours", "n", strconv.Itoa(int(d.Hours())))
}

// DroppedText says why an item was left out.
func (p readingFeedsPage) DroppedText(d reading.Dropped) string {
	text := p.T("reading.dropped."+d.Code, "n", strconv.Itoa(d.Index))
	if d.ID != "" {
		text += " (" + d.ID + ")"
	}
	return text
}

func (s *Server) readingFeeds(w http.ResponseWriter, r *http.Request) {
	s.renderReadingFeeds(w, r, http.StatusOK, readingFeedsPage{page: s.newPage(r, "reading.feeds_title")})
}

func (s *Server) renderReadingFeeds(w http.ResponseWriter, r *http.Request, status int, p readingFeedsPage) {
	feeds, err := s.Reading.Feeds(r.Context(), *p.Principal)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr := *p.Principal
	p.Feeds, p.CanAdd = feeds, s.Reading.CanManage(pr, nil)
	p.may = func(f *reading.Feed) bool { return s.Reading.CanManage(pr, f) }
	for _, sg := range reading.Suggestions {
		if !slices.ContainsFunc(feeds, func(f *reading.Feed) bool { return f.URL == sg.URL }) {
			p.Suggestions = append(p.Suggestions, sg)
		}
	}
	s.render(w, r, status, "reading_feeds", p)
}

func (s *Server) readingFeedAdd(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r, 64<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	in := reading.FeedInput{URL: r.PostForm.Get("url"), Name: r.PostForm.Get("name"), EveryMin: r.PostForm.Get("every")}
	_, err := s.Reading.AddFeed(r.Context(), pr, in)
	if c := koban.ErrorCode(err); c == koban.Invalid || c == koban.Conflict {
		p := readingFeedsPage{page: s.newPage(r, "reading.feeds_title"), Form: in}
		p.setProblems(err)
		s.renderReadingFeeds(w, r, guard.Status(c), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/reading/feeds?done=reading_feed_added", http.StatusSeeOther)
}

func (s *Server) readingFeedAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.postForm(w, r, 4<<10) {
		return
	}
	pr, _ := principalFrom(r.Context())
	action := r.PathValue("action")
	switch action {
	case "enable", "disable":
		_, err = s.Reading.SetEnabled(r.Context(), pr, id, action == "enable")
	case "remove":
		err = s.Reading.Remove(r.Context(), pr, id)
	default:
		err = koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/reading/feeds?done=reading_feed_"+action+"d", http.StatusSeeOther)
}
