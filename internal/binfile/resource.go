package binfile

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
)

// Caps on the resource tree.
const (
	maxResources       = 8192  // leaves kept
	maxResourceEntries = 32768 // directory entries read over the whole tree
	maxVersionInfo     = 64 << 10
	maxVersionStrings  = 256
)

// Resource is one leaf of a PE's resource tree: a type, a name or id, and a
// language.
type Resource struct {
	Type         string // "RT_ICON", "RT_VERSION", … for the standard ids, else the type's name or its number
	TypeID       uint32 // 0 when the type is named
	Name         string // the resource's name; "" when it has an id
	ID           uint32
	Language     uint16 // LANGID: primary language in the low 10 bits, sublanguage above
	LanguageName string // "ja-JP", "en-US", … for common LANGIDs, "neutral" for 0, else ""
	RVA          uint32
	Size         uint32
	Offset       int64   // in the file; -1 when the RVA is in no section's raw data
	Entropy      float64 // of the resource's bytes; left 0, and the PE Truncated, once the leaves have claimed twice the file
	Kind         string  // what the first bytes announce: "PE", "ZIP", "PNG", …; "" when nothing known
}

var resourceTypes = map[uint32]string{
	1: "RT_CURSOR", 2: "RT_BITMAP", 3: "RT_ICON", 4: "RT_MENU", 5: "RT_DIALOG", 6: "RT_STRING",
	7: "RT_FONTDIR", 8: "RT_FONT", 9: "RT_ACCELERATOR", 10: "RT_RCDATA", 11: "RT_MESSAGETABLE",
	12: "RT_GROUP_CURSOR", 14: "RT_GROUP_ICON", 16: "RT_VERSION", 17: "RT_DLGINCLUDE",
	19: "RT_PLUGPLAY", 20: "RT_VXD", 21: "RT_ANICURSOR", 22: "RT_ANIICON", 23: "RT_HTML", 24: "RT_MANIFEST",
}

const rtVersion = 16

// languageNames are the LANGIDs seen most in samples.
var languageNames = map[uint16]string{
	0x0000: "neutral", 0x0400: "user-default", 0x0800: "system-default", 0x007f: "invariant",
	0x0401: "ar-SA", 0x0402: "bg-BG", 0x0404: "zh-TW", 0x0405: "cs-CZ", 0x0406: "da-DK",
	0x0407: "de-DE", 0x0408: "el-GR", 0x0409: "en-US", 0x040a: "es-ES_tradnl", 0x040b: "fi-FI",
	0x040c: "fr-FR", 0x040d: "he-IL", 0x040e: "hu-HU", 0x0410: "it-IT", 0x0411: "ja-JP",
	0x0412: "ko-KR", 0x0413: "nl-NL", 0x0414: "nb-NO", 0x0415: "pl-PL", 0x0416: "pt-BR",
	0x0418: "ro-RO", 0x0419: "ru-RU", 0x041a: "hr-HR", 0x041d: "sv-SE", 0x041e: "th-TH",
	0x041f: "tr-TR", 0x0421: "id-ID", 0x0422: "uk-UA", 0x0423: "be-BY", 0x0429: "fa-IR",
	0x042a: "vi-VN", 0x0439: "hi-IN", 0x043f: "kk-KZ", 0x0443: "uz-Latn-UZ", 0x0804: "zh-CN",
	0x0809: "en-GB", 0x0816: "pt-PT", 0x0c04: "zh-HK", 0x0c0a: "es-ES", 0x1004: "zh-SG",
}

// resources walks the resource tree at RVA base: type, name, language, three
// levels and no deeper. A directory met a second time (a loop, or two
// entries sharing a subtree) is not entered again.
func (m *peImage) resources(base uint32) ([]Resource, bool) {
	if base == 0 {
		return nil, false
	}
	// Leaves may all claim the same large range: entropy is counted over
	// at most twice the file, then left at 0.
	w := resourceWalk{m: m, base: base, seen: map[uint32]bool{}, entropyBudget: 2*m.size + 1<<20}
	w.dir(0, 0, nil)
	return w.out, w.cut
}

type resourceWalk struct {
	m       *peImage
	base    uint32
	seen    map[uint32]bool
	entries int
	out     []Resource
	cut     bool

	entropyBudget int64
	buf           []byte
}

// resourceKey is one level's name or id on the way down.
type resourceKey struct {
	name string
	id   uint32
}

