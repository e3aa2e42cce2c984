package warnlist

import (
	"encoding/binary"
	"net/netip"
)

// nets finds the listed networks that hold an address or a network. It
// keeps one hash entry per network, keyed by its length and masked
// address, and a lookup tries each length in use: MISP's lists use 26
// IPv4 and about 50 IPv6 lengths, so a lookup costs a few dozen integer
// hashes, whatever the number of networks. The keys are plain integers,
// which hash several times faster than netip.Prefix; IPv6 networks of 64
// bits or fewer (nearly all) need only the upper half of the address.
type nets struct {
	v4    map[uint64][]int32     // length<<32 | masked address
	v6    [65]map[uint64][]int32 // by length: masked upper half
	v6x   map[[3]uint64][]int32  // longer than 64: upper, masked lower half, length
	lens4 []int                  // lengths in use, shortest first
	lens6 []int
}

// addr is an address split for masking: an IPv4 address in lo, an IPv6
// address in hi and lo.
type addr struct {
	is4    bool
	hi, lo uint64
}

// newNets returns an empty table.
func newNets() *nets {
	return &nets{v4: make(map[uint64][]int32), v6x: make(map[[3]uint64][]int32)}
}

// split reads a for masking.
func split(a netip.Addr) addr {
	if a.Is4() {
		b := a.As4()
		return addr{is4: true, lo: uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return addr{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:])}
}

// keep clears all but the top n of the 64 bits of v.
func keep(v uint64, n int) uint64 {
	if n <= 0 {
		return 0
	}
	return v &^ (1<<(64-n) - 1)
}

// add records that list id holds the masked network p, once.
func (t *nets) add(p netip.Prefix, id int32) {
	a, n := split(p.Addr()), p.Bits()
	switch {
	case a.is4:
		addTo(t.v4, key4(a, n), id)
		t.lens4 = insertLen(t.lens4, n)
		return
	case n <= 64:
		if t.v6[n] == nil {
			t.v6[n] = make(map[uint64][]int32)
		}
		addTo(t.v6[n], keep(a.hi, n), id)
	default:
		addTo(t.v6x, key6(a, n), id)
	}
	t.lens6 = insertLen(t.lens6, n)
}

// key4 is the key of an IPv4 address's network of length n.
func key4(a addr, n int) uint64 { return uint64(n)<<32 | keep(a.lo<<32, n)>>32 }

// key6 is the key of an IPv6 address's network of length n > 64.
func key6(a addr, n int) [3]uint64 { return [3]uint64{a.hi, keep(a.lo, n-64), uint64(n)} }

// insertLen adds n to the sorted lengths ls if it is not there.
func insertLen(ls []int, n int) []int {
	for i, l := range ls {
		if l == n {
			return ls
		}
		if l > n {
			return append(ls[:i], append([]int{n}, ls[i:]...)...)
		}
	}
	return append(ls, n)
}

// lens returns the lengths in use for a's family, shortest first.
func (t *nets) lens(a addr) []int {
	if a.is4 {
		return t.lens4
	}
	return t.lens6
}

// lookup returns the lists holding a's network of length n.
func (t *nets) lookup(a addr, n int) []int32 {
	switch {
	case a.is4:
		return t.v4[key4(a, n)]
	case n <= 64:
		return t.v6[n][keep(a.hi, n)]
	default:
		return t.v6x[key6(a, n)]
	}
}
