package zipcrypto

import "hash/crc32"

// keys is the state of traditional PKWARE encryption (APPNOTE 6.1).
type keys struct{ k0, k1, k2 uint32 }

func newKeys(password string) keys {
	k := keys{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		k.update(password[i])
	}
	return k
}

// crcByte is one byte of CRC-32 without the pre- and post-inversion, as
// the APPNOTE's crc32(pval, c) is meant.
func crcByte(crc uint32, b byte) uint32 {
	return crc32.IEEETable[byte(crc)^b] ^ crc>>8
}

func (k *keys) update(b byte) {
	k.k0 = crcByte(k.k0, b)
	k.k1 = (k.k1+k.k0&0xff)*134775813 + 1
	k.k2 = crcByte(k.k2, byte(k.k1>>24))
}

func (k *keys) stream() byte {
	t := (k.k2 | 2) & 0xffff
	return byte((t * (t ^ 1)) >> 8)
}

func (k *keys) encrypt(buf []byte) {
	for i, p := range buf {
		buf[i] = p ^ k.stream()
		k.update(p)
	}
}

func (k *keys) decrypt(buf []byte) {
	for i, c := range buf {
		p := c ^ k.stream()
		buf[i] = p
		k.update(p)
	}
}
