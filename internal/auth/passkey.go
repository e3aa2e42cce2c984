package auth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
)

// Passkeys: WebAuthn credentials as a second factor beside TOTP. A passkey
// is registered from the account page (or, where a second factor is
// required, at enrolment instead of an authenticator app) and answers the
// second step of a sign-in exactly as a TOTP code does. Each ceremony's
// challenge is kept server-side on the session that began it, answers
// once, and lapses after passkeyChallengeLife.

// Passkey is a registered WebAuthn credential.
type Passkey struct {
	ID             int64
	UserID         int64
	CredentialID   []byte
	PublicKey      []byte // COSE key
	SignCount      uint32
	Transports     []string
	AAGUID         []byte
	Attestation    string // the attestation format, "none" for koban's requests
	UserPresent    bool
	UserVerified   bool
	BackupEligible bool
	BackupState    bool
	Name           string
	CreatedAt      time.Time
	LastUsedAt     time.Time
}

// PasskeyStore is what passkeys need from the database, beside Store.
type PasskeyStore interface {
	// Passkeys lists a user's passkeys, oldest first.
	Passkeys(ctx context.Context, userID int64) ([]Passkey, error)
	// AddPasskey stores a passkey (setting its ID) with the audit entry.
	AddPasskey(ctx context.Context, p *Passkey, e audit.Entry) error
	// RemovePasskey deletes one of the user's passkeys; NotFound if it is
	// not theirs.
	RemovePasskey(ctx context.Context, userID, id int64, e audit.Entry) error
	// UsePasskey records a sign-in; false when the counter did not move on
	// from the stored one (nothing is changed then).
	UsePasskey(ctx context.Context, id int64, count uint32, backupState, userVerified bool, at time.Time) (bool, error)
	// PutPasskeyChallenge keeps a ceremony's state for a session, one at a time.
	PutPasskeyChallenge(ctx context.Context, sessionHash, purpose, data string, expires, now time.Time) error
	// TakePasskeyChallenge removes and returns it: NotFound when there is
	// none for purpose or it has expired.
	TakePasskeyChallenge(ctx context.Context, sessionHash, purpose string, now time.Time) (string, error)
}

// RelyingParty is where passkeys are used: the RP ID (a host name, never
// an IP address) and the origin browsers report.
type RelyingParty struct {
	ID     string
	Origin string
}

const (
	passkeyChallengeLife = 5 * time.Minute
	passkeyNameMax       = 64
	purposeRegister      = "register"
	purposeLogin         = "login"
)

var (
	errPasskeyUnavailable = koban.Errorf(koban.Invalid, "auth.error.passkey_unavailable")
	errPasskeyFailed      = koban.Errorf(koban.Invalid, "auth.error.passkey_failed")
)

func (s *Service) passkeys() (PasskeyStore, bool) {
	ps, ok := s.store.(PasskeyStore)
	return ps, ok
}

// webauthnUser is a koban account as go-webauthn sees it.
type webauthnUser struct {
	u    *User
	keys []Passkey
}

// passkeyUserHandle is the WebAuthn user handle of an account: stable, and
// no personal data (the e-mail stays off the authenticator's handle).
func passkeyUserHandle(id int64) []byte { return []byte("koban-user-" + strconv.FormatInt(id, 10)) }

func (w webauthnUser) WebAuthnID() []byte          { return passkeyUserHandle(w.u.ID) }
func (w webauthnUser) WebAuthnName() string        { return w.u.Email }
func (w webauthnUser) WebAuthnDisplayName() string { return cmp.Or(w.u.Name, w.u.Email) }
func (w webauthnUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(w.keys))
	for i, k := range w.keys {
		out[i] = k.credential()
	}
	return out
}

func (k Passkey) credential() webauthn.Credential {
	ts := make([]protocol.AuthenticatorTransport, len(k.Transports))
	for i, t := range k.Transports {
		ts[i] = protocol.AuthenticatorTransport(t)
	}
	var fl protocol.AuthenticatorFlags
	for _, f := range []struct {
		on bool
		v  protocol.AuthenticatorFlags
	}{{k.UserPresent, protocol.FlagUserPresent}, {k.UserVerified, protocol.FlagUserVerified},
		{k.BackupEligible, protocol.FlagBackupEligible}, {k.BackupState, protocol.FlagBackupState}} {
		if f.on {
			fl |= f.v
		}
	}
	return webauthn.Credential{ID: k.CredentialID, PublicKey: k.PublicKey, AttestationType: "none", AttestationFormat: k.Attestation,
		Transport: ts, Flags: webauthn.NewCredentialFlags(fl), Authenticator: webauthn.Authenticator{AAGUID: k.AAGUID, SignCount: k.SignCount}}
}

