package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// Flow is a sign-in on its way through the provider. The browser holds the
// binding whose hash is IDHash; the rest stays with koban.
type Flow struct {
	IDHash      string
	State       string
	Nonce       string
	Verifier    string // the PKCE code verifier
	RedirectURL string // the callback the provider was given, given again with the code
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store is what sso needs from the database. Lookups return a koban
// NotFound error when nothing matches.
type Store interface {
	OIDCUser(ctx context.Context, issuer, subject string) (*auth.User, error)
	UserByEmail(ctx context.Context, email string) (*auth.User, error)
	// CreateOIDCUser stores an account without a password and its link,
	// with the audit entry; an e-mail in use is an Invalid error on "email".
	CreateOIDCUser(ctx context.Context, u *auth.User, issuer, subject string, e audit.Entry) error
	TouchOIDCLink(ctx context.Context, issuer, subject, email string, at time.Time) error
	// SetUserEmail changes an account's e-mail address, with the audit
	// entry; an address in use is an Invalid error on "email".
	SetUserEmail(ctx context.Context, userID int64, email string, e audit.Entry) error
	// SetUserRoleOrg changes an account's role and organisation and ends
	// its sessions, with the audit entry.
	SetUserRoleOrg(ctx context.Context, userID int64, role auth.Role, orgID int64, e audit.Entry) (int, error)
	// SetUserDisabled disables an account and ends its sessions, with the
	// audit entry.
	SetUserDisabled(ctx context.Context, userID int64, disabled bool, e audit.Entry) error
	CreateOIDCFlow(ctx context.Context, f Flow) error
	// TakeOIDCFlow removes and returns a flow; NotFound when there is none.
	TakeOIDCFlow(ctx context.Context, idHash string) (Flow, error)
	Audit(ctx context.Context, e audit.Entry) error
}

// Sessions opens koban's session for an account the provider has proven
// (auth.Service).
type Sessions interface {
	SignInVerified(ctx context.Context, userID int64, ip string, e audit.Entry) (string, error)
}

// Options configure the service.
type Options struct {
	Issuer       string // the provider's issuer URL, as its discovery document names it
	ClientID     string
	ClientSecret string
	Name         string // the provider's name on the sign-in button
	Rules        *Rules
	// HTTP reaches the provider (discovery, keys, token): koban's egress
	// client, whose allow list must reach a provider on a private network.
	HTTP  *http.Client
	Clock koban.Clock
	Log   *slog.Logger
	// FlowLifetime is how long a sign-in may spend at the provider; 10
	// minutes when zero.
	FlowLifetime time.Duration
}

// Service runs sign-ins through the provider.
type Service struct {
	o        Options
	store    Store
	sessions Sessions
	tree     func() *org.Tree

	mu   sync.Mutex
	prov *oidc.Provider // discovered at the first sign-in, kept once found
}

// New returns the service. The provider is asked for its discovery
// document at the first sign-in, not here: koban starts while it is away.
func New(st Store, sessions Sessions, tree func() *org.Tree, o Options) (*Service, error) {
	if o.Issuer == "" || o.ClientID == "" || o.Rules == nil {
		return nil, errors.New("sso: issuer, client id and rules are required")
	}
	if o.Clock == nil {
		o.Clock = koban.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	if o.FlowLifetime <= 0 {
		o.FlowLifetime = 10 * time.Minute
	}
	if o.Name == "" {
		o.Name = "OpenID Connect"
	}
	return &Service{o: o, store: st, sessions: sessions, tree: tree}, nil
}

// Name is the provider's name for the sign-in button.
func (s *Service) Name() string { return s.o.Name }

func (s *Service) clientCtx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, s.o.HTTP)
}

func (s *Service) provider(ctx context.Context) (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prov != nil {
		return s.prov, nil
	}
	p, err := oidc.NewProvider(s.clientCtx(ctx), s.o.Issuer)
	if err != nil {
		return nil, &koban.Error{Code: koban.Internal, Key: "auth.oidc.error.unreachable", Err: fmt.Errorf("oidc discovery at %s: %w", s.o.Issuer, err)}
	}
	s.prov = p
	return p, nil
}

