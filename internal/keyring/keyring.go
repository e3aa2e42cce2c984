// Package keyring holds the keys that encrypt koban's data at rest: evidence
// files, kept as age files (age-encryption.org/v1, through filippo.io/age),
// and reporters' contact fields, kept as XChaCha20-Poly1305 ciphertext under
// a key derived from the same age identity.
//
// The key file (KOBAN_ENCRYPTION_KEYS) is an age identity file: one secret
// key a line ("AGE-SECRET-KEY-PQ-1…", the post-quantum hybrid kind that
// `koban keys generate` writes, or "AGE-SECRET-KEY-1…"), blank lines and
// lines starting with # ignored. The first key is the current one: new data
// is encrypted to it. Every key in the file decrypts. Rotation is therefore:
// put a new key first, let the servers reload the file (they watch it), run
// `koban keys rotate` to encrypt what the older keys hold again under the
// new one, and only then take the old key out.
//
// A key is named by its id: the first 16 hex digits of the SHA-256 of its
// public (recipient) form, so an id can be printed and logged without
// giving anything away. Data sealed under a key the file no longer holds is
// a NoKeyError, never garbage: both formats are authenticated.
//
// Other key services (an HSM, a cloud KMS) plug in as age.Identity and
// age.Recipient implementations (see Ring.Add); the contact fields' key is
// derived from what the identity gives, so such a service must also provide
// FieldSecret.
package keyring

