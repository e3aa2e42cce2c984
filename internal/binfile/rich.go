package binfile

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io"
)

const (
	richDanS = 0x536e6144 // "DanS"
	richRich = 0x68636952 // "Rich"
)

// richHeader decodes the Rich header that Microsoft's linker writes between
// the DOS stub and the PE header, as pefile's parse_rich_header does, and
// returns its entries and pefile's get_rich_header_hash: the MD5 of the
// bytes from 0x80 up to "Rich", each XORed with the key that follows it.
func richHeader(r io.ReaderAt, size int64) ([]RichEntry, string) {
	var dos [0x40]byte
	if _, err := r.ReadAt(dos[:], 0); err != nil {
		return nil, ""
	}
	end := int64(le32(dos[0x3c:])) + 24 // the optional header's offset: pefile's search limit
	if end <= 0x80 || end > size || end > 64<<10 {
		return nil, ""
	}
	buf := make([]byte, end)
	if _, err := r.ReadAt(buf, 0); err != nil {
		return nil, ""
	}
	i := bytes.Index(buf[0x80:], []byte("Rich"))
	if i < 0 {
		return nil, ""
	}
	ri := 0x80 + i
	if ri+8 > len(buf) {
		return nil, "" // pefile reads the key past the limit; a header this short has none
	}
	data := buf[0x80 : ri+8]
	data = data[:len(data)/4*4]
	words := make([]uint32, len(data)/4)
	at := -1
	for k := range words {
		words[k] = le32(data[k*4:])
		if words[k] == richRich && at < 0 {
			at = k
		}
	}
	if at < 0 || at+1 >= len(words) || len(words) < 4 {
		return nil, ""
	}
	key := data[(at+1)*4 : (at+2)*4]
	checksum := words[1]
	if words[0]^checksum != richDanS || words[2] != checksum || words[3] != checksum {
		return nil, ""
	}
	raw := data[:ri-0x80]
	clear := make([]byte, len(raw))
	for k, c := range raw {
		clear[k] = c ^ key[k%4]
	}
	var entries []RichEntry
	w := words[4:]
	for k := 0; k+1 < len(w); k += 2 {
		if w[k] == richRich {
			break
		}
		id := w[k] ^ checksum
		entries = append(entries, RichEntry{ProductID: uint16(id >> 16), Build: uint16(id), Count: w[k+1] ^ checksum})
	}
	sum := md5.Sum(clear)
	return entries, hex.EncodeToString(sum[:])
}
