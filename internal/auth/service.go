package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// User is an account of an officer or a partner.
type User struct {
	ID           int64
	Email        string
	Name         string
	OrgID        int64
	Role         Role
	PasswordHash string
	TOTPSecret   string
	TOTPLastStep int64
	FailedLogins int
	LockedUntil  time.Time
	Disabled     bool
	CreatedAt    time.Time
	// MustChangePassword is set when an administrator has reset the
	// password: the one-time password opens the account page alone.
	MustChangePassword bool
	// Passkeys is how many passkeys the account has registered.
	Passkeys int
}

// HasSecondFactor reports whether the account has an authenticator app or
// a passkey.
func (u *User) HasSecondFactor() bool { return u.TOTPSecret != "" || u.Passkeys > 0 }

// Session stages: a password alone gives a session that can only finish the
// second factor.
const (
	StageFull   = "full"
	StageTOTP   = "totp"   // must enter a TOTP code or use a passkey
	StageEnroll = "enroll" // must set up TOTP (or a passkey) first
)

// Session is a signed-in browser.
type Session struct {
	IDHash     string
	UserID     int64
	Stage      string
	Pending    string // TOTP secret being enrolled
	IP         string // the address it signed in from
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// APIToken is a machine client's credential; only its hash is stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Store is what auth needs from the database. Lookups return a koban
// NotFound error when nothing matches; CreateUser returns an Invalid field
// error on "email" for an e-mail already in use.
type Store interface {
	CreateUser(ctx context.Context, u *User, e audit.Entry) error
	UserByEmail(ctx context.Context, email string) (*User, error)
	User(ctx context.Context, id int64) (*User, error)
	CountUsers(ctx context.Context) (int, error)
	// LoginFailed counts a failed password and sets LockedUntil when given.
	LoginFailed(ctx context.Context, userID int64, lockedUntil time.Time, e audit.Entry) error
	LoginSucceeded(ctx context.Context, userID int64, e audit.Entry) error
	SetTOTP(ctx context.Context, userID int64, secret string, step int64, e audit.Entry) error
	// UseTOTPStep records step as used and reports false if it, or a later
	// one, was used before (replay).
	UseTOTPStep(ctx context.Context, userID, step int64) (bool, error)
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, idHash string) (*Session, error)
	TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	SetSessionPending(ctx context.Context, idHash, secret string) error
	// SessionsOf lists a user's sessions, newest first.
	SessionsOf(ctx context.Context, userID int64) ([]Session, error)
	// EndSessions removes every session of the user but keep (an id hash,
	// "" for none) and writes the audit entry with the count; it returns it.
	EndSessions(ctx context.Context, userID int64, keep string, e audit.Entry) (int, error)
	// SetPassword stores a new password hash of the user's choosing (no
	// longer to be changed) with its audit entry.
	SetPassword(ctx context.Context, userID int64, hash string, e audit.Entry) error
	// ResetPassword stores a one-time password hash that must be changed at
	// the next sign-in, clears the lock and ends every session of the user,
	// with the audit entry; it returns how many sessions ended, and a koban
	// NotFound error for an unknown user.
	ResetPassword(ctx context.Context, userID int64, hash string, e audit.Entry) (int, error)
	// ResetTOTP removes the user's authenticator key and ends every session
	// of the user, with the audit entry; it returns how many sessions
	// ended, and a koban NotFound error for an unknown user.
	ResetTOTP(ctx context.Context, userID int64, e audit.Entry) (int, error)
	CreateToken(ctx context.Context, t *APIToken, e audit.Entry) error
	TokenByHash(ctx context.Context, hash string) (*APIToken, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
	RevokeToken(ctx context.Context, id int64, e audit.Entry) error
	Tokens(ctx context.Context, userID int64) ([]APIToken, error)
}

// Policy bounds sessions and log-in attempts.
type Policy struct {
	IdleTimeout     time.Duration
	MaxSession      time.Duration
	MaxFailures     int           // failed passwords before an account is locked
	LockFor         time.Duration // how long
	IPFailures      int
	IPWindow        time.Duration
	TouchEvery      time.Duration // write last-seen at most this often
	PendingLifetime time.Duration // a session waiting for its second factor
}

// DefaultPolicy is what koban runs with.
var DefaultPolicy = Policy{
	IdleTimeout: 30 * time.Minute, MaxSession: 12 * time.Hour, MaxFailures: 5, LockFor: 15 * time.Minute,
	IPFailures: 20, IPWindow: 10 * time.Minute, TouchEvery: time.Minute, PendingLifetime: 10 * time.Minute,
}

// Service signs people in and checks credentials.
type Service struct {
	store  Store
	tree   func() *org.Tree
	clock  koban.Clock
	policy Policy
	ips    *Throttle
	hasher Hasher
	Issuer string
}

// NewService wires the auth service.
func NewService(st Store, tree func() *org.Tree, clock koban.Clock) *Service {
	p := DefaultPolicy
	return &Service{store: st, tree: tree, clock: clock, policy: p, ips: NewThrottle(p.IPFailures, p.IPWindow, p.IPWindow),
		hasher: Hasher{DefaultParams}, Issuer: "koban"}
}

// SetHasherParams changes the password cost (tests use a small one).
func (s *Service) SetHasherParams(p Params) { s.hasher = Hasher{p} }

var errLoginFailed = koban.Errorf(koban.Unauthorized, "auth.error.login_failed")

// Login checks an e-mail and password. It returns a new session token and
// the stage the session is at: StageFull, or a second-factor stage.
func (s *Service) Login(ctx context.Context, email, password, ip string) (token, stage string, err error) {
	now := s.clock.Now()
	if ok, _ := s.ips.Check(ip, now); !ok {
		return "", "", koban.Errorf(koban.TooMany, "auth.error.too_many")
	}
	u, err := s.store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if koban.ErrorCode(err) == koban.NotFound {
		s.hasher.DummyVerify()
		s.ips.Fail(ip, now)
		return "", "", errLoginFailed
	}
	if err != nil {
		return "", "", err
	}
	if u.LockedUntil.After(now) {
		s.ips.Fail(ip, now)
		return "", "", koban.Errorf(koban.TooMany, "auth.error.too_many")
	}
	ok, err := s.hasher.Verify(u.PasswordHash, password)
	if err != nil && !errors.Is(err, ErrMalformedHash) {
		return "", "", err
	}
	actor := audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: ip}
	if !ok || u.Disabled || !u.Role.WebLogin() {
		s.ips.Fail(ip, now)
		var lock time.Time
		if u.FailedLogins+1 >= s.policy.MaxFailures {
			lock = now.Add(s.policy.LockFor)
		}
		if err := s.store.LoginFailed(ctx, u.ID, lock, audit.Entry{Actor: actor, Action: "auth.login_failed", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"locked": !lock.IsZero()}}); err != nil {
			return "", "", err
		}
		return "", "", errLoginFailed
	}
	s.ips.Reset(ip)
	stage = StageFull
	if u.HasSecondFactor() {
		stage = StageTOTP
	} else if s.needsTOTP(u) {
		stage = StageEnroll
	}
	if err := s.store.LoginSucceeded(ctx, u.ID, audit.Entry{Actor: actor, Action: "auth.password_ok", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"stage": stage}}); err != nil {
		return "", "", err
	}
	token, err = s.newSession(ctx, u.ID, stage, "", ip)
	return token, stage, err
}

