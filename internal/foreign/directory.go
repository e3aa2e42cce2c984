package foreign

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

// Directory is the counterparts koban's officers deal with abroad:
// countries (with the preservation regime their law follows) and agencies
// (24/7 points of contact, central authorities, providers). It is data,
// not the organisation tree: foreign agencies have a country and no
// members here.
type Directory struct {
	Countries []Country `json:"countries"`
	Agencies  []Agency  `json:"agencies"`
}

// Country is one country of the directory.
type Country struct {
	Code   string `json:"code"` // ISO 3166-1 alpha-2
	JA     string `json:"ja"`
	EN     string `json:"en"`
	Regime string `json:"regime"` // a key of Regimes
}

// Agency is one counterpart abroad.
type Agency struct {
	ID      string `json:"id"`
	Country string `json:"country"`
	JA      string `json:"ja"`
	EN      string `json:"en"`
	Role    string `json:"role"` // "24/7", "central_authority", "provider", "police"
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Roles an agency may have.
var Roles = []string{"24/7", "central_authority", "provider", "police"}

//go:embed counterparts.json
var defaultDirectory []byte

// DefaultDirectory is the directory koban ships: countries and the
// agencies whose role is public, without contact details (the 24/7
// network's list is shared among its members only; an operator supplies
// it with KOBAN_COUNTERPARTS).
func DefaultDirectory() *Directory {
	d, err := ParseDirectory(defaultDirectory)
	if err != nil {
		panic("foreign: the shipped counterparts.json: " + err.Error())
	}
	return d
}

var (
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
	agencyRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// ParseDirectory reads a directory file (JSON) and checks it: an unknown
// field, a country code that is not two capital letters or appears twice,
// an unknown regime, an agency of a country the file does not list, an id
// used twice, an unknown role or an address that is not one are refused,
// naming the entry.
func ParseDirectory(data []byte) (*Directory, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Directory
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("counterparts: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("counterparts: more than one JSON value")
	}
	seen := map[string]bool{}
	for i, c := range d.Countries {
		switch {
		case !countryRE.MatchString(c.Code):
			return nil, fmt.Errorf("counterparts: country %d: code %q is not ISO 3166-1 alpha-2", i+1, c.Code)
		case seen[c.Code]:
			return nil, fmt.Errorf("counterparts: country %s listed twice", c.Code)
		case strings.TrimSpace(c.JA) == "" || strings.TrimSpace(c.EN) == "":
			return nil, fmt.Errorf("counterparts: country %s: a name in Japanese and in English is needed", c.Code)
		}
		if _, ok := Regimes[c.Regime]; !ok {
			return nil, fmt.Errorf("counterparts: country %s: unknown regime %q", c.Code, c.Regime)
		}
		seen[c.Code] = true
	}
	ids := map[string]bool{}
	for i, a := range d.Agencies {
		switch {
		case !agencyRE.MatchString(a.ID):
			return nil, fmt.Errorf("counterparts: agency %d: id %q (lower-case letters, digits and -)", i+1, a.ID)
		case ids[a.ID]:
			return nil, fmt.Errorf("counterparts: agency %s listed twice", a.ID)
		case !seen[a.Country]:
			return nil, fmt.Errorf("counterparts: agency %s: country %q is not in the file", a.ID, a.Country)
		case strings.TrimSpace(a.JA) == "" || strings.TrimSpace(a.EN) == "":
			return nil, fmt.Errorf("counterparts: agency %s: a name in Japanese and in English is needed", a.ID)
		case !slices.Contains(Roles, a.Role):
			return nil, fmt.Errorf("counterparts: agency %s: role %q is not one of %s", a.ID, a.Role, strings.Join(Roles, ", "))
		}
		if a.Email != "" {
			if m, err := mail.ParseAddress(a.Email); err != nil || m.Address != a.Email {
				return nil, fmt.Errorf("counterparts: agency %s: %q is not an e-mail address", a.ID, a.Email)
			}
		}
		ids[a.ID] = true
	}
	return &d, nil
}

// Country returns the country with code.
func (d *Directory) Country(code string) (Country, bool) {
	i := slices.IndexFunc(d.Countries, func(c Country) bool { return c.Code == code })
	if i < 0 {
		return Country{}, false
	}
	return d.Countries[i], true
}

// Agency returns the agency with id.
func (d *Directory) Agency(id string) (Agency, bool) {
	i := slices.IndexFunc(d.Agencies, func(a Agency) bool { return a.ID == id })
	if i < 0 {
		return Agency{}, false
	}
	return d.Agencies[i], true
}
