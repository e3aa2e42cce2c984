package observe

import (
	"crypto/sha256"
	"math/bits"

	"golang.org/x/crypto/sha3"
)

// The cryptocurrency address types. Each is recognised by its checksum, so
// that a random run of letters and digits is not taken for an address:
// base58check (double SHA-256) for Bitcoin's legacy addresses and TRON,
// BIP-173 bech32 and BIP-350 bech32m for Bitcoin's segwit addresses,
// EIP-55 (Keccak-256) for mixed-case Ethereum addresses, and Monero's
// Keccak-256 checksum over its block-wise base58.

// b58Alphabet is the base58 alphabet of Bitcoin, TRON and Monero.
const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// b58Digit maps a byte to its base58 value, or -1.
var b58Digit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = int8(i)
	}
	return t
}()

// decodeBase58 decodes s as one big base58 number, with a zero byte for
// each leading '1', into buf. It fails on a character outside the alphabet
// or a result longer than buf.
func decodeBase58(s string, buf []byte) ([]byte, bool) {
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// out holds the big-endian number in buf[len(buf)-n:].
	n := 0
	for i := zeros; i < len(s); i++ {
		d := b58Digit[s[i]]
		if d < 0 {
			return nil, false
		}
		carry := int(d)
		for k := len(buf) - 1; k >= len(buf)-n; k-- {
			carry += int(buf[k]) * 58
			buf[k] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			if n == len(buf) {
				return nil, false
			}
			n++
			buf[len(buf)-n] = byte(carry)
			carry >>= 8
		}
	}
	if zeros+n > len(buf) {
		return nil, false
	}
	out := buf[len(buf)-n-zeros:]
	clear(out[:zeros])
	return out, true
}

// base58Check decodes a 25-byte base58check string (a version byte, 20
// bytes of hash and 4 bytes of double-SHA-256 checksum) and returns its
// version byte.
func base58Check(s string) (byte, bool) {
	var buf [25]byte
	b, ok := decodeBase58(s, buf[:])
	if !ok || len(b) != 25 {
		return 0, false
	}
	h1 := sha256.Sum256(b[:21])
	h2 := sha256.Sum256(h1[:])
	if h2[0] != b[21] || h2[1] != b[22] || h2[2] != b[23] || h2[3] != b[24] {
		return 0, false
	}
	return b[0], true
}

// canonicalBTC returns the canonical form of a Bitcoin mainnet address: a
// base58check P2PKH ('1…', version 0) or P2SH ('3…', version 5) address as
// written, or a segwit address ("bc1…", bech32 for witness version 0 and
// bech32m for versions 1 to 16) in lower case.
func canonicalBTC(v string) (string, bool) {
	if len(v) >= 14 && hasPrefixFold(v, "bc1") {
		return segwitAddress(v)
	}
	if len(v) < 26 || len(v) > 35 || v[0] != '1' && v[0] != '3' {
		return "", false
	}
	ver, ok := base58Check(v)
	if !ok || ver != 0x00 && v[0] == '1' || ver != 0x05 && v[0] == '3' {
		return "", false
	}
	return v, true
}

// bech32Charset is the bech32 data alphabet (BIP-173).
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

var bech32Digit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(bech32Charset); i++ {
		t[bech32Charset[i]] = int8(i)
		t[bech32Charset[i]&^0x20] = int8(i) // upper case
	}
	return t
}()

// The constants the bech32 checksum must leave: 1 for bech32 (BIP-173),
// 0x2bc830a3 for bech32m (BIP-350).
const (
	bech32Const  = 1
	bech32mConst = 0x2bc830a3
)

// bech32Polymod is BIP-173's checksum generator over 5-bit values.
func bech32Polymod(chk uint32, v byte) uint32 {
	top := chk >> 25
	chk = (chk&0x1ffffff)<<5 ^ uint32(v)
	for i, g := range [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3} {
		if top>>i&1 != 0 {
			chk ^= g
		}
	}
	return chk
}

