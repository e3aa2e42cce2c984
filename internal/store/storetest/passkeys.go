package storetest

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// testPasskeys: passkeys round-trip (binary values, booleans, transports),
// a credential registers once, the signature counter only moves forwards,
// a passkey is removed only by its owner, a ceremony's challenge answers
// once, for its purpose, before it expires, and goes with its session; an
// administrator's second-factor reset removes every passkey.
func testPasskeys(t *testing.T, f *fixture) {
	u := f.user("passkey@pref13.example.jp", "pref-13", auth.RoleIntake)
	other := f.user("other.passkey@pref13.example.jp", "pref-13", auth.RoleIntake)
	now := f.clock.Now()
	by := audit.Actor{UserID: u.ID, Label: u.Email}
	k := &auth.Passkey{UserID: u.ID, CredentialID: []byte{0, 1, 2, 0xfe, 0xff}, PublicKey: []byte{0xa5, 1, 2, 3, 0x26},
		SignCount: 7, Transports: []string{"internal", "hybrid"}, AAGUID: []byte("0123456789abcdef"), Attestation: "none",
		UserPresent: true, UserVerified: true, BackupEligible: true, Name: "署のパソコン", CreatedAt: now}
	if err := f.db.AddPasskey(f.ctx, k, audit.Entry{Actor: by, Action: "auth.passkey_added"}); err != nil || k.ID == 0 {
		t.Fatalf("AddPasskey: %v (id %d)", err, k.ID)
	}
	got, err := f.db.Passkeys(f.ctx, u.ID)
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], *k) {
		t.Fatalf("Passkeys = %+v, %v; want %+v", got, err, *k)
	}
	if rows := f.auditOf("passkey", k.ID); len(rows) != 1 || rows[0].Action != "auth.passkey_added" {
		t.Errorf("audit of the passkey: %+v", rows)
	}
	if n := f.loadUser(u.ID).Passkeys; n != 1 {
		t.Errorf("the user counts %d passkeys", n)
	}
	dup := *k
	dup.ID, dup.UserID = 0, other.ID
	var ke *koban.Error
	if err := f.db.AddPasskey(f.ctx, &dup, audit.Entry{Actor: by, Action: "auth.passkey_added"}); !errors.As(err, &ke) || ke.Field != "name" {
		t.Errorf("the same credential again: %v", err)
	}

	// The counter moves forwards only.
	later := now.Add(time.Minute)
	for _, c := range []struct {
		count uint32
		ok    bool
	}{{7, false}, {3, false}, {8, true}, {8, false}} {
		ok, err := f.db.UsePasskey(f.ctx, k.ID, c.count, true, true, later)
		if err != nil || ok != c.ok {
			t.Errorf("UsePasskey(%d) = %v, %v; want %v", c.count, ok, err, c.ok)
		}
	}
	got, _ = f.db.Passkeys(f.ctx, u.ID)
	if got[0].SignCount != 8 || !got[0].BackupState || !got[0].LastUsedAt.Equal(later) {
		t.Errorf("after use: %+v", got[0])
	}

	// Challenges.
	f.session(u, "pk-1")
	f.session(u, "pk-2")
	exp := now.Add(5 * time.Minute)
	put := func(sess, purpose, data string, expires time.Time) {
		t.Helper()
		if err := f.db.PutPasskeyChallenge(f.ctx, sess, purpose, data, expires, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	take := func(sess, purpose string) (string, error) {
		return f.db.TakePasskeyChallenge(f.ctx, sess, purpose, f.clock.Now())
	}
	put("pk-1", "login", `{"challenge":"one"}`, exp)
	put("pk-1", "login", `{"challenge":"two"}`, exp) // replaces the first
	if d, err := take("pk-2", "login"); err == nil {
		t.Errorf("another session took %q", d)
	}
	if d, err := take("pk-1", "login"); err != nil || d != `{"challenge":"two"}` {
		t.Errorf("take = %q, %v", d, err)
	}
	if _, err := take("pk-1", "login"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("taken twice: %v", err)
	}
	put("pk-1", "register", "r", exp)
	if _, err := take("pk-1", "login"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a registration challenge answered a sign-in: %v", err)
	}
	put("pk-1", "login", "late", now.Add(time.Second))
	f.clock.Advance(2 * time.Second)
	if _, err := take("pk-1", "login"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("an expired challenge: %v", err)
	}
	put("pk-2", "login", "gone with the session", f.clock.Now().Add(time.Minute))
	if err := f.db.DeleteSession(f.ctx, "pk-2"); err != nil {
		t.Fatal(err)
	}
	f.session(u, "pk-2")
	if _, err := take("pk-2", "login"); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a challenge outlived its session: %v", err)
	}

	// Removal: only the owner's; then the reset removes the rest.
	if err := f.db.RemovePasskey(f.ctx, other.ID, k.ID, audit.Entry{Actor: by, Action: "auth.passkey_removed"}); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("removed by another account: %v", err)
	}
	second := &auth.Passkey{UserID: u.ID, CredentialID: []byte("second"), PublicKey: []byte{1}, Attestation: "none", Name: "鍵", CreatedAt: now}
	if err := f.db.AddPasskey(f.ctx, second, audit.Entry{Actor: by, Action: "auth.passkey_added"}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RemovePasskey(f.ctx, u.ID, second.ID, audit.Entry{Actor: by, Action: "auth.passkey_removed",
		ObjectType: "passkey", ObjectID: strconv.FormatInt(second.ID, 10)}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.db.ResetTOTP(f.ctx, u.ID, audit.Entry{Actor: audit.System, Action: "user.reset_totp", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10)}); err != nil || n != 2 {
		t.Fatalf("ResetTOTP: %d sessions, %v", n, err)
	}
	if got, _ := f.db.Passkeys(f.ctx, u.ID); len(got) != 0 {
		t.Errorf("passkeys after the reset: %+v", got)
	}
	rows := f.auditOf("user", u.ID)
	if last := rows[len(rows)-1]; last.Detail != `{"passkeys_removed":1,"sessions_ended":2}` {
		t.Errorf("reset audited as %s", last.Detail)
	}
}
