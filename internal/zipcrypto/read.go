package zipcrypto

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// The errors Open and the readers it returns wrap.
var (
	// ErrFormat is a malformed archive or entry.
	ErrFormat = errors.New("zipcrypto: not a valid zip archive")
	// ErrPassword is a password the entry's check refuses.
	ErrPassword = errors.New("zipcrypto: wrong password")
	// ErrChecksum is data whose CRC or HMAC does not match at the end.
	ErrChecksum = errors.New("zipcrypto: checksum mismatch")
	// ErrUnsupported is a compression method or encryption not read here.
	ErrUnsupported = errors.New("zipcrypto: unsupported method or encryption")
)

// Encryption methods as Entry.Method names them.
const (
	MethodNone      = "none"
	MethodZipCrypto = "zipcrypto"
	MethodStrong    = "pkware-strong" // listed, never opened
)

const (
	flagStrong = 1 << 6
	methodAES  = 99
	// maxRatio is deflate's largest expansion (258 bytes from about two
	// bits); an entry declaring more than that cannot be honest.
	maxRatio = 1032
)

// Entry is one file in an archive, as the central directory describes it.
type Entry struct {
	Name      string
	Size      uint64 // declared uncompressed size
	Encrypted bool
	Method    string // "zipcrypto", "aes-128", "aes-192", "aes-256", "none", "pkware-strong"
}

// Archive is a ZIP being read.
type Archive struct {
	zr      *zip.Reader
	entries []Entry
}

// Open reads the central directory of the ZIP in r.
func Open(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	// An insecure path matters to extraction onto a disk, which koban
	// never does; the name is reported as it stands.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("zipcrypto: open: %w: %v", ErrFormat, err)
	}
	a := &Archive{zr: zr}
	for _, f := range zr.File {
		a.entries = append(a.entries, Entry{
			Name:      f.Name,
			Size:      f.UncompressedSize64,
			Encrypted: f.Flags&flagEncrypted != 0,
			Method:    encryption(f),
		})
	}
	return a, nil
}

// Entries lists the archive's files in directory order.
func (a *Archive) Entries() []Entry {
	return append([]Entry(nil), a.entries...)
}

func encryption(f *zip.File) string {
	switch {
	case f.Flags&flagEncrypted == 0:
		return MethodNone
	case f.Method == methodAES:
		if x, err := aesExtra(f.Extra); err == nil {
			return fmt.Sprintf("aes-%d", x.keyLen*8)
		}
		return "aes"
	case f.Flags&flagStrong != 0:
		return MethodStrong
	default:
		return MethodZipCrypto
	}
}

// Open returns a reader of entry i's decrypted, decompressed bytes. A
// wrong password is ErrPassword here; a bad CRC or HMAC is ErrChecksum
// from the Read that reaches the end of the entry.
func (a *Archive) Open(i int, password string) (io.ReadCloser, error) {
	if i < 0 || i >= len(a.zr.File) {
		return nil, fmt.Errorf("zipcrypto: no entry %d: %w", i, ErrFormat)
	}
	f := a.zr.File[i]
	rc, err := a.open(f, password)
	if err != nil {
		return nil, fmt.Errorf("zipcrypto: open %q: %w", f.Name, err)
	}
	return rc, nil
}

