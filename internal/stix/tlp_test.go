package stix

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

func TestStixTLPParseAndOrder(t *testing.T) {
	for in, want := range map[string]TLP{"clear": TLPClear, "TLP:CLEAR": TLPClear, "white": TLPClear, "tlp:green": TLPGreen,
		"AMBER": TLPAmber, "amber+strict": TLPAmberStrict, "TLP:AMBER+STRICT": TLPAmberStrict, " red ": TLPRed} {
		got, err := ParseTLP(in)
		if err != nil || got != want {
			t.Errorf("ParseTLP(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "amber-strict", "black", "tlp:"} {
		if _, err := ParseTLP(bad); err == nil {
			t.Errorf("ParseTLP(%q) accepted", bad)
		}
	}
	order := []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}
	for i := 1; i < len(order); i++ {
		if !order[i].Stricter(order[i-1]) || order[i-1].Stricter(order[i]) || order[i-1].Max(order[i]) != order[i] {
			t.Errorf("%v vs %v", order[i], order[i-1])
		}
	}
	if TLPAmberStrict.String() != "amber+strict" || TLPAmberStrict.Label() != "TLP:AMBER+STRICT" || TLPUnknown.String() != "" {
		t.Error("names")
	}
}

func TestStixTLPMarkings(t *testing.T) {
	ids := map[TLP]string{TLPClear: TLP2Clear, TLPGreen: TLP2Green, TLPAmber: TLP2Amber, TLPAmberStrict: TLP2AmberStrict, TLPRed: TLP2Red}
	for level, id := range ids {
		if level.MarkingID() != id {
			t.Errorf("%v: id %s", level, level.MarkingID())
		}
		m := level.Marking()
		if m.ID() != id || m.Name() != level.Label() {
			t.Errorf("%v: marking %s", level, m.jsonString())
		}
		if ps := Validate(m); len(ps) != 0 {
			t.Errorf("%v: %v", level, ps)
		}
		if got, ok := MarkingLevel(m); !ok || got != level {
			t.Errorf("%v: level read back %v", level, got)
		}
		if got, ok := TLPOfMarking(id); !ok || got != level {
			t.Errorf("%v: TLPOfMarking %v", level, got)
		}
	}
	for id, want := range map[string]TLP{TLP1White: TLPClear, TLP1Green: TLPGreen, TLP1Amber: TLPAmber, TLP1Red: TLPRed} {
		if got, ok := TLPOfMarking(id); !ok || got != want {
			t.Errorf("TLP 1.0 %s: %v", id, got)
		}
	}
	if _, ok := TLPOfMarking("marking-definition--" + uuidA); ok {
		t.Error("an unknown marking is TLP")
	}
	if ps := Validate(TLP2ExtensionDefinition()); len(ps) != 0 {
		t.Errorf("TLP 2.0 extension definition: %v", ps)
	}
	// The TLP 1.0 red marking as the spec writes it validates and reads as red.
	red, _ := ParseObject([]byte(`{"type":"marking-definition","spec_version":"2.1","id":"` + TLP1Red + `","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:RED","definition":{"tlp":"red"}}`))
	if l, ok := MarkingLevel(red); !ok || l != TLPRed || len(Validate(red)) != 0 {
		t.Errorf("TLP 1.0 red: %v %v", l, Validate(red))
	}
}

func TestStixTLPOfObject(t *testing.T) {
	o := mutate(t, "indicator", nil)
	if TLPOf(o) != TLPUnknown {
		t.Error("unmarked object has a TLP")
	}
	o = mutate(t, "indicator", map[string]string{"object_marking_refs": `["` + TLP2Green + `","marking-definition--` + uuidA + `","` + TLP1Amber + `"]`})
	if TLPOf(o) != TLPAmber {
		t.Errorf("TLP %v, want the strictest (amber)", TLPOf(o))
	}
	o = mutate(t, "indicator", map[string]string{"object_marking_refs": `["` + TLP2Red + `","` + TLP2AmberStrict + `"]`})
	if TLPOf(o) != TLPRed {
		t.Errorf("TLP %v", TLPOf(o))
	}
}

func TestStixStatementMarking(t *testing.T) {
	m, err := NewStatementMarking("Copyright 2026 National Police Agency", KobanIdentity, timeOf("2026-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := Statement(m); !ok || s != "Copyright 2026 National Police Agency" || m.Has("modified") {
		t.Errorf("statement %q %v %s", s, ok, m.jsonString())
	}
	if ps := Validate(m); len(ps) != 0 {
		t.Errorf("%v", ps)
	}
	if _, ok := MarkingLevel(m); ok {
		t.Error("a statement is not TLP")
	}
}

func TestStixKobanExtension(t *testing.T) {
	for _, o := range []*Object{KobanIdentityObject(), KobanExtensionDefinition()} {
		if ps := Validate(o); len(ps) != 0 {
			t.Errorf("%s: %v", o.Type(), ps)
		}
	}
	def := KobanExtensionDefinition()
	if def.ID() != KobanExtension || def.CreatedByRef() != KobanIdentity || def.str("version") != "1.1.0" ||
		!strings.HasSuffix(def.str("schema"), "docs/stix-extension.md") {
		t.Errorf("definition %s", def.jsonString())
	}
	a, err := NewBankAccount("みずほ銀行（0001） 新宿支店（001） 普通 1234567", "ヤマダ タロウ")
	if err != nil {
		t.Fatal(err)
	}
	if a.Value() != "0001-001-1-1234567" || a.str("bank_code") != "0001" || a.str("account_type") != "ordinary" || a.str("holder_name") != "ヤマダ タロウ" {
		t.Errorf("account %s", a.jsonString())
	}
	if ps := Validate(a); len(ps) != 0 {
		t.Errorf("%v", ps)
	}
	if a.Category() != SCO {
		t.Errorf("category %v", a.Category())
	}
	// The id depends on the account, not on how the holder's name is written.
	b, _ := NewBankAccount("0001-001-1-1234567", "ﾔﾏﾀﾞ ﾀﾛｳ")
	c, _ := NewBankAccount("0001-001-1-7654321", "")
	if a.ID() != b.ID() || a.ID() == c.ID() {
		t.Errorf("ids %s %s %s", a.ID(), b.ID(), c.ID())
	}
	named, err := NewBankAccount("name:みずほ銀行/新宿支店/1/1234567", "")
	if err != nil || named.Has("bank_code") || len(Validate(named)) != 0 {
		t.Errorf("named account: %v %s %v", err, named.jsonString(), Validate(named))
	}
	if _, err := NewBankAccount("1234", ""); err == nil {
		t.Error("not an account accepted")
	}
	p, err := NewPhoneNumber("090-1234-5678")
	if err != nil || p.Value() != "+819012345678" || len(Validate(p)) != 0 {
		t.Errorf("phone: %v %s %v", err, p.jsonString(), Validate(p))
	}
	if p2, _ := NewPhoneNumber("+81 90 1234 5678"); p2.ID() != p.ID() {
		t.Error("same number, two ids")
	}
	if _, err := NewPhoneNumber("12"); err == nil {
		t.Error("not a number accepted")
	}
	w, err := NewCryptoWallet(observe.BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
	if err != nil || w.Value() != "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" || w.str("currency") != "BTC" || len(Validate(w)) != 0 {
		t.Errorf("wallet: %v %s %v", err, w.jsonString(), Validate(w))
	}
	if _, err := NewCryptoWallet(observe.Phone, "090-1234-5678"); err == nil {
		t.Error("a phone number made a wallet")
	}
	for name, bad := range map[string]struct{ json, code string }{
		"unknown currency": {`"currency":"DOGE","value":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"`, CodeEnum},
		"no currency":      {`"value":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"`, CodeRequired},
		"not its currency": {`"currency":"ETH","value":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"`, CodeKobanWallet},
	} {
		o := mustParse(`{"type":"x-koban-cryptocurrency-wallet","spec_version":"2.1","id":"x-koban-cryptocurrency-wallet--` + w.ID()[len(CryptoWalletType)+2:] + `",` + bad.json + `}`)
		found := false
		for _, p := range Validate(o) {
			found = found || p.Code == bad.code
		}
		if !found {
			t.Errorf("%s: %v, want %s", name, Validate(o), bad.code)
		}
	}
}
