package observe

import "testing"

func TestDisplay(t *testing.T) {
	for _, c := range []struct {
		o    Observable
		want string
	}{
		{Observable{Domain, "xn--eckwd4c7c.jp"}, "ドメイン.jp"},
		{Observable{Email, "info@xn--eckwd4c7c.jp"}, "info@ドメイン.jp"},
		{Observable{URL, "https://xn--eckwd4c7c.jp/xn--path?q=1"}, "https://ドメイン.jp/xn--path?q=1"},
		{Observable{Domain, "example.jp"}, "example.jp"},
		{Observable{Phone, "+819012345678"}, "090-1234-5678"},
		{Observable{Phone, "+81312345678"}, "03-1234-5678"},
		{Observable{Phone, "+12025550123"}, "+1 202-555-0123"},
		{Observable{Phone, "not a number"}, "not a number"},
		{Observable{Domain, "xn--zz.jp"}, "xn--zz.jp"}, // does not decode: shown as stored
	} {
		if got := Display(c.o); got != c.want {
			t.Errorf("Display(%v) = %q, want %q", c.o, got, c.want)
		}
	}
	// What is displayed reads back as the stored value.
	for _, o := range []Observable{{Domain, "xn--eckwd4c7c.jp"}, {URL, "https://xn--eckwd4c7c.jp/a"}, {Phone, "+819012345678"}, {Phone, "+12025550123"}} {
		if back, err := Normalize(o.Type, Display(o)); err != nil || back != o.Value {
			t.Errorf("Normalize(Display(%v)) = %q, %v", o, back, err)
		}
	}
}

func TestAccountParts(t *testing.T) {
	for _, c := range []struct {
		v    string
		want Account
		ok   bool
	}{
		{"0001-123-1-1234567", Account{Bank: "0001", BankCoded: true, Branch: "123", BranchCoded: true, Type: '1', Number: "1234567"}, true},
		{"name:みずほ銀行/新宿支店/2/0012345", Account{Bank: "みずほ銀行", Branch: "新宿支店", Type: '2', Number: "0012345"}, true},
		{"name:0005/渋谷支店/4/7777777", Account{Bank: "0005", BankCoded: true, Branch: "渋谷支店", Type: '4', Number: "7777777"}, true},
		{"yucho:01234-00005678", Account{Kigo: "01234", Bango: "00005678"}, true},
		{"0001-123-3-1234567", Account{}, false}, // no such type
		{"0001-123-1-123456", Account{}, false},  // a short number
		{"name:みずほ銀行/新宿支店/1", Account{}, false},  // a part missing
		{"みずほ銀行-新宿支店-1-1234567", Account{}, false},
		{"yucho:1234-00005678", Account{}, false},
		{"", Account{}, false},
	} {
		got, ok := AccountParts(c.v)
		if ok != c.ok || got != c.want {
			t.Errorf("AccountParts(%q) = %+v, %v; want %+v, %v", c.v, got, ok, c.want, c.ok)
		}
	}
	// Every canonical form Normalize makes splits.
	for _, text := range []string{"みずほ銀行 新宿支店 普通 1234567", "0001-123-1-1234567", "記号12345 番号12345671 ゆうちょ銀行", "yucho:01234-5678"} {
		v, err := Normalize(BankAccount, text)
		if err != nil {
			continue
		}
		if _, ok := AccountParts(v); !ok {
			t.Errorf("AccountParts(%q) from %q: not split", v, text)
		}
	}
}
