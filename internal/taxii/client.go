package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/egress"
)

// Doer sends HTTP requests: an *egress.Client (what koban uses, so that
// every poll goes through its protections) or an *http.Client.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Auth is how the client proves who it is: HTTP Basic when Username or
// Password is set, else a bearer Token, else nothing.
type Auth struct {
	Username, Password string
	Token              string
}

// Retry says how often and how patiently a request is tried again after
// 429, 502, 503, 504 or a network error.
type Retry struct {
	Attempts  int           // tries in all; default 4
	BaseDelay time.Duration // the first wait, doubled each time; default 1 s
	MaxDelay  time.Duration // the longest wait, Retry-After included; default 2 min
}

// Client talks to one TAXII 2.1 server. API roots are named by URL, as
// discovery lists them: absolute, or relative to the discovery URL (a bare
// name such as "koban" is the root below it).
type Client struct {
	doer  Doer
	base  *url.URL
	auth  Auth
	retry Retry
	// sleep waits between tries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client for the server whose discovery URL is
// discoveryURL (e.g. https://taxii.example/taxii2/).
func NewClient(doer Doer, discoveryURL string, auth Auth) (*Client, error) {
	u, err := url.Parse(discoveryURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("taxii: discovery URL %q: want http(s)://host/path/", discoveryURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return &Client{doer: doer, base: u, auth: auth, retry: Retry{Attempts: 4, BaseDelay: time.Second, MaxDelay: 2 * time.Minute}, sleep: sleepCtx}, nil
}

// SetRetry changes the retry policy; zero fields keep their value.
func (c *Client) SetRetry(r Retry) {
	if r.Attempts > 0 {
		c.retry.Attempts = r.Attempts
	}
	if r.BaseDelay > 0 {
		c.retry.BaseDelay = r.BaseDelay
	}
	if r.MaxDelay > 0 {
		c.retry.MaxDelay = r.MaxDelay
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ResponseError is an answer with an error status. Resource is the
// server's error message when it sent one.
type ResponseError struct {
	Method, URL string
	Status      int
	Resource    *ErrorResource
}

func (e *ResponseError) Error() string {
	s := fmt.Sprintf("taxii: %s %s: HTTP %d", e.Method, e.URL, e.Status)
	if e.Resource != nil && e.Resource.Title != "" {
		s += ": " + e.Resource.Title
		if e.Resource.Description != "" {
			s += " (" + e.Resource.Description + ")"
		}
	}
	return s
}

// Code is the catalog key of the error's sentence (arguments: url, status).
func (e *ResponseError) Code() string { return "taxii.client.status" }

// Args are the values of the catalog sentence's placeholders.
func (e *ResponseError) Args() map[string]string {
	return map[string]string{"url": e.URL, "status": strconv.Itoa(e.Status)}
}

// ProtocolError is an answer that is not what TAXII 2.1 says it should be.
type ProtocolError struct {
	URL    string
	Code   string            // catalog key: taxii.client.<problem>
	Detail string            // the English sentence
	Args   map[string]string // the catalog sentence's placeholders, url among them
}

func (e *ProtocolError) Error() string { return fmt.Sprintf("taxii: %s: %s", e.URL, e.Detail) }

// root resolves an API root named by the caller to its URL (with a final
// slash).
func (c *Client) root(root string) (*url.URL, error) {
	u, err := c.base.Parse(root)
	if err != nil {
		return nil, fmt.Errorf("taxii: API root %q: %w", root, err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

func (c *Client) endpoint(root string, parts ...string) (string, error) {
	u, err := c.root(root)
	if err != nil {
		return "", err
	}
	for _, p := range parts {
		u = u.JoinPath(p)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}

// bodyMedia is what a successful answer may be.
type bodyMedia int

const (
	taxiiBody      bodyMedia = iota // application/taxii+json
	envelopeBody                    // the TAXII type, or STIX's from servers that send that
	noBodyExpected                  // anything: the body is not read
)

// do sends a request, trying again as the retry policy says, and returns
// a response with a 2xx status of the media type wanted.
func (c *Client) do(ctx context.Context, method, u string, q url.Values, body []byte, want bodyMedia) (*http.Response, error) {
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, method, u, body)
		wait, retry := time.Duration(0), false
		switch {
		case err != nil:
			lastErr = err
			retry = retryable(ctx, err)
		case resp.StatusCode == 429 || resp.StatusCode == 502 || resp.StatusCode == 503 || resp.StatusCode == 504:
			lastErr = responseError(method, u, resp)
			retry = true
			if ra, ok := egress.RetryAfter(resp.Header, time.Now()); ok {
				if ra > c.retry.MaxDelay {
					retry = false // the server asks for longer than we wait
				}
				wait = ra
			}
		case resp.StatusCode < 200 || resp.StatusCode > 299:
			return nil, responseError(method, u, resp)
		default:
			if err := checkMedia(u, resp.Header.Get("Content-Type"), want); err != nil {
				resp.Body.Close()
				return nil, err
			}
			return resp, nil
		}
		if !retry || attempt >= c.retry.Attempts {
			return nil, lastErr
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, lastErr
		}
	}
}

func (c *Client) once(ctx context.Context, method, u string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("taxii: %s %s: %w", method, u, err)
	}
	req.Header.Set("Accept", MediaTAXII)
	if body != nil {
		req.Header.Set("Content-Type", MediaTAXII)
	}
	switch {
	case c.auth.Username != "" || c.auth.Password != "":
		req.SetBasicAuth(c.auth.Username, c.auth.Password)
	case c.auth.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.auth.Token)
	}
	resp, err := c.doer.Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii: %s %s: %w", method, u, err)
	}
	return resp, nil
}

// backoff is the wait before try attempt+1: BaseDelay doubled each time,
// at most MaxDelay, with jitter (between half and all of it).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.BaseDelay << (attempt - 1)
	if d > c.retry.MaxDelay || d <= 0 {
		d = c.retry.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// retryable says whether a failed request may succeed when tried again:
// network trouble yes; koban's own refusals and a cancelled context no.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	for _, final := range []error{egress.ErrRefused, egress.ErrTooLarge, egress.ErrScheme, egress.ErrRedirects} {
		if errors.Is(err, final) {
			return false
		}
	}
	return true
}

// responseError reads an error answer's body (a TAXII error message, when
// it is one) and closes it.
func responseError(method, u string, resp *http.Response) error {
	defer resp.Body.Close()
	e := &ResponseError{Method: method, URL: u, Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var er ErrorResource
	if json.Unmarshal(b, &er) == nil && er.Title != "" {
		e.Resource = &er
	}
	return e
}

// checkMedia checks the Content-Type of a successful answer.
func checkMedia(u, ct string, want bodyMedia) error {
	if want == noBodyExpected {
		return nil
	}
	stixToo := want == envelopeBody
	mt, params, err := mime.ParseMediaType(ct)
	ok := err == nil && (mt == "application/taxii+json" || (stixToo && mt == "application/stix+json"))
	if v, has := params["version"]; ok && has && v != "2.1" {
		ok = false
	}
	if !ok {
		return &ProtocolError{URL: u, Code: "taxii.client.media_type", Detail: fmt.Sprintf("unexpected Content-Type %q for Accept %q", ct, MediaTAXII),
			Args: map[string]string{"url": u, "content_type": ct}}
	}
	return nil
}

// getResource GETs u and decodes a resource into v, checking that the
// required properties are there and keeping the others in extra.
func (c *Client) getResource(ctx context.Context, u, name string, v any, required ...string) error {
	resp, err := c.do(ctx, "GET", u, nil, nil, taxiiBody)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("taxii: GET %s: %w", u, err)
	}
	return decodeResource(u, name, b, v, required...)
}

// decodeResource decodes body into v (a pointer to a struct with an Extra
// map field, or without), checking the required properties.
func decodeResource(u, name string, body []byte, v any, required ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return &ProtocolError{URL: u, Code: "taxii.client.json", Detail: fmt.Sprintf("the %s is not a JSON object", name), Args: map[string]string{"url": u}}
	}
	for _, k := range required {
		if raw, ok := m[k]; !ok || string(raw) == "null" {
			return &ProtocolError{URL: u, Code: "taxii.client.missing", Detail: fmt.Sprintf("no '%s' in %s for request '%s'", k, name, u),
				Args: map[string]string{"url": u, "property": k}}
		}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &ProtocolError{URL: u, Code: "taxii.client.json", Detail: fmt.Sprintf("the %s cannot be read: %v", name, err), Args: map[string]string{"url": u}}
	}
	rv := reflect.ValueOf(v).Elem()
	if f := rv.FieldByName("Extra"); f.IsValid() {
		known := jsonNames(rv.Type())
		extra := map[string]json.RawMessage{}
		for k, raw := range m {
			if !known[k] {
				extra[k] = raw
			}
		}
		if len(extra) > 0 {
			f.Set(reflect.ValueOf(extra))
		}
	}
	return nil
}

func jsonNames(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// Discovery reads the discovery resource.
func (c *Client) Discovery(ctx context.Context) (Discovery, error) {
	var d Discovery
	return d, c.getResource(ctx, c.base.String(), "Server Discovery", &d, "title")
}

// APIRoot reads an API root's information.
func (c *Client) APIRoot(ctx context.Context, root string) (APIRoot, error) {
	var r APIRoot
	u, err := c.endpoint(root)
	if err != nil {
		return r, err
	}
	return r, c.getResource(ctx, u, "API Root", &r, "title", "versions", "max_content_length")
}

var collectionRequired = []string{"id", "title", "can_read", "can_write"}

// Collections lists an API root's collections.
func (c *Client) Collections(ctx context.Context, root string) ([]Collection, error) {
	u, err := c.endpoint(root, "collections")
	if err != nil {
		return nil, err
	}
	var list struct {
		Collections []json.RawMessage `json:"collections"`
	}
	if err := c.getResource(ctx, u, "Collections", &list); err != nil {
		return nil, err
	}
	out := make([]Collection, 0, len(list.Collections))
	for _, raw := range list.Collections {
		var col Collection
		if err := decodeResource(u, "Collection", raw, &col, collectionRequired...); err != nil {
			return nil, err
		}
		out = append(out, col)
	}
	return out, nil
}

// Collection reads one collection and checks it is the one asked for.
func (c *Client) Collection(ctx context.Context, root, id string) (Collection, error) {
	var col Collection
	u, err := c.endpoint(root, "collections", id)
	if err != nil {
		return col, err
	}
	if err := c.getResource(ctx, u, "Collection", &col, collectionRequired...); err != nil {
		return col, err
	}
	if col.ID != id {
		return col, &ProtocolError{URL: u, Code: "taxii.client.mismatch", Detail: fmt.Sprintf("the collection '%s' does not match the url for queries '%s'", col.ID, u),
			Args: map[string]string{"url": u, "id": col.ID}}
	}
	return col, nil
}

// GetStatus reads the status of an add-objects request.
func (c *Client) GetStatus(ctx context.Context, root, id string) (Status, error) {
	var st Status
	u, err := c.endpoint(root, "status", id)
	if err != nil {
		return st, err
	}
	return st, c.getResource(ctx, u, "Status", &st, statusRequired...)
}

var statusRequired = []string{"id", "status", "total_count", "success_count", "failure_count", "pending_count"}
