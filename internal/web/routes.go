package web

import (
	"context"
	"net/http"
	"strings"
)

// Handler returns every page route, with the page middleware around them.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// Public, no account.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /report", s.reportForm)
	mux.HandleFunc("POST /report", s.reportSubmit)
	mux.HandleFunc("GET /s/{token}", s.status)
	mux.HandleFunc("POST /s/{token}", s.statusAdd)
	mux.HandleFunc("POST /s/{token}/mail", s.statusMail)
	mux.HandleFunc("GET /statistics", s.statistics)
	mux.HandleFunc("GET /statistics.csv", s.statisticsCSV)
	if s.Advisories != nil {
		mux.HandleFunc("GET /advisories", s.advisories)
		mux.HandleFunc("GET /advisories/{number}", s.advisoryPublic)
		mux.HandleFunc("GET /advisories.atom", s.advisoryFeed)
		mux.HandleFunc("GET /advisories.json", s.advisoryFeed)
		mux.HandleFunc("GET /advisories/desk", s.officer(s.advisoryDesk))
		mux.HandleFunc("GET /advisories/desk/new", s.officer(s.advisoryNew))
		mux.HandleFunc("POST /advisories/desk", s.officer(s.advisoryCreate))
		mux.HandleFunc("GET /advisories/desk/{id}", s.officer(s.advisoryItem))
		mux.HandleFunc("POST /advisories/desk/{id}/{action}", s.officer(s.advisoryAction))
	}
	mux.HandleFunc("GET /static/{hash}/{name...}", s.static)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.assets.url("favicon.svg"), http.StatusMovedPermanently)
	})

	// Officers.
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /login/oidc", s.oidcStart)
	mux.HandleFunc("GET /login/oidc/callback", s.oidcCallback)
	mux.HandleFunc("GET /login/totp", s.totpForm)
	mux.HandleFunc("POST /login/totp", s.totp)
	mux.HandleFunc("GET /login/enroll", s.enrollForm)
	mux.HandleFunc("POST /login/enroll", s.enroll)
	mux.HandleFunc("POST /login/passkey/options", s.passkeyLoginOptions)
	mux.HandleFunc("POST /login/passkey", s.passkeyLogin)
	mux.HandleFunc("POST /login/enroll/passkey/options", s.passkeyEnrollOptions)
	mux.HandleFunc("POST /login/enroll/passkey", s.passkeyEnroll)
	mux.HandleFunc("POST /account/passkey/options", s.officer(s.passkeyAccountOptions))
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /account", s.officer(s.account))
	mux.HandleFunc("POST /account/{action}", s.officer(s.accountAction))
	mux.HandleFunc("GET /queue", s.officer(s.queue))
	mux.HandleFunc("GET /queue/events", s.officer(s.queueEvents))
	mux.HandleFunc("GET /search", s.officer(s.search))
	mux.HandleFunc("GET /searches", s.officer(s.savedSearches))
	mux.HandleFunc("GET /intel", s.officer(s.intelSources))
	mux.HandleFunc("POST /intel/sources", s.officer(s.intelSourceCreate))
	mux.HandleFunc("POST /intel/sources/{id}/import", s.officer(s.intelImport))
	mux.HandleFunc("GET /intel/objects", s.officer(s.intelObjects))
	mux.HandleFunc("GET /intel/objects/{id}", s.officer(s.intelObject))
	mux.HandleFunc("POST /intel/objects/{id}/share", s.officer(s.intelShare))
	mux.HandleFunc("GET /patrol", s.officer(s.patrolItems))
	mux.HandleFunc("POST /patrol/items", s.officer(s.patrolItemCreate))
	mux.HandleFunc("GET /patrol/items/{id}", s.officer(s.patrolItem))
	mux.HandleFunc("POST /patrol/items/{id}/hold", s.officer(s.patrolHold))
	mux.HandleFunc("GET /patrol/retention", s.officer(s.patrolRetention))
	mux.HandleFunc("POST /patrol/retention", s.officer(s.patrolRetentionSet))
	mux.HandleFunc("POST /patrol/retention/remove", s.officer(s.patrolRetentionRemove))
	mux.HandleFunc("GET /patrol/captures/{id}/{what}", s.officer(s.patrolCaptureBody))
	mux.HandleFunc("GET /takedown", s.officer(s.takedowns))
	mux.HandleFunc("POST /takedown", s.officer(s.takedownDraft))
	mux.HandleFunc("GET /takedown/{id}", s.officer(s.takedownRequest))
	mux.HandleFunc("POST /takedown/{id}/{action}", s.officer(s.takedownAction))
	mux.HandleFunc("GET /patrol/findings", s.officer(s.patrolFindings))
	mux.HandleFunc("GET /patrol/findings/{id}", s.officer(s.patrolFinding))
	mux.HandleFunc("POST /patrol/findings/{id}/review", s.officer(s.patrolReview))
	mux.HandleFunc("POST /patrol/findings/{id}/report", s.officer(s.patrolFileReport))
	mux.HandleFunc("POST /patrol/findings/{id}/case", s.officer(s.patrolJoinCase))
	mux.HandleFunc("GET /intel/collections", s.officer(s.intelCollections))
	mux.HandleFunc("POST /intel/collections", s.officer(s.intelCollectionCreate))
	mux.HandleFunc("POST /searches", s.officer(s.saveSearch))
	mux.HandleFunc("GET /searches/{id}", s.officer(s.savedSearch))
	mux.HandleFunc("POST /searches/{id}/{action}", s.officer(s.savedSearchAction))
	mux.HandleFunc("GET /reports/{id}", s.officer(s.reportDetail))
	mux.HandleFunc("GET /reports/{id}/files/{fid}", s.officer(s.reportFile))
	mux.HandleFunc("POST /reports/{id}/contact", s.officer(s.reportContact))
	if s.Assist != nil {
		mux.HandleFunc("POST /reports/{id}/translate", s.officer(s.reportTranslate))
	}
	mux.HandleFunc("POST /reports/{id}/export/{format}", s.officer(s.recordExport("report")))
	mux.HandleFunc("POST /reports/{id}/{action}", s.officer(s.reportAction))
	mux.HandleFunc("GET "+ObservablePrefix+"{type}/{value...}", s.officer(s.observablePage))
	mux.HandleFunc("GET "+ObservablePrefix+"{type}", s.officer(s.observablePage)) // ?value=, for values the path form would mangle
	mux.HandleFunc("POST /access-requests", s.officer(s.accessRequest))
	mux.HandleFunc("GET /graph", s.officer(s.graphPage))
	mux.HandleFunc("GET /clusters", s.officer(s.clustersPage))
	mux.HandleFunc("GET /clusters/{id}", s.officer(s.clusterPage))
	mux.HandleFunc("GET /cases", s.officer(s.caseList))
	mux.HandleFunc("GET /cases/new", s.officer(s.caseNew))
	mux.HandleFunc("POST /cases", s.officer(s.caseOpen))
	mux.HandleFunc("GET /cases/{id}", s.officer(s.caseDetail))
	if s.Assist != nil {
		mux.HandleFunc("POST /cases/{id}/summarise", s.officer(s.caseSummarise))
	}
	mux.HandleFunc("POST /cases/{id}/{action}", s.officer(s.caseUpdate))
	if s.Foreign != nil {
		mux.HandleFunc("GET /cases/{id}/foreign/new", s.officer(s.foreignNew))
		mux.HandleFunc("POST /cases/{id}/foreign", s.officer(s.foreignCreate))
		mux.HandleFunc("GET /foreign", s.officer(s.foreignList))
		mux.HandleFunc("GET /foreign/{id}", s.officer(s.foreignRequest))
		mux.HandleFunc("POST /foreign/{id}/{action}", s.officer(s.foreignMove))
	}
	if s.Malware != nil {
		mux.HandleFunc("GET /samples", s.officer(s.samplesList))
		mux.HandleFunc("POST /samples", s.officer(s.sampleUpload))
		mux.HandleFunc("GET /samples/rules", s.officer(s.sampleRules))
		mux.HandleFunc("GET /samples/{id}", s.officer(s.sampleDetail))
		mux.HandleFunc("POST /samples/{id}/family", s.officer(s.sampleFamily))
		mux.HandleFunc("GET /samples/{id}/download", s.officer(s.sampleDownload))
		mux.HandleFunc("POST /samples/{id}/analyse", s.officer(s.sampleReanalyse))
		mux.HandleFunc("POST /samples/{id}/explain", s.officer(s.sampleExplain))
	}
	if s.Reading != nil {
		mux.HandleFunc("GET /reading", s.officer(s.readingList))
		mux.HandleFunc("GET /reading/feeds", s.officer(s.readingFeeds))
		mux.HandleFunc("POST /reading/feeds", s.officer(s.readingFeedAdd))
		mux.HandleFunc("POST /reading/feeds/{id}/{action}", s.officer(s.readingFeedAction))
	}
	if s.Vuln != nil {
		mux.HandleFunc("GET /vulns", s.officer(s.vulns))
		mux.HandleFunc("GET /vulns/search", s.officer(s.vulnSearch))
		mux.HandleFunc("GET /vulns/assets", s.officer(s.vulnAssets))
		mux.HandleFunc("POST /vulns/assets", s.officer(s.vulnAssetAdd))
		mux.HandleFunc("POST /vulns/assets/import", s.officer(s.vulnAssetImport))
		mux.HandleFunc("GET /vulns/assets/{id}", s.officer(s.vulnAsset))
		mux.HandleFunc("POST /vulns/assets/{id}/remove", s.officer(s.vulnAssetRemove))
		mux.HandleFunc("POST /vulns/findings/{id}/status", s.officer(s.vulnFindingStatus))
		mux.HandleFunc("GET /vulns/cve/{id}", s.officer(s.vulnRecord))
		mux.HandleFunc("GET /vulns/cve/{id}/csaf", s.officer(s.vulnCSAF))
		mux.HandleFunc("GET /vulns/sources", s.officer(s.vulnSources))
		mux.HandleFunc("POST /vulns/sources", s.officer(s.vulnSourceAdd))
		mux.HandleFunc("POST /vulns/sources/{id}/{action}", s.officer(s.vulnSourceAction))
	}
	mux.HandleFunc("POST /cases/{id}/tasks/{tid}/{state}", s.officer(s.caseTaskState))
	mux.HandleFunc("POST /cases/{id}/reports/{rid}/unlink", s.officer(s.caseUnlink))
	mux.HandleFunc("POST /cases/{id}/evidence", s.officer(s.caseEvidenceAdd))
	mux.HandleFunc("GET /cases/{id}/evidence/{eid}", s.officer(s.caseEvidenceItem))
	mux.HandleFunc("GET /cases/{id}/evidence/{eid}/file", s.officer(s.caseEvidenceFile))
	mux.HandleFunc("POST /cases/{id}/evidence/{eid}/custody", s.officer(s.caseEvidenceCustody))
	mux.HandleFunc("POST /cases/{id}/evidence/{eid}/verify", s.officer(s.caseEvidenceVerify))
	mux.HandleFunc("POST /cases/{id}/export", s.officer(s.caseExport))
	mux.HandleFunc("POST /cases/{id}/export/{format}", s.officer(s.recordExport("case")))
	mux.HandleFunc("GET /tasks", s.officer(s.myTasks))
	mux.HandleFunc("GET /dashboard", s.officer(s.dashboard))
	s.betweenRoutes(mux) // referrals, parties, support, access requests, live case pages (between_routes.go)

	// Administrators.
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/admin/users", http.StatusSeeOther) })
	mux.HandleFunc("GET /admin/users", s.officer(s.adminUsers))
	mux.HandleFunc("POST /admin/users", s.officer(s.adminUserCreate))
	mux.HandleFunc("GET /admin/users/{id}", s.officer(s.adminUser))
	mux.HandleFunc("POST /admin/users/{id}/{action}", s.officer(s.adminUserAction))
	mux.HandleFunc("GET /admin/orgs", s.officer(s.adminOrgs))
	mux.HandleFunc("GET /admin/retention", s.officer(s.adminRetention))
	mux.HandleFunc("POST /admin/orgs", s.officer(s.adminOrgCreate))
	mux.HandleFunc("GET /admin/orgs/{id}/totp/{rule}", s.officer(s.adminOrgTOTPConfirm))
	mux.HandleFunc("POST /admin/orgs/{id}/totp", s.officer(s.adminOrgTOTP))
	// Anything else: the site's own 404 page, in the visitor's language,
	// with a way back (Go's default is a bare line of English).
	mux.HandleFunc("/", s.notFound)
	return rememberLang(mux)
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if strings.Contains(name, "..") || s.assets.hashes[name] == "" {
		s.notFound(w, r)
		return
	}
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if r.PathValue("hash") == s.assets.hashes[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Write(b)
}

// notFound is the 404 page for every address koban does not serve. A
// signed-in officer is recognised (for the way back to the queue) without
// sliding their session.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if p, err := s.Auth.StillValid(r.Context(), c.Value, s.clientIP(r)); err == nil {
			r = r.WithContext(context.WithValue(r.Context(), principalKey, p))
		}
	}
	p := s.newPage(r, "error.not_found_title")
	s.render(w, r, http.StatusNotFound, "error", errorPage{page: p, Message: p.T("error.not_found")})
}
