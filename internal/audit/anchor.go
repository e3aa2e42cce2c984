package audit

import (
	"bufio"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// An Anchor is the chain's head written down outside the database: the id
// and hash of the last row at a moment. The chain alone cannot show that
// rows were cut from its end or that it was rebuilt from some row on with
// fresh hashes, since either leaves a chain that links up; an anchor kept
// elsewhere can, because the row it names must still be there with the same
// hash.
//
// In an anchor file each anchor is one line of space-separated fields:
//
//	ID HASH TIME [ed25519:SIGNATURE]
//
// ID is the row's decimal id, HASH its 64 lower-case hexadecimal digits,
// TIME when the anchor was taken (RFC 3339, UTC, microseconds), and
// SIGNATURE, when the writer holds a key, the standard base64 of an Ed25519
// signature over the anchor's signed message (see Message). Blank lines and
// lines starting with # are ignored.
type Anchor struct {
	ID   int64
	Hash string
	At   time.Time
	Sig  []byte // empty when unsigned
	Line int    // where it was read from a file; 0 when it came from elsewhere
}

// AnchorTimeFormat is how an anchor's time is written.
const AnchorTimeFormat = "2006-01-02T15:04:05.000000Z"

const sigPrefix = "ed25519:"

// Message is what an anchor's signature covers. It names its purpose and
// version first, so that a signature made for anything else with the same
// key can never pass for an anchor's.
func (a Anchor) Message() []byte {
	return fmt.Appendf(nil, "koban audit anchor v1\n%d\n%s\n%d\n", a.ID, a.Hash, a.At.UTC().UnixMicro())
}

// Sign returns the anchor signed with key.
func (a Anchor) Sign(key ed25519.PrivateKey) Anchor {
	a.Sig = ed25519.Sign(key, a.Message())
	return a
}

// String returns the anchor's line in an anchor file, without the newline.
func (a Anchor) String() string {
	s := fmt.Sprintf("%d %s %s", a.ID, a.Hash, a.At.UTC().Format(AnchorTimeFormat))
	if len(a.Sig) > 0 {
		s += " " + sigPrefix + base64.StdEncoding.EncodeToString(a.Sig)
	}
	return s
}

// ParseAnchor reads one line of an anchor file. Its errors say what is wrong
// in words, without the line's number, which the caller knows.
func ParseAnchor(line string) (Anchor, error) {
	f := strings.Fields(line)
	if len(f) != 3 && len(f) != 4 {
		return Anchor{}, fmt.Errorf("it has %d fields where an anchor has 3 or 4 (id, hash, time and an optional signature)", len(f))
	}
	id, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || id < 1 {
		return Anchor{}, fmt.Errorf("its id %q is not a row id (a whole number from 1)", f[0])
	}
	if !isHash(f[1]) {
		return Anchor{}, fmt.Errorf("its hash %q is not 64 lower-case hexadecimal digits", f[1])
	}
	at, err := time.Parse(time.RFC3339Nano, f[2])
	if err != nil {
		return Anchor{}, fmt.Errorf("its time %q is not an RFC 3339 time such as 2026-03-02T09:30:15.123456Z", f[2])
	}
	// The signature covers microseconds, so finer digits carry nothing.
	a := Anchor{ID: id, Hash: f[1], At: at.UTC().Truncate(time.Microsecond)}
	if len(f) == 4 {
		enc, ok := strings.CutPrefix(f[3], sigPrefix)
		sig, err := base64.StdEncoding.DecodeString(enc)
		if !ok || err != nil || len(sig) != ed25519.SignatureSize {
			return Anchor{}, fmt.Errorf("its signature %q is not %s followed by the base64 of a %d-byte Ed25519 signature", f[3], sigPrefix, ed25519.SignatureSize)
		}
		a.Sig = sig
	}
	return a, nil
}

// ParseHead reads an anchor given as ID:HASH, as an operator copies it from
// an anchor file or the log.
func ParseHead(s string) (Anchor, error) {
	idText, hash, ok := strings.Cut(s, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id < 1 || !isHash(strings.ToLower(hash)) {
		return Anchor{}, fmt.Errorf("%q is not ID:HASH, a row id and its 64 hexadecimal digits, such as 17:%s", s, strings.Repeat("0f", 32))
	}
	return Anchor{ID: id, Hash: strings.ToLower(hash)}, nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ReadAnchors reads an anchor file; name is how its errors call it. A line
// that is not an anchor stops the reading with an error naming the line:
// a damaged witness must be looked at, not skipped.
func ReadAnchors(r io.Reader, name string) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := ParseAnchor(line)
		if err != nil {
			return nil, fmt.Errorf("line %d of %s is not an anchor: %w", n, name, err)
		}
		a.Line = n
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s after line %d: %w", name, n, err)
	}
	return out, nil
}

// AnchorFailure is an anchor the chain or its file does not bear out.
type AnchorFailure struct {
	Anchor  Anchor
	Problem string // a clause saying what is wrong and what it means
}

// CheckAnchors checks a file's anchors among themselves, in file order: ids
// never go down (an append-only file written by one process only grows),
// and, when pub is given, each carries a valid signature. It returns how
// many anchors passed before the first that failed, and that failure (nil
// when all passed); those that passed still have to be checked against the
// chain.
func CheckAnchors(as []Anchor, pub ed25519.PublicKey) (int, *AnchorFailure) {
	for i, a := range as {
		if i > 0 && a.ID < as[i-1].ID {
			return i, &AnchorFailure{a, fmt.Sprintf("it names row %d, which comes before row %d named on line %d above it, so the file was edited or anchors from elsewhere were mixed into it",
				a.ID, as[i-1].ID, as[i-1].Line)}
		}
		if pub == nil {
			continue
		}
		if len(a.Sig) == 0 {
			return i, &AnchorFailure{a, "it carries no signature, though a public key was given to check one"}
		}
		if !ed25519.Verify(pub, a.Message(), a.Sig) {
			return i, &AnchorFailure{a, "its signature does not verify with the public key, so it was altered or was not written with the matching private key"}
		}
	}
	return len(as), nil
}

// ParsePublicKey reads an Ed25519 public key in PEM ("PUBLIC KEY", as
// `openssl pkey -pubout` writes it).
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("it is not a PEM public key (a block starting with -----BEGIN PUBLIC KEY-----)")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("its public key cannot be read: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("it is not an Ed25519 public key")
	}
	return pub, nil
}