func (s *Service) needsTOTP(u *User) bool {
	if u.Role == RoleAdmin {
		return true
	}
	o, ok := s.tree().ByID(u.OrgID)
	return ok && o.RequireTOTP
}

func (s *Service) newSession(ctx context.Context, userID int64, stage, pending, ip string) (string, error) {
	now := s.clock.Now()
	token, hash := NewSessionID()
	life := s.policy.MaxSession
	if stage != StageFull {
		life = s.policy.PendingLifetime
	}
	err := s.store.CreateSession(ctx, Session{IDHash: hash, UserID: userID, Stage: stage, Pending: pending, IP: ip, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(life)})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// pending returns the session at a second-factor stage.
func (s *Service) pending(ctx context.Context, token, stage string) (*Session, *User, error) {
	sess, err := s.store.Session(ctx, HashToken(token))
	if err != nil || sess.Stage != stage || !sess.ExpiresAt.After(s.clock.Now()) {
		return nil, nil, koban.Errorf(koban.Unauthorized, "auth.error.session")
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return nil, nil, koban.Errorf(koban.Unauthorized, "auth.error.session")
	}
	// A locked account stops second-factor guessing too: the half-open
	// session is dropped and the user starts again after the lock.
	if u.LockedUntil.After(s.clock.Now()) {
		if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
			return nil, nil, err
		}
		return nil, nil, koban.Errorf(koban.TooMany, "auth.error.too_many")
	}
	return sess, u, nil
}

