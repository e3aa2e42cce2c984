package binfile

import (
	"encoding/binary"
	"math/rand/v2"
)

// syntheticPE builds a small PE32 by hand: a Rich header with two entries,
// an .rdata section holding imports (two by name from KERNEL32.dll, one by
// name and one by ordinal from MSVCRT.dll) and exports, and an executable
// section named UPX1 full of random bytes holding the entry point.
func syntheticPE() []byte {
	b := make([]byte, 0xa00)
	le := binary.LittleEndian
	put16 := func(off int, v uint16) { le.PutUint16(b[off:], v) }
	put32 := func(off int, v uint32) { le.PutUint32(b[off:], v) }
	b[0], b[1] = 'M', 'Z'
	const lfanew = 0x100
	put32(0x3c, lfanew)

	// Rich header: DanS and three zeros, two (id, count) pairs, "Rich", key.
	const key = 0x1234abcd
	rich := []uint32{0x536e6144 ^ key, key, key, key,
		(0x0104<<16 | 30729) ^ key, 3 ^ key, (0x0093<<16 | 21005) ^ key, 17 ^ key, 0x68636952, key}
	for i, w := range rich {
		put32(0x80+4*i, w)
	}

	copy(b[lfanew:], "PE\x00\x00")
	coff := lfanew + 4
	put16(coff, 0x14c)          // i386
	put16(coff+2, 2)            // sections
	put32(coff+4, 0x5f5e1000)   // 2020-09-13T12:26:40Z
	put16(coff+16, 224)         // optional header size
	put16(coff+18, 0x0102|0x20) // executable, 32-bit, large address aware
	opt := lfanew + 24
	put16(opt, 0x10b)
	put32(opt+16, 0x2000) // entry point, in UPX1
	put32(opt+28, 0x400000)
	put32(opt+32, 0x1000)
	put32(opt+36, 0x200)
	put32(opt+56, 0x3000)
	put32(opt+60, 0x400)
	put16(opt+68, 3) // console
	put32(opt+92, 16)
	put32(opt+96, 0x1380)  // export directory
	put32(opt+100, 0x80)   //
	put32(opt+104, 0x1000) // import directory
	put32(opt+108, 60)
	sec := opt + 224
	section := func(off int, name string, vsize, va, rawSize, raw, chars uint32) {
		copy(b[off:off+8], name)
		put32(off+8, vsize)
		put32(off+12, va)
		put32(off+16, rawSize)
		put32(off+20, raw)
		put32(off+36, chars)
	}
	section(sec, ".rdata", 0x400, 0x1000, 0x400, 0x400, 0x40000040)
	section(sec+40, "UPX1", 0x200, 0x2000, 0x200, 0x800, 0x60000020|0x80000000)

	at := func(rva uint32) int { return int(rva-0x1000) + 0x400 }
	// Import descriptors: ILT, time, forwarder chain, name, IAT.
	put32(at(0x1000), 0x1100)
	put32(at(0x100c), 0x1300)
	put32(at(0x1010), 0x1180)
	put32(at(0x1014), 0x1140)
	put32(at(0x1020), 0x1320)
	put32(at(0x1024), 0x11c0)
	put32(at(0x1100), 0x1200)
	put32(at(0x1104), 0x1220)
	put32(at(0x1140), 0x1240)
	put32(at(0x1144), 0x80000010) // ordinal 16
	put16(at(0x1200), 1)
	copy(b[at(0x1202):], "GetProcAddress\x00")
	copy(b[at(0x1222):], "LoadLibraryA\x00")
	copy(b[at(0x1242):], "printf\x00")
	copy(b[at(0x1300):], "KERNEL32.dll\x00")
	copy(b[at(0x1320):], "MSVCRT.dll\x00")
	// Export directory: name, base 1, two functions, one name.
	put32(at(0x1380+12), 0x13b0)
	put32(at(0x1380+16), 1)
	put32(at(0x1380+20), 2)
	put32(at(0x1380+24), 1)
	put32(at(0x1380+28), 0x13c0)
	put32(at(0x1380+32), 0x13c8)
	put32(at(0x1380+36), 0x13d0)
	copy(b[at(0x13b0):], "sample.dll\x00")
	put32(at(0x13c0), 0x2000)
	put32(at(0x13c4), 0x2010)
	put32(at(0x13c8), 0x13d8)
	put16(at(0x13d0), 1)
	copy(b[at(0x13d8):], "Run\x00")

	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0x800; i < 0xa00; i++ {
		b[i] = byte(rng.Uint32())
	}
	return b
}
