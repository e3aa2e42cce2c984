package stix

import (
	"fmt"
	"strings"

	"github.com/koban-project/koban/internal/observe"
)

// koban's STIX extension: cyber-observable types for what Japanese fraud
// reports carry most and STIX has no type for (bank accounts, phone
// numbers, cryptocurrency addresses), defined by one published extension
// definition (docs/stix-extension.md).
const (
	// KobanIdentity is the id of the identity object that stands for
	// koban, the creator of its extension definition.
	KobanIdentity = "identity--c8b56171-aea7-4b31-a513-d0ac169faf02"
	// KobanExtension is the id of koban's extension definition.
	KobanExtension = "extension-definition--1e19ccd8-0ef9-4375-9a26-455c5d0d7126"
	// KobanExtensionSchema is where the extension is described.
	KobanExtensionSchema = "https://github.com/koban-project/koban/blob/main/docs/stix-extension.md"

	// BankAccountType is a Japanese bank account.
	BankAccountType = "x-koban-bank-account"
	// PhoneNumberType is a phone number in E.164 form.
	PhoneNumberType = "x-koban-phone-number"
	// CryptoWalletType is a cryptocurrency address (Bitcoin, Ethereum,
	// Monero, TRON).
	CryptoWalletType = "x-koban-cryptocurrency-wallet"
)

// kobanCreated is when koban's identity and extension were first
// published; kobanRevised when the extension last changed (1.1.0 added
// x-koban-cryptocurrency-wallet).
const (
	kobanCreated = "2026-01-01T00:00:00.000Z"
	kobanRevised = "2026-12-06T00:00:00.000Z"
)

// KobanIdentityObject is the identity object of koban (a system).
func KobanIdentityObject() *Object {
	return mustParse(`{"type":"identity","spec_version":"2.1","id":"` + KobanIdentity + `","created":"` + kobanCreated +
		`","modified":"` + kobanCreated + `","name":"koban","description":"koban, the police cyber operations platform (https://github.com/koban-project/koban)","identity_class":"system"}`)
}

// KobanExtensionDefinition is koban's published extension-definition
// object, defining the SCO types x-koban-bank-account,
// x-koban-phone-number and x-koban-cryptocurrency-wallet.
func KobanExtensionDefinition() *Object {
	return mustParse(`{"type":"extension-definition","spec_version":"2.1","id":"` + KobanExtension + `","created_by_ref":"` + KobanIdentity +
		`","created":"` + kobanCreated + `","modified":"` + kobanRevised + `","name":"koban Japanese observables","description":"Cyber-observable types for Japanese bank accounts (x-koban-bank-account), phone numbers (x-koban-phone-number) and cryptocurrency addresses (x-koban-cryptocurrency-wallet), in koban's canonical forms.","schema":"` +
		KobanExtensionSchema + `","version":"1.1.0","extension_types":["new-sco"]}`)
}

func mustParse(s string) *Object {
	o, err := ParseObject([]byte(s))
	if err != nil {
		panic(err) // fixed text
	}
	return o
}

// Account types of x-koban-bank-account and their Zengin codes.
var accountTypes = map[string]byte{"ordinary": '1', "current": '2', "savings": '4'}

// NewBankAccount builds an x-koban-bank-account from an account in any
// form observe.Normalize reads ("0001-001-1-1234567", "みずほ銀行 新宿支店
// 普通 1234567" …); holder is the account holder's name as written ("" when
// unknown). Its value is koban's canonical form; the codes and number are
// also given apart when the canonical form is the numeric one.
func NewBankAccount(account, holder string) (*Object, error) {
	v, err := observe.Normalize(observe.BankAccount, account)
	if err != nil {
		return nil, fmt.Errorf("stix: bank account: %w", err)
	}
	props := map[string]any{"value": v, "extensions": kobanExtensions()}
	if p := strings.Split(v, "-"); len(p) == 4 && !strings.Contains(v, ":") {
		props["bank_code"], props["branch_code"], props["account_number"] = p[0], p[1], p[3]
		for name, code := range accountTypes {
			if p[2] == string(code) {
				props["account_type"] = name
			}
		}
	}
	if holder != "" {
		props["holder_name"] = holder
	}
	return NewSCO(BankAccountType, props)
}