func (w *resourceWalk) dir(off uint32, depth int, path []resourceKey) {
	if w.seen[off] {
		return
	}
	w.seen[off] = true
	hdr, ok := w.m.read(w.base+off, 16)
	if !ok {
		return
	}
	n := int(le16(hdr[12:])) + int(le16(hdr[14:]))
	if left := maxResourceEntries - w.entries; n > left {
		n, w.cut = left, true
	}
	var ents []byte
	for ; n > 0; n /= 2 { // of a table cut short, read what the section holds
		if ents, ok = w.m.read(w.base+off+16, n*8); ok {
			break
		}
	}
	w.entries += n
	for i := range n {
		if len(w.out) == maxResources {
			w.cut = true
			return
		}
		nameField, dataField := le32(ents[i*8:]), le32(ents[i*8+4:])
		var key resourceKey
		if nameField&0x80000000 != 0 {
			key.name = w.name(nameField & 0x7fffffff)
		} else {
			key.id = nameField
		}
		next := append(path[:len(path):len(path)], key)
		isDir := dataField&0x80000000 != 0
		switch {
		case isDir && depth < 2:
			w.dir(dataField&0x7fffffff, depth+1, next)
		case !isDir && depth == 2:
			w.leaf(dataField, next)
		}
	}
}

// name reads a resource directory string: a length in UTF-16 units and the
// units, cut at maxNameLen.
func (w *resourceWalk) name(off uint32) string {
	l, ok := w.m.read(w.base+off, 2)
	if !ok {
		return ""
	}
	n := min(int(le16(l)), maxNameLen)
	b, ok := w.m.read(w.base+off+2, n*2)
	if !ok {
		return ""
	}
	return decodeUTF16(b)
}

func (w *resourceWalk) leaf(off uint32, path []resourceKey) {
	d, ok := w.m.read(w.base+off, 16)
	if !ok {
		return
	}
	r := Resource{RVA: le32(d), Size: le32(d[4:]), Offset: -1}
	typ, name, lang := path[0], path[1], path[2]
	r.TypeID, r.Type = typ.id, typ.name
	if r.Type == "" {
		if r.Type = resourceTypes[typ.id]; r.Type == "" {
			r.Type = strconv.FormatUint(uint64(typ.id), 10)
		}
	}
	r.Name, r.ID = name.name, name.id
	r.Language = uint16(lang.id)
	r.LanguageName = languageNames[r.Language]
	if off, ok := w.m.offset(r.RVA); ok {
		r.Offset = off
		if n := min(int64(r.Size), w.m.size-off); n <= w.entropyBudget {
			w.entropyBudget -= n
			if w.buf == nil {
				w.buf = make([]byte, 64<<10)
			}
			r.Entropy = rangeEntropyBuf(w.m.r, w.m.size, uint64(off), uint64(r.Size), w.buf)
		} else {
			w.cut = true
		}
		var head [64]byte
		k, _ := w.m.r.ReadAt(head[:min(int64(len(head)), int64(r.Size), w.m.size-off)], off)
		r.Kind = contentKind(head[:k])
		if r.Kind == "MZ" && k >= 0x40 {
			// An executable when its PE header is where the DOS header says.
			lfanew := int64(le32(head[0x3c:]))
			var sig [4]byte
			if lfanew+4 <= int64(r.Size) && lfanew+4 <= w.m.size-off {
				if _, err := w.m.r.ReadAt(sig[:], off+lfanew); err == nil && string(sig[:]) == "PE\x00\x00" {
					r.Kind = "PE"
				}
			}
		}
	}
	w.out = append(w.out, r)
}

