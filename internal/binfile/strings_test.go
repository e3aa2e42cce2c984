package binfile

import (
	"bytes"
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

func utf16le(s string) []byte {
	var b []byte
	for _, c := range []byte(s) {
		b = append(b, c, 0)
	}
	return b
}

func TestStrings(t *testing.T) {
	var in []byte
	in = append(in, 0, 1, 2)
	in = append(in, "http://login-verify-bank.com/payload"...)
	in = append(in, 0, 0xff, 'a', 'b', 'c', 0xfe) // too short
	in = append(in, utf16le("C:\\Users\\victim")...)
	in = append(in, 0, 0, 7)
	in = append(in, utf16le("abc")...) // too short
	in = append(in, 0x80)

	found, cut, err := Strings(bytes.NewReader(in), int64(len(in)), StringLimits{})
	if err != nil || cut {
		t.Fatal(err, cut)
	}
	want := []FoundString{
		{Offset: 3, Text: "http://login-verify-bank.com/payload"},
		{Offset: 45, Wide: true, Text: "C:\\Users\\victim"},
	}
	if len(found) != len(want) {
		t.Fatalf("found %+v, want %+v", found, want)
	}
	for i := range want {
		if found[i] != want[i] {
			t.Errorf("%d: %+v, want %+v", i, found[i], want[i])
		}
	}
	var url bool
	for _, o := range Observables(found) {
		url = url || o.Type == observe.URL
	}
	if !url {
		t.Errorf("no URL among %+v", Observables(found))
	}
}

func TestStringsAcrossReads(t *testing.T) {
	// Runs that straddle the 64 KiB read boundary come out whole.
	in := bytes.Repeat([]byte{0}, 64<<10-5)
	in = append(in, "straddling"...)
	in = append(in, 0x01)
	in = append(in, utf16le("widestraddle")...)
	in = append(in, 0x01, 0x01)
	found, _, err := Strings(bytes.NewReader(in), int64(len(in)), StringLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].Text != "straddling" || found[1].Text != "widestraddle" || !found[1].Wide {
		t.Errorf("found %+v", found)
	}
}

func TestStringsLimits(t *testing.T) {
	in := bytes.Repeat([]byte("abcdefgh\x00"), 1000)
	found, cut, _ := Strings(bytes.NewReader(in), int64(len(in)), StringLimits{MaxCount: 10})
	if !cut || len(found) != 10 {
		t.Errorf("count cap: %d strings, cut %v", len(found), cut)
	}
	found, cut, _ = Strings(bytes.NewReader(in), int64(len(in)), StringLimits{MaxBytes: 20})
	if !cut || len(found) != 2 {
		t.Errorf("byte cap: %d strings, cut %v", len(found), cut)
	}
	long := bytes.Repeat([]byte("x"), 10000)
	found, _, _ = Strings(bytes.NewReader(long), int64(len(long)), StringLimits{MaxLen: 100})
	if len(found) != 1 || len(found[0].Text) != 100 {
		t.Errorf("length cap: %+v", len(found))
	}
}

func TestStringsOfSample(t *testing.T) {
	b := buildSample(t, "windows/amd64")
	found, _, err := Strings(bytes.NewReader(b), int64(len(b)), StringLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var marker bool
	for _, s := range found {
		marker = marker || bytes.Contains([]byte(s.Text), []byte("koban-sample-marker"))
	}
	if !marker {
		t.Errorf("marker not among %d strings", len(found))
	}
}
