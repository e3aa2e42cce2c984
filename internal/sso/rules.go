package sso

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/org"
)

// Rules is the rule table that turns an ID token's claims into an account's
// organisation and role: rules are tried in order and the first whose
// conditions all hold decides. A rule gives an organisation code and a
// role, or says the account is disabled.
type Rules struct {
	Rules []Rule `json:"rules"`
}

// Rule is one line of the table.
type Rule struct {
	// Match lists conditions that must all hold; none matches everyone.
	Match    []Condition `json:"match"`
	Org      string      `json:"org,omitempty"`
	Role     auth.Role   `json:"role,omitempty"`
	Disabled bool        `json:"disabled,omitempty"`
}

// Condition tests one claim. Claim names a top-level claim, or a path into
// nested objects with dots ("realm_access.roles") when no top-level claim
// has the whole name. Exactly one of Equals (a string, number or boolean
// the claim must be) and Contains (a string the claim, a list of strings,
// must hold; a claim that is one string counts as a list of one) is set.
type Condition struct {
	Claim    string          `json:"claim"`
	Equals   json.RawMessage `json:"equals,omitempty"`
	Contains *string         `json:"contains,omitempty"`
}

// Outcome is what the table decides for one set of claims.
type Outcome struct {
	Rule     int // the deciding rule, counted from 1
	Org      string
	Role     auth.Role
	Disabled bool
}

// ParseRules reads a rule table (JSON, unknown fields refused) and checks
// it against the organisation tree: every problem is reported, each with
// the rule it is in.
func ParseRules(b []byte, tree *org.Tree) (*Rules, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rs Rules
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("rule table: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("rule table: more than one JSON value")
	}
	if err := rs.Check(tree); err != nil {
		return nil, err
	}
	return &rs, nil
}

// Check reports every problem of the table: no rules, an unknown
// organisation or role, a role that may not use the web pages, a rule both
// disabling and mapping, a condition without a claim or with not exactly
// one test.
func (rs *Rules) Check(tree *org.Tree) error {
	var errs []error
	if len(rs.Rules) == 0 {
		errs = append(errs, errors.New("rule table: no rules"))
	}
	for i, r := range rs.Rules {
		at := fmt.Sprintf("rule %d", i+1)
		switch {
		case r.Disabled && (r.Org != "" || r.Role != ""):
			errs = append(errs, fmt.Errorf("%s: a disabling rule gives no org or role", at))
		case !r.Disabled:
			if r.Org == "" {
				errs = append(errs, fmt.Errorf("%s: org is missing (or set \"disabled\": true)", at))
			} else if _, ok := tree.ByCode(r.Org); !ok {
				errs = append(errs, fmt.Errorf("%s: unknown organisation code %q", at, r.Org))
			}
			if r.Role == "" {
				errs = append(errs, fmt.Errorf("%s: role is missing", at))
			} else if !r.Role.Valid() {
				errs = append(errs, fmt.Errorf("%s: unknown role %q (want one of %s)", at, r.Role, roleNames()))
			} else if !r.Role.WebLogin() {
				errs = append(errs, fmt.Errorf("%s: role %q cannot sign in to the web pages", at, r.Role))
			}
		}
		for j, c := range r.Match {
			cat := fmt.Sprintf("%s, condition %d", at, j+1)
			if strings.TrimSpace(c.Claim) == "" {
				errs = append(errs, fmt.Errorf("%s: claim is missing", cat))
			}
			if (c.Equals == nil) == (c.Contains == nil) {
				errs = append(errs, fmt.Errorf("%s: give exactly one of \"equals\" and \"contains\"", cat))
				continue
			}
			if c.Equals != nil {
				var v any
				if err := json.Unmarshal(c.Equals, &v); err != nil {
					errs = append(errs, fmt.Errorf("%s: equals: %v", cat, err))
					continue
				}
				switch v.(type) {
				case string, float64, bool:
				default:
					errs = append(errs, fmt.Errorf("%s: equals wants a string, number or boolean", cat))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func roleNames() string {
	var out []string
	for _, r := range auth.Roles() {
		if r.WebLogin() {
			out = append(out, string(r))
		}
	}
	return strings.Join(out, ", ")
}

// Match returns the outcome of the first rule whose conditions all hold,
// and false when none does.
func (rs *Rules) Match(claims map[string]any) (Outcome, bool) {
	for i, r := range rs.Rules {
		if r.holds(claims) {
			return Outcome{Rule: i + 1, Org: r.Org, Role: r.Role, Disabled: r.Disabled}, true
		}
	}
	return Outcome{}, false
}

func (r Rule) holds(claims map[string]any) bool {
	for _, c := range r.Match {
		v, ok := claim(claims, c.Claim)
		if !ok || !c.test(v) {
			return false
		}
	}
	return true
}

func (c Condition) test(v any) bool {
	if c.Contains != nil {
		switch v := v.(type) {
		case string:
			return v == *c.Contains
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok && s == *c.Contains {
					return true
				}
			}
		}
		return false
	}
	var want any
	if err := json.Unmarshal(c.Equals, &want); err != nil {
		return false
	}
	return reflect.DeepEqual(v, want)
}

// claim finds a claim by its whole name, else by a dotted path into
// nested objects.
func claim(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	var cur any = claims
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}
