package zipcrypto

import (
	"archive/zip"
	"compress/flate"
	"crypto/rand"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"time"
	"unicode/utf8"
)

// Password is the conventional password of malware archives.
const Password = "infected"

const (
	flagEncrypted      = 1 << 0
	flagDataDescriptor = 1 << 3
	flagUTF8           = 1 << 11
	headerLen          = 12 // ZipCrypto's encryption header
	version20          = 20 // APPNOTE version needed for deflate and ZipCrypto
	uint32max          = 1<<32 - 1
)

// Write writes a ZIP to w holding one file name with r's bytes,
// ZipCrypto-encrypted with password, deflated.
//
// The CRC is known only at the end, so the entry has a data descriptor
// (bit 3) and its check byte is the DOS time's high byte; unzip, 7-Zip and
// archive readers that follow the APPNOTE accept that. modified is written
// as a DOS time in its own location. On an error, w holds a partial
// archive the caller discards.
func Write(w io.Writer, name string, modified time.Time, r io.Reader, password string) error {
	if name == "" {
		return fmt.Errorf("zipcrypto: write: empty name: %w", ErrFormat)
	}
	fh := &zip.FileHeader{
		Name:           name,
		Method:         zip.Deflate,
		Flags:          flagEncrypted | flagDataDescriptor,
		CreatorVersion: version20,
		ReaderVersion:  version20,
		Modified:       modified,
	}
	fh.ModifiedDate, fh.ModifiedTime = dosTime(modified)
	if !isASCII(name) && utf8.ValidString(name) {
		fh.Flags |= flagUTF8
	}
	zw := zip.NewWriter(w)
	raw, err := zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("zipcrypto: write %s: %w", name, err)
	}

	enc := &encryptWriter{w: raw, keys: newKeys(password)}
	var head [headerLen]byte
	if _, err := rand.Read(head[:headerLen-1]); err != nil {
		return fmt.Errorf("zipcrypto: write %s: %w", name, err)
	}
	head[headerLen-1] = byte(fh.ModifiedTime >> 8)
	if _, err := enc.Write(head[:]); err != nil {
		return fmt.Errorf("zipcrypto: write %s: %w", name, err)
	}
	fw, err := flate.NewWriter(enc, flate.DefaultCompression)
	if err != nil {
		return fmt.Errorf("zipcrypto: write %s: %w", name, err)
	}
	sum := crc32.NewIEEE()
	n, err := io.Copy(io.MultiWriter(fw, sum), r)
	if err != nil {
		return fmt.Errorf("zipcrypto: write %s: %w", name, err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("zipcrypto: write %s: %w", name, err)
	}
	finish(fh, sum, enc.n, uint64(n))
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zipcrypto: write %s: %w", name, err)
	}
	return nil
}

// finish fills in what the data descriptor and the central directory
// record, once the data has been written.
func finish(fh *zip.FileHeader, sum hash.Hash32, compressed, uncompressed uint64) {
	fh.CRC32 = sum.Sum32()
	fh.CompressedSize64 = compressed
	fh.UncompressedSize64 = uncompressed
	if compressed >= uint32max || uncompressed >= uint32max {
		fh.CompressedSize = uint32max
		fh.UncompressedSize = uint32max
		fh.ReaderVersion = 45 // ZIP64
	} else {
		fh.CompressedSize = uint32(compressed)
		fh.UncompressedSize = uint32(uncompressed)
	}
}

// encryptWriter encrypts what it is given and counts what it wrote.
type encryptWriter struct {
	w    io.Writer
	keys keys
	buf  [32 << 10]byte
	n    uint64
}

func (e *encryptWriter) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 {
		c := copy(e.buf[:], p)
		e.keys.encrypt(e.buf[:c])
		if _, err := e.w.Write(e.buf[:c]); err != nil {
			return done, err
		}
		e.n += uint64(c)
		done += c
		p = p[c:]
	}
	return done, nil
}

// dosTime is the MS-DOS date and time of t in its own location, to two
// seconds; the DOS format starts in 1980.
func dosTime(t time.Time) (date, clock uint16) {
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if t.Year() > 2107 {
		t = time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)
	}
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	clock = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, clock
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