func (rp RelyingParty) webauthn() (*webauthn.WebAuthn, error) {
	if rp.ID == "" || rp.Origin == "" {
		return nil, errPasskeyUnavailable
	}
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: passkeyChallengeLife, TimeoutUVD: passkeyChallengeLife}
	w, err := webauthn.New(&webauthn.Config{
		RPID: rp.ID, RPDisplayName: "koban", RPOrigins: []string{rp.Origin},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred},
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: passkey relying party %q: %w", rp.ID, err)
	}
	return w, nil
}

// putChallenge keeps a ceremony's session data on the koban session.
func (s *Service) putChallenge(ctx context.Context, ps PasskeyStore, sess *Session, purpose string, data *webauthn.SessionData) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("auth: passkey challenge: %w", err)
	}
	now := s.clock.Now()
	return ps.PutPasskeyChallenge(ctx, sess.IDHash, purpose, string(b), now.Add(passkeyChallengeLife), now)
}

// takeChallenge returns the ceremony's session data once.
func (s *Service) takeChallenge(ctx context.Context, ps PasskeyStore, sess *Session, purpose string) (webauthn.SessionData, error) {
	var data webauthn.SessionData
	raw, err := ps.TakePasskeyChallenge(ctx, sess.IDHash, purpose, s.clock.Now())
	if koban.ErrorCode(err) == koban.NotFound {
		return data, koban.Errorf(koban.Invalid, "auth.error.passkey_challenge")
	}
	if err != nil {
		return data, err
	}
	if err := json.Unmarshal([]byte(raw), &data); err != nil {
		return data, fmt.Errorf("auth: passkey challenge: %w", err)
	}
	return data, nil
}

// PasskeysOf lists the passkeys of the signed-in officer.
func (s *Service) PasskeysOf(ctx context.Context, p Principal) ([]Passkey, error) {
	ps, ok := s.passkeys()
	if !ok {
		return nil, nil
	}
	return ps.Passkeys(ctx, p.UserID)
}

// SecondFactors tells which second factors a session at StageTOTP may
// answer with: the authenticator app, passkeys, or both.
func (s *Service) SecondFactors(ctx context.Context, token string) (totp, passkey bool, err error) {
	_, u, err := s.pending(ctx, token, StageTOTP)
	if err != nil {
		return false, false, err
	}
	return u.TOTPSecret != "", u.Passkeys > 0, nil
}

// BeginPasskeyRegistration starts registering a passkey for a signed-in
// officer and returns the options for navigator.credentials.create as JSON.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, p Principal, token string, rp RelyingParty) ([]byte, error) {
	sess, u, err := s.fullSession(ctx, p, token)
	if err != nil {
		return nil, err
	}
	return s.beginRegistration(ctx, sess, u, rp)
}

// BeginEnrollPasskey is BeginPasskeyRegistration for a session at
// StageEnroll: a passkey instead of an authenticator app.
func (s *Service) BeginEnrollPasskey(ctx context.Context, token string, rp RelyingParty) ([]byte, error) {
	sess, u, err := s.pending(ctx, token, StageEnroll)
	if err != nil {
		return nil, err
	}
	return s.beginRegistration(ctx, sess, u, rp)
}

// ceremony is what a registration or a sign-in starts from: the store of
// passkeys, the relying party and the account with the passkeys it has.
func (s *Service) ceremony(ctx context.Context, u *User, rp RelyingParty) (PasskeyStore, *webauthn.WebAuthn, webauthnUser, error) {
	ps, ok := s.passkeys()
	if !ok {
		return nil, nil, webauthnUser{}, errPasskeyUnavailable
	}
	w, err := rp.webauthn()
	if err != nil {
		return nil, nil, webauthnUser{}, err
	}
	keys, err := ps.Passkeys(ctx, u.ID)
	if err != nil {
		return nil, nil, webauthnUser{}, err
	}
	return ps, w, webauthnUser{u: u, keys: keys}, nil
}

