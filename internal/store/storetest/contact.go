package storetest

import (
	"errors"
	"testing"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/keyring"
)

func newRing(t *testing.T, keys ...string) *keyring.Ring {
	t.Helper()
	r, err := keyring.FromKeys(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testContactSealed: the reporter's contact fields are sealed under the key
// file's current key, read back in the clear, sealed again by rotation, and
// a missing key is an error rather than garbage.
func testContactSealed(t *testing.T, f *fixture) {
	keyA, _ := keyring.Generate()
	keyB, _ := keyring.Generate()
	contact := intake.Contact{Name: "山田 太郎", Email: "taro@example.jp", Phone: "+819012345678"}
	read := func(id int64) (intake.Contact, error) {
		t.Helper()
		r, err := f.db.Report(f.ctx, id)
		if err != nil {
			return intake.Contact{}, err
		}
		return r.Contact, nil
	}
	rotate := func() int {
		t.Helper()
		n, err := f.db.ResealContacts(f.ctx, 1, audit.Entry{Actor: audit.System, Action: "keys.rotate", ObjectType: "reports"})
		if err != nil {
			t.Fatalf("ResealContacts: %v", err)
		}
		return n
	}

	// Stored before there was a key file, with a value that looks sealed.
	plain := f.newReport("pref-13")
	plain.Contact = intake.Contact{Name: "enc:v1:abc:def", Email: "hanako@example.jp"}
	f.create(plain)

	f.db.SetKeys(newRing(t, keyA))
	sealed := f.newReport("pref-13")
	sealed.Contact = contact
	f.create(sealed)
	if got, err := read(sealed.ID); err != nil || got != contact {
		t.Fatalf("sealed report's contact: %+v, %v", got, err)
	}
	if got, err := read(plain.ID); err != nil || got != plain.Contact {
		t.Fatalf("plain report's contact under a key file: %+v, %v", got, err)
	}

	// Without the key file the sealed fields cannot be read: they are
	// stored sealed. The plain ones still can.
	f.db.SetKeys(nil)
	if _, err := read(sealed.ID); !errors.Is(err, keyring.ErrSealedField) {
		t.Fatalf("sealed contact without a key file: %v", err)
	}
	if got, err := read(plain.ID); err != nil || got != plain.Contact {
		t.Fatalf("plain contact without a key file: %+v, %v", got, err)
	}

	// Rotation seals the plain report, a batch at a time, then finds nothing.
	f.db.SetKeys(newRing(t, keyA))
	if n := rotate(); n != 1 {
		t.Fatalf("first rotation sealed %d reports, want the plain one", n)
	}
	if n := rotate(); n != 0 {
		t.Fatalf("second rotation sealed %d reports, want none", n)
	}
	f.db.SetKeys(nil)
	if _, err := read(plain.ID); !errors.Is(err, keyring.ErrSealedField) {
		t.Fatalf("the rotated plain report is not sealed: %v", err)
	}

	// A new key first: both reports move to it, one a batch.
	f.db.SetKeys(newRing(t, keyB, keyA))
	if n := rotate() + rotate(); n != 2 {
		t.Fatalf("rotation to the new key sealed %d reports, want 2", n)
	}
	if n := rotate(); n != 0 {
		t.Fatalf("rotation left %d", n)
	}
	f.db.SetKeys(newRing(t, keyB))
	if got, err := read(sealed.ID); err != nil || got != contact {
		t.Fatalf("after rotation, the old key gone: %+v, %v", got, err)
	}
	if got, err := read(plain.ID); err != nil || got != plain.Contact {
		t.Fatalf("after rotation, the first plain report: %+v, %v", got, err)
	}

	// The old key alone cannot read what moved to the new one.
	f.db.SetKeys(newRing(t, keyA))
	var nk *keyring.NoKeyError
	if _, err := read(sealed.ID); !errors.As(err, &nk) {
		t.Fatalf("contact under a key the file does not hold: %v", err)
	}
	f.db.SetKeys(newRing(t, keyB))
	res, err := f.db.VerifyAudit(f.ctx)
	if err != nil || !res.OK() {
		t.Fatalf("audit after rotation: %+v %v", res, err)
	}
}
