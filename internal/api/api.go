// Package api is koban's JSON interface under /api/v1: the public report
// endpoint, partner intake (single and bulk NDJSON), the officers' queue,
// the national index and cases, exports of reports and cases for partners
// (STIX, MISP), over the same services as the pages.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/malware"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/search"
	"github.com/koban-project/koban/internal/vuln"
)

// Deps are what the API needs.
type Deps struct {
	Intake     *intake.Service
	Cases      *cases.Service
	Requests   *correlate.Requests // access-request inboxes
	Evidence   *cases.EvidenceService
	Search     *search.Service // across reports, cases and notes; saved searches
	Accounts   Accounts        // the accounts requests name by e-mail
	Index      *correlate.Service
	Exports    *intel.Exporter  // reports and cases as STIX and MISP for partners
	Malware    *malware.Service // malware samples
	Vuln       *vuln.Service    // vulnerability information: the inventory, findings, the dictionary
	Auth       *auth.Service
	Catalogs   *locale.Catalogs
	Tree       func() *org.Tree
	TrustProxy bool
	BaseURL    string
	Submit     guard.RateLimiter
	Log        *slog.Logger
	Now        func() time.Time
	Metrics    *Metrics
	Location   *time.Location // how times inside messages are written
}

// API serves /api/v1.
type API struct{ Deps }

// New returns the API.
func New(d Deps) *API { return &API{d} }

// Handler mounts the API routes.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/public/reports", a.publicReport)
	mux.HandleFunc("POST /api/v1/reports", a.token(a.partnerReport))
	mux.HandleFunc("POST /api/v1/reports/bulk", a.token(a.bulkReports))
	mux.HandleFunc("GET /api/v1/reports", a.token(a.queue))
	mux.HandleFunc("GET /api/v1/reports/{id}", a.token(a.report))
	mux.HandleFunc("GET /api/v1/search", a.token(a.search))
	mux.HandleFunc("GET /api/v1/reports/{id}/links", a.token(a.reportLinks))
	mux.HandleFunc("GET /api/v1/reports/{id}/stix", a.token(a.recordExport("report", intel.FormatSTIX)))
	mux.HandleFunc("GET /api/v1/reports/{id}/misp", a.token(a.recordExport("report", intel.FormatMISP)))
	mux.HandleFunc("GET "+ObservablePrefix+"{type}/{value...}", a.token(a.observable))
	mux.HandleFunc("GET "+ObservablePrefix+"{type}", a.token(a.observable)) // ?value=, for values the path form would mangle
	mux.HandleFunc("POST /api/v1/access-requests", a.token(a.requestAccess))
	mux.HandleFunc("GET /api/v1/graph", a.token(a.graph))
	mux.HandleFunc("GET /api/v1/clusters", a.token(a.clusters))
	mux.HandleFunc("GET /api/v1/clusters/{id}", a.token(a.cluster))
	mux.HandleFunc("GET /api/v1/cases", a.token(a.cases))
	mux.HandleFunc("POST /api/v1/cases", a.token(a.openCase))
	mux.HandleFunc("GET /api/v1/cases/{id}", a.token(a.caseView))
	mux.HandleFunc("POST /api/v1/cases/{id}/status", a.token(a.caseStatus))
	mux.HandleFunc("POST /api/v1/cases/{id}/hold", a.token(a.caseHold))
	mux.HandleFunc("POST /api/v1/cases/{id}/tasks", a.token(a.caseTask))
	mux.HandleFunc("POST /api/v1/cases/{id}/tasks/{tid}", a.token(a.caseTaskState))
	mux.HandleFunc("POST /api/v1/cases/{id}/notes", a.token(a.caseNote))
	mux.HandleFunc("POST /api/v1/cases/{id}/reports", a.token(a.caseLink))
	mux.HandleFunc("GET /api/v1/cases/{id}/evidence", a.token(a.caseEvidence))
	mux.HandleFunc("POST /api/v1/cases/{id}/evidence", a.token(a.caseEvidenceAdd))
	mux.HandleFunc("GET /api/v1/cases/{id}/evidence/{eid}", a.token(a.caseEvidenceItem))
	mux.HandleFunc("GET /api/v1/cases/{id}/evidence/{eid}/file", a.token(a.caseEvidenceFile))
	mux.HandleFunc("POST /api/v1/cases/{id}/evidence/{eid}/custody", a.token(a.caseEvidenceCustody))
	mux.HandleFunc("POST /api/v1/cases/{id}/evidence/{eid}/verify", a.token(a.caseEvidenceVerify))
	mux.HandleFunc("POST /api/v1/cases/{id}/export", a.token(a.caseExport))
	mux.HandleFunc("GET /api/v1/cases/{id}/stix", a.token(a.recordExport("case", intel.FormatSTIX)))
	mux.HandleFunc("GET /api/v1/cases/{id}/misp", a.token(a.recordExport("case", intel.FormatMISP)))
	mux.HandleFunc("GET /api/v1/tasks", a.token(a.tasks))
	if a.Malware != nil {
		mux.HandleFunc("POST /api/v1/samples", a.token(a.sampleAdd))
		mux.HandleFunc("GET /api/v1/samples", a.token(a.samples))
		mux.HandleFunc("GET /api/v1/samples/{id}", a.token(a.sample))
		mux.HandleFunc("GET /api/v1/samples/{id}/download", a.token(a.sampleDownload))
	}
	if a.Vuln != nil {
		mux.HandleFunc("POST /api/v1/assets", a.token(a.assetsAdd))
		mux.HandleFunc("GET /api/v1/assets", a.token(a.assets))
		mux.HandleFunc("GET /api/v1/findings", a.token(a.findings))
		mux.HandleFunc("POST /api/v1/findings/{id}/status", a.token(a.findingStatus))
		mux.HandleFunc("GET /api/v1/vulns/{id}", a.token(a.vulnRecord))
		mux.HandleFunc("GET /api/v1/vulns/{id}/csaf", a.token(a.vulnCSAF))
	}
	a.betweenRoutes(mux) // referrals, parties, support, access requests (case_between.go)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, koban.Errorf(koban.NotFound, "error.not_found"))
	})
	return mux
}