func (s *Service) beginRegistration(ctx context.Context, sess *Session, u *User, rp RelyingParty) ([]byte, error) {
	ps, w, wu, err := s.ceremony(ctx, u, rp)
	if err != nil {
		return nil, err
	}
	creation, data, err := w.BeginRegistration(wu, webauthn.WithExclusions(webauthn.Credentials(wu.WebAuthnCredentials()).CredentialDescriptors()))
	if err != nil {
		return nil, fmt.Errorf("auth: begin passkey registration: %w", err)
	}
	if err := s.putChallenge(ctx, ps, sess, purposeRegister, data); err != nil {
		return nil, err
	}
	return json.Marshal(creation)
}

// FinishPasskeyRegistration checks the browser's answer (the JSON of the
// PublicKeyCredential) and stores the passkey under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, p Principal, token string, rp RelyingParty, name string, response []byte) (*Passkey, error) {
	sess, u, err := s.fullSession(ctx, p, token)
	if err != nil {
		return nil, err
	}
	return s.finishRegistration(ctx, sess, u, rp, name, response, p.Actor())
}

// FinishEnrollPasskey registers the passkey of a session at StageEnroll
// and, the second factor being set up, returns a full session token (the
// pending one ends), as ConfirmEnroll does for an authenticator app.
func (s *Service) FinishEnrollPasskey(ctx context.Context, token string, rp RelyingParty, name string, response []byte, ip string) (string, error) {
	sess, u, err := s.pending(ctx, token, StageEnroll)
	if err != nil {
		return "", err
	}
	actor := audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: ip}
	if _, err := s.finishRegistration(ctx, sess, u, rp, name, response, actor); err != nil {
		return "", err
	}
	return s.completeSession(ctx, sess, u, actor, ip)
}

func (s *Service) finishRegistration(ctx context.Context, sess *Session, u *User, rp RelyingParty, name string, response []byte, actor audit.Actor) (*Passkey, error) {
	ps, ok := s.passkeys()
	if !ok {
		return nil, errPasskeyUnavailable
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > passkeyNameMax {
		return nil, koban.FieldError("name", "auth.error.passkey_name")
	}
	w, err := rp.webauthn()
	if err != nil {
		return nil, err
	}
	data, err := s.takeChallenge(ctx, ps, sess, purposeRegister)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, errPasskeyFailed
	}
	keys, err := ps.Passkeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	cred, err := w.CreateCredential(webauthnUser{u: u, keys: keys}, data, parsed)
	if err != nil {
		return nil, errPasskeyFailed
	}
	k := &Passkey{UserID: u.ID, CredentialID: cred.ID, PublicKey: cred.PublicKey, SignCount: cred.Authenticator.SignCount,
		AAGUID: cred.Authenticator.AAGUID, Attestation: cred.AttestationFormat, UserPresent: cred.Flags.UserPresent,
		UserVerified: cred.Flags.UserVerified, BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState,
		Name: name, CreatedAt: s.clock.Now()}
	for _, t := range cred.Transport {
		k.Transports = append(k.Transports, string(t))
	}
	if k.Attestation == "" {
		k.Attestation = "none"
	}
	if err := ps.AddPasskey(ctx, k, audit.Entry{Actor: actor, Action: "auth.passkey_added", Detail: map[string]any{"user": u.ID, "name": name,
		"backup_eligible": k.BackupEligible, "user_verified": k.UserVerified}}); err != nil {
		return nil, err
	}
	return k, nil
}

// RemovePasskey removes one of the officer's passkeys, unless it is the
// last second factor of an account whose organisation (or role) requires one.
func (s *Service) RemovePasskey(ctx context.Context, p Principal, id int64) error {
	ps, ok := s.passkeys()
	if !ok {
		return errPasskeyUnavailable
	}
	u, err := s.store.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	keys, err := ps.Passkeys(ctx, u.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(keys, func(k Passkey) bool { return k.ID == id })
	if i < 0 {
		return koban.Errorf(koban.NotFound, "error.not_found")
	}
	if len(keys) == 1 && u.TOTPSecret == "" && s.needsTOTP(u) {
		return koban.Errorf(koban.Invalid, "auth.error.passkey_last")
	}
	return ps.RemovePasskey(ctx, u.ID, id, audit.Entry{Actor: p.Actor(), Action: "auth.passkey_removed", ObjectType: "passkey",
		ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"user": u.ID, "name": keys[i].Name}})
}

