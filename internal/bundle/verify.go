package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Problem is one thing wrong with a bundle. Code is stable (the command
// line words it through the catalogs, "cli.export.problem.<code>"); Path
// names the file, Want and Got the values that differ.
type Problem struct {
	Code string
	Path string
	Want string
	Got  string
}

// The problem codes.
const (
	NotZip              = "not_zip"              // the file is not a ZIP archive
	UnsafeEntry         = "unsafe_entry"         // an entry whose name could escape the folder it is unpacked in
	DuplicateEntry      = "duplicate_entry"      // two entries of one name
	TooManyEntries      = "too_many_entries"     // more entries than any bundle has
	ManifestMissing     = "manifest_missing"     // no manifest.json
	ManifestUnreadable  = "manifest_unreadable"  // manifest.json is not a manifest (Got says why)
	ManifestFormat      = "manifest_format"      // a format this koban does not know
	ManifestEntry       = "manifest_entry"       // a file entry with an unsafe path, a bad SHA-256 or size, or twice
	SignatureMissing    = "signature_missing"    // no manifest.sig
	SignatureUnreadable = "signature_unreadable" // manifest.sig is not a base64 Ed25519 signature
	SignatureBad        = "signature_bad"        // the signature does not match the manifest and the key
	KeyUnreadable       = "key_unreadable"       // the manifest's key is not an Ed25519 key
	KeyMismatch         = "key_mismatch"         // public-key.pem is not the key the manifest names
	KeyOther            = "key_other"            // the manifest names another key than the one given to check with
	FileMissing         = "file_missing"         // a listed file is not in the archive
	FileSize            = "file_size"            // a listed file has another size
	FileHash            = "file_hash"            // a listed file has another SHA-256
	FileUnreadable      = "file_unreadable"      // a listed file cannot be read (a damaged archive)
	FileExtra           = "file_extra"           // a file in the archive that the manifest does not list
)

// Result is what Verify found.
type Result struct {
	Manifest *Manifest // nil when it could not be read
	// KeyGiven: the signature was checked with the caller's key rather
	// than the one in the bundle.
	KeyGiven bool
	// Fingerprint names the key the signature was checked with ("" when
	// there was none to check with).
	Fingerprint string
	Files       int // files the manifest lists
	Problems    []Problem
}

// OK reports whether the bundle verified: every check held.
func (r Result) OK() bool { return len(r.Problems) == 0 && r.Manifest != nil }

func (r *Result) add(code, path, want, got string) {
	r.Problems = append(r.Problems, Problem{Code: code, Path: path, Want: want, Got: got})
}

var hexSum = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Verify checks the bundle in ra (size bytes): every file the manifest
// lists is there with its size and SHA-256, there is no other, and the
// manifest's signature holds, with key when given (the key the checker
// trusts) or else with the key the manifest names. It reports every
// problem it finds rather than stopping at the first, and reads each file
// no further than its listed size (plus one byte).
func Verify(ra io.ReaderAt, size int64, key ed25519.PublicKey) Result {
	var res Result
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		res.add(NotZip, "", "", err.Error())
		return res
	}
	if len(zr.File) > maxEntries {
		res.add(TooManyEntries, "", fmt.Sprint(maxEntries), fmt.Sprint(len(zr.File)))
		return res
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if entries[f.Name] != nil {
			res.add(DuplicateEntry, f.Name, "", "")
			continue
		}
		entries[f.Name] = f
		if f.Name != ManifestName && f.Name != SignatureName && checkPath(f.Name) != nil {
			res.add(UnsafeEntry, f.Name, "", "")
		}
	}

	raw, ok := res.readSmall(entries[ManifestName], ManifestName, maxManifest, ManifestMissing, ManifestUnreadable)
	var m *Manifest
	if ok {
		m = res.parseManifest(raw)
	}
	sigText, sigOK := res.readSmall(entries[SignatureName], SignatureName, maxSignature, SignatureMissing, SignatureUnreadable)
	var sig []byte
	if sigOK {
		sig, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigText)))
		if err != nil || len(sig) != ed25519.SignatureSize {
			res.add(SignatureUnreadable, SignatureName, "", "")
			sig = nil
		}
	}

	// The key: the caller's, or the one the manifest names (which must be
	// the one in public-key.pem, itself a listed file).
	var named ed25519.PublicKey
	if m != nil {
		if b, err := base64.StdEncoding.DecodeString(m.Key.PublicKey); err == nil && len(b) == ed25519.PublicKeySize && m.Key.Algorithm == "Ed25519" {
			named = b
		} else {
			res.add(KeyUnreadable, ManifestName, "", "")
		}
		if named != nil {
			if f := entries[KeyName]; f != nil {
				if b, ok := readAtMost(f, 4<<10); ok {
					if pub, err := ParsePublicKey(b); err != nil || !pub.Equal(named) {
						res.add(KeyMismatch, KeyName, Fingerprint(named), "")
					}
				}
			}
		}
	}
	check := named
	if key != nil {
		res.KeyGiven, check = true, key
		if named != nil && !named.Equal(key) {
			res.add(KeyOther, "", Fingerprint(key), Fingerprint(named))
		}
	}
	if check != nil {
		res.Fingerprint = Fingerprint(check)
	}
	if ok && sig != nil && check != nil && !ed25519.Verify(check, raw, sig) {
		res.add(SignatureBad, SignatureName, "", "")
	}

	if m == nil {
		return res
	}
	res.Manifest = m
	res.Files = len(m.Files)
	listed := map[string]bool{}
	for _, fe := range m.Files {
		switch {
		case checkPath(fe.Path) != nil:
			res.add(ManifestEntry, fe.Path, "", "path")
			continue
		case listed[fe.Path]:
			res.add(ManifestEntry, fe.Path, "", "twice")
			continue
		case !hexSum.MatchString(fe.SHA256) || fe.Size < 0:
			res.add(ManifestEntry, fe.Path, "", "sha256 or size")
			listed[fe.Path] = true
			continue
		}
		listed[fe.Path] = true
		f := entries[fe.Path]
		if f == nil {
			res.add(FileMissing, fe.Path, "", "")
			continue
		}
		sum, n, err := hashEntry(f, fe.Size)
		switch {
		case err != nil:
			res.add(FileUnreadable, fe.Path, "", err.Error())
		case n != fe.Size:
			res.add(FileSize, fe.Path, fmt.Sprint(fe.Size), sizeGot(n, fe.Size))
		case sum != fe.SHA256:
			res.add(FileHash, fe.Path, fe.SHA256, sum)
		}
	}
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name != ManifestName && name != SignatureName && !listed[name] {
			res.add(FileExtra, name, "", "")
		}
	}
	return res
}

