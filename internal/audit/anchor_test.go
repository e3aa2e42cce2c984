package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"reflect"
	"strings"
	"testing"
	"time"
)

var anchorAt = time.Date(2026, 3, 2, 9, 30, 15, 123456000, time.UTC)

func testKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestAnchorLineRoundTrip(t *testing.T) {
	_, priv := testKey(t)
	rows := chain(t, 3)
	for _, a := range []Anchor{
		{ID: 3, Hash: rows[2].Hash, At: anchorAt},
		Anchor{ID: 3, Hash: rows[2].Hash, At: anchorAt}.Sign(priv),
	} {
		line := a.String()
		got, err := ParseAnchor(line)
		if err != nil {
			t.Fatalf("ParseAnchor(%q): %v", line, err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("ParseAnchor(%q) = %+v, want %+v", line, got, a)
		}
	}
	if got := (Anchor{ID: 3, Hash: rows[2].Hash, At: anchorAt}).String(); got != "3 "+rows[2].Hash+" 2026-03-02T09:30:15.123456Z" {
		t.Errorf("unsigned line %q", got)
	}
}

func TestReadAnchors(t *testing.T) {
	h := chain(t, 1)[0].Hash
	good := "# koban audit anchors\n\n1 " + h + " 2026-03-02T09:30:15.123456Z\n  \n# a note\n1 " + h + " 2026-03-02T09:40:15Z\n"
	as, err := ReadAnchors(strings.NewReader(good), "anchors")
	if err != nil || len(as) != 2 || as[0].Line != 3 || as[1].Line != 6 || !as[1].At.Equal(anchorAt.Add(10*time.Minute).Truncate(time.Second)) {
		t.Fatalf("ReadAnchors = %+v, %v", as, err)
	}
	for _, tc := range []struct {
		name, line, want string
	}{
		{"too few fields", "1 " + h, "2 fields"},
		{"too many fields", "1 " + h + " 2026-03-02T09:30:15Z ed25519:AAAA extra", "5 fields"},
		{"id not a number", "one " + h + " 2026-03-02T09:30:15Z", `id "one"`},
		{"id zero", "0 " + h + " 2026-03-02T09:30:15Z", `id "0"`},
		{"short hash", "1 abc 2026-03-02T09:30:15Z", `hash "abc"`},
		{"upper-case hash", "1 " + strings.ToUpper(h) + " 2026-03-02T09:30:15Z", "hash"},
		{"bad time", "1 " + h + " yesterday", `time "yesterday"`},
		{"signature without prefix", "1 " + h + " 2026-03-02T09:30:15Z " + strings.Repeat("A", 88), "signature"},
		{"short signature", "1 " + h + " 2026-03-02T09:30:15Z ed25519:AAAA", "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadAnchors(strings.NewReader(good+tc.line+"\n"), "/srv/koban/audit-anchors")
			if err == nil {
				t.Fatalf("%q accepted", tc.line)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "line 7 of /srv/koban/audit-anchors is not an anchor: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to name line 7 of the file and mention %q", msg, tc.want)
			}
		})
	}
}

func TestParseHead(t *testing.T) {
	h := chain(t, 1)[0].Hash
	if a, err := ParseHead("17:" + strings.ToUpper(h)); err != nil || a.ID != 17 || a.Hash != h {
		t.Errorf("ParseHead = %+v, %v", a, err)
	}
	for _, s := range []string{"", "17", h, "17:" + h[:63], "x:" + h, "0:" + h, "-3:" + h, "17:" + h + "0"} {
		if _, err := ParseHead(s); err == nil || !strings.Contains(err.Error(), "ID:HASH") {
			t.Errorf("ParseHead(%q) = %v, want an error that shows the form", s, err)
		}
	}
}

// rebuild rewrites row i (0-based) and recomputes its hash and every later
// one with the real hashing code, as a forger who can write the database
// would: the chain links up again from start to end.
func rebuild(rows []Row, i int) []Row {
	rows[i].Detail = `{"n":"forged"}`
	for j := i; j < len(rows); j++ {
		if j > 0 {
			rows[j].PrevHash = rows[j-1].Hash
		}
		rows[j].Hash = rows[j].ComputeHash()
	}
	return rows
}

func verifyAnchored(rows []Row, as ...Anchor) Result {
	v := NewVerifier(as...)
	for _, r := range rows {
		if !v.Check(r) {
			break
		}
	}
	return v.Result()
}