// BeginPasskeyLogin starts the second step of a sign-in with a passkey and
// returns the options for navigator.credentials.get as JSON.
func (s *Service) BeginPasskeyLogin(ctx context.Context, token string, rp RelyingParty) ([]byte, error) {
	sess, u, err := s.pending(ctx, token, StageTOTP)
	if err != nil {
		return nil, err
	}
	ps, w, wu, err := s.ceremony(ctx, u, rp)
	if err != nil {
		return nil, err
	}
	if len(wu.keys) == 0 {
		return nil, koban.Errorf(koban.Invalid, "auth.error.passkey_none")
	}
	assertion, data, err := w.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, fmt.Errorf("auth: begin passkey sign-in: %w", err)
	}
	if err := s.putChallenge(ctx, ps, sess, purposeLogin, data); err != nil {
		return nil, err
	}
	return json.Marshal(assertion)
}

// FinishPasskeyLogin checks the browser's assertion for a session at
// StageTOTP and, as CompleteTOTP does, returns a new full session token
// (the pending one ends). A failed assertion counts as a failed sign-in,
// lock-out included; a signature counter that did not move forwards (a
// cloned authenticator) is refused.
func (s *Service) FinishPasskeyLogin(ctx context.Context, token string, rp RelyingParty, response []byte, ip string) (string, error) {
	sess, u, err := s.pending(ctx, token, StageTOTP)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	if ok, _ := s.ips.Check(ip, now); !ok {
		return "", koban.Errorf(koban.TooMany, "auth.error.too_many")
	}
	ps, ok := s.passkeys()
	if !ok {
		return "", errPasskeyUnavailable
	}
	w, err := rp.webauthn()
	if err != nil {
		return "", err
	}
	actor := audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email, IP: ip}
	fail := func(reason string, detail map[string]any) (string, error) {
		s.ips.Fail(ip, now)
		var lock time.Time
		if u.FailedLogins+1 >= s.policy.MaxFailures {
			lock = now.Add(s.policy.LockFor)
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["reason"] = reason
		if err := s.store.LoginFailed(ctx, u.ID, lock, audit.Entry{Actor: actor, Action: "auth.passkey_failed", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), Detail: detail}); err != nil {
			return "", err
		}
		return "", errPasskeyFailed
	}
	data, err := s.takeChallenge(ctx, ps, sess, purposeLogin)
	if koban.ErrorCode(err) == koban.Invalid {
		return fail("challenge", nil)
	}
	if err != nil {
		return "", err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return fail("malformed", nil)
	}
	keys, err := ps.Passkeys(ctx, u.ID)
	if err != nil {
		return "", err
	}
	cred, err := w.ValidateLogin(webauthnUser{u: u, keys: keys}, data, parsed)
	if err != nil {
		reason := "invalid"
		if perr := (*protocol.Error)(nil); errors.As(err, &perr) {
			reason = "invalid: " + cmp.Or(perr.DevInfo, perr.Details)
		}
		return fail(reason, nil)
	}
	i := slices.IndexFunc(keys, func(k Passkey) bool { return bytes.Equal(k.CredentialID, cred.ID) })
	if i < 0 { // ValidateLogin only accepts the user's own credentials
		return fail("unknown credential", nil)
	}
	key := keys[i]
	detail := map[string]any{"passkey": key.ID, "stored_count": key.SignCount, "count": parsed.Response.AuthenticatorData.Counter}
	if cred.Authenticator.CloneWarning {
		return fail("counter", detail)
	}
	ok, err = ps.UsePasskey(ctx, key.ID, cred.Authenticator.SignCount, cred.Flags.BackupState, cred.Flags.UserVerified, now)
	if err != nil {
		return "", err
	}
	if !ok {
		return fail("counter", detail)
	}
	if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
		return "", err
	}
	if err := s.store.LoginSucceeded(ctx, u.ID, audit.Entry{Actor: actor, Action: "auth.passkey_login", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10), Detail: map[string]any{"passkey": key.ID,
			"user_verified": parsed.Response.AuthenticatorData.Flags.HasUserVerified()}}); err != nil {
		return "", err
	}
	return s.newSession(ctx, u.ID, StageFull, "", ip)
}

// completeSession ends a pending session whose second factor is done and
// opens the full one.
func (s *Service) completeSession(ctx context.Context, sess *Session, u *User, actor audit.Actor, ip string) (string, error) {
	if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
		return "", err
	}
	if err := s.store.LoginSucceeded(ctx, u.ID, audit.Entry{Actor: actor, Action: "auth.login", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil {
		return "", err
	}
	return s.newSession(ctx, u.ID, StageFull, "", ip)
}
