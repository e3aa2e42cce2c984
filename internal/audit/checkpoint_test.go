package audit

import (
	"strings"
	"testing"
)

// A walk from a checkpoint: the rows after it verify when the first names
// the checkpoint's hash; anchors on pruned rows are covered, one on the
// checkpoint's row is checked against its hash, later ones as ever; a
// checkpoint that does not match the first row left, or a gap after it,
// breaks the chain.
func TestVerifierAfterCheckpoint(t *testing.T) {
	rows := chain(t, 10)
	cp := Checkpoint{LastID: 4, LastHash: rows[3].Hash, LastAt: rows[3].At, Pruned: 4}
	anchor := func(i int) Anchor { return Anchor{ID: rows[i-1].ID, Hash: rows[i-1].Hash} }
	walk := func(cp Checkpoint, rest []Row, anchors ...Anchor) Result {
		v := NewVerifierAfter(cp, anchors...)
		for _, r := range rest {
			if !v.Check(r) {
				break
			}
		}
		return v.Result()
	}
	res := walk(cp, rows[4:], anchor(2), anchor(3), anchor(4), anchor(7), anchor(10))
	if !res.OK() || res.Rows != 6 || res.HeadID != 10 || res.Covered != 2 || res.Anchors != 3 || res.Checkpoint == nil || res.Checkpoint.LastID != 4 {
		t.Errorf("from the checkpoint: %+v", res)
	}
	wrong := anchor(4)
	wrong.Hash = rows[0].Hash
	if res := walk(cp, rows[4:], wrong); res.OK() || res.Anchor == nil || !strings.Contains(res.Anchor.Problem, "was pruned with hash") {
		t.Errorf("a wrong anchor on the checkpoint's row: %+v", res)
	}
	bad := cp
	bad.LastHash = rows[2].Hash
	if res := walk(bad, rows[4:]); res.OK() || res.BadID != 5 || !strings.Contains(res.Problem, "previous hash") {
		t.Errorf("a checkpoint the first row does not follow: %+v", res)
	}
	if res := walk(cp, rows[5:]); res.OK() || res.BadID != 6 || !strings.Contains(res.Problem, "rows were removed") {
		t.Errorf("a row removed after the checkpoint: %+v", res)
	}
	if res := walk(cp, rows[4:8], anchor(10)); res.OK() || res.Anchor == nil || !strings.Contains(res.Anchor.Problem, "cut from its end") {
		t.Errorf("a tail cut after the checkpoint: %+v", res)
	}
}