// CompleteTOTP checks the code of a session at StageTOTP and returns a new,
// full session token (the old one is dropped: no session fixation).
func (s *Service) CompleteTOTP(ctx context.Context, token, code, ip string) (string, error) {
	sess, u, err := s.pending(ctx, token, StageTOTP)
	if err != nil {
		return "", err
	}
	return s.finishSecondFactor(ctx, sess, u, u.TOTPSecret, code, ip, false)
}

func (s *Service) finishSecondFactor(ctx context.Context, sess *Session, u *User, secret, code, ip string, enroll bool) (string, error) {
	now := s.clock.Now()
	if ok, _ := s.ips.Check(ip, now); !ok {
		return "", koban.Errorf(koban.TooMany, "auth.error.too_many")
	}
	actor := audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: ip}
	step, ok := MatchTOTP(secret, code, now)
	if ok && !enroll {
		ok, err := s.store.UseTOTPStep(ctx, u.ID, step)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", koban.FieldError("code", "auth.error.totp")
		}
	}
	if !ok {
		s.ips.Fail(ip, now)
		var lock time.Time
		if u.FailedLogins+1 >= s.policy.MaxFailures {
			lock = now.Add(s.policy.LockFor)
		}
		if err := s.store.LoginFailed(ctx, u.ID, lock, audit.Entry{Actor: actor, Action: "auth.totp_failed", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
			return "", err
		}
		return "", koban.FieldError("code", "auth.error.totp")
	}
	if enroll {
		if err := s.store.SetTOTP(ctx, u.ID, secret, step, audit.Entry{Actor: actor, Action: "auth.totp_enrolled", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
			return "", err
		}
	}
	if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
		return "", err
	}
	if err := s.store.LoginSucceeded(ctx, u.ID, audit.Entry{Actor: actor, Action: "auth.login", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
		return "", err
	}
	return s.newSession(ctx, u.ID, StageFull, "", ip)
}

// BeginEnroll makes (or returns the already made) TOTP secret for a session
// at StageEnroll, with its otpauth URL and QR code.
func (s *Service) BeginEnroll(ctx context.Context, token string) (secret, url string, png []byte, err error) {
	sess, u, err := s.pending(ctx, token, StageEnroll)
	if err != nil {
		return "", "", nil, err
	}
	return s.pendingKey(ctx, sess, u)
}

// pendingKey returns the secret being enrolled on the session, making one
// the first time. Asking again (a reload, a mistyped code) shows the same
// key: the user has just scanned it, and a new one would send them round in
// circles.
func (s *Service) pendingKey(ctx context.Context, sess *Session, u *User) (secret, url string, png []byte, err error) {
	if sess.Pending != "" {
		url, png, err = TOTPKeyOf(s.Issuer, u.Email, sess.Pending)
		return sess.Pending, url, png, err
	}
	secret, url, png, err = NewTOTPKey(s.Issuer, u.Email)
	if err != nil {
		return "", "", nil, err
	}
	// The pending secret lives on the session row so that it never reaches
	// the user record before a code proves the authenticator has it.
	if err := s.store.SetSessionPending(ctx, sess.IDHash, secret); err != nil {
		return "", "", nil, err
	}
	return secret, url, png, nil
}

// ConfirmEnroll checks a code against the pending secret, stores it, and
// returns a full session token.
func (s *Service) ConfirmEnroll(ctx context.Context, token, code, ip string) (string, error) {
	sess, u, err := s.pending(ctx, token, StageEnroll)
	if err != nil {
		return "", err
	}
	if sess.Pending == "" {
		return "", koban.Errorf(koban.Invalid, "auth.error.session")
	}
	return s.finishSecondFactor(ctx, sess, u, sess.Pending, code, ip, true)
}

// Authenticate returns the principal of a full session, sliding its idle timeout.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (Principal, error) {
	return s.authenticate(ctx, token, ip, true)
}

// StillValid returns the principal of a full session without sliding its
// idle timeout: a long-lived stream asks it again and again, and must not
// keep a session alive that its officer left.
func (s *Service) StillValid(ctx context.Context, token, ip string) (Principal, error) {
	return s.authenticate(ctx, token, ip, false)
}

