#include "textflag.h"

// Thirty-two-byte constants of stableBlock: bytes repeated, and the
// tables of VPSHUFB (each sixteen bytes, twice, one for each 128-bit lane).
// TloC and ThiC class a third byte C by its low and high four bits, TloB
// and ThiB a second byte B; a bit set in both classes of C and in both of B
// marks an E3 rune NFKC changes or that may combine (bits 0–5), or "。"
// (bit 6): B 80 with C 80 (bit 0), AA–AF (1), B6 or B8–BA (2), or 82 (6);
// B 82 with C 99–9C or 9F (3); B 83 with C BF (4); B 84–8F (5).
DATA stab<>+0x00(SB)/8, $0xC0C0C0C0C0C0C0C0
DATA stab<>+0x08(SB)/8, $0xC0C0C0C0C0C0C0C0
DATA stab<>+0x10(SB)/8, $0xC0C0C0C0C0C0C0C0
DATA stab<>+0x18(SB)/8, $0xC0C0C0C0C0C0C0C0
DATA stab<>+0x20(SB)/8, $0xE4E4E4E4E4E4E4E4
DATA stab<>+0x28(SB)/8, $0xE4E4E4E4E4E4E4E4
DATA stab<>+0x30(SB)/8, $0xE4E4E4E4E4E4E4E4
DATA stab<>+0x38(SB)/8, $0xE4E4E4E4E4E4E4E4
DATA stab<>+0x40(SB)/8, $0x0505050505050505
DATA stab<>+0x48(SB)/8, $0x0505050505050505
DATA stab<>+0x50(SB)/8, $0x0505050505050505
DATA stab<>+0x58(SB)/8, $0x0505050505050505
DATA stab<>+0x60(SB)/8, $0xE3E3E3E3E3E3E3E3
DATA stab<>+0x68(SB)/8, $0xE3E3E3E3E3E3E3E3
DATA stab<>+0x70(SB)/8, $0xE3E3E3E3E3E3E3E3
DATA stab<>+0x78(SB)/8, $0xE3E3E3E3E3E3E3E3
DATA stab<>+0x80(SB)/8, $0x3F3F3F3F3F3F3F3F
DATA stab<>+0x88(SB)/8, $0x3F3F3F3F3F3F3F3F
DATA stab<>+0x90(SB)/8, $0x3F3F3F3F3F3F3F3F
DATA stab<>+0x98(SB)/8, $0x3F3F3F3F3F3F3F3F
DATA stab<>+0xA0(SB)/8, $0x4040404040404040
DATA stab<>+0xA8(SB)/8, $0x4040404040404040
DATA stab<>+0xB0(SB)/8, $0x4040404040404040
DATA stab<>+0xB8(SB)/8, $0x4040404040404040
DATA stab<>+0xC0(SB)/8, $0x0F0F0F0F0F0F0F0F
DATA stab<>+0xC8(SB)/8, $0x0F0F0F0F0F0F0F0F
DATA stab<>+0xD0(SB)/8, $0x0F0F0F0F0F0F0F0F
DATA stab<>+0xD8(SB)/8, $0x0F0F0F0F0F0F0F0F
DATA stab<>+0xE0(SB)/8, $0x8080808080808080
DATA stab<>+0xE8(SB)/8, $0x8080808080808080
DATA stab<>+0xF0(SB)/8, $0x8080808080808080
DATA stab<>+0xF8(SB)/8, $0x8080808080808080
DATA stab<>+0x100(SB)/8, $0x2024202020602021
DATA stab<>+0x108(SB)/8, $0x3A22222A2A2E2C24
DATA stab<>+0x110(SB)/8, $0x2024202020602021
DATA stab<>+0x118(SB)/8, $0x3A22222A2A2E2C24
DATA stab<>+0x120(SB)/8, $0x0000000000000000
DATA stab<>+0x128(SB)/8, $0x0000000034222861
DATA stab<>+0x130(SB)/8, $0x0000000000000000
DATA stab<>+0x138(SB)/8, $0x0000000034222861
DATA stab<>+0x140(SB)/8, $0x2020202010080047
DATA stab<>+0x148(SB)/8, $0x2020202020202020
DATA stab<>+0x150(SB)/8, $0x2020202010080047
DATA stab<>+0x158(SB)/8, $0x2020202020202020
DATA stab<>+0x160(SB)/8, $0x0000000000000000
DATA stab<>+0x168(SB)/8, $0x000000000000007F
DATA stab<>+0x170(SB)/8, $0x0000000000000000
DATA stab<>+0x178(SB)/8, $0x000000000000007F
GLOBL stab<>(SB), RODATA|NOPTR, $384