func (s *Service) config(p *oidc.Provider, redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: s.o.ClientID, ClientSecret: s.o.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// Begin starts a sign-in: it stores a flow and returns the provider's
// authorization URL to send the browser to and the binding the browser
// must bring back (a cookie). redirect is koban's callback URL.
func (s *Service) Begin(ctx context.Context, redirect string) (authURL, binding string, err error) {
	p, err := s.provider(ctx)
	if err != nil {
		return "", "", err
	}
	binding = random()
	now := s.o.Clock.Now()
	f := Flow{IDHash: hash(binding), State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), RedirectURL: redirect,
		CreatedAt: now, ExpiresAt: now.Add(s.o.FlowLifetime)}
	if err := s.store.CreateOIDCFlow(ctx, f); err != nil {
		return "", "", err
	}
	u := s.config(p, redirect).AuthCodeURL(f.State, oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce))
	return u, binding, nil
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Identity is what a verified ID token says of its holder.
type Identity struct {
	Issuer, Subject string
	Email           string
	EmailVerified   bool
	Name            string
	ACR             string
	AMR             []string
	Claims          map[string]any
}

// refusal is a sign-in koban turns away: why (for the audit log) and what
// the officer is told.
type refusal struct {
	reason string
	key    string
	code   koban.Code
	detail map[string]any
}

// Finish completes a sign-in at the callback: binding is the browser's
// cookie, q the callback's query. It returns a full session token. Every
// refusal is audited (auth.oidc_refused, with the reason) and comes back as
// a koban error whose key says what the officer may do.
func (s *Service) Finish(ctx context.Context, binding string, q url.Values, ip string) (string, error) {
	actor := audit.Actor{Label: "oidc", IP: ip}
	if binding == "" {
		return "", s.refuse(ctx, actor, refusal{reason: "no_flow", key: "auth.oidc.error.expired", code: koban.Unauthorized})
	}
	f, err := s.store.TakeOIDCFlow(ctx, hash(binding))
	if koban.ErrorCode(err) == koban.NotFound {
		return "", s.refuse(ctx, actor, refusal{reason: "no_flow", key: "auth.oidc.error.expired", code: koban.Unauthorized})
	}
	if err != nil {
		return "", err
	}
	if !f.ExpiresAt.After(s.o.Clock.Now()) {
		return "", s.refuse(ctx, actor, refusal{reason: "flow_expired", key: "auth.oidc.error.expired", code: koban.Unauthorized})
	}
	if e := q.Get("error"); e != "" {
		// The provider's own words (error_description) are not shown: only
		// its error code, reduced to what such codes are made of, reaches
		// the audit log, and the officer reads koban's sentence.
		key := "auth.oidc.error.provider"
		if e == "access_denied" {
			key = "auth.oidc.error.denied"
		}
		return "", s.refuse(ctx, actor, refusal{reason: "provider_error", key: key, code: koban.Unauthorized,
			detail: map[string]any{"error": errorCode(e)}})
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return "", s.refuse(ctx, actor, refusal{reason: "state", key: "auth.oidc.error.expired", code: koban.Unauthorized})
	}
	id, err := s.exchange(ctx, f, q.Get("code"))
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			return "", s.refuse(ctx, actor, *r)
		}
		return "", err
	}
	return s.signIn(ctx, id, ip)
}

func (r *refusal) Error() string { return "oidc refused: " + r.reason }

var errorCodeRe = regexp.MustCompile(`[^a-z0-9_]`)

func errorCode(e string) string {
	e = errorCodeRe.ReplaceAllString(strings.ToLower(e), "")
	if len(e) > 40 {
		e = e[:40]
	}
	return e
}