func (a *Archive) open(f *zip.File, password string) (io.ReadCloser, error) {
	// What the entry is, checked before any key is derived.
	encrypted := f.Flags&flagEncrypted != 0
	method, overhead := f.Method, uint64(0)
	var aesx aesInfo
	switch {
	case !encrypted:
	case f.Flags&flagStrong != 0:
		return nil, fmt.Errorf("%w: PKWARE strong encryption", ErrUnsupported)
	case f.Method == methodAES:
		var err error
		if aesx, err = aesExtra(f.Extra); err != nil {
			return nil, err
		}
		method, overhead = aesx.method, uint64(aesx.saltLen()+2+macLen)
	default:
		overhead = headerLen
	}
	if f.CompressedSize64 < overhead {
		return nil, fmt.Errorf("%w: entry shorter than its encryption header", ErrFormat)
	}
	compressed := f.CompressedSize64 - overhead
	switch method {
	case zip.Store:
		if f.UncompressedSize64 != compressed {
			return nil, fmt.Errorf("%w: stored entry of %d bytes declares %d", ErrFormat, compressed, f.UncompressedSize64)
		}
	case zip.Deflate:
		if f.UncompressedSize64/maxRatio > compressed {
			return nil, fmt.Errorf("%w: %d bytes cannot inflate to the declared %d", ErrFormat, compressed, f.UncompressedSize64)
		}
	default:
		return nil, fmt.Errorf("%w: compression method %d", ErrUnsupported, method)
	}

	raw, err := f.OpenRaw()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	er := &entryReader{
		want:     f.UncompressedSize64,
		wantCRC:  f.CRC32,
		checkCRC: true,
		crc:      crc32.NewIEEE(),
		corrupt:  ErrFormat,
	}
	var data io.Reader = raw
	switch {
	case !encrypted:
	case f.Method == methodAES:
		ar, err := newAESReader(raw, f.CompressedSize64, aesx, password)
		if err != nil {
			return nil, err
		}
		data, er.tail = ar, ar.finish
		er.checkCRC = aesx.version == 1 // AE-2 leaves the CRC zero
	default:
		if data, err = newZipCryptoReader(raw, f, password); err != nil {
			return nil, err
		}
	}
	if encrypted {
		// A key that passed the check by chance decrypts to garbage, which
		// shows up as corrupt deflate data before the CRC can fail: a
		// checksum error too, as far as the caller is concerned.
		er.corrupt = ErrChecksum
	}
	if method == zip.Store {
		er.r = data
	} else {
		fr := flate.NewReader(bufio.NewReaderSize(data, 32<<10))
		er.r, er.closer = fr, fr
	}
	return er, nil
}

// entryReader holds the decompressed stream to its declared size and
// checks the CRC (and, through tail, an AES HMAC) at the end.
type entryReader struct {
	r        io.Reader
	closer   io.Closer
	tail     func() error
	crc      hash.Hash32
	n, want  uint64
	wantCRC  uint32
	checkCRC bool
	corrupt  error // what corrupt compressed data wraps
	err      error
}

func (e *entryReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.n == e.want {
		e.err = e.end()
		return 0, e.err
	}
	if uint64(len(p)) > e.want-e.n {
		p = p[:e.want-e.n]
	}
	n, err := e.r.Read(p)
	e.n += uint64(n)
	e.crc.Write(p[:n])
	switch {
	case err == io.EOF && e.n < e.want:
		e.err = fmt.Errorf("%w: entry ends after %d of its declared %d bytes", e.corrupt, e.n, e.want)
	case err != nil && err != io.EOF:
		e.err = e.wrap(err)
	}
	if e.err != nil {
		return n, e.err
	}
	return n, nil
}

// end checks, once the declared size has been read, that the stream ends
// there and that its checksums hold.
func (e *entryReader) end() error {
	var one [1]byte
	n, err := io.ReadFull(e.r, one[:])
	if n > 0 {
		return fmt.Errorf("%w: entry runs past its declared %d bytes", ErrFormat, e.want)
	}
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		return e.wrap(err)
	}
	if e.tail != nil {
		if err := e.tail(); err != nil {
			return err
		}
	}
	if e.checkCRC && e.crc.Sum32() != e.wantCRC {
		return fmt.Errorf("%w: CRC-32 %08x, expected %08x", ErrChecksum, e.crc.Sum32(), e.wantCRC)
	}
	return io.EOF
}

func (e *entryReader) wrap(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, ErrChecksum), errors.Is(err, ErrFormat):
		return err
	case errors.As(err, &corrupt), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %v", e.corrupt, err)
	default:
		return err
	}
}

func (e *entryReader) Close() error {
	if e.closer != nil {
		return e.closer.Close()
	}
	return nil
}

// zipCryptoReader decrypts traditional PKWARE encryption.
type zipCryptoReader struct {
	r    io.Reader
	keys keys
}

func newZipCryptoReader(raw io.Reader, f *zip.File, password string) (*zipCryptoReader, error) {
	var head [headerLen]byte
	if _, err := io.ReadFull(raw, head[:]); err != nil {
		return nil, fmt.Errorf("%w: encryption header: %v", ErrFormat, err)
	}
	// The header's last byte predicts the CRC's high byte, or the DOS
	// time's when a data descriptor carries the CRC (APPNOTE 6.1.6).
	want := byte(f.CRC32 >> 24)
	if f.Flags&flagDataDescriptor != 0 {
		want = byte(f.ModifiedTime >> 8)
	}
	z := &zipCryptoReader{r: raw, keys: newKeys(password)}
	z.keys.decrypt(head[:])
	if head[headerLen-1] != want {
		return nil, ErrPassword
	}
	return z, nil
}

func (z *zipCryptoReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	z.keys.decrypt(p[:n])
	return n, err
}
