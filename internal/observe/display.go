package observe

import (
	"net/url"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/net/idna"
)

// Display returns how a value is shown to people: a phone number as people
// write it, a Japanese one in national form with its groups (090-1234-5678)
// and any other with its country code (+1 202-555-0123); an
// internationalised domain name (stored as punycode, "xn--…") in Unicode,
// in a domain, the host of a URL or the domain of an e-mail address. Any
// other value, and one that does not parse, is shown as stored. Pages show
// the stored form beside it (a look-alike name must not hide behind its
// Unicode form, and the stored form is what links and searches use).
func Display(o Observable) string {
	if o.Type == Phone {
		return phoneDisplay(o.Value)
	}
	if !strings.Contains(o.Value, "xn--") {
		return o.Value
	}
	switch o.Type {
	case Domain:
		return unicodeHost(o.Value)
	case Email:
		if at := strings.LastIndexByte(o.Value, '@'); at >= 0 {
			return o.Value[:at+1] + unicodeHost(o.Value[at+1:])
		}
	case URL:
		u, err := url.Parse(o.Value)
		if err != nil || u.Host == "" {
			return o.Value
		}
		host := u.Hostname()
		shown := unicodeHost(host)
		if shown == host {
			return o.Value
		}
		// Only the host changes; the rest of the URL is kept as stored.
		i := strings.Index(o.Value, host)
		if i < 0 {
			return o.Value
		}
		return o.Value[:i] + shown + o.Value[i+len(host):]
	}
	return o.Value
}

func unicodeHost(h string) string {
	u, err := idna.Punycode.ToUnicode(h)
	if err != nil {
		return h
	}
	return u
}

// phoneDisplay writes a stored E.164 number as people write it: in
// defaultRegion's national form when it is one of that region's numbers,
// in international form otherwise.
func phoneDisplay(v string) string {
	n, err := phonenumbers.Parse(v, defaultRegion)
	if err != nil {
		return v
	}
	format := phonenumbers.INTERNATIONAL
	if phonenumbers.GetRegionCodeForNumber(n) == defaultRegion {
		format = phonenumbers.NATIONAL
	}
	return phonenumbers.Format(n, format)
}

// Account is a stored bank account value in its parts, for the words pages
// and letters put around them.
type Account struct {
	Bank        string // the bank's name, or its four-digit code when BankCoded
	BankCoded   bool
	Branch      string // the branch's name, or its three-digit code when BranchCoded
	BranchCoded bool
	Type        byte   // Zengin's account type: '1' 普通, '2' 当座, '4' 貯蓄
	Number      string // seven digits
	// Kigo and Bango are a ゆうちょ account's 記号 and 番号 when it is kept
	// that way ("yucho:KKKKK-NNNNNNNN"); the fields above are empty then.
	Kigo, Bango string
}

// AccountParts splits a stored bank_account value — "BBBB-SSS-T-NNNNNNN",
// "name:BANK/BRANCH/T/NNNNNNN" (each of BANK and BRANCH a name or a code)
// or "yucho:KKKKK-NNNNNNNN" — into its parts; ok is false for anything
// else.
func AccountParts(v string) (a Account, ok bool) {
	if rest, yes := strings.CutPrefix(v, "yucho:"); yes {
		k, b, found := strings.Cut(rest, "-")
		if !found || len(k) != 5 || !allDigits(k) || len(b) != 8 || !allDigits(b) {
			return Account{}, false
		}
		return Account{Kigo: k, Bango: b}, true
	}
	var parts []string
	if name, yes := strings.CutPrefix(v, "name:"); yes {
		parts = strings.Split(name, "/")
	} else {
		parts = strings.Split(v, "-")
	}
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" || len(parts[2]) != 1 || !strings.Contains("124", parts[2]) ||
		len(parts[3]) != 7 || !allDigits(parts[3]) {
		return Account{}, false
	}
	a = Account{Bank: parts[0], Branch: parts[1], Type: parts[2][0], Number: parts[3]}
	a.BankCoded = len(a.Bank) == 4 && allDigits(a.Bank)
	a.BranchCoded = len(a.Branch) == 3 && allDigits(a.Branch)
	if !strings.HasPrefix(v, "name:") && (!a.BankCoded || !a.BranchCoded) {
		return Account{}, false
	}
	return a, true
}