// exchange trades the code for tokens and verifies the ID token.
func (s *Service) exchange(ctx context.Context, f Flow, code string) (*Identity, error) {
	if code == "" {
		return nil, &refusal{reason: "no_code", key: "auth.oidc.error.provider", code: koban.Unauthorized}
	}
	p, err := s.provider(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := s.config(p, f.RedirectURL).Exchange(s.clientCtx(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		s.o.Log.Warn("oidc: code exchange refused", "issuer", s.o.Issuer, "err", err)
		return nil, &refusal{reason: "exchange", key: "auth.oidc.error.provider", code: koban.Unauthorized}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, &refusal{reason: "no_id_token", key: "auth.oidc.error.provider", code: koban.Unauthorized}
	}
	v := p.Verifier(&oidc.Config{ClientID: s.o.ClientID, Now: s.o.Clock.Now})
	it, err := v.Verify(s.clientCtx(ctx), raw)
	if err != nil {
		s.o.Log.Warn("oidc: ID token refused", "issuer", s.o.Issuer, "err", err)
		return nil, &refusal{reason: "id_token", key: "auth.oidc.error.token", code: koban.Unauthorized,
			detail: map[string]any{"why": tokenProblem(err)}}
	}
	if subtle.ConstantTimeCompare([]byte(it.Nonce), []byte(f.Nonce)) != 1 {
		return nil, &refusal{reason: "nonce", key: "auth.oidc.error.token", code: koban.Unauthorized}
	}
	var c struct {
		Email         string   `json:"email"`
		EmailVerified any      `json:"email_verified"`
		Name          string   `json:"name"`
		ACR           string   `json:"acr"`
		AMR           []string `json:"amr"`
	}
	claims := map[string]any{}
	if err := it.Claims(&claims); err != nil {
		return nil, &refusal{reason: "claims", key: "auth.oidc.error.token", code: koban.Unauthorized}
	}
	if err := it.Claims(&c); err != nil {
		return nil, &refusal{reason: "claims", key: "auth.oidc.error.token", code: koban.Unauthorized}
	}
	// Some providers send email_verified as the string "true".
	verified := c.EmailVerified == true || c.EmailVerified == "true"
	return &Identity{Issuer: it.Issuer, Subject: it.Subject, Email: strings.ToLower(strings.TrimSpace(c.Email)), EmailVerified: verified,
		Name: strings.TrimSpace(c.Name), ACR: c.ACR, AMR: c.AMR, Claims: claims}, nil
}

// tokenProblem names what was wrong with an ID token, for the audit log.
func tokenProblem(err error) string {
	var exp *oidc.TokenExpiredError
	switch msg := err.Error(); {
	case errors.As(err, &exp):
		return "expired"
	case strings.Contains(msg, "audience"):
		return "audience"
	case strings.Contains(msg, "issuer"), strings.Contains(msg, "different provider"):
		return "issuer"
	case strings.Contains(msg, "signature"):
		return "signature"
	default:
		return "invalid"
	}
}

// refuse audits a refused sign-in and returns the error the officer sees.
func (s *Service) refuse(ctx context.Context, actor audit.Actor, r refusal) error {
	d := map[string]any{"reason": r.reason, "issuer": s.o.Issuer}
	for k, v := range r.detail {
		d[k] = v
	}
	e := audit.Entry{Actor: actor, Action: "auth.oidc_refused", ObjectType: "user", Detail: d}
	if id, ok := r.detail["user_id"].(int64); ok {
		e.ObjectID = strconv.FormatInt(id, 10)
	}
	if err := s.store.Audit(ctx, e); err != nil {
		return err
	}
	return koban.Errorf(r.code, r.key)
}

// signIn applies the rule table to a verified identity: it finds or makes
// the linked account, brings its role and organisation in line, disables
// it when the rules say so, and opens a session.
func (s *Service) signIn(ctx context.Context, id *Identity, ip string) (string, error) {
	now := s.o.Clock.Now()
	actor := audit.Actor{Label: id.Email, IP: ip}
	if actor.Label == "" {
		actor.Label = "oidc:" + id.Subject
	}
	who := map[string]any{"subject": id.Subject, "email": id.Email}
	out, matched := s.o.Rules.Match(id.Claims)
	u, err := s.store.OIDCUser(ctx, id.Issuer, id.Subject)
	if err != nil && koban.ErrorCode(err) != koban.NotFound {
		return "", err
	}
	linked := err == nil
	if linked {
		actor = audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: ip}
		who["user_id"] = u.ID
	}
	switch {
	case matched && out.Disabled:
		who["rule"] = out.Rule
		if linked && !u.Disabled {
			if err := s.store.SetUserDisabled(ctx, u.ID, true, audit.Entry{Actor: actor, Action: "auth.oidc_disabled", ObjectType: "user",
				ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"rule": out.Rule, "issuer": id.Issuer}}); err != nil {
				return "", err
			}
		}
		return "", s.refuse(ctx, actor, refusal{reason: "disabled_by_rule", key: "auth.oidc.error.disabled", code: koban.Forbidden, detail: who})
	case !matched:
		return "", s.refuse(ctx, actor, refusal{reason: "no_rule", key: "auth.oidc.error.no_rule", code: koban.Forbidden, detail: who})
	}
	o, ok := s.tree().ByCode(out.Org)
	if !ok {
		// The table was checked at start-up; an organisation removed since
		// is koban's fault, not the officer's.
		return "", fmt.Errorf("oidc rule %d: organisation %q is gone", out.Rule, out.Org)
	}
	if !linked {
		if id.Email == "" || !id.EmailVerified {
			return "", s.refuse(ctx, actor, refusal{reason: "email_unverified", key: "auth.oidc.error.email_unverified", code: koban.Forbidden, detail: who})
		}
		if local, err := s.store.UserByEmail(ctx, id.Email); err == nil {
			// A local account with this address is not taken over: whoever
			// controls the address at the provider is not thereby its holder.
			who["user_id"] = local.ID
			return "", s.refuse(ctx, actor, refusal{reason: "email_taken", key: "auth.oidc.error.email_taken", code: koban.Conflict, detail: who})
		} else if koban.ErrorCode(err) != koban.NotFound {
			return "", err
		}
		u = &auth.User{Email: id.Email, Name: id.Name, OrgID: o.ID, Role: out.Role, CreatedAt: now}
		err := s.store.CreateOIDCUser(ctx, u, id.Issuer, id.Subject, audit.Entry{Actor: actor, Action: "auth.oidc_account_created", ObjectType: "user",
			Detail: map[string]any{"issuer": id.Issuer, "subject": id.Subject, "email": id.Email, "org": o.Code, "role": string(out.Role), "rule": out.Rule}})
		if err != nil {
			if koban.ErrorCode(err) == koban.Invalid {
				return "", s.refuse(ctx, actor, refusal{reason: "email_taken", key: "auth.oidc.error.email_taken", code: koban.Conflict, detail: who})
			}
			return "", err
		}
		actor = audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: ip}
	} else {
		if u.Disabled {
			return "", s.refuse(ctx, actor, refusal{reason: "account_disabled", key: "auth.oidc.error.account_disabled", code: koban.Forbidden, detail: who})
		}
		if u.Role != out.Role || u.OrgID != o.ID {
			from, _ := s.tree().ByID(u.OrgID)
			if _, err := s.store.SetUserRoleOrg(ctx, u.ID, out.Role, o.ID, audit.Entry{Actor: actor, Action: "auth.oidc_role_changed", ObjectType: "user",
				ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"rule": out.Rule, "from_role": string(u.Role), "to_role": string(out.Role),
					"from_org": from.Code, "to_org": o.Code}}); err != nil {
				return "", err
			}
			actor.OrgID = o.ID
		}
	}
	if err := s.store.TouchOIDCLink(ctx, id.Issuer, id.Subject, id.Email, now); err != nil {
		return "", err
	}
	detail := map[string]any{"issuer": id.Issuer, "subject": id.Subject, "rule": out.Rule, "second_factor": "provider"}
	if linked && id.EmailVerified && id.Email != "" && id.Email != u.Email {
		// The address changed at the provider: koban's mail follows it,
		// unless another account has it, which an administrator sorts out.
		err := s.store.SetUserEmail(ctx, u.ID, id.Email, audit.Entry{Actor: actor, Action: "auth.oidc_email_changed", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"from": u.Email, "to": id.Email}})
		switch {
		case err == nil:
			actor.Label = id.Email
		case koban.ErrorCode(err) == koban.Invalid:
			detail["email_kept"] = "taken"
		default:
			return "", err
		}
	}
	if id.ACR != "" {
		detail["acr"] = id.ACR
	}
	if len(id.AMR) > 0 {
		detail["amr"] = id.AMR
	}
	token, err := s.sessions.SignInVerified(ctx, u.ID, ip, audit.Entry{Actor: actor, Action: "auth.oidc_login", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10), Detail: detail})
	if koban.ErrorCode(err) == koban.Forbidden {
		return "", s.refuse(ctx, actor, refusal{reason: "account_disabled", key: "auth.oidc.error.account_disabled", code: koban.Forbidden, detail: who})
	}
	return token, err
}