import (
	"bufio"
	"bytes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// Identity is a key that can decrypt what was sealed to its Recipient, and
// that gives the secret the contact fields' key is derived from.
type Identity interface {
	age.Identity
	Recipient() age.Recipient
	// FieldSecret is the input keying material of the contact fields'
	// key; it never leaves the process.
	FieldSecret() []byte
}

// Key is one key of the ring.
type Key struct {
	ID       string
	identity Identity
	field    cipher.AEAD
}

// Ring is the set of keys in use, the first being current. It is safe for
// concurrent use, and Reload swaps the keys under running readers.
type Ring struct {
	path string

	mu      sync.RWMutex
	keys    []*Key
	modTime time.Time
	size    int64
}

// NoKeyError says that data was sealed under a key the ring does not hold.
type NoKeyError struct {
	ID string // the key's id when the data names it (contact fields); "" for files
}

func (e *NoKeyError) Error() string {
	if e.ID == "" {
		return "keyring: encrypted with a key that KOBAN_ENCRYPTION_KEYS does not hold (put the missing key back in the key file)"
	}
	return fmt.Sprintf("keyring: encrypted with key %s, which KOBAN_ENCRYPTION_KEYS does not hold (put the missing key back in the key file)", e.ID)
}

// ErrNoKeys is a key file without a single key.
var ErrNoKeys = errors.New("keyring: the key file holds no key")

// Load reads the key file at path.
func Load(path string) (*Ring, error) {
	r := &Ring{path: path}
	if _, err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// New is a ring of the given identities, the first current, with no file
// behind it (tests, and key services that are not files).
func New(ids ...Identity) (*Ring, error) {
	r := &Ring{}
	for _, id := range ids {
		r.keys = append(r.keys, newKey(id))
	}
	if len(r.keys) == 0 {
		return nil, ErrNoKeys
	}
	return r, nil
}

// FromKeys is a ring of the given secret keys, the first current, with no
// file behind it.
func FromKeys(keys ...string) (*Ring, error) {
	var ids []Identity
	for i, k := range keys {
		id, err := ParseIdentity(k)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		ids = append(ids, id)
	}
	return New(ids...)
}

func newKey(id Identity) *Key {
	secret, err := hkdf.Key(sha256.New, id.FieldSecret(), nil, "koban contact fields v1", chacha20poly1305.KeySize)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give
	}
	aead, err := chacha20poly1305.NewX(secret)
	if err != nil {
		panic(err)
	}
	return &Key{ID: KeyID(id.Recipient()), identity: id, field: aead}
}

// KeyID names a key by its recipient's public form.
func KeyID(r age.Recipient) string {
	s, ok := r.(fmt.Stringer)
	if !ok {
		return ""
	}
	sum := sha256.Sum256([]byte(s.String()))
	return hex.EncodeToString(sum[:8])
}

// Reload reads the key file again when it changed since the last read, and
// reports whether it did. A file that no longer parses leaves the keys as
// they were and is an error.
func (r *Ring) Reload() (bool, error) {
	if r.path == "" {
		return false, nil
	}
	fi, err := os.Stat(r.path)
	if err != nil {
		return false, fmt.Errorf("keyring: %w", err)
	}
	r.mu.RLock()
	same := fi.ModTime().Equal(r.modTime) && fi.Size() == r.size && r.keys != nil
	r.mu.RUnlock()
	if same {
		return false, nil
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return false, fmt.Errorf("keyring: %s can be read by others (mode %v): make it readable by koban alone (chmod 600)", r.path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(r.path)
	if err != nil {
		return false, fmt.Errorf("keyring: %w", err)
	}
	ids, err := Parse(b)
	if err != nil {
		return false, fmt.Errorf("keyring %s: %w", r.path, err)
	}
	keys := make([]*Key, len(ids))
	for i, id := range ids {
		keys[i] = newKey(id)
	}
	r.mu.Lock()
	r.keys, r.modTime, r.size = keys, fi.ModTime(), fi.Size()
	r.mu.Unlock()
	return true, nil
}

// Parse reads an age identity file: one key a line, # comments.
func Parse(b []byte) ([]Identity, error) {
	var out []Identity
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, err := ParseIdentity(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, id)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNoKeys
	}
	return out, nil
}

// ParseIdentity reads one age secret key.
func ParseIdentity(s string) (Identity, error) {
	switch {
	case strings.HasPrefix(s, "AGE-SECRET-KEY-PQ-1"):
		id, err := age.ParseHybridIdentity(s)
		if err != nil {
			return nil, errors.New("not a valid age hybrid secret key")
		}
		return hybrid{id}, nil
	case strings.HasPrefix(s, "AGE-SECRET-KEY-1"):
		id, err := age.ParseX25519Identity(s)
		if err != nil {
			return nil, errors.New("not a valid age X25519 secret key")
		}
		return x25519{id}, nil
	}
	return nil, errors.New("not an age secret key (want AGE-SECRET-KEY-PQ-1… or AGE-SECRET-KEY-1…)")
}

type hybrid struct{ *age.HybridIdentity }

func (h hybrid) Recipient() age.Recipient { return h.HybridIdentity.Recipient() }
func (h hybrid) FieldSecret() []byte      { return []byte(h.String()) }

type x25519 struct{ *age.X25519Identity }

func (x x25519) Recipient() age.Recipient { return x.X25519Identity.Recipient() }
func (x x25519) FieldSecret() []byte      { return []byte(x.String()) }

// Generate returns a new post-quantum (hybrid) age secret key, for a line
// of the key file.
func Generate() (string, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func (r *Ring) snapshot() []*Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keys
}

// Current is the id of the key new data is sealed to.
func (r *Ring) Current() string { return r.snapshot()[0].ID }

// IDs lists the ids of every key, the current one first.
func (r *Ring) IDs() []string {
	keys := r.snapshot()
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

// Has reports whether the ring holds the key with that id.
func (r *Ring) Has(id string) bool {
	for _, k := range r.snapshot() {
		if k.ID == id {
			return true
		}
	}
	return false
}

func identities(keys []*Key) []age.Identity {
	out := make([]age.Identity, len(keys))
	for i, k := range keys {
		out[i] = k.identity
	}
	return out
}

// Seal encrypts what is written to the returned writer into w, to the
// current key; Close writes the last chunk.
func (r *Ring) Seal(w io.Writer) (io.WriteCloser, error) {
	return age.Encrypt(w, r.snapshot()[0].identity.Recipient())
}

// Unseal decrypts an age file sealed to any key of the ring. A file sealed
// to none of them is a *NoKeyError; damage further in shows as a read error.
func (r *Ring) Unseal(src io.Reader) (io.Reader, error) {
	out, err := age.Decrypt(src, identities(r.snapshot())...)
	if err != nil {
		return nil, unsealError(err)
	}
	return out, nil
}

// SealedToCurrent reports whether an age file's header (read from src) is
// sealed to the current key.
func (r *Ring) SealedToCurrent(src io.Reader) (bool, error) {
	hdr, err := age.ExtractHeader(src)
	if err != nil {
		return false, fmt.Errorf("keyring: %w", err)
	}
	_, err = age.DecryptHeader(hdr, r.snapshot()[0].identity)
	var miss *age.NoIdentityMatchError
	if errors.As(err, &miss) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("keyring: %w", err)
	}
	return true, nil
}

func unsealError(err error) error {
	var miss *age.NoIdentityMatchError
	if errors.As(err, &miss) {
		return &NoKeyError{}
	}
	return fmt.Errorf("keyring: %w", err)
}

// The stored form of a contact field: fieldPrefix, the key id, a colon and
// base64url(nonce ‖ ciphertext). A plain value that happens to start like a
// stored form is kept behind escapePrefix, so that no typed value is ever
// mistaken for ciphertext.
const (
	fieldPrefix  = "enc:v1:"
	escapePrefix = "esc:"
)

// SealField encrypts a contact field's value for column (the column's name
// is bound into the ciphertext, so a value cannot be moved to another
// column). "" stays "".
func (r *Ring) SealField(column, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	k := r.snapshot()[0]
	nonce := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(value)+chacha20poly1305.Overhead)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := k.field.Seal(nonce, nonce, []byte(value), fieldAD(column, k.ID))
	return fieldPrefix + k.ID + ":" + base64.RawURLEncoding.EncodeToString(ct), nil
}

// PlainField is how a value is stored when encryption is off.
func PlainField(value string) string {
	if strings.HasPrefix(value, "enc:") || strings.HasPrefix(value, escapePrefix) {
		return escapePrefix + value
	}
	return value
}

// FieldKeyID is the id of the key a stored field is sealed under, "" for a
// field stored in the clear.
func FieldKeyID(stored string) string {
	rest, ok := strings.CutPrefix(stored, fieldPrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// ErrSealedField is a sealed field read by a koban that has no key file.
var ErrSealedField = errors.New("keyring: the contact fields are encrypted and KOBAN_ENCRYPTION_KEYS is not set")

// OpenField returns a stored contact field's value. A nil ring reads only
// fields stored in the clear.
func (r *Ring) OpenField(column, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, fieldPrefix)
	if !ok {
		if v, ok := strings.CutPrefix(stored, escapePrefix); ok {
			return v, nil
		}
		return stored, nil
	}
	if r == nil {
		return "", ErrSealedField
	}
	id, enc, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errors.New("keyring: a sealed field without its key id")
	}
	var key *Key
	for _, k := range r.snapshot() {
		if k.ID == id {
			key = k
			break
		}
	}
	if key == nil {
		return "", &NoKeyError{ID: id}
	}
	ct, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(ct) < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead {
		return "", errors.New("keyring: a sealed field that is not base64url of nonce and ciphertext")
	}
	pt, err := key.field.Open(nil, ct[:chacha20poly1305.NonceSizeX], ct[chacha20poly1305.NonceSizeX:], fieldAD(column, id))
	if err != nil {
		return "", fmt.Errorf("keyring: the %s field does not decrypt under key %s: altered, or moved from another column", column, id)
	}
	return string(pt), nil
}

func fieldAD(column, id string) []byte { return []byte("koban field\x00" + column + "\x00" + id) }
