// Package apptest starts a real koban (real SQLite in a temporary folder,
// real HTTP on a free loopback port) for end-to-end tests.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/store/pgtest"
)

// BackendEnv chooses the database the end-to-end tests run on: "postgres"
// (a fresh database on the KOBAN_TEST_POSTGRES server per test) or, by
// default, SQLite in a temporary folder.
const BackendEnv = "KOBAN_TEST_BACKEND"

// Server is a running koban.
type Server struct {
	URL     string
	App     *app.App
	Dir     string
	secrets sync.Map // e-mail → authenticator key (base32), see AddUser
}

// Option changes the configuration before start.
type Option func(*config.Config, *app.Options)

// WithClock fixes the clock.
func WithClock(c koban.Clock) Option { return func(_ *config.Config, o *app.Options) { o.Clock = c } }

// WithSubmitLimit sets the public submission rate limit.
func WithSubmitLimit(perSecond float64, burst int) Option {
	return func(c *config.Config, _ *app.Options) { c.SubmitRate, c.SubmitBurst = perSecond, burst }
}

// WithConfig edits the configuration.
func WithConfig(f func(*config.Config)) Option {
	return func(c *config.Config, _ *app.Options) { f(c) }
}

// TestHasher is a cheap password cost so tests stay fast; production uses
// auth.DefaultParams.
var TestHasher = auth.Params{Memory: 64, Time: 1, Threads: 1}

// Start runs koban until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.Addr, cfg.SubmitRate, cfg.SubmitBurst = dir, "127.0.0.1:0", 1e6, 1e6
	o := app.Options{HasherParams: &TestHasher}
	for _, f := range opts {
		f(&cfg, &o)
	}
	if cfg.DatabaseURL == "" && os.Getenv(BackendEnv) == "postgres" {
		cfg.DatabaseURL = pgtest.Database(t)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, log, o)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	return &Server{URL: "http://" + ln.Addr().String(), App: a, Dir: cfg.DataDir}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// AddUser creates an account. An officer gets an authenticator key at once
// (police organisations require a second factor), which Login and NextCode
// use in place of the officer's phone.
func (s *Server) AddUser(t testing.TB, email, orgCode string, role auth.Role, password string) *auth.User {
	t.Helper()
	ctx := context.Background()
	u, err := s.App.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: email, OrgCode: orgCode, Role: role, Password: password, Name: email})
	if err != nil {
		t.Fatalf("add user %s: %v", email, err)
	}
	if role.WebLogin() {
		secret, _, _, err := auth.NewTOTPKey("koban", u.Email)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.App.DB.SetTOTP(ctx, u.ID, secret, 0, audit.Entry{Actor: audit.System, Action: "auth.totp_enrolled", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
			t.Fatal(err)
		}
		s.secrets.Store(u.Email, secret)
		u.TOTPSecret = secret
	}
	return u
}

// AddUserToEnrol creates an account with no authenticator yet: signing in
// leads through enrolment, as for a new officer.
func (s *Server) AddUserToEnrol(t testing.TB, email, orgCode string, role auth.Role, password string) *auth.User {
	t.Helper()
	u, err := s.App.Auth.CreateUser(context.Background(), audit.System, auth.NewUser{Email: email, OrgCode: orgCode, Role: role, Password: password, Name: email})
	if err != nil {
		t.Fatalf("add user %s: %v", email, err)
	}
	return u
}

// NextCode returns a code from the user's authenticator that koban has not
// seen yet: koban refuses a code whose time step is not later than the last
// one used, and tests sign the same officer in more often than every 30 s.
// The code is for the earliest unused step koban still accepts; when a
// test has used them all, the user's last step is set back (a test-only
// shortcut, audited like an enrolment).
func (s *Server) NextCode(t testing.TB, email string) string {
	t.Helper()
	v, ok := s.secrets.Load(strings.ToLower(email))
	if !ok {
		t.Fatalf("no authenticator key for %s: create the user with AddUser", email)
	}
	secret := v.(string)
	ctx := context.Background()
	u, err := s.App.DB.UserByEmail(ctx, strings.ToLower(email))
	if err != nil {
		t.Fatal(err)
	}
	cur := auth.TOTPStep(s.App.Clock.Now())
	step := max(u.TOTPLastStep+1, cur-1)
	if step > cur+1 {
		if err := s.App.DB.SetTOTP(ctx, u.ID, secret, 0, audit.Entry{Actor: audit.System, Action: "auth.totp_enrolled", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
			t.Fatal(err)
		}
		step = cur - 1
	}
	code, err := auth.TOTPCode(secret, time.Unix(step*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Token makes an API token for a user.
func (s *Server) Token(t testing.TB, email string) string {
	t.Helper()
	plain, _, err := s.App.Auth.CreateToken(context.Background(), audit.System, email, "test")
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// Client returns an HTTP client with a cookie jar that does not follow
// redirects, so tests see each step.
func (s *Server) Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Login signs in with the password and, when koban asks for it, a code
// from the user's authenticator; it returns the signed-in client.
func (s *Server) Login(t testing.TB, email, password string) *http.Client {
	t.Helper()
	c := s.Client()
	resp, err := c.PostForm(s.URL+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/login/totp" {
		resp, err = c.PostForm(s.URL+"/login/totp", url.Values{"code": {s.NextCode(t, email)}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
		t.Fatalf("login %s: status %d to %q", email, resp.StatusCode, resp.Header.Get("Location"))
	}
	return c
}
