package triage

import "testing"

func TestEvaluateSeed(t *testing.T) {
	rep := Evaluate(Seed(), 5, 1)
	t.Logf("\n%s", rep)
	if rep.YamibaitoTotal < 40 {
		t.Fatalf("only %d yamibaito examples", rep.YamibaitoTotal)
	}
	if rep.Yamibaito < 0.9 {
		t.Errorf("yamibaito recall %.3f < 0.9", rep.Yamibaito)
	}
	if rep.MacroF1 < 0.6 {
		t.Errorf("macro-F1 %.3f < 0.6", rep.MacroF1)
	}
}
