package zipcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
)

const (
	aesExtraID = 0x9901
	macLen     = 10
	pbkdf2Iter = 1000
)

// aesInfo is WinZip's AE-x extra field.
type aesInfo struct {
	version int // 1: AE-1 (CRC kept), 2: AE-2 (CRC zero, not checked)
	keyLen  int // 16, 24 or 32
	method  uint16
}

func (x aesInfo) saltLen() int { return x.keyLen / 2 }

func aesExtra(extra []byte) (aesInfo, error) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if size > len(extra) {
			break
		}
		field := extra[:size]
		extra = extra[size:]
		if id != aesExtraID {
			continue
		}
		if size < 7 || field[2] != 'A' || field[3] != 'E' {
			return aesInfo{}, fmt.Errorf("%w: malformed AES extra field", ErrFormat)
		}
		x := aesInfo{
			version: int(binary.LittleEndian.Uint16(field)),
			method:  binary.LittleEndian.Uint16(field[5:]),
		}
		switch field[4] {
		case 1, 2, 3:
			x.keyLen = 8 + 8*int(field[4])
		default:
			return aesInfo{}, fmt.Errorf("%w: AES strength %d", ErrUnsupported, field[4])
		}
		if x.version != 1 && x.version != 2 {
			return aesInfo{}, fmt.Errorf("%w: AE-%d", ErrUnsupported, x.version)
		}
		return x, nil
	}
	return aesInfo{}, fmt.Errorf("%w: method 99 without an AES extra field", ErrFormat)
}

// aesReader decrypts WinZip AES: CTR mode with a little-endian counter
// from 1, and an HMAC-SHA1 of the ciphertext checked by finish.
type aesReader struct {
	raw     io.Reader // positioned at the authentication code once data is read
	data    io.LimitedReader
	block   cipher.Block
	counter [aes.BlockSize]byte
	stream  [aes.BlockSize]byte
	used    int // bytes of stream consumed
	mac     hash.Hash
}

func newAESReader(raw io.Reader, compressed uint64, x aesInfo, password string) (*aesReader, error) {
	overhead := uint64(x.saltLen() + 2 + macLen)
	if compressed < overhead {
		return nil, fmt.Errorf("%w: AES entry shorter than its salt and code", ErrFormat)
	}
	head := make([]byte, x.saltLen()+2)
	if _, err := io.ReadFull(raw, head); err != nil {
		return nil, fmt.Errorf("%w: AES header: %v", ErrFormat, err)
	}
	salt, verifier := head[:x.saltLen()], head[x.saltLen():]
	key, err := pbkdf2.Key(sha1.New, password, salt, pbkdf2Iter, 2*x.keyLen+2)
	if err != nil {
		return nil, fmt.Errorf("zipcrypto: AES key: %w", err)
	}
	if subtle.ConstantTimeCompare(key[2*x.keyLen:], verifier) != 1 {
		return nil, ErrPassword
	}
	block, err := aes.NewCipher(key[:x.keyLen])
	if err != nil {
		return nil, fmt.Errorf("zipcrypto: AES key: %w", err)
	}
	a := &aesReader{
		raw:   raw,
		data:  io.LimitedReader{R: raw, N: int64(compressed - overhead)},
		block: block,
		used:  aes.BlockSize,
		mac:   hmac.New(sha1.New, key[x.keyLen:2*x.keyLen]),
	}
	return a, nil
}

func (a *aesReader) Read(p []byte) (int, error) {
	n, err := a.data.Read(p)
	a.mac.Write(p[:n])
	for i := range p[:n] {
		if a.used == aes.BlockSize {
			a.next()
		}
		p[i] ^= a.stream[a.used]
		a.used++
	}
	if err == io.EOF && a.data.N > 0 {
		err = fmt.Errorf("%w: AES data cut short", ErrFormat)
	}
	return n, err
}

// next steps the little-endian counter and makes the next keystream block.
func (a *aesReader) next() {
	for i := range a.counter {
		a.counter[i]++
		if a.counter[i] != 0 {
			break
		}
	}
	a.block.Encrypt(a.stream[:], a.counter[:])
	a.used = 0
}

// finish reads whatever ciphertext the decompressor left and checks the
// authentication code that follows it.
func (a *aesReader) finish() error {
	if _, err := io.Copy(io.Discard, a); err != nil {
		return err
	}
	var code [macLen]byte
	if _, err := io.ReadFull(a.raw, code[:]); err != nil {
		return fmt.Errorf("%w: AES authentication code: %v", ErrFormat, err)
	}
	if !hmac.Equal(code[:], a.mac.Sum(nil)[:macLen]) {
		return fmt.Errorf("%w: AES authentication code", ErrChecksum)
	}
	return nil
}