// segwitAddress checks a "bc1…" address: one case throughout, at most 90
// characters, a valid checksum of the kind its witness version needs, and a
// witness program of 2 to 40 bytes (20 or 32 for version 0). It returns the
// address in lower case.
func segwitAddress(v string) (string, bool) {
	if len(v) > 90 {
		return "", false
	}
	lower, upper := false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		}
	}
	if lower && upper {
		return "", false
	}
	data := v[3:]
	if len(data) < 7 { // a version, at least one value and six of checksum
		return "", false
	}
	// The checksum covers the expanded human-readable part "bc".
	chk := uint32(1)
	for _, c := range [...]byte{'b' >> 5, 'c' >> 5, 0, 'b' & 31, 'c' & 31} {
		chk = bech32Polymod(chk, c)
	}
	var prog [40]byte
	n, acc, nbits := 0, uint32(0), 0
	for i := 0; i < len(data); i++ {
		d := bech32Digit[data[i]]
		if d < 0 {
			return "", false
		}
		chk = bech32Polymod(chk, byte(d))
		if i == 0 || i >= len(data)-6 {
			continue // the witness version, or the checksum
		}
		acc = acc<<5 | uint32(d)
		nbits += 5
		if nbits >= 8 {
			nbits -= 8
			if n == len(prog) {
				return "", false
			}
			prog[n] = byte(acc >> nbits)
			n++
		}
	}
	if nbits > 4 || acc&(1<<nbits-1) != 0 {
		return "", false // padding must be short and zero
	}
	ver := bech32Digit[data[0]]
	switch {
	case ver > 16 || n < 2:
		return "", false
	case ver == 0:
		if chk != bech32Const || n != 20 && n != 32 {
			return "", false
		}
	case chk != bech32mConst:
		return "", false
	}
	if upper {
		b := []byte(v)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b), true
	}
	return v, true
}

// canonicalTRX returns a TRON address as written: 34 base58 characters
// starting with 'T', decoding to version byte 0x41, 20 bytes and a valid
// double-SHA-256 checksum.
func canonicalTRX(v string) (string, bool) {
	if len(v) != 34 || v[0] != 'T' {
		return "", false
	}
	if ver, ok := base58Check(v); !ok || ver != 0x41 {
		return "", false
	}
	return v, true
}

// keccak256 is the original Keccak-256 (not SHA3-256) that Ethereum and
// Monero use.
func keccak256(b []byte) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(b)
	return h.Sum(nil)
}

// canonicalETH returns an Ethereum address in its EIP-55 mixed-case form:
// "0x" (or "0X") and 40 hex digits. An all-lower or all-upper address is
// converted; a mixed-case one must already carry the right EIP-55 case.
func canonicalETH(v string) (string, bool) {
	if len(v) != 42 || v[0] != '0' || v[1]|0x20 != 'x' {
		return "", false
	}
	var lower [40]byte
	hasLower, hasUpper := false, false
	for i := 0; i < 40; i++ {
		c := v[2+i]
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'f':
			hasLower = true
		case 'A' <= c && c <= 'F':
			hasUpper = true
			c += 'a' - 'A'
		default:
			return "", false
		}
		lower[i] = c
	}
	h := keccak256(lower[:])
	out := make([]byte, 42)
	out[0], out[1] = '0', 'x'
	for i, c := range lower {
		if c >= 'a' && h[i/2]>>(4*(1-i%2))&0xf >= 8 {
			c -= 'a' - 'A'
		}
		out[2+i] = c
	}
	s := string(out)
	if hasLower && hasUpper && s[2:] != v[2:] {
		return "", false // a checksum was written, and it is wrong
	}
	return s, true
}

// Monero addresses.
const (
	xmrStandardTag   = 18 // network byte of a mainnet standard address ('4…')
	xmrSubaddressTag = 42 // of a mainnet subaddress ('8…')
	xmrAddressLen    = 95 // characters
)

// xmrBlockLen maps the length of an encoded block of Monero's base58 to
// the number of bytes it holds (-1: no block has that length).
var xmrBlockLen = [12]int{0, -1, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8}

// decodeXMRBase58 decodes Monero's base58, which encodes 8-byte blocks as
// 11 characters each and a last, shorter block in fewer.
func decodeXMRBase58(s string) ([]byte, bool) {
	out := make([]byte, 0, (len(s)/11+1)*8)
	for len(s) > 0 {
		blk := s[:min(11, len(s))]
		s = s[len(blk):]
		size := xmrBlockLen[len(blk)]
		if size < 0 {
			return nil, false
		}
		var n uint64
		for i := 0; i < len(blk); i++ {
			d := b58Digit[blk[i]]
			if d < 0 {
				return nil, false
			}
			hi, lo := bits.Mul64(n, 58)
			lo, carry := bits.Add64(lo, uint64(d), 0)
			if hi != 0 || carry != 0 {
				return nil, false
			}
			n = lo
		}
		if size < 8 && n>>(8*size) != 0 {
			return nil, false
		}
		for k := size - 1; k >= 0; k-- {
			out = append(out, byte(n>>(8*k)))
		}
	}
	return out, true
}

