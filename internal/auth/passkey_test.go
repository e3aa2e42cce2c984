package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// softKey is a software authenticator: one ES256 credential, attestation
// "none", answering WebAuthn ceremonies as a browser would pass them on.
type softKey struct {
	t       *testing.T
	key     *ecdsa.PrivateKey
	id      []byte
	counter uint32
	origin  string // what the "browser" reports; the relying party's unless a test changes it
	rpID    string
	handle  []byte // the user handle given at registration
}

var rp = auth.RelyingParty{ID: "koban.example.jp", Origin: "https://koban.example.jp"}

var b64u = base64.RawURLEncoding

const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func newSoftKey(t *testing.T) *softKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &softKey{t: t, key: k, id: id, origin: rp.Origin, rpID: rp.ID}
}

// options reads the challenge (and user handle) out of Begin*'s JSON.
func options(t *testing.T, raw []byte) (challenge string, user []byte) {
	t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
			RPID string `json:"rpId"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("options %s: %v", raw, err)
	}
	if o.PublicKey.Challenge == "" {
		t.Fatalf("options without a challenge: %s", raw)
	}
	u, _ := b64u.DecodeString(o.PublicKey.User.ID)
	return o.PublicKey.Challenge, u
}

func (k *softKey) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": k.origin, "crossOrigin": false})
	return b
}

func (k *softKey) authData(flags byte, attested []byte) []byte {
	h := sha256.Sum256([]byte(k.rpID))
	out := append([]byte{}, h[:]...)
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, k.counter)
	return append(out, attested...)
}

// create answers navigator.credentials.create with the options.
func (k *softKey) create(opts []byte) []byte {
	k.t.Helper()
	challenge, handle := options(k.t, opts)
	k.handle = handle
	x, y := make([]byte, 32), make([]byte, 32)
	k.key.PublicKey.X.FillBytes(x)
	k.key.PublicKey.Y.FillBytes(y)
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		k.t.Fatal(err)
	}
	att := make([]byte, 16) // AAGUID: zero, as "none" attestation gives
	att = binary.BigEndian.AppendUint16(att, uint16(len(k.id)))
	att = append(append(att, k.id...), cose...)
	obj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(flagUP|flagUV|flagAT, att)})
	if err != nil {
		k.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(k.clientData("webauthn.create", challenge)),
			"attestationObject": b64u.EncodeToString(obj), "transports": []string{"internal"}},
		"clientExtensionResults": map[string]any{}})
	return b
}

// get answers navigator.credentials.get with the options, counting up.
func (k *softKey) get(opts []byte) []byte {
	k.t.Helper()
	challenge, _ := options(k.t, opts)
	k.counter++
	return k.sign(challenge)
}

func (k *softKey) sign(challenge string) []byte {
	k.t.Helper()
	ad := k.authData(flagUP|flagUV, nil)
	cd := k.clientData("webauthn.get", challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(cd), "authenticatorData": b64u.EncodeToString(ad),
			"signature": b64u.EncodeToString(sig), "userHandle": b64u.EncodeToString(k.handle)},
		"clientExtensionResults": map[string]any{}})
	return b
}

// signedIn signs u in (no second factor yet) and returns the session and principal.
func (e *env) signedIn(u *auth.User) (string, auth.Principal) {
	e.t.Helper()
	token := e.login(u.Email, "192.0.2.40", auth.StageFull)
	p, err := e.svc.Authenticate(e.ctx, token, "192.0.2.40")
	if err != nil {
		e.t.Fatal(err)
	}
	return token, p
}

// register adds a passkey of k to the signed-in officer.
func (e *env) register(token string, p auth.Principal, k *softKey, name string) *auth.Passkey {
	e.t.Helper()
	opts, err := e.svc.BeginPasskeyRegistration(e.ctx, p, token, rp)
	if err != nil {
		e.t.Fatal(err)
	}
	pk, err := e.svc.FinishPasskeyRegistration(e.ctx, p, token, rp, name, k.create(opts))
	if err != nil {
		e.t.Fatalf("register: %v", err)
	}
	return pk
}

// auditRows returns the audit rows about one object with that action.
func (e *env) auditRows(objType string, id int64, action string) []audit.Row {
	e.t.Helper()
	rows, err := e.db.AuditOf(e.ctx, objType, strconv.FormatInt(id, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []audit.Row
	for _, r := range rows {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

func TestPasskeyRegisterAndSignIn(t *testing.T) {
	e := newEnv(t)
	u := e.user("pk@example.jp", "pref-13", auth.RoleInvestigator)
	token, p := e.signedIn(u)
	k := newSoftKey(t)
	pk := e.register(token, p, k, "  ノートPC  ")
	if pk.Name != "ノートPC" || pk.Attestation != "none" || !pk.UserVerified || !slices.Equal(pk.Transports, []string{"internal"}) {
		t.Errorf("stored passkey %+v", pk)
	}
	if string(k.handle) == "" || string(k.handle) == u.Email {
		t.Errorf("user handle %q", k.handle)
	}
	keys, err := e.svc.PasskeysOf(e.ctx, p)
	if err != nil || len(keys) != 1 || keys[0].Name != "ノートPC" || !keys[0].CreatedAt.Equal(now0) || !keys[0].LastUsedAt.IsZero() {
		t.Fatalf("PasskeysOf = %+v, %v", keys, err)
	}
	if got := e.auditRows("passkey", pk.ID, "auth.passkey_added"); len(got) != 1 || got[0].ActorID != u.ID {
		t.Errorf("auth.passkey_added audit: %+v", got)
	}

	// The next sign-in asks for the second factor: the passkey alone.
	pending := e.login(u.Email, "192.0.2.41", auth.StageTOTP)
	totp, passkey, err := e.svc.SecondFactors(e.ctx, pending)
	if err != nil || totp || !passkey {
		t.Fatalf("SecondFactors = %v %v %v", totp, passkey, err)
	}
	if _, err := e.svc.Authenticate(e.ctx, pending, "192.0.2.41"); err == nil {
		t.Fatal("a pending session is signed in")
	}
	opts, err := e.svc.BeginPasskeyLogin(e.ctx, pending, rp)
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.svc.FinishPasskeyLogin(e.ctx, pending, rp, k.get(opts), "192.0.2.41")
	if err != nil {
		t.Fatalf("FinishPasskeyLogin: %v", err)
	}
	if full == pending {
		t.Fatal("the pending session token was kept")
	}
	if _, err := e.svc.Authenticate(e.ctx, full, "192.0.2.41"); err != nil {
		t.Fatalf("full session: %v", err)
	}
	if _, err := e.svc.BeginPasskeyLogin(e.ctx, pending, rp); koban.ErrorCode(err) != koban.Unauthorized {
		t.Errorf("the pending session lives on: %v", err)
	}
	keys, _ = e.svc.PasskeysOf(e.ctx, p)
	if keys[0].SignCount != 1 || !keys[0].LastUsedAt.Equal(now0) {
		t.Errorf("after sign-in: %+v", keys[0])
	}
	if a := e.actions(u); !slices.Contains(a, "auth.passkey_login") {
		t.Errorf("audit %v lacks auth.passkey_login", a)
	}
}

// failedSignIn begins a passkey sign-in and answers with resp (made from
// the options), expecting refusal and an auth.passkey_failed row.
func (e *env) failedSignIn(u *auth.User, what, reason string, resp func(opts []byte) []byte) {
	e.t.Helper()
	before := len(e.auditRows("user", u.ID, "auth.passkey_failed"))
	pending := e.login(u.Email, "192.0.2.50", auth.StageTOTP)
	opts, err := e.svc.BeginPasskeyLogin(e.ctx, pending, rp)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.svc.FinishPasskeyLogin(e.ctx, pending, rp, resp(opts), "192.0.2.50")
	if err == nil || tok != "" {
		e.t.Errorf("%s: accepted", what)
		return
	}
	wantErr(e.t, what, err, koban.Invalid, "auth.error.passkey_failed")
	rows := e.auditRows("user", u.ID, "auth.passkey_failed")
	if len(rows) != before+1 {
		e.t.Errorf("%s: %d auth.passkey_failed rows, want %d", what, len(rows), before+1)
		return
	}
	if d := rows[len(rows)-1].Detail; !strings.Contains(d, reason) {
		e.t.Errorf("%s: audited %s, want it to say %q", what, d, reason)
	}
}

func TestPasskeyRefusals(t *testing.T) {
	e := newEnv(t)
	u := e.user("pk2@example.jp", "pref-13", auth.RoleInvestigator)
	token, p := e.signedIn(u)
	k := newSoftKey(t)
	e.register(token, p, k, "key")

	e.failedSignIn(u, "wrong origin", "https://evil.example", func(opts []byte) []byte {
		k.origin = "https://evil.example"
		defer func() { k.origin = rp.Origin }()
		return k.get(opts)
	})
	e.failedSignIn(u, "wrong challenge", "Expected", func(opts []byte) []byte {
		k.counter++
		return k.sign(b64u.EncodeToString([]byte("a challenge koban never gave out")))
	})
	// Another user's credential answering for this account.
	other := e.user("other@example.jp", "pref-13", auth.RoleInvestigator)
	otok, op := e.signedIn(other)
	ok := newSoftKey(t)
	e.register(otok, op, ok, "theirs")
	e.failedSignIn(u, "another user's credential", "not owned by the user", func(opts []byte) []byte { return ok.get(opts) })

	// A counter going backwards: a cloned authenticator. First a good
	// sign-in takes the stored counter to 5.
	k.counter = 4
	pending := e.login(u.Email, "192.0.2.55", auth.StageTOTP)
	opts, err := e.svc.BeginPasskeyLogin(e.ctx, pending, rp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.FinishPasskeyLogin(e.ctx, pending, rp, k.get(opts), "192.0.2.55"); err != nil {
		t.Fatalf("sign-in with counter 5: %v", err)
	}
	stored := uint32(5)
	e.failedSignIn(u, "counter backwards", `"reason":"counter","stored_count":5`, func(opts []byte) []byte {
		k.counter = 2 // get adds one
		return k.get(opts)
	})
	e.failedSignIn(u, "counter standing still", `"count":5,"passkey":1,"reason":"counter"`, func(opts []byte) []byte {
		k.counter = 4
		return k.get(opts)
	})
	if keys, _ := e.svc.PasskeysOf(e.ctx, p); keys[0].SignCount != stored {
		t.Errorf("stored counter %d after refusals, want %d", keys[0].SignCount, stored)
	}
	// A failure counts towards the lock-out as a wrong TOTP code does (each
	// password accepted clears the count).
	if n := e.stored(u.ID).FailedLogins; n != 1 {
		t.Errorf("%d failed sign-ins counted, want 1", n)
	}

	// A challenge answers once: the same response again is refused.
	k.counter = stored + 10
	pending = e.login(u.Email, "192.0.2.60", auth.StageTOTP)
	opts, err = e.svc.BeginPasskeyLogin(e.ctx, pending, rp)
	if err != nil {
		t.Fatal(err)
	}
	resp := k.get(opts)
	if _, err := e.svc.FinishPasskeyLogin(e.ctx, pending, rp, []byte(`{"id":"x"}`), "192.0.2.60"); err == nil {
		t.Fatal("a malformed answer was accepted")
	}
	if _, err := e.svc.FinishPasskeyLogin(e.ctx, pending, rp, resp, "192.0.2.60"); err == nil {
		t.Fatal("an answer after its challenge was used was accepted")
	}
	// and a new challenge with a response made for the old one.
	pending = e.login(u.Email, "192.0.2.61", auth.StageTOTP)
	if _, err := e.svc.BeginPasskeyLogin(e.ctx, pending, rp); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.FinishPasskeyLogin(e.ctx, pending, rp, resp, "192.0.2.61"); err == nil {
		t.Fatal("a replayed answer was accepted")
	}
}

func TestPasskeyChallengeBoundToSession(t *testing.T) {
	e := newEnv(t)
	u := e.user("pk3@example.jp", "pref-13", auth.RoleInvestigator)
	token, p := e.signedIn(u)
	k := newSoftKey(t)
	e.register(token, p, k, "key")
	a := e.login(u.Email, "192.0.2.70", auth.StageTOTP)
	b := e.login(u.Email, "192.0.2.71", auth.StageTOTP)
	opts, err := e.svc.BeginPasskeyLogin(e.ctx, a, rp)
	if err != nil {
		t.Fatal(err)
	}
	// Session b never asked: the answer to a's challenge does not open it.
	if _, err := e.svc.FinishPasskeyLogin(e.ctx, b, rp, k.get(opts), "192.0.2.71"); err == nil {
		t.Fatal("another session's challenge was accepted")
	}
	// The challenge lapses.
	opts, _ = e.svc.BeginPasskeyLogin(e.ctx, a, rp)
	e.clock.Advance(6 * 60 * 1e9)
	if _, err := e.svc.FinishPasskeyLogin(e.ctx, a, rp, k.get(opts), "192.0.2.70"); err == nil {
		t.Fatal("an expired challenge was accepted")
	}
	// An account without passkeys is not offered a ceremony.
	plain := e.user("plain@example.jp", "pref-13", auth.RoleInvestigator)
	if _, err := e.svc.BeginPasskeyLogin(e.ctx, e.login(plain.Email, "192.0.2.73", auth.StageFull), rp); koban.ErrorCode(err) != koban.Unauthorized {
		t.Errorf("a full session began a passkey sign-in: %v", err)
	}
	secret, _, _, _ := auth.NewTOTPKey("koban", plain.Email)
	if err := e.db.SetTOTP(e.ctx, plain.ID, secret, 0, audit.Entry{Actor: audit.System, Action: "auth.totp_enrolled"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.BeginPasskeyLogin(e.ctx, e.login(plain.Email, "192.0.2.74", auth.StageTOTP), rp)
	wantErr(t, "an app-only account", err, koban.Invalid, "auth.error.passkey_none")
	// A registration challenge does not answer a sign-in.
	a = e.login(u.Email, "192.0.2.72", auth.StageTOTP)
	if _, err := e.svc.BeginPasskeyRegistration(e.ctx, p, a, rp); koban.ErrorCode(err) != koban.Unauthorized {
		t.Errorf("registration from a pending session: %v", err)
	}
}

func TestPasskeyRemoveAndReset(t *testing.T) {
	e := newEnv(t)
	// Shinjuku's parent (pref-13) relaxed the rule; an administrator must
	// always have a second factor.
	u := e.user("adm@example.jp", "pref-13", auth.RoleAdmin)
	// Enrolment: a passkey instead of an authenticator app.
	pending := e.login(u.Email, "192.0.2.80", auth.StageEnroll)
	k := newSoftKey(t)
	opts, err := e.svc.BeginEnrollPasskey(e.ctx, pending, rp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.FinishEnrollPasskey(e.ctx, pending, rp, "", k.create(opts), "192.0.2.80"); koban.ErrorCode(err) != koban.Invalid {
		t.Fatalf("a passkey without a name: %v", err)
	}
	opts, _ = e.svc.BeginEnrollPasskey(e.ctx, pending, rp)
	full, err := e.svc.FinishEnrollPasskey(e.ctx, pending, rp, "YubiKey", k.create(opts), "192.0.2.80")
	if err != nil {
		t.Fatalf("FinishEnrollPasskey: %v", err)
	}
	p, err := e.svc.Authenticate(e.ctx, full, "192.0.2.80")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.BeginEnrollPasskey(e.ctx, pending, rp); err == nil {
		t.Error("the enrolment session lives on")
	}
	keys, _ := e.svc.PasskeysOf(e.ctx, p)
	if len(keys) != 1 {
		t.Fatalf("passkeys %+v", keys)
	}
	acc, err := e.svc.Account(e.ctx, p, full)
	if err != nil || !acc.LastFactor() || len(acc.Passkeys) != 1 {
		t.Fatalf("Account: %+v %v", acc, err)
	}
	// The last second factor of an account that must have one stays.
	wantErr(t, "remove the last", e.svc.RemovePasskey(e.ctx, p, keys[0].ID), koban.Invalid, "auth.error.passkey_last")
	second := newSoftKey(t)
	e.register(full, p, second, "phone")
	wantErr(t, "remove another's", e.svc.RemovePasskey(e.ctx, auth.Principal{UserID: u.ID + 999}, keys[0].ID), koban.NotFound, "error.not_found")
	if err := e.svc.RemovePasskey(e.ctx, p, keys[0].ID); err != nil {
		t.Fatalf("remove one of two: %v", err)
	}
	if got := e.auditRows("passkey", keys[0].ID, "auth.passkey_removed"); len(got) != 1 {
		t.Errorf("auth.passkey_removed audit %+v", got)
	}
	// An administrator's reset of the second factor leaves none behind.
	if err := e.svc.ResetTOTP(e.ctx, audit.System, u.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.stored(u.ID).Passkeys; n != 0 {
		t.Errorf("%d passkeys after the reset", n)
	}
	e.login(u.Email, "192.0.2.81", auth.StageEnroll)
}
