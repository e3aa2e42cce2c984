package intel_test

import (
	"reflect"
	"testing"

	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/stix/pattern"
)

// The pattern koban writes for an observable names that observable again,
// for every type koban exports as an indicator, and the SCO it exports for
// one gives it back too.
func TestPatternOfReadsBack(t *testing.T) {
	for _, o := range []observe.Observable{
		{Type: observe.Phone, Value: "+819012345678"},
		{Type: observe.BankAccount, Value: "0001-001-1-1234567"},
		{Type: observe.BankAccount, Value: "name:みずほ銀行/新宿支店/1/1234567"},
		{Type: observe.BTC, Value: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
		{Type: observe.TRX, Value: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"},
		{Type: observe.Domain, Value: "sagawa-delivery.xyz"},
		{Type: observe.URL, Value: "https://sagawa-delivery.xyz/login?id=1'2"},
	} {
		src, ok := intel.PatternOf([]observe.Observable{o})
		if !ok {
			t.Errorf("%v: no pattern", o)
			continue
		}
		p, err := pattern.Parse(src)
		if err != nil {
			t.Errorf("%v: %s: %v", o, src, err)
			continue
		}
		if got := p.Observables(); !reflect.DeepEqual(got, []observe.Observable{o}) {
			t.Errorf("%s names %v, want %v", src, got, o)
		}
	}
	for _, build := range []func() (*stix.Object, error){
		func() (*stix.Object, error) {
			return stix.NewBankAccount("name:みずほ銀行/新宿支店/1/1234567", "")
		},
		func() (*stix.Object, error) {
			return stix.NewCryptoWallet(observe.BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
		},
	} {
		sco, err := build()
		if err != nil {
			t.Fatal(err)
		}
		if obs, _ := intel.ObservablesOf(sco); len(obs) != 1 || obs[0].Value != sco.Value() {
			t.Errorf("%s gives %v", sco.Type(), obs)
		}
	}
}
