package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
)

// Errors, for errors.Is. Every method of a Client returns one of these,
// wrapped, or the error of the request itself (a timeout, a refused
// connection, a status); the caller then falls back to internal/triage.
var (
	// ErrUnavailable: the client is off (nil), or the breaker is open
	// after repeated failures. Nothing was sent.
	ErrUnavailable = errors.New("llm: not available")
	// ErrTLP: the record's TLP level is above Options.MaxTLP. Nothing was sent.
	ErrTLP = errors.New("llm: record's TLP level too strict to send")
	// ErrBadAnswer: the endpoint answered, but not with a value the use's
	// schema and checks accept. The answer is discarded.
	ErrBadAnswer = errors.New("llm: answer rejected")
	// ErrInput: the call's arguments cannot be sent (empty or too long a
	// text, no categories, an unknown language). Nothing was sent.
	ErrInput = errors.New("llm: invalid input")
	// ErrConfig: New's options are not usable.
	ErrConfig = errors.New("llm: invalid options")
)

// Defaults for zero Options fields.
const (
	DefaultTimeout  = 10 * time.Second
	DefaultFailures = 3
	DefaultCoolDown = time.Minute
	DefaultMaxTLP   = tlp.Amber
)

// MaxText is the longest text (after masking) a call sends, in bytes.
const MaxText = 32 << 10

// maxResponse is the largest response body read.
const maxResponse = 1 << 20

// Doer sends an HTTP request: koban's egress client in production.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Breaker sets the circuit breaker.
type Breaker struct {
	// Failures is how many failures in a row open it. Default 3.
	Failures int
	// CoolDown is how long it stays open before one trial call. Default 1 min.
	CoolDown time.Duration
}

// Options sets up a Client.
type Options struct {
	// Endpoint is the base URL of the OpenAI-compatible server
	// ("http://10.0.0.5:8000"); requests go to {Endpoint}/v1/chat/completions.
	// Empty: the LLM is off and New returns a nil Client.
	Endpoint string
	// Model is the model name the server knows.
	Model string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Allow lists the host names or addresses the client may send to; the
	// Endpoint's host must be one of them.
	Allow []string
	// MaxTLP is the strictest TLP level whose records may be sent. Default
	// AMBER; AMBER+STRICT only when the endpoint is the organisation's own.
	// RED is refused at New.
	MaxTLP tlp.Level
	// Timeout bounds one call, the answer included. Default 10 s.
	Timeout time.Duration
	// Breaker sets the circuit breaker.
	Breaker Breaker
	// HTTP sends the requests: koban's egress client (its allow list must
	// also name the endpoint when it is on a private network).
	HTTP Doer
	// Log receives one line a call; default slog.Default().
	Log *slog.Logger
	// Clock tells the time for the breaker; default the system clock.
	Clock koban.Clock
}

// Client calls an OpenAI-compatible Chat Completions endpoint for the uses
// of this package. A nil *Client is the LLM switched off: every call
// returns ErrUnavailable. It is safe for concurrent use.
type Client struct {
	url    string
	opts   Options
	mu     sync.Mutex
	failed int       // failures in a row
	until  time.Time // open until then, when failed ≥ Breaker.Failures
	trial  bool      // a half-open trial call is running
}