func (s *Service) authenticate(ctx context.Context, token, ip string, touch bool) (Principal, error) {
	now := s.clock.Now()
	sess, err := s.store.Session(ctx, HashToken(token))
	if err != nil {
		return Principal{}, koban.Errorf(koban.Unauthorized, "auth.error.session")
	}
	idle := sess.LastSeenAt.Add(s.policy.IdleTimeout)
	if sess.Stage != StageFull || !sess.ExpiresAt.After(now) || !idle.After(now) {
		return Principal{}, koban.Errorf(koban.Unauthorized, "auth.error.session")
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return Principal{}, koban.Errorf(koban.Unauthorized, "auth.error.session")
	}
	if touch && now.Sub(sess.LastSeenAt) >= s.policy.TouchEvery {
		if err := s.store.TouchSession(ctx, sess.IDHash, now, sess.ExpiresAt); err != nil {
			return Principal{}, err
		}
	}
	return Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role, IP: ip, Via: "session",
		MustChangePassword: u.MustChangePassword}, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, HashToken(token))
}

// TokenPrincipal returns the principal of an API token.
func (s *Service) TokenPrincipal(ctx context.Context, token, ip string) (Principal, error) {
	if !strings.HasPrefix(token, APITokenPrefix) {
		return Principal{}, koban.Errorf(koban.Unauthorized, "auth.error.token")
	}
	t, err := s.store.TokenByHash(ctx, HashToken(token))
	if err != nil || !t.RevokedAt.IsZero() {
		return Principal{}, koban.Errorf(koban.Unauthorized, "auth.error.token")
	}
	u, err := s.store.User(ctx, t.UserID)
	if err != nil || u.Disabled {
		return Principal{}, koban.Errorf(koban.Unauthorized, "auth.error.token")
	}
	now := s.clock.Now()
	if now.Sub(t.LastUsedAt) >= s.policy.TouchEvery {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return Principal{}, err
		}
	}
	return Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: u.Role, IP: ip, Via: "token"}, nil
}

// NewUser is what it takes to create an account.
type NewUser struct {
	Email, Name, OrgCode string
	Role                 Role
	Password             string
}

// CreateUser creates an account after checking the e-mail, organisation,
// role and password policy.
func (s *Service) CreateUser(ctx context.Context, by audit.Actor, nu NewUser) (*User, error) {
	email := strings.ToLower(strings.TrimSpace(nu.Email))
	if !strings.Contains(email, "@") || len(email) > 254 {
		return nil, koban.FieldError("email", "auth.error.email")
	}
	o, ok := s.tree().ByCode(nu.OrgCode)
	if !ok {
		return nil, koban.FieldError("org", "auth.error.org")
	}
	if !nu.Role.Valid() {
		return nil, koban.FieldError("role", "auth.role_unknown")
	}
	if err := CheckPasswordPolicy(nu.Password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(nu.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: email, Name: strings.TrimSpace(nu.Name), OrgID: o.ID, Role: nu.Role, PasswordHash: hash, CreatedAt: s.clock.Now()}
	err = s.store.CreateUser(ctx, u, audit.Entry{Actor: by, Action: "user.create", ObjectType: "user",
		Detail: map[string]any{"email": email, "org": o.Code, "role": string(nu.Role)}})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateToken makes a new API token for the user with that e-mail and
// returns its plaintext, which is never shown again.
func (s *Service) CreateToken(ctx context.Context, by audit.Actor, email, name string) (string, *APIToken, error) {
	u, err := s.store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, koban.FieldError("name", "auth.error.token_name")
	}
	plain, hash := NewAPIToken()
	t := &APIToken{UserID: u.ID, Name: name, Hash: hash, CreatedAt: s.clock.Now()}
	if err := s.store.CreateToken(ctx, t, audit.Entry{Actor: by, Action: "token.create", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"name": name}}); err != nil {
		return "", nil, err
	}
	return plain, t, nil
}

// RevokeToken revokes an API token by id.
func (s *Service) RevokeToken(ctx context.Context, by audit.Actor, id int64) error {
	return s.store.RevokeToken(ctx, id, audit.Entry{Actor: by, Action: "token.revoke", ObjectType: "token", ObjectID: strconv.FormatInt(id, 10)})
}

// CountUsers tells whether koban has any account yet.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return s.store.CountUsers(ctx) }

// User returns an account by id.
func (s *Service) User(ctx context.Context, id int64) (*User, error) { return s.store.User(ctx, id) }
