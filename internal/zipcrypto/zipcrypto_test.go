package zipcrypto

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

var modified = time.Date(2026, 12, 7, 4, 30, 12, 0, time.UTC)

// sample is harmless bytes that compress somewhat, like a real binary.
func sample(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		if i%3 == 0 {
			b[i] = byte(r.IntN(256))
		} else {
			b[i] = "MZ koban sample "[i%16]
		}
	}
	return b
}

func writeZip(t testing.TB, name string, data []byte, password string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, name, modified, bytes.NewReader(data), password); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readEntry(t testing.TB, archive []byte, password string) ([]byte, error) {
	t.Helper()
	a, err := Open(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := a.Open(0, password)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"small", 100},
		{"several blocks", 300 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := sample(tc.size, uint64(tc.size))
			z := writeZip(t, "sample.bin", data, Password)
			a, err := Open(bytes.NewReader(z), int64(len(z)))
			if err != nil {
				t.Fatal(err)
			}
			want := []Entry{{Name: "sample.bin", Size: uint64(tc.size), Encrypted: true, Method: MethodZipCrypto}}
			if got := a.Entries(); len(got) != 1 || got[0] != want[0] {
				t.Fatalf("entries = %+v, want %+v", got, want)
			}
			got, err := readEntry(t, z, Password)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes, differ from the %d written", len(got), len(data))
			}
			if bytes.Contains(z, []byte("MZ koban sample")) {
				t.Error("archive holds the plaintext")
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	z := writeZip(t, "s.bin", sample(5000, 1), Password)
	if _, err := readEntry(t, z, "wrong"); !errors.Is(err, ErrPassword) {
		t.Fatalf("err = %v, want ErrPassword", err)
	}
}

// One wrong password in 256 passes ZipCrypto's check byte; the data it
// decrypts must then fail at the CRC (or as corrupt deflate data).
func TestWrongPasswordPassingCheckByte(t *testing.T) {
	for _, tc := range []struct {
		name string
		z    []byte
	}{
		{"deflate", writeZip(t, "s.bin", sample(5000, 1), Password)},
		{"stored", storedZipCrypto(t, sample(5000, 2), Password)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pw := falseAccept(t, tc.z)
			got, err := readEntry(t, tc.z, pw)
			if !errors.Is(err, ErrChecksum) {
				t.Fatalf("password %q: read %d bytes, err = %v, want ErrChecksum", pw, len(got), err)
			}
		})
	}
}

// falseAccept finds a password other than the right one that passes the
// archive's check byte.
func falseAccept(t *testing.T, z []byte) string {
	t.Helper()
	for i := range 100000 {
		pw := "wrong" + strconv.Itoa(i)
		if _, err := readEntry(t, z, pw); !errors.Is(err, ErrPassword) {
			return pw
		}
	}
	t.Fatal("no password passes the check byte")
	return ""
}

// storedZipCrypto makes what Write does not: a stored entry, its CRC in
// the local header and the check byte from the CRC.
func storedZipCrypto(t *testing.T, data []byte, password string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	crc := crc32.ChecksumIEEE(data)
	fh := &zip.FileHeader{
		Name: "stored.bin", Method: zip.Store, Flags: flagEncrypted,
		CRC32: crc, CompressedSize64: uint64(len(data) + headerLen), UncompressedSize64: uint64(len(data)),
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		t.Fatal(err)
	}
	k := newKeys(password)
	enc := append(make([]byte, headerLen-1), byte(crc>>24))
	enc = append(enc, data...)
	k.encrypt(enc)
	if _, err := w.Write(enc); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStored(t *testing.T) {
	data := sample(3000, 3)
	got, err := readEntry(t, storedZipCrypto(t, data, Password), Password)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
}

func TestUTF8Name(t *testing.T) {
	z := writeZip(t, "検体.bin", []byte("harmless"), Password)
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	if f := zr.File[0]; f.Name != "検体.bin" || f.Flags&flagUTF8 == 0 || !f.Modified.Equal(modified) {
		t.Fatalf("name %q, flags %#x, modified %v", f.Name, f.Flags, f.Modified)
	}
}
