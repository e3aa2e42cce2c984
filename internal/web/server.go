// Package web serves koban's HTML pages: the public report form and status
// page, and the officers' sign-in, queue and report pages. Pages work without
// JavaScript; every string comes from the locale catalogs.
package web

import (
	"context"

	"log/slog"
	"net/http"
	"time"

	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/assist"

	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/dashboard"
	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/live"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/malware"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/patrol"
	"github.com/koban-project/koban/internal/reading"
	"github.com/koban-project/koban/internal/retention"
	"github.com/koban-project/koban/internal/search"
	"github.com/koban-project/koban/internal/sso"
	"github.com/koban-project/koban/internal/stats"
	"github.com/koban-project/koban/internal/takedown"
	"github.com/koban-project/koban/internal/vuln"
)

// Deps are what the pages need.
type Deps struct {
	Intake     *intake.Service
	Cases      *cases.Service
	Evidence   *cases.EvidenceService
	Search     *search.Service    // across reports, cases and notes; saved searches
	Intel      *intel.Service     // feeds and their polls, intel objects
	Exports    *intel.Exporter    // reports and cases as STIX and MISP for partners
	Patrol     *patrol.Service    // cyber patrol: watch items and captures
	Takedown   *takedown.Service  // takedown requests to providers
	Foreign    *foreign.Service   // international requests (国際連携)
	Malware    *malware.Service   // malware samples (検体)
	Advisories *advisory.Service  // advisories to the public (広報啓発)
	Instance   string             // the database's identity: feed ids are unique to it
	Stats      *stats.Service     // the public statistics, suppressed
	Dashboard  *dashboard.Service // supervisors' view of their line
	Reading    *reading.Service   // other bodies' advisories, newest first
	Assist     *assist.Service    // triage suggestions (nil: none shown)
	Vuln       *vuln.Service      // vulnerability information against the inventory of police IT
	Retention  *retention.Service // the retention policy and its last runs (administrators)
	Index      *correlate.Service
	Auth       *auth.Service
	SSO        *sso.Service // single sign-on through the force's OpenID Connect provider; nil: off
	Admin      *admin.Service
	Users      UserDirectory
	Catalogs   *locale.Catalogs
	Tree       func() *org.Tree
	Location   *time.Location
	TrustProxy bool
	BaseURL    string            // KOBAN_BASE_URL, "" = links relative to this server
	Submit     guard.RateLimiter // public submissions per client
	Live       *live.Hub         // new-report events for open queue pages; nil: none
	Changes    *live.Hub         // case and inbox changes for open case and inbox pages; nil: none
	Requests   *correlate.Requests
	Log        *slog.Logger
	Now        func() time.Time
}

// UserDirectory lists officers for the assign form.
type UserDirectory interface {
	Users(ctx context.Context, orgIDs []int64) ([]auth.User, error)
}

// Server renders the pages.
type Server struct {
	Deps
	tmpl   *templates
	assets *assets
	// oidcStarts bounds how often one client may start a sign-in through
	// the provider: each start stores a flow.
	oidcStarts guard.RateLimiter
}

// New parses the templates and hashes the assets; a broken template fails
// here, at start-up, not on a request.
func New(d Deps) (*Server, error) {
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	return &Server{Deps: d, tmpl: t, assets: a, oidcStarts: guard.NewLimiter(0.5, 20)}, nil
}

func (s *Server) clientIP(r *http.Request) string { return guard.ClientIP(r, s.TrustProxy) }
