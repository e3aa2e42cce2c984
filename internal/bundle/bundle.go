// Package bundle is koban's court bundle format: a ZIP archive holding a
// case's files (a PDF summary, the evidence files as stored, the audit rows,
// a machine-readable copy of the case) and a manifest that lists every
// other file with its SHA-256 and size, signed with Ed25519.
//
// The layout:
//
//	manifest.json    what is in the bundle: format, case, when and by whom,
//	                 the signing key, and every other file (path, sha256, size)
//	manifest.sig     the Ed25519 signature of manifest.json's exact bytes, base64
//	public-key.pem   the public half of the signing key (listed in the manifest)
//	…                every file the manifest lists, and nothing else
//
// Verify checks a bundle offline: each listed file present with its size
// and SHA-256, no file that is not listed, and the signature, with a key
// the checker brings or the one in the bundle. A key taken from the bundle
// itself proves that nothing changed since it was signed, not who signed
// it: anyone can make a new key, change the files and sign again. Origin
// is proven only against a public key obtained elsewhere (published by the
// police organisation, handed to the court separately): koban export verify
// --key.
package bundle

import (
	"archive/zip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Format names this version of the layout; Verify refuses others.
const Format = "koban-case-bundle/1"

// The files every bundle has besides those its manifest lists.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	KeyName       = "public-key.pem" // listed in the manifest like any file
)

// Limits Verify holds any bundle to, so that no input makes it read without
// end or hold much in memory.
const (
	maxManifest  = 32 << 20
	maxSignature = 1 << 10
	maxEntries   = 100_000
	maxPath      = 512
)

// Manifest describes a bundle. Its JSON is what is signed.
type Manifest struct {
	Format    string      `json:"format"`
	BundleID  string      `json:"bundle_id"`
	Case      CaseRef     `json:"case"`
	CreatedAt string      `json:"created_at"` // RFC 3339
	CreatedBy string      `json:"created_by"` // the account that exported it
	Generator string      `json:"generator"`  // "koban <version>"
	Key       KeyInfo     `json:"key"`
	Files     []FileEntry `json:"files"`
}

// CaseRef names the case a bundle is about.
type CaseRef struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
}

// KeyInfo names the key that signed the manifest.
type KeyInfo struct {
	Algorithm string `json:"algorithm"`  // "Ed25519"
	PublicKey string `json:"public_key"` // the raw 32-byte key, base64
	SHA256    string `json:"sha256"`     // its fingerprint: SHA-256 of the raw key, hex
	Source    string `json:"source"`     // "audit_key" (KOBAN_AUDIT_KEY) or "generated" (kept in the data folder)
}

// FileEntry is one file of a bundle.
type FileEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Fingerprint is the SHA-256 of a raw public key, hex: how a key is named
// when it is read over the phone or printed on paper.
func Fingerprint(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:])
}

// Writer writes a bundle: Add each file, then Close with the manifest's
// description. Files are hashed as they are written, so none is read twice
// or held in memory.
type Writer struct {
	zw     *zip.Writer
	key    ed25519.PrivateKey
	source string
	at     time.Time
	files  []FileEntry
	names  map[string]bool
	closed bool
}

// NewWriter starts a bundle on w, to be signed with key (source says where
// the key comes from: "audit_key" or "generated"). at is the time stamped on
// every entry.
func NewWriter(w io.Writer, key ed25519.PrivateKey, source string, at time.Time) *Writer {
	return &Writer{zw: zip.NewWriter(w), key: key, source: source, at: at.UTC(), names: map[string]bool{}}
}

// Add writes one file at path (forward slashes, no "..") from r. Evidence
// is stored as it is (compress false), so that the bytes in the archive are
// the bytes received; text is compressed. A read error of r is returned as
// it is, wrapped.
func (b *Writer) Add(name string, r io.Reader, compress bool) (FileEntry, error) {
	if b.closed {
		return FileEntry{}, errors.New("bundle: add after close")
	}
	if err := checkPath(name); err != nil || name == KeyName {
		return FileEntry{}, fmt.Errorf("bundle: %q cannot be a file of a bundle", name)
	}
	return b.add(name, r, compress)
}

func (b *Writer) add(name string, r io.Reader, compress bool) (FileEntry, error) {
	if b.names[name] {
		return FileEntry{}, fmt.Errorf("bundle: %q twice", name)
	}
	method := zip.Store
	if compress {
		method = zip.Deflate
	}
	w, err := b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: b.at})
	if err != nil {
		return FileEntry{}, fmt.Errorf("bundle %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		return FileEntry{}, fmt.Errorf("bundle %s: %w", name, err)
	}
	e := FileEntry{Path: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	b.names[name] = true
	b.files = append(b.files, e)
	return e, nil
}

// Files lists the files added so far.
func (b *Writer) Files() []FileEntry { return append([]FileEntry(nil), b.files...) }

// KeyInfo describes the signing key, as the manifest will.
func (b *Writer) KeyInfo() KeyInfo {
	pub := b.key.Public().(ed25519.PublicKey)
	return KeyInfo{Algorithm: "Ed25519", PublicKey: base64.StdEncoding.EncodeToString(pub), SHA256: Fingerprint(pub), Source: b.source}
}

// Close adds the public key, writes the manifest (m with Format, Key and
// Files filled in) and its signature, and ends the archive. It returns the
// manifest as written.
func (b *Writer) Close(m Manifest) (*Manifest, error) {
	if b.closed {
		return nil, errors.New("bundle: closed twice")
	}
	pub := b.key.Public().(ed25519.PublicKey)
	if _, err := b.add(KeyName, strings.NewReader(string(PublicKeyPEM(pub))), true); err != nil {
		return nil, err
	}
	b.closed = true
	m.Format, m.Key, m.Files = Format, b.KeyInfo(), b.Files()
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("bundle manifest: %w", err)
	}
	raw = append(raw, '\n')
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(b.key, raw)) + "\n"
	for _, f := range []struct {
		name string
		body []byte
	}{{ManifestName, raw}, {SignatureName, []byte(sig)}} {
		w, err := b.zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: b.at})
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", f.name, err)
		}
		if _, err := w.Write(f.body); err != nil {
			return nil, fmt.Errorf("bundle %s: %w", f.name, err)
		}
	}
	if err := b.zw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &m, nil
}

// checkPath refuses a path that could name something outside the bundle's
// folder when unpacked, or that is not one plain name: empty, absolute,
// with "..", "." or empty elements, backslashes, control characters,
// invalid UTF-8, too long, or one of the bundle's own files.
func checkPath(p string) error {
	switch {
	case p == "", len(p) > maxPath, !utf8.ValidString(p), strings.HasPrefix(p, "/"), strings.Contains(p, `\`),
		path.Clean(p) != p, strings.HasSuffix(p, "/"), p == ManifestName, p == SignatureName:
		return errors.New("unsafe path")
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." || el == "." || el == "" {
			return errors.New("unsafe path")
		}
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == ':' {
			return errors.New("unsafe path")
		}
	}
	return nil
}

// hashReader counts and hashes what is read through it.
type hashReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}
