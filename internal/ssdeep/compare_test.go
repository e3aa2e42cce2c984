package ssdeep_test

import (
	"testing"

	"github.com/koban-project/koban/internal/ssdeep"
)

// TestCompareRules: each rule of the comparison on hand-made digests; the
// expected scores are those of the ssdeep command (2.14.1) for the same
// digests.
func TestCompareRules(t *testing.T) {
	const (
		p1 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		p2 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	)
	for _, tc := range []struct {
		name string
		a, b string
		want int
	}{
		{"identical", "96:" + p1 + ":" + p2, "96:" + p1 + ":" + p2, 100},
		{"identical, too short for a common substring", "3:abc:de", "3:abc:de", 100},
		{"one change", "96:" + p1 + ":" + p2, "96:" + p1[:20] + "z" + p1[21:] + ":zzz", 99},
		{"block sizes 4 apart are not compared", "96:" + p1 + ":" + p2, "384:" + p1 + ":" + p2, 0},
		{"twice the block size: first part against the second", "192:" + p2 + ":x", "96:y:" + p2, 100},
		{"half the block size: second part against the first", "96:y:" + p2, "192:" + p2 + ":x", 100},
		{"nothing of 7 in common", "96:ABCDEFabcdef:x", "96:ABCDEFXabcdef:y", 0},
		// Runs of more than three equal characters count as three: the
		// first part is then equal, the second is not.
		{"runs collapsed", "96:" + p1 + "AAAAAAA:" + p2, "96:" + p1 + "AAA:" + p2 + "x", 100},
		{"equal once runs are collapsed", "3:aaaaaaa:de", "3:aaa:de", 100},
		// At block size 3 a score may not exceed the shorter part's length.
		{"small block size caps the score", "3:ABCDEFGH:x", "3:ABCDEFGHI:y", 8},
		{"a file name after the digest is ignored", "96:" + p1 + ":" + p2 + `,"a.exe"`, "96:" + p1 + ":" + p2, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, pair := range [][2]string{{tc.a, tc.b}, {tc.b, tc.a}} {
				got, err := ssdeep.Compare(pair[0], pair[1])
				if err != nil || got != tc.want {
					t.Errorf("Compare(%q, %q) = %d, %v; want %d", pair[0], pair[1], got, err, tc.want)
				}
			}
		})
	}
}

func TestCompareMalformed(t *testing.T) {
	good := "3:abc:de"
	for _, bad := range []string{
		"", "abc", "3:abc", "x:abc:de", "0:abc:de", "-3:abc:de", "3:abc:de:fg",
		"3:" + string(make([]byte, 65)) + ":x",
		"99999999999999999999999:a:b",
	} {
		if _, err := ssdeep.Compare(bad, good); err == nil {
			t.Errorf("Compare(%q, …) accepted", bad)
		}
		if _, err := ssdeep.Compare(good, bad); err == nil {
			t.Errorf("Compare(…, %q) accepted", bad)
		}
	}
}