// CHUNK looks at the thirty-two places off…off+31 from SI, each with the
// two bytes after it (A in Y0, B in Y1, C in Y2), and ORs into R8, R9 and
// R10, shifted by off, the bits of the places that hold an ASCII byte, that
// start a stable rune of U+3000–U+9FFF ("。" among them), and that start a
// "。".
#define CHUNK(off) \
	VMOVDQU off(SI), Y0 \
	VMOVDQU off+1(SI), Y1 \
	VMOVDQU off+2(SI), Y2 \
	/* Y3: B and C are continuation bytes (10xxxxxx). */ \
	VPAND stab<>+0(SB), Y1, Y3 \
	VPCMPEQB Y9, Y3, Y3 \
	VPAND stab<>+0(SB), Y2, Y4 \
	VPCMPEQB Y9, Y4, Y4 \
	VPAND Y4, Y3, Y3 \
	/* Y4: A is E4–E9, an ideograph: A-E4 is at most 5. */ \
	VPSUBB stab<>+32(SB), Y0, Y4 \
	VPMINUB stab<>+64(SB), Y4, Y5 \
	VPCMPEQB Y5, Y4, Y4 \
	/* Y5: A is E3. */ \
	VPCMPEQB stab<>+96(SB), Y0, Y5 \
	/* Y6: the classes of C, then of B too (see the tables). */ \
	VPAND Y11, Y2, Y6 \
	VPSHUFB Y6, Y12, Y6 \
	VPSRLW $4, Y2, Y7 \
	VPAND Y11, Y7, Y7 \
	VPSHUFB Y7, Y13, Y7 \
	VPAND Y7, Y6, Y6 \
	VPAND Y11, Y1, Y7 \
	VPSHUFB Y7, Y14, Y7 \
	VPAND Y7, Y6, Y6 \
	VPSRLW $4, Y1, Y8 \
	VPAND Y11, Y8, Y8 \
	VPSHUFB Y8, Y15, Y8 \
	VPAND Y8, Y6, Y6 \
	/* Y7: no bit of 0–5, so NFKC leaves an E3 rune alone. */ \
	VPAND stab<>+128(SB), Y6, Y7 \
	VPCMPEQB Y10, Y7, Y7 \
	/* Y6: bit 6 and E3: "。". */ \
	VPAND stab<>+160(SB), Y6, Y6 \
	VPCMPEQB stab<>+160(SB), Y6, Y6 \
	VPAND Y5, Y6, Y6 \
	/* Y7: stable: continuation bytes, and an ideograph or such an E3 rune. */ \
	VPAND Y5, Y7, Y7 \
	VPOR Y4, Y7, Y7 \
	VPAND Y3, Y7, Y7 \
	VPMOVMSKB Y0, AX \
	NOTL AX \
	SHLQ $off, AX \
	ORQ AX, R8 \
	VPMOVMSKB Y7, AX \
	SHLQ $off, AX \
	ORQ AX, R9 \
	VPMOVMSKB Y6, AX \
	SHLQ $off, AX \
	ORQ AX, R10

// func stableBlock(p *byte) (ascii, lead, kuten uint64)
//
// Reads the 66 bytes at p. Bit j of ascii is set if p[j] < 0x80, bit j of
// lead if the three bytes at p[j] are a rune of U+3000–U+9FFF that
// stableRune calls stable, bit j of kuten if they are "。". Thirty-two
// places at a time (AVX2): the bytes at j, j+1 and j+2 are the same lane of
// three loads. Only called where the processor has AVX2.
TEXT ·stableBlock(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	// Sixty-four ASCII bytes, as most of an indicator feed is, need no more.
	VMOVDQU 0(SI), Y0
	VPOR 32(SI), Y0, Y0
	VPMOVMSKB Y0, AX
	TESTL AX, AX
	JNZ mixed
	VZEROUPPER
	MOVQ $-1, ascii+8(FP)
	MOVQ $0, lead+16(FP)
	MOVQ $0, kuten+24(FP)
	RET

mixed:
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	VPXOR Y10, Y10, Y10
	VMOVDQU stab<>+224(SB), Y9
	VMOVDQU stab<>+192(SB), Y11
	VMOVDQU stab<>+256(SB), Y12
	VMOVDQU stab<>+288(SB), Y13
	VMOVDQU stab<>+320(SB), Y14
	VMOVDQU stab<>+352(SB), Y15
	CHUNK(0)
	CHUNK(32)
	VZEROUPPER
	MOVQ R8, ascii+8(FP)
	MOVQ R9, lead+16(FP)
	MOVQ R10, kuten+24(FP)
	RET