// sizeGot says how large a file was found to be: "more" when it is larger
// than listed (it is read no further).
func sizeGot(n, want int64) string {
	if n > want {
		return "more"
	}
	return fmt.Sprint(n)
}

// readSmall reads one of the bundle's own files, up to max bytes.
func (res *Result) readSmall(f *zip.File, name string, max int64, missing, unreadable string) ([]byte, bool) {
	if f == nil {
		res.add(missing, name, "", "")
		return nil, false
	}
	b, ok := readAtMost(f, max)
	if !ok {
		res.add(unreadable, name, "", "")
	}
	return b, ok
}

// readAtMost reads a whole entry of at most max bytes.
func readAtMost(f *zip.File, max int64) ([]byte, bool) {
	rc, err := f.Open()
	if err != nil {
		return nil, false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil || int64(len(b)) > max {
		return nil, false
	}
	return b, true
}

// parseManifest reads the manifest strictly: no unknown field, nothing
// after it, a known format.
func (res *Result) parseManifest(raw []byte) *Manifest {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		res.add(ManifestUnreadable, ManifestName, "", err.Error())
		return nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		res.add(ManifestUnreadable, ManifestName, "", "data after the manifest")
		return nil
	}
	if m.Format != Format {
		res.add(ManifestFormat, ManifestName, Format, m.Format)
		return nil
	}
	return &m
}

// hashEntry hashes an entry, reading at most want+1 bytes; the archive's
// own checksum is checked when the entry is read to its end.
func hashEntry(f *zip.File, want int64) (string, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := &hashReader{r: io.LimitReader(rc, want+1), h: sha256.New()}
	if _, err := io.Copy(io.Discard, h); err != nil {
		return "", h.n, err
	}
	return hex.EncodeToString(h.h.Sum(nil)), h.n, nil
}
