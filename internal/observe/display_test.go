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
