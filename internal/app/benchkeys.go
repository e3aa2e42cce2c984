package app

import (
	"fmt"
	"math/rand/v2"
)

// benchKeys makes the STIX ids and the value numbers of the generated
// objects that `koban bench intel` and `koban bench floor` store. Random
// keys are a real feed's: ids are UUIDv4, and values reach the unique
// indexes in no order, so each insert lands on a page of its own.
// Ascending keys are what the generator made before: each insert lands
// at the right edge of the B-tree, on a page already in the cache, which
// flatters the figures several times over.
type benchKeys struct {
	ascending bool
	rng       *rand.Rand
}

// newBenchKeys makes the keys kind names, "random" (or empty) or
// "ascending". The random ones come from a fixed seed: every run stores
// the same bundle.
func newBenchKeys(kind string) (*benchKeys, error) {
	switch kind {
	case "", "random":
		return &benchKeys{rng: rand.New(rand.NewPCG(1, 2))}, nil
	case "ascending":
		return &benchKeys{ascending: true}, nil
	}
	return nil, fmt.Errorf("-keys %q: want random or ascending", kind)
}

// id is the UUID of object i, without the type's prefix. Random ids are
// drawn in order, so call it once per object, for i ascending.
func (k *benchKeys) id(i int) string {
	if k.ascending {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i, i%0xffff, i%0xfff, (i/7)%0xfff, i*7919)
	}
	hi, lo := k.rng.Uint64(), k.rng.Uint64()
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // the RFC 9562 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// number is the number object i's value is made from, below 2^bits: i
// itself for ascending keys, else i scattered by a bijection on bits
// bits, so that values stay as distinct as the i they come from.
func (k *benchKeys) number(i int, bits uint) uint64 {
	x := uint64(i)
	if k.ascending {
		return x
	}
	return scatter(x, bits)
}

// scatter is a bijection on the numbers below 2^bits (bits from 2 to 64)
// that sends neighbours far apart: multiplying by an odd number and
// xoring in the upper half are each invertible modulo 2^bits.
func scatter(x uint64, bits uint) uint64 {
	mask := uint64(1)<<bits - 1
	if bits == 64 {
		mask = ^uint64(0)
	}
	x &= mask
	for _, m := range []uint64{0xbf58476d1ce4e5b9, 0x94d049bb133111eb} {
		x = x * m & mask
		x ^= x >> (bits / 2)
	}
	return x
}