// contentKind names the format that the first bytes of an embedded blob
// announce.
func contentKind(b []byte) string {
	has := func(p string) bool { return bytes.HasPrefix(b, []byte(p)) }
	switch {
	case has("MZ"):
		return "MZ" // "PE" once the PE header is found, by the caller
	case has("\x7fELF"):
		return "ELF"
	case has("PK\x03\x04"):
		return "ZIP"
	case has("MSCF"):
		return "CAB"
	case has("7z\xbc\xaf\x27\x1c"):
		return "7Z"
	case has("Rar!"):
		return "RAR"
	case has("\x1f\x8b"):
		return "GZIP"
	case has("%PDF"):
		return "PDF"
	case has("{\\rtf"):
		return "RTF"
	case has("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return "OLE"
	case has("\x89PNG"):
		return "PNG"
	case has("GIF8"):
		return "GIF"
	case has("\xff\xd8\xff"):
		return "JPEG"
	case has("BM"):
		return "BMP"
	case has("<?xml"), has("\xef\xbb\xbf<?xml"):
		return "XML"
	}
	return ""
}

// decodeUTF16 decodes little-endian UTF-16 up to the first NUL.
func decodeUTF16(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := le16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// VersionInfo is what a PE's RT_VERSION resource says of the file.
type VersionInfo struct {
	FileVersion    string // from VS_FIXEDFILEINFO, "major.minor.build.revision"
	ProductVersion string
	FileFlags      uint32 // VS_FF_DEBUG, VS_FF_PRERELEASE, …
	FileOS         uint32
	FileType       uint32          // VFT_APP 1, VFT_DLL 2, …
	Strings        []VersionString // StringFileInfo, in file order
	Translations   []uint32        // VarFileInfo's Translation: language in the low 16 bits, code page above
}

// VersionString is one key and value of a StringFileInfo table.
type VersionString struct {
	Table string // the table's language and code page, "040904b0"
	Key   string // "CompanyName", "FileDescription", …
	Value string
}

// versionNode is one block of a VS_VERSIONINFO tree.
type versionNode struct {
	key      string
	value    []byte // as long as wValueLength says, up to the end of the block
	rest     []byte // from the value to the end of the block
	children []byte // after the value and its padding
}

// align4 rounds a position up to 4 bytes. Blocks are aligned from the start
// of the resource, and each block starts aligned, so positions within a
// block align alike.
func align4(n int) int { return (n + 3) &^ 3 }

// versionBlock reads the block at the start of b: wLength, wValueLength,
// wType (1 for text, whose length counts UTF-16 units), a NUL-terminated
// UTF-16 key, padding, the value, padding, the children. It returns the
// block and its wLength.
func versionBlock(b []byte) (versionNode, int, bool) {
	if len(b) < 6 {
		return versionNode{}, 0, false
	}
	length, vlen, typ := int(le16(b)), int(le16(b[2:])), le16(b[4:])
	if length < 6 || length > len(b) {
		return versionNode{}, 0, false
	}
	b = b[:length]
	i := 6
	var u []uint16
	for ; i+1 < len(b); i += 2 {
		c := le16(b[i:])
		if c == 0 {
			i += 2
			break
		}
		if len(u) < maxNameLen {
			u = append(u, c)
		}
	}
	n := versionNode{key: string(utf16.Decode(u))}
	i = min(align4(i), len(b))
	if typ == 1 {
		vlen *= 2
	}
	vlen = min(vlen, len(b)-i)
	n.value, n.rest = b[i:i+vlen], b[i:]
	n.children = b[min(align4(i+vlen), len(b)):]
	return n, length, true
}

// eachBlock calls f on each block packed in b, at most limit of them.
func eachBlock(b []byte, limit int, f func(versionNode)) {
	for k := 0; k < limit; k++ {
		n, l, ok := versionBlock(b)
		if !ok {
			return
		}
		f(n)
		if align4(l) >= len(b) {
			return
		}
		b = b[align4(l):]
	}
}

// versionInfo parses a VS_VERSIONINFO resource.
func versionInfo(b []byte) (*VersionInfo, bool) {
	root, _, ok := versionBlock(b)
	if !ok || root.key != "VS_VERSION_INFO" {
		return nil, false
	}
	v := &VersionInfo{}
	if f := root.value; len(f) >= 52 && le32(f) == 0xfeef04bd {
		ver := func(ms, ls uint32) string {
			return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
		}
		v.FileVersion = ver(le32(f[8:]), le32(f[12:]))
		v.ProductVersion = ver(le32(f[16:]), le32(f[20:]))
		v.FileFlags, v.FileOS, v.FileType = le32(f[28:]), le32(f[32:]), le32(f[36:])
	}
	eachBlock(root.children, 8, func(n versionNode) {
		switch n.key {
		case "StringFileInfo":
			eachBlock(n.children, 64, func(table versionNode) {
				eachBlock(table.children, maxVersionStrings, func(s versionNode) {
					if len(v.Strings) < maxVersionStrings {
						// wValueLength is often wrong (bytes for units, or
						// counting the NUL): the value runs to its NUL.
						v.Strings = append(v.Strings, VersionString{Table: table.key, Key: s.key, Value: clipValue(decodeUTF16(s.rest))})
					}
				})
			})
		case "VarFileInfo":
			eachBlock(n.children, 8, func(vr versionNode) {
				if vr.key != "Translation" {
					return
				}
				for i := 0; i+3 < len(vr.value) && len(v.Translations) < 64; i += 4 {
					v.Translations = append(v.Translations, uint32(le16(vr.value[i:]))|uint32(le16(vr.value[i+2:]))<<16)
				}
			})
		}
	})
	return v, true
}

// clipValue cuts a version string at 4 KiB.
func clipValue(s string) string {
	if len(s) > 4096 {
		return s[:4096]
	}
	return s
}

// versionResource reads and parses the first RT_VERSION resource.
func (m *peImage) versionResource(res []Resource) *VersionInfo {
	for _, r := range res {
		if r.TypeID != rtVersion || r.Offset < 0 {
			continue
		}
		n := min(int64(r.Size), maxVersionInfo, m.size-r.Offset)
		b := make([]byte, n)
		k, _ := m.r.ReadAt(b, r.Offset)
		if v, ok := versionInfo(b[:k]); ok {
			return v
		}
	}
	return nil
}