// canonicalXMR returns a Monero mainnet standard address or subaddress as
// written: 95 characters, decoding to the network byte (18 or 42), the
// public spend and view keys and the first four bytes of the Keccak-256
// hash of what precedes them.
func canonicalXMR(v string) (string, bool) {
	if len(v) != xmrAddressLen || v[0] != '4' && v[0] != '8' {
		return "", false
	}
	b, ok := decodeXMRBase58(v)
	if !ok || len(b) != 69 || b[0] != xmrStandardTag && b[0] != xmrSubaddressTag {
		return "", false
	}
	h := keccak256(b[:65])
	if h[0] != b[65] || h[1] != b[66] || h[2] != b[67] || h[3] != b[68] {
		return "", false
	}
	return v, true
}

// cryptoNormalizer returns the normaliser of one address type.
func cryptoNormalizer(t Type, canon func(string) (string, bool), want string) normalizer {
	return func(v string) (string, error) {
		c, ok := canon(v)
		if !ok {
			return "", invalid(t, want)
		}
		return c, nil
	}
}

var (
	normalizeBTC = cryptoNormalizer(BTC, canonicalBTC, "want a mainnet P2PKH, P2SH or bc1 address with a valid checksum")
	normalizeETH = cryptoNormalizer(ETH, canonicalETH, `want "0x" and 40 hex digits, with a valid EIP-55 checksum if mixed case`)
	normalizeTRX = cryptoNormalizer(TRX, canonicalTRX, "want a 34-character base58check address starting with T")
	normalizeXMR = cryptoNormalizer(XMR, canonicalXMR, "want a 95-character mainnet address with a valid checksum")
)

// minAddressLen is the length of the shortest address the scan looks for
// (a legacy Bitcoin address; bech32 ones are longer in practice).
const minAddressLen = 26

// scanLongWords finds the observables that are whole runs of ASCII letters
// and digits (not glued to an underscore) of minAddressLen or more: hashes
// (see hashWord) and cryptocurrency addresses (addressWord). Most text has
// no run that long, so it probes every minAddressLen-th byte. Like hashes,
// addresses inside URLs are kept ("…/address/0x…").
func scanLongWords(s *scanner) {
	t := s.t
	isAlnum := func(c byte) bool { return byteClass[c]&(bDigit|bAlpha) != 0 }
	// Invariant: i is 0 or follows a byte that is not a letter or digit.
	for i := 0; i+minAddressLen <= len(t); {
		// A run of at least minAddressLen starting in [i, p] holds t[p].
		p := i + minAddressLen - 1
		if !isAlnum(t[p]) {
			i = p + 1
			continue
		}
		lo := i // the run holding t[p] starts here or later
		end := p + 1
		for end < len(t) && isAlnum(t[end]) {
			end++
		}
		i = end + 1
		// The run is long enough only if it reaches back to
		// end-minAddressLen: one byte tells most words apart.
		if end-minAddressLen < lo || !isAlnum(t[end-minAddressLen]) {
			continue
		}
		start := p
		for start > lo && isAlnum(t[start-1]) {
			start--
		}
		if end-start < minAddressLen || start > 0 && t[start-1] == '_' || end < len(t) && t[end] == '_' {
			continue
		}
		s.hashWord(start, end)
		s.addressWord(start, end)
	}
}

// addressWord adds the cryptocurrency address that the word t[start:end]
// is, if it is one: the right length and first characters, and a checksum
// that holds.
func (s *scanner) addressWord(start, end int) {
	w, n := s.t[start:end], end-start
	switch c := w[0]; {
	case c == '0' && n == 42:
		if v, ok := canonicalETH(w); ok {
			s.add(start, ETH, v)
		}
	case (c == '1' || c == '3') && n <= 35, c|0x20 == 'b':
		if v, ok := canonicalBTC(w); ok {
			s.add(start, BTC, v)
		}
	case c == 'T' && n == 34:
		if v, ok := canonicalTRX(w); ok {
			s.add(start, TRX, v)
		}
	case (c == '4' || c == '8') && n == xmrAddressLen:
		if v, ok := canonicalXMR(w); ok {
			s.add(start, XMR, v)
		}
	}
}
