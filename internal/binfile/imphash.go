package binfile

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
)

// Imphash is pefile's get_imphash over imports: for each function in table
// order, "library.function" lower-cased, the library without a .dll, .ocx
// or .sys extension, joined by commas and hashed with MD5. Functions
// imported by ordinal are "ord<N>": pefile resolves the ordinals of
// ws2_32.dll, wsock32.dll and oleaut32.dll to names from its own tables,
// which koban does not carry, so an imphash over ordinal imports from those
// three libraries differs from pefile's.
func Imphash(imports []Import) string {
	if len(imports) == 0 {
		return ""
	}
	var b strings.Builder
	first := true
	for _, imp := range imports {
		lib := strings.ToLower(imp.DLL)
		if i := strings.LastIndexByte(lib, '.'); i >= 0 {
			switch lib[i+1:] {
			case "dll", "ocx", "sys":
				lib = lib[:i]
			}
		}
		for _, fn := range imp.Functions {
			name := fn.Name
			if fn.ByOrdinal {
				name = ordinalName(imp.DLL, fn.Ordinal)
			}
			if name == "" {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(lib)
			b.WriteByte('.')
			b.WriteString(strings.ToLower(name))
		}
	}
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// ordinalName is the name pefile's ordlookup makes for an ordinal it has no
// table entry for.
func ordinalName(dll string, ord uint16) string {
	return "ord" + strconv.Itoa(int(ord))
}
