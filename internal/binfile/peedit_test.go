package binfile

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// peOffsets are where a test finds the parts of a PE it edits.
type peOffsets struct {
	opt, sections, nsections, dirs int
	is64                           bool
}

func peLayout(t testing.TB, b []byte) peOffsets {
	t.Helper()
	le := binary.LittleEndian
	lfanew := int(le.Uint32(b[0x3c:]))
	if string(b[lfanew:lfanew+4]) != "PE\x00\x00" {
		t.Fatal("no PE signature")
	}
	o := peOffsets{opt: lfanew + 24, nsections: int(le.Uint16(b[lfanew+6:]))}
	o.sections = o.opt + int(le.Uint16(b[lfanew+20:]))
	o.is64 = le.Uint16(b[o.opt:]) == 0x20b
	o.dirs = o.opt + 96
	if o.is64 {
		o.dirs = o.opt + 112
	}
	return o
}

// addSection appends a section holding what data makes of the section's
// RVA, and points data directory dir at it (dir < 0 for none).
func addSection(t testing.TB, b []byte, name string, dir int, data func(rva uint32) []byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	le := binary.LittleEndian
	o := peLayout(t, b)
	salign, falign := le.Uint32(b[o.opt+32:]), le.Uint32(b[o.opt+36:])
	hdr := o.sections + 40*o.nsections
	if hdr+40 > int(le.Uint32(b[o.opt+60:])) {
		t.Fatal("no room for another section header")
	}
	var end uint32
	for i := range o.nsections {
		s := o.sections + 40*i
		end = max(end, le.Uint32(b[s+12:])+max(le.Uint32(b[s+8:]), le.Uint32(b[s+16:])))
	}
	rva := (end + salign - 1) / salign * salign
	payload := data(rva)
	raw := (uint32(len(b)) + falign - 1) / falign * falign
	rawSize := (uint32(len(payload)) + falign - 1) / falign * falign
	b = append(b, make([]byte, int(raw)-len(b))...)
	b = append(b, payload...)
	b = append(b, make([]byte, int(rawSize)-len(payload))...)
	copy(b[hdr:hdr+8], name)
	le.PutUint32(b[hdr+8:], uint32(len(payload)))
	le.PutUint32(b[hdr+12:], rva)
	le.PutUint32(b[hdr+16:], rawSize)
	le.PutUint32(b[hdr+20:], raw)
	le.PutUint32(b[hdr+36:], 0x40000040) // initialised data, readable
	le.PutUint16(b[o.opt-24+6:], uint16(o.nsections+1))
	le.PutUint32(b[o.opt+56:], (rva+uint32(len(payload))+salign-1)/salign*salign)
	if dir >= 0 {
		le.PutUint32(b[o.dirs+8*dir:], rva)
		le.PutUint32(b[o.dirs+8*dir+4:], uint32(len(payload)))
	}
	return b
}

// testResource is one leaf for buildResources: type and name are a uint32
// id or a string name.
type testResource struct {
	typ, name any
	lang      uint16
	data      []byte
}

