package ssdeep_test

import (
	"sort"
	"strconv"
	"testing"

	"github.com/koban-project/koban/internal/ssdeep"
)

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// twoPass is the reference's way, written plainly from the description: the
// block size guessed from the length, the input hashed at it and at twice
// it, and hashed again at half of it while the first part has fewer than
// 32 characters. The piece hash is the whole 32-bit one.
func twoPass(data []byte) string {
	bs := uint64(3)
	for bs*64 < uint64(len(data)) {
		bs *= 2
	}
	for {
		first, n := part(data, bs, 64)
		if bs > 3 && n < 32 {
			bs /= 2
			continue
		}
		second, _ := part(data, 2*bs, 32)
		return strconv.FormatUint(bs, 10) + ":" + first + ":" + second
	}
}

// part hashes data at block size bs into at most max characters, and says
// how many pieces ended before the last character.
func part(data []byte, bs uint64, max int) (string, int) {
	var win [7]byte
	var h1, h2, h3 uint32
	h := uint32(0x28021967)
	var out []byte
	var latest byte // once the part is full, the character of the latest boundary
	for i, c := range data {
		h2 = h2 - h1 + 7*uint32(c)
		h1 = h1 + uint32(c) - uint32(win[i%7])
		win[i%7] = c
		h3 = h3<<5 ^ uint32(c)
		h = h*0x01000193 ^ uint32(c)
		if uint64(h1+h2+h3)%bs == bs-1 {
			if len(out) < max-1 {
				out = append(out, b64[h%64])
				h = 0x28021967
			} else {
				latest = b64[h%64]
			}
		}
	}
	n := len(out)
	switch {
	case h1+h2+h3 != 0:
		out = append(out, b64[h%64])
	case latest != 0:
		out = append(out, latest)
	}
	return string(out), n
}

// TestOnePassEqualsTwoPass holds the one-pass Hasher to the plain two-pass
// version over the generated inputs (block sizes up to 98,304, full parts,
// zero tails), with or without the ssdeep command.
func TestOnePassEqualsTwoPass(t *testing.T) {
	in := corpus(8)
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data := in[name]
		if got, want := ssdeep.Sum(data), twoPass(data); got != want {
			t.Errorf("%s (%d bytes): one pass %s, two passes %s", name, len(data), got, want)
		}
	}
}
