#include "textflag.h"

// func digitBitmap(dst *uint64, src *byte, n int)
//
// For each 16 bytes: subtract '0' from every byte, so that the digits
// become 0–9 and nothing else does (as unsigned bytes); a byte is then a
// digit if the smaller of it and 9 is itself. PMOVMSKB gathers the 16
// comparison results into 16 bits; four of them make a word.
TEXT ·digitBitmap(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ $0x3030303030303030, AX
	MOVQ AX, X6
	PUNPCKLQDQ X6, X6
	MOVQ $0x0909090909090909, AX
	MOVQ AX, X7
	PUNPCKLQDQ X7, X7
	TESTQ CX, CX
	JZ done

loop:
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	PSUBB X6, X0
	PSUBB X6, X1
	PSUBB X6, X2
	PSUBB X6, X3
	MOVO X0, X8
	MOVO X1, X9
	MOVO X2, X10
	MOVO X3, X11
	PMINUB X7, X8
	PMINUB X7, X9
	PMINUB X7, X10
	PMINUB X7, X11
	PCMPEQB X8, X0
	PCMPEQB X9, X1
	PCMPEQB X10, X2
	PCMPEQB X11, X3
	PMOVMSKB X0, AX
	PMOVMSKB X1, BX
	PMOVMSKB X2, DX
	PMOVMSKB X3, R8
	SHLQ $16, BX
	SHLQ $32, DX
	SHLQ $48, R8
	ORQ BX, AX
	ORQ DX, AX
	ORQ R8, AX
	MOVQ AX, 0(DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ loop

done:
	RET
