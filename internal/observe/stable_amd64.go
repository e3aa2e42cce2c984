package observe

import "golang.org/x/sys/cpu"

// stableBlock reads the 66 bytes at p: bit j of ascii is set if p[j] is
// ASCII, bit j of lead if the three bytes at p[j] are a rune of
// U+3000–U+9FFF that stableRune calls stable, bit j of kuten if they are
// "。" (stable, but noted). It looks at thirty-two places at once, with
// AVX2, so it is called only where haveStableBlock.
//
//go:noescape
func stableBlock(p *byte) (ascii, lead, kuten uint64)

// haveStableBlock says whether the processor runs stableBlock (AVX2: Intel
// since 2013, AMD since 2015). Without it, skipStable reads rune by rune.
var haveStableBlock = cpu.X86.HasAVX2
