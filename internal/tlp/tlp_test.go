package tlp

import "testing"

func TestParseAndOrder(t *testing.T) {
	for in, want := range map[string]Level{"TLP:AMBER": Amber, "amber+strict": AmberStrict, " tlp:white ": Clear, "Green": Green, "TLP:RED": Red} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "amber-strict", "tlp:", "white+strict", "orange"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if !Red.StricterThan(AmberStrict) || !AmberStrict.StricterThan(Amber) || !Amber.StricterThan(Green) || !Green.StricterThan(Clear) {
		t.Error("the levels are out of order")
	}
	if !Level("violet").StricterThan(AmberStrict) || Level("violet").AtMost(Amber) {
		t.Error("an unknown level does not rank as red")
	}
	if got := Strictest(Amber, Green, "", Red, Clear); got != Red {
		t.Errorf("Strictest = %q", got)
	}
	if got := Strictest(Amber); got != Amber {
		t.Errorf("Strictest of none = %q, want the default", got)
	}
	if AmberStrict.Label() != "TLP:AMBER+STRICT" || AmberStrict.MessageKey() != "tlp.explain.amber_strict" {
		t.Errorf("label %q key %q", AmberStrict.Label(), AmberStrict.MessageKey())
	}
	if r := ReachOf("violet"); r != (Reach{}) {
		t.Errorf("an unknown level reaches %+v", r)
	}
}
