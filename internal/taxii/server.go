package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Options set up a Server. Zero fields take the defaults below.
type Options struct {
	// Title, Description and Contact fill the discovery resource.
	Title, Description, Contact string
	// Prefix is where the server is mounted. Default "/taxii2/".
	Prefix string
	// BaseURL (e.g. https://koban.example.jp) makes the API root URLs of
	// the discovery resource absolute; "" leaves them relative.
	BaseURL string
	// MaxContentLength is the largest request body taken, in bytes, and
	// what the API roots announce. Default 10 MiB.
	MaxContentLength int64
	// PageSize is the most records one page holds, and the page size when
	// the client gives no limit. Default 1000.
	PageSize int
	// Now tells the time (request timestamps). Default time.Now.
	Now func() time.Time
	// Logger receives the backend's internal errors. Default slog.Default().
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultMaxContentLength = 10 << 20
	DefaultPageSize         = 1000
)

// Server is the TAXII 2.1 HTTP handler.
type Server struct {
	backend Backend
	opts    Options
}

// NewServer returns the TAXII server over backend, to be mounted at
// opts.Prefix (discovery there, API roots at <prefix><root>/).
func NewServer(backend Backend, opts Options) *Server {
	if opts.Prefix == "" {
		opts.Prefix = "/taxii2/"
	}
	if !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.Title == "" {
		opts.Title = "koban TAXII"
	}
	if opts.MaxContentLength <= 0 {
		opts.MaxContentLength = DefaultMaxContentLength
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &Server{backend: backend, opts: opts}
}

// request is one request on its way through the server.
type request struct {
	*http.Request
	w    http.ResponseWriter
	segs []string // the path after the prefix, split at "/"
}

// ServeHTTP authenticates, negotiates, and routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	path := r.URL.Path
	if !strings.HasSuffix(path, "/") {
		path += "/" // TAXII URLs end with a slash; take them without too
	}
	if !strings.HasPrefix(path, s.opts.Prefix) {
		s.fail(w, r, http.StatusNotFound, "taxii.not_found", "Not found", "There is no TAXII resource here.", nil)
		return
	}
	ctx, err := s.backend.Authenticate(r)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			w.Header().Set("WWW-Authenticate", `Basic realm="TAXII", charset="UTF-8"`)
		}
		s.backendError(w, r, err)
		return
	}
	r = r.WithContext(ctx)
	if !acceptsTAXII(r.Header.Values("Accept")) {
		s.fail(w, r, http.StatusNotAcceptable, "taxii.not_acceptable", "Not acceptable",
			"This server answers in "+MediaTAXII+" only; send it in Accept.", map[string]string{"accept": r.Header.Get("Accept")})
		return
	}
	rest := strings.Trim(strings.TrimPrefix(path, s.opts.Prefix), "/")
	var segs []string
	if rest != "" {
		segs = strings.Split(rest, "/")
	}
	req := &request{Request: r, w: w, segs: segs}
	s.route(req)
}

func (s *Server) route(r *request) {
	seg := r.segs
	n := len(seg)
	switch {
	case n == 0:
		s.method(r, byMethod{"GET": s.discovery})
	case n == 1:
		s.method(r, byMethod{"GET": s.apiRoot})
	case n == 3 && seg[1] == "status":
		s.method(r, byMethod{"GET": s.status})
	case n == 2 && seg[1] == "collections":
		s.method(r, byMethod{"GET": s.collections})
	case n == 3 && seg[1] == "collections":
		s.method(r, byMethod{"GET": s.collection})
	case n == 4 && seg[1] == "collections" && seg[3] == "objects":
		s.method(r, byMethod{"GET": s.getObjects, "POST": s.addObjects})
	case n == 4 && seg[1] == "collections" && seg[3] == "manifest":
		s.method(r, byMethod{"GET": s.manifest})
	case n == 5 && seg[1] == "collections" && seg[3] == "objects":
		s.method(r, byMethod{"GET": s.getObject, "DELETE": s.deleteObject})
	case n == 6 && seg[1] == "collections" && seg[3] == "objects" && seg[5] == "versions":
		s.method(r, byMethod{"GET": s.versions})
	default:
		s.fail(r.w, r.Request, http.StatusNotFound, "taxii.not_found", "Not found", "There is no TAXII resource here.", nil)
	}
}

// byMethod maps HTTP methods to the handlers of one resource.
type byMethod map[string]func(*request)

// method calls the handler of r's method (GET's for HEAD), or answers 405.
func (s *Server) method(r *request, h byMethod) {
	m := r.Method
	if m == "HEAD" {
		m = "GET"
	}
	if f, ok := h[m]; ok {
		f(r)
		return
	}
	allow := make([]string, 0, len(h))
	for m := range h {
		allow = append(allow, m)
	}
	sort.Strings(allow)
	r.w.Header().Set("Allow", strings.Join(allow, ", "))
	s.fail(r.w, r.Request, http.StatusMethodNotAllowed, "taxii.method_not_allowed", "Method not allowed",
		r.Method+" is not allowed here; allowed: "+strings.Join(allow, ", ")+".", map[string]string{"method": r.Method})
}

// acceptsTAXII reports whether the Accept header values allow the TAXII
// 2.1 media type. No Accept header at all accepts anything (RFC 9110).
func acceptsTAXII(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(item))
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
					continue
				}
			}
			switch mt {
			case "*/*", "application/*":
				return true
			case "application/taxii+json":
				if ver, ok := params["version"]; !ok || ver == "2.1" {
					return true
				}
			}
		}
	}
	return false
}

// isTAXIIContent reports whether a Content-Type is TAXII 2.1's.
func isTAXIIContent(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/taxii+json" {
		return false
	}
	ver, ok := params["version"]
	return !ok || ver == "2.1"
}

// write answers with v as JSON in the TAXII media type.
func (s *Server) write(r *request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		s.internal(r.w, r.Request, err)
		return
	}
	s.writeBytes(r, status, buf.Bytes())
}

func (s *Server) writeBytes(r *request, status int, body []byte) {
	h := r.w.Header()
	h.Set("Content-Type", MediaTAXII)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	r.w.WriteHeader(status)
	if r.Method != "HEAD" {
		r.w.Write(body)
	}
}

// fail answers with a TAXII error message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, title, description string, details map[string]string) {
	body, _ := json.Marshal(ErrorResource{
		Title: title, Description: description, ErrorCode: code,
		HTTPStatus: strconv.Itoa(status), Details: details,
	})
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", MediaTAXII)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != "HEAD" {
		w.Write(body)
	}
}

// backendError answers for an error of the Backend.
func (s *Server) backendError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUnauthorized):
		s.fail(w, r, http.StatusUnauthorized, "taxii.unauthorized", "Not authenticated",
			"Send an API token as Authorization: Bearer, or as the password of HTTP Basic.", nil)
	case errors.Is(err, ErrForbidden):
		s.fail(w, r, http.StatusForbidden, "taxii.forbidden", "Forbidden", "You may not do this here.", nil)
	case errors.Is(err, ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "taxii.not_found", "Not found", "There is no such resource, or you may not see it.", nil)
	case errors.Is(err, ErrBadCursor):
		s.fail(w, r, http.StatusBadRequest, "taxii.bad_cursor", "Bad next value",
			"The next parameter is not a value this server gave; start again without it.", nil)
	default:
		s.internal(w, r, err)
	}
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.opts.Logger.Error("taxii: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "taxii.internal", "Internal error",
		"The server could not answer; the error is logged.", nil)
}