type ctxKey int

const principalKey ctxKey = 1

// token authenticates a machine client by its bearer token.
func (a *API) token(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="koban"`)
			a.fail(w, r, koban.Errorf(koban.Unauthorized, "auth.error.token"))
			return
		}
		p, err := a.Auth.TokenPrincipal(r.Context(), strings.TrimSpace(bearer), guard.ClientIP(r, a.TrustProxy))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="koban", error="invalid_token"`)
			a.fail(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	}
}

func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(principalKey).(auth.Principal)
	return p
}

// lang is the language of error messages: ?lang=, then Accept-Language.
func lang(r *http.Request) string { return langSaid(r, "") }

// langSaid is lang for a request whose body said which language it wants
// (a report's "language"): ?lang=, then that, then Accept-Language. A
// script seldom sends Accept-Language.
func langSaid(r *http.Request, said string) string {
	for _, l := range [2]string{r.URL.Query().Get("lang"), said} {
		if locale.Supported(l) {
			return l
		}
	}
	return locale.Match(r.Header.Get("Accept-Language"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// Problem is one error in a response: the field, a stable code (the
// message key) and the message in the caller's language.
type Problem struct {
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (a *API) problems(err error, lang string) []Problem {
	var out []Problem
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			out = append(out, Problem{Field: p.Field, Code: p.Key, Message: a.Catalogs.T(lang, p.Key)})
		}
		return out
	}
	key := koban.ErrorKey(err)
	var ke *koban.Error
	field := ""
	if errors.As(err, &ke) {
		field = ke.Field
	}
	return []Problem{{Field: field, Code: key, Message: a.Catalogs.T(lang, key)}}
}

// fail writes an error response; only internal errors are logged.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) { a.failIn(w, r, err, lang(r)) }

// failIn is fail with the messages in language l.
func (a *API) failIn(w http.ResponseWriter, r *http.Request, err error, l string) {
	code := koban.ErrorCode(err)
	if code == koban.Internal || code == koban.Unavailable {
		a.Log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, guard.Status(code), map[string]any{"errors": a.problems(err, l)})
}

// malformed is the 400 for a body that cannot be read at all.
func malformed(why string) error {
	return &koban.Error{Code: koban.Malformed, Key: "error.malformed", Err: errors.New(why)}
}

func (a *API) badRequest(w http.ResponseWriter, r *http.Request, field string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []Problem{{Field: field, Code: "error.malformed", Message: a.Catalogs.T(lang(r), "error.malformed")}}})
}

// bodyError is the error for a request body that could not be read to its
// end: a 413 when it went past its limit (key says which), otherwise a 400.
func bodyError(err error, key string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &koban.Error{Code: koban.TooLarge, Key: key, Err: err}
	}
	return &koban.Error{Code: koban.Malformed, Key: "error.malformed", Err: err}
}
