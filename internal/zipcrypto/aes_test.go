package zipcrypto

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// aesZip makes a WinZip AES entry the way the AE-x note describes, so that
// AE-1 (which the peers at hand do not write) and tampering are tested.
// mangle, if set, alters the encrypted entry (salt, verifier, data, code)
// before it is written.
func aesZip(t *testing.T, data []byte, version int, method uint16, mangle func([]byte)) []byte {
	t.Helper()
	const keyLen = 32
	body := data
	if method == zip.Deflate {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		fw.Write(data)
		fw.Close()
		body = b.Bytes()
	}
	salt := bytes.Repeat([]byte{0x5a}, keyLen/2)
	key, err := pbkdf2.Key(sha1.New, Password, salt, pbkdf2Iter, 2*keyLen+2)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key[:keyLen])
	var counter [16]byte
	var stream [16]byte
	enc := append([]byte(nil), body...)
	for i := range enc {
		if i%16 == 0 {
			binary.LittleEndian.PutUint64(counter[:], uint64(i/16+1))
			block.Encrypt(stream[:], counter[:])
		}
		enc[i] ^= stream[i%16]
	}
	mac := hmac.New(sha1.New, key[keyLen:2*keyLen])
	mac.Write(enc)
	entry := append(append(append(append([]byte(nil), salt...), key[2*keyLen:]...), enc...), mac.Sum(nil)[:macLen]...)
	if mangle != nil {
		mangle(entry)
	}
	extra := []byte{0x01, 0x99, 7, 0, byte(version), 0, 'A', 'E', 3, byte(method), 0}
	fh := &zip.FileHeader{
		Name: "aes.bin", Method: methodAES, Flags: flagEncrypted, Extra: extra,
		CompressedSize64: uint64(len(entry)), UncompressedSize64: uint64(len(data)),
	}
	if version == 1 {
		fh.CRC32 = crc32.ChecksumIEEE(data)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(fh)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(entry)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAES(t *testing.T) {
	data := sample(50000, 21)
	flip := func(at int) func([]byte) {
		return func(b []byte) {
			if at < 0 {
				at += len(b)
			}
			b[at] ^= 1
		}
	}
	for _, tc := range []struct {
		name    string
		version int
		method  uint16
		mangle  func([]byte)
		want    error
	}{
		{"AE-1 deflate", 1, zip.Deflate, nil, nil},
		{"AE-2 deflate", 2, zip.Deflate, nil, nil},
		{"AE-1 stored", 1, zip.Store, nil, nil},
		{"AE-2 stored", 2, zip.Store, nil, nil},
		{"verifier", 2, zip.Deflate, flip(16), ErrPassword},
		{"code", 2, zip.Deflate, flip(-1), ErrChecksum},
		{"stored data, AE-2: only the code can tell", 2, zip.Store, flip(100), ErrChecksum},
		{"stored data, AE-1", 1, zip.Store, flip(100), ErrChecksum},
		{"deflate data", 2, zip.Deflate, flip(200), ErrChecksum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := aesZip(t, data, tc.version, tc.method, tc.mangle)
			got, err := readEntry(t, z, Password)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, err = %v", len(got), err)
			}
		})
	}
}

func TestDeclaredSizes(t *testing.T) {
	data := sample(20000, 31)
	good := writeZip(t, "s.bin", data, Password)
	for _, tc := range []struct {
		name string
		size uint64
	}{
		{"beyond deflate's ratio", 1 << 40},
		{"larger than the data", uint64(len(data)) + 1},
		{"smaller than the data", uint64(len(data)) - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := withDeclaredSize(t, good, tc.size)
			got, err := readEntry(t, z, Password)
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrChecksum) {
				t.Fatalf("read %d bytes, err = %v, want ErrFormat", len(got), err)
			}
			if uint64(len(got)) > tc.size {
				t.Fatalf("read %d bytes past the declared %d", len(got), tc.size)
			}
		})
	}
}

// withDeclaredSize copies the archive's one entry with another declared
// uncompressed size (ZIP64 when it needs to be).
func withDeclaredSize(t *testing.T, z []byte, size uint64) []byte {
	t.Helper()
	a, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	f := a.File[0]
	raw, err := f.OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(raw)
	if err != nil {
		t.Fatal(err)
	}
	fh := f.FileHeader
	fh.UncompressedSize64 = size
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&fh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzOpen(f *testing.F) {
	f.Add(writeZip(f, "s.bin", sample(2000, 41), Password))
	for _, name := range []string{"f-zip.zip", "f-zip-stored.zip", "f-7z-zipcrypto.zip", "f-7z-aes256.zip", "f-7z-aes128-stored.zip"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, z []byte) {
		a, err := Open(bytes.NewReader(z), int64(len(z)))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Open: %v is not ErrFormat", err)
			}
			return
		}
		for i, e := range a.Entries() {
			if i == 8 { // each AES entry costs a PBKDF2; a few show the paths
				break
			}
			rc, err := a.Open(i, Password)
			if err != nil {
				continue
			}
			n, _ := io.Copy(io.Discard, io.LimitReader(rc, 1<<20))
			rc.Close()
			if e.Size < 1<<20 && uint64(n) > e.Size {
				t.Fatalf("entry %d: read %d bytes, declared %d", i, n, e.Size)
			}
		}
	})
}