// NewPhoneNumber builds an x-koban-phone-number from a number in any form
// observe.Normalize reads (Japanese numbers without +81 included).
func NewPhoneNumber(number string) (*Object, error) {
	v, err := observe.Normalize(observe.Phone, number)
	if err != nil {
		return nil, fmt.Errorf("stix: phone number: %w", err)
	}
	return NewSCO(PhoneNumberType, map[string]any{"value": v, "extensions": kobanExtensions()})
}

// walletCurrencies are the currencies of x-koban-cryptocurrency-wallet, as
// the currency property writes them, and the observable type of each.
var walletCurrencies = map[string]observe.Type{"BTC": observe.BTC, "ETH": observe.ETH, "XMR": observe.XMR, "TRX": observe.TRX}

// WalletCurrency is the currency code x-koban-cryptocurrency-wallet writes
// for an observable type ("BTC" for btc), and false for a type that is not
// a cryptocurrency address.
func WalletCurrency(t observe.Type) (string, bool) {
	for code, wt := range walletCurrencies {
		if wt == t {
			return code, true
		}
	}
	return "", false
}

// WalletType is the observable type of a currency code ("BTC" is btc).
func WalletType(currency string) (observe.Type, bool) {
	t, ok := walletCurrencies[currency]
	return t, ok
}

// NewCryptoWallet builds an x-koban-cryptocurrency-wallet from an address of
// the observable type t (observe.BTC, ETH, XMR or TRX) in any form
// observe.Normalize reads.
func NewCryptoWallet(t observe.Type, address string) (*Object, error) {
	code, ok := WalletCurrency(t)
	if !ok {
		return nil, fmt.Errorf("stix: %s is not a cryptocurrency", t)
	}
	v, err := observe.Normalize(t, address)
	if err != nil {
		return nil, fmt.Errorf("stix: %s address: %w", code, err)
	}
	return NewSCO(CryptoWalletType, map[string]any{"value": v, "currency": code, "extensions": kobanExtensions()})
}

func kobanExtensions() map[string]any {
	return map[string]any{KobanExtension: map[string]string{"extension_type": "new-sco"}}
}

// validateKoban checks the properties of koban's extension types.
func (v *validation) validateKoban(o *Object) {
	switch o.Type() {
	case BankAccountType:
		val, _ := o.String("value")
		if val != "" {
			if n, err := observe.Normalize(observe.BankAccount, val); err != nil || n != val {
				v.add("value", CodeKobanBankAccount, "value", val)
			}
		}
		for _, f := range []struct {
			name string
			n    int
		}{{"bank_code", 4}, {"branch_code", 3}, {"account_number", 7}} {
			if s, ok := o.String(f.name); ok && !allDigits(s, f.n) {
				v.add(f.name, CodeKobanDigits, "value", s, "n", fmt.Sprint(f.n))
			}
		}
		at, hasType := o.String("account_type")
		if hasType {
			if _, ok := accountTypes[at]; !ok {
				v.add("account_type", CodeEnum, "value", at, "allowed", "ordinary, current, savings")
			}
		}
		// The parts, when given, must say what the value says.
		if p := strings.Split(val, "-"); len(p) == 4 && !strings.Contains(val, ":") {
			for i, name := range []string{"bank_code", "branch_code", "", "account_number"} {
				if s, ok := o.String(name); ok && name != "" && s != p[i] && allDigits(s, len(p[i])) {
					v.add(name, CodeKobanMismatch, "name", name, "value", s, "canonical", val)
				}
			}
			if code, ok := accountTypes[at]; hasType && ok && string(code) != p[2] {
				v.add("account_type", CodeKobanMismatch, "name", "account_type", "value", at, "canonical", val)
			}
		}
	case PhoneNumberType:
		val, _ := o.String("value")
		if val != "" {
			if n, err := observe.Normalize(observe.Phone, val); err != nil || n != val || !strings.HasPrefix(val, "+") {
				v.add("value", CodeKobanPhone, "value", val)
			}
		}
	case CryptoWalletType:
		val, _ := o.String("value")
		code, ok := o.String("currency")
		t, known := walletCurrencies[code]
		switch {
		case !ok: // a missing currency is reported as a required property
		case !known:
			v.add("currency", CodeEnum, "value", code, "allowed", "BTC, ETH, XMR, TRX")
		case val != "":
			if n, err := observe.Normalize(t, val); err != nil || n != val {
				v.add("value", CodeKobanWallet, "value", val, "currency", code)
			}
		}
	}
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !isDigit(c) {
			return false
		}
	}
	return true
}