func TestVerifyAnchors(t *testing.T) {
	orig := chain(t, 6)
	at := func(id int64) Anchor { return Anchor{ID: id, Hash: orig[id-1].Hash, At: anchorAt, Line: int(id)} }
	for _, tc := range []struct {
		name    string
		rows    func([]Row) []Row
		anchors []Anchor
		matched int
		failID  int64  // anchor that fails; 0 when all hold
		problem string // part of its problem
	}{
		{"intact, no anchors", func(r []Row) []Row { return r }, nil, 0, 0, ""},
		{"intact, anchors", func(r []Row) []Row { return r }, []Anchor{at(2), at(6), at(6)}, 3, 0, ""},
		{"anchors out of order are sorted", func(r []Row) []Row { return r }, []Anchor{at(6), at(1)}, 2, 0, ""},
		{"cut tail", func(r []Row) []Row { return r[:4] }, []Anchor{at(2), at(6)}, 1, 6, "row 6 is missing and the log ends at row 4"},
		{"cut tail at the anchor", func(r []Row) []Row { return r[:5] }, []Anchor{at(6)}, 0, 6, "ends at row 5"},
		{"all rows removed", func(r []Row) []Row { return nil }, []Anchor{at(1)}, 0, 1, "the log is empty"},
		{"rebuilt after the anchor", func(r []Row) []Row { return rebuild(r, 3) }, []Anchor{at(2), at(3)}, 2, 0, ""},
		{"rebuilt before the anchor", func(r []Row) []Row { return rebuild(r, 2) }, []Anchor{at(2), at(6)}, 1, 6, "row 6 now has hash"},
		{"rebuilt at the anchor", func(r []Row) []Row { return rebuild(r, 2) }, []Anchor{at(3), at(6)}, 0, 3, "rewritten at or before that row"},
		{"cut and regrown", func(r []Row) []Row { return rebuild(r, 4) }, []Anchor{at(5)}, 0, 5, "now has hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := tc.rows(append([]Row(nil), orig...))
			if res := verifyAnchored(rows); !res.OK() {
				t.Fatalf("without anchors the chain must verify (that is the gap anchors close): %+v", res)
			}
			res := verifyAnchored(rows, tc.anchors...)
			if res.BadID != 0 {
				t.Fatalf("the chain itself broke: %+v", res)
			}
			if res.Anchors != tc.matched {
				t.Errorf("Anchors = %d, want %d", res.Anchors, tc.matched)
			}
			if tc.failID == 0 {
				if !res.OK() {
					t.Errorf("anchor failed: %+v", res.Anchor)
				}
				return
			}
			if res.OK() || res.Anchor.Anchor.ID != tc.failID || !strings.Contains(res.Anchor.Problem, tc.problem) {
				t.Errorf("Result = %+v, anchor failure %+v; want the anchor at row %d failing with %q", res, res.Anchor, tc.failID, tc.problem)
			}
		})
	}
}

func TestVerifyChainBreakComesFirst(t *testing.T) {
	rows := chain(t, 6)
	anchor := Anchor{ID: 6, Hash: rows[5].Hash}
	rows[1].Actor = "someone else"
	res := verifyAnchored(rows, anchor)
	if res.BadID != 2 || res.Anchor != nil || res.OK() {
		t.Errorf("Result = %+v, want the broken row 2 and no anchor failure", res)
	}
}

func TestCheckAnchors(t *testing.T) {
	pub, priv := testKey(t)
	otherPub, _ := testKey(t)
	rows := chain(t, 4)
	signed := func(id int64, line int) Anchor {
		a := Anchor{ID: id, Hash: rows[id-1].Hash, At: anchorAt}.Sign(priv)
		a.Line = line
		return a
	}
	unsigned := func(id int64, line int) Anchor {
		return Anchor{ID: id, Hash: rows[id-1].Hash, At: anchorAt, Line: line}
	}
	altered := signed(3, 3)
	altered.At = altered.At.Add(time.Second)
	for _, tc := range []struct {
		name    string
		as      []Anchor
		pub     ed25519.PublicKey
		passed  int
		problem string
	}{
		{"unsigned without key", []Anchor{unsigned(1, 1), unsigned(2, 2), unsigned(2, 3), unsigned(4, 4)}, nil, 4, ""},
		{"signed with key", []Anchor{signed(1, 1), signed(4, 2)}, pub, 2, ""},
		{"signed without key", []Anchor{signed(1, 1), signed(4, 2)}, nil, 2, ""},
		{"going down", []Anchor{unsigned(1, 1), unsigned(3, 2), unsigned(2, 5)}, nil, 2, "names row 2, which comes before row 3 named on line 2"},
		{"unsigned with key", []Anchor{signed(1, 1), unsigned(2, 2)}, pub, 1, "no signature"},
		{"altered time", []Anchor{signed(1, 1), signed(2, 2), altered}, pub, 2, "does not verify"},
		{"other key", []Anchor{signed(1, 1)}, otherPub, 0, "does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, fail := CheckAnchors(tc.as, tc.pub)
			if n != tc.passed {
				t.Errorf("%d passed, want %d", n, tc.passed)
			}
			if tc.problem == "" {
				if fail != nil {
					t.Errorf("failure %+v", fail)
				}
				return
			}
			if fail == nil || fail.Anchor.Line != tc.as[tc.passed].Line || !strings.Contains(fail.Problem, tc.problem) {
				t.Errorf("failure %+v, want line %d with %q", fail, tc.as[tc.passed].Line, tc.problem)
			}
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	pub, priv := testKey(t)
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil || !got.Equal(pub) {
		t.Fatalf("ParsePublicKey = %v, %v", got, err)
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	for name, b := range map[string][]byte{
		"empty":       nil,
		"private key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}),
		"garbage":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("nope")}),
	} {
		if _, err := ParsePublicKey(b); err == nil {
			t.Errorf("%s accepted as a public key", name)
		}
	}
}

func FuzzParseAnchor(f *testing.F) {
	h := "3fa9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3"
	f.Add("17 " + h + " 2026-03-02T09:30:15.123456Z")
	f.Add("17 " + h + " 2026-03-02T09:30:15Z ed25519:" + strings.Repeat("A", 86) + "==")
	f.Add("1 x y")
	f.Fuzz(func(t *testing.T, line string) {
		a, err := ParseAnchor(line)
		if err != nil {
			return
		}
		// What was read is written back as a line that reads the same.
		b, err := ParseAnchor(a.String())
		if err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("%q read as %+v, written as %q, read again as %+v (%v)", line, a, a.String(), b, err)
		}
	})
}