// buildResources lays out a resource section at rva: the three levels of
// directories, the data entries, the names, then the data, each piece
// 8-aligned. Named entries come before ids, in the order given.
func buildResources(rva uint32, leaves []testResource) []byte {
	type node struct {
		key  any
		kids []*node
		leaf *testResource
	}
	find := func(n *node, key any) *node {
		for _, k := range n.kids {
			if k.key == key {
				return k
			}
		}
		k := &node{key: key}
		n.kids = append(n.kids, k)
		return k
	}
	root := &node{}
	for i := range leaves {
		r := &leaves[i]
		find(find(find(root, r.typ), r.name), uint32(r.lang)).leaf = r
	}
	var dirs, datas []*node
	queue := []*node{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.leaf != nil {
			datas = append(datas, n)
			continue
		}
		// named first
		var named, ids []*node
		for _, k := range n.kids {
			if _, ok := k.key.(string); ok {
				named = append(named, k)
			} else {
				ids = append(ids, k)
			}
		}
		n.kids = append(named, ids...)
		dirs = append(dirs, n)
		queue = append(queue, n.kids...)
	}
	off := map[*node]uint32{}
	pos := uint32(0)
	for _, d := range dirs {
		off[d] = pos
		pos += 16 + 8*uint32(len(d.kids))
	}
	for _, d := range datas {
		off[d] = pos
		pos += 16
	}
	names := map[string]uint32{}
	var strs []byte
	for _, d := range dirs {
		for _, k := range d.kids {
			if s, ok := k.key.(string); ok {
				if _, seen := names[s]; !seen {
					names[s] = pos + uint32(len(strs))
					u := utf16.Encode([]rune(s))
					strs = binary.LittleEndian.AppendUint16(strs, uint16(len(u)))
					for _, c := range u {
						strs = binary.LittleEndian.AppendUint16(strs, c)
					}
				}
			}
		}
	}
	pos += uint32(len(strs))
	pos = (pos + 7) &^ 7
	dataAt := map[*node]uint32{}
	for _, d := range datas {
		dataAt[d] = pos
		pos += (uint32(len(d.leaf.data)) + 7) &^ 7
	}
	b := make([]byte, pos)
	le := binary.LittleEndian
	for _, d := range dirs {
		o := off[d]
		var named uint16
		for _, k := range d.kids {
			if _, ok := k.key.(string); ok {
				named++
			}
		}
		le.PutUint16(b[o+12:], named)
		le.PutUint16(b[o+14:], uint16(len(d.kids))-named)
		for i, k := range d.kids {
			e := o + 16 + 8*uint32(i)
			if s, ok := k.key.(string); ok {
				le.PutUint32(b[e:], names[s]|0x80000000)
			} else {
				le.PutUint32(b[e:], k.key.(uint32))
			}
			if k.leaf != nil {
				le.PutUint32(b[e+4:], off[k])
			} else {
				le.PutUint32(b[e+4:], off[k]|0x80000000)
			}
		}
	}
	for _, d := range datas {
		o := off[d]
		le.PutUint32(b[o:], rva+dataAt[d])
		le.PutUint32(b[o+4:], uint32(len(d.leaf.data)))
		copy(b[dataAt[d]:], d.leaf.data)
	}
	copy(b[off[datas[0]]+16*uint32(len(datas)):], strs)
	return b
}

// versionBlockBytes encodes one VS_VERSIONINFO block: wLength counts the
// block up to the end of its last child, unpadded.
func versionBlockBytes(key string, text bool, value []byte, children ...[]byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, 6)
	for _, c := range utf16.Encode([]rune(key)) {
		b = le.AppendUint16(b, c)
	}
	b = append(b, 0, 0)
	pad := func() {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	pad()
	b = append(b, value...)
	for _, c := range children {
		pad()
		b = append(b, c...)
	}
	vlen := len(value)
	typ := uint16(0)
	if text {
		vlen /= 2
		typ = 1
	}
	le.PutUint16(b, uint16(len(b)))
	le.PutUint16(b[2:], uint16(vlen))
	le.PutUint16(b[4:], typ)
	return b
}

func utf16z(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return append(b, 0, 0)
}

// testVersionInfo builds an RT_VERSION resource: file version 1.2.3.4,
// product version 5.6.7.8, and one Japanese string table.
func testVersionInfo(strs [][2]string) []byte {
	le := binary.LittleEndian
	fixed := make([]byte, 52)
	le.PutUint32(fixed, 0xfeef04bd)
	le.PutUint32(fixed[4:], 0x10000)
	le.PutUint32(fixed[8:], 1<<16|2)
	le.PutUint32(fixed[12:], 3<<16|4)
	le.PutUint32(fixed[16:], 5<<16|6)
	le.PutUint32(fixed[20:], 7<<16|8)
	le.PutUint32(fixed[24:], 0x3f)
	le.PutUint32(fixed[28:], 0x2) // VS_FF_PRERELEASE
	le.PutUint32(fixed[32:], 0x40004)
	le.PutUint32(fixed[36:], 1)
	var kids [][]byte
	for _, kv := range strs {
		kids = append(kids, versionBlockBytes(kv[0], true, utf16z(kv[1])))
	}
	table := versionBlockBytes("041104b0", true, nil, kids...)
	sfi := versionBlockBytes("StringFileInfo", true, nil, table)
	trans := make([]byte, 4)
	le.PutUint16(trans, 0x0411)
	le.PutUint16(trans[2:], 0x04b0)
	vfi := versionBlockBytes("VarFileInfo", true, nil, versionBlockBytes("Translation", false, trans))
	return versionBlockBytes("VS_VERSION_INFO", false, fixed, sfi, vfi)
}