// New checks opts and returns a Client; nil and no error when
// opts.Endpoint is empty (the LLM is off). Errors wrap ErrConfig.
func New(opts Options) (*Client, error) {
	if opts.Endpoint == "" {
		return nil, nil
	}
	u, err := url.Parse(opts.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: endpoint %q is not an http or https base URL", ErrConfig, opts.Endpoint)
	}
	host := strings.ToLower(u.Hostname())
	if !slices.ContainsFunc(opts.Allow, func(a string) bool { return strings.EqualFold(strings.TrimSpace(a), host) }) {
		return nil, fmt.Errorf("%w: endpoint host %q is not in the allow list", ErrConfig, host)
	}
	if opts.Model == "" {
		return nil, fmt.Errorf("%w: no model", ErrConfig)
	}
	if opts.HTTP == nil {
		return nil, fmt.Errorf("%w: no HTTP client", ErrConfig)
	}
	if opts.MaxTLP == "" {
		opts.MaxTLP = DefaultMaxTLP
	}
	if !opts.MaxTLP.Valid() || opts.MaxTLP == tlp.Red {
		return nil, fmt.Errorf("%w: MaxTLP %q (RED records are never sent)", ErrConfig, opts.MaxTLP)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Breaker.Failures <= 0 {
		opts.Breaker.Failures = DefaultFailures
	}
	if opts.Breaker.CoolDown <= 0 {
		opts.Breaker.CoolDown = DefaultCoolDown
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = koban.SystemClock{}
	}
	return &Client{url: strings.TrimRight(u.String(), "/") + "/v1/chat/completions", opts: opts}, nil
}

// Enabled reports whether c is on; false for a nil Client.
func (c *Client) Enabled() bool { return c != nil }

// call is one use: its name (for the log), its system prompt, the user
// message, and the JSON schema of the answer.
type call struct {
	use    string
	system string
	user   string
	schema map[string]any
}

// chatRequest is the Chat Completions request body.
type chatRequest struct {
	Model          string         `json:"model"`
	Messages       []chatMessage  `json:"messages"`
	Temperature    float64        `json:"temperature"`
	ResponseFormat responseFormat `json:"response_format"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type responseFormat struct {
	Type       string     `json:"type"`
	JSONSchema jsonSchema `json:"json_schema"`
}

type jsonSchema struct {
	Name   string         `json:"name"`
	Strict bool           `json:"strict"`
	Schema map[string]any `json:"schema"`
}

// chatResponse is the part of the Chat Completions answer read; the
// envelope's other fields (ids, usage) are the server's business.
type chatResponse struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
}

// do checks the level and the breaker, sends the call and decodes the
// answer's content strictly into out, then check judges its values. It
// logs one line whatever happens after the checks.
func (c *Client) do(ctx context.Context, level tlp.Level, k call, out any, check func() error) error {
	if c == nil {
		return ErrUnavailable
	}
	if !level.AtMost(c.opts.MaxTLP) || level == tlp.Red {
		return fmt.Errorf("%w: %s above %s", ErrTLP, level.Label(), c.opts.MaxTLP.Label())
	}
	if len(k.user) > MaxText {
		return fmt.Errorf("%w: text of %d bytes, at most %d are sent", ErrInput, len(k.user), MaxText)
	}
	body, err := json.Marshal(chatRequest{
		Model:       c.opts.Model,
		Messages:    []chatMessage{{Role: "system", Content: k.system}, {Role: "user", Content: k.user}},
		Temperature: 0,
		ResponseFormat: responseFormat{Type: "json_schema", JSONSchema: jsonSchema{
			Name: k.use, Strict: true, Schema: k.schema,
		}},
	})
	if err != nil {
		return fmt.Errorf("llm: encoding the %s request: %w", k.use, err)
	}
	if err := c.acquire(); err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	start := c.opts.Clock.Now()
	err = c.send(ctx, body, out)
	if err == nil {
		if err = check(); err != nil {
			err = fmt.Errorf("%w: %w", ErrBadAnswer, err)
		}
	}
	counted := err != nil && ctx.Err() == nil // a caller's cancel is not the endpoint's failure
	c.release(err == nil, counted)
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, ErrBadAnswer):
		outcome = "bad_answer"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		outcome = "timeout"
	case !counted:
		outcome = "cancelled"
	default:
		outcome = "error"
	}
	attrs := []slog.Attr{
		slog.String("model", c.opts.Model),
		slog.String("use", k.use),
		slog.String("prompt_sha256", hex.EncodeToString(sum[:])),
		slog.Duration("duration", c.opts.Clock.Now().Sub(start)),
		slog.String("outcome", outcome),
	}
	if err != nil {
		// The error names no part of the text: statuses, decoding
		// positions and network errors only.
		c.opts.Log.LogAttrs(ctx, slog.LevelWarn, "llm call", append(attrs, slog.String("error", err.Error()))...)
		return err
	}
	c.opts.Log.LogAttrs(ctx, slog.LevelInfo, "llm call", attrs...)
	return nil
}

// isTimeout reports whether err is a network time-out.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// send posts body and decodes the first choice's content into out,
// refusing unknown fields and anything after the value.
func (c *Client) send(ctx context.Context, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("llm: building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("llm: calling the endpoint: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("llm: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("llm: endpoint answered %s", resp.Status)
	}
	if len(raw) > maxResponse {
		return fmt.Errorf("%w: answer longer than %d bytes", ErrBadAnswer, maxResponse)
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return fmt.Errorf("%w: not a chat completion: %w", ErrBadAnswer, err)
	}
	if len(cr.Choices) == 0 {
		return fmt.Errorf("%w: no choice", ErrBadAnswer)
	}
	if fr := cr.Choices[0].FinishReason; fr != "" && fr != "stop" {
		return fmt.Errorf("%w: finish reason %q", ErrBadAnswer, fr)
	}
	dec := json.NewDecoder(strings.NewReader(cr.Choices[0].Message.Content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%w: content: %w", ErrBadAnswer, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: content goes on after the answer", ErrBadAnswer)
	}
	return nil
}

// acquire lets a call through the breaker: always when closed; when open,
// ErrUnavailable until the cool-down has passed, then one trial call at a
// time (half-open).
func (c *Client) acquire() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed < c.opts.Breaker.Failures {
		return nil
	}
	if c.trial || c.opts.Clock.Now().Before(c.until) {
		return fmt.Errorf("%w: %d failures in a row, circuit open", ErrUnavailable, c.failed)
	}
	c.trial = true
	return nil
}

// release records a call's outcome: a success closes the breaker, a
// counted failure adds one and opens it at the threshold (a failed trial
// opens it again for another cool-down).
func (c *Client) release(ok, counted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	wasTrial := c.trial
	c.trial = false
	switch {
	case ok:
		c.failed = 0
	case counted:
		c.failed++
		if c.failed >= c.opts.Breaker.Failures || wasTrial {
			c.until = c.opts.Clock.Now().Add(c.opts.Breaker.CoolDown)
		}
	}
}
