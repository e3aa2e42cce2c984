package sso_test

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/sso"
)

const table = `{"rules": [
  {"match": [{"claim": "koban_disabled", "equals": true}], "disabled": true},
  {"match": [{"claim": "groups", "contains": "npa-cyber"}, {"claim": "realm_access.roles", "contains": "supervisor"}], "org": "npa-cab", "role": "supervisor"},
  {"match": [{"claim": "groups", "contains": "pref13-cyber"}], "org": "pref-13", "role": "investigator"},
  {"match": [{"claim": "department", "equals": "tokyo-intake"}], "org": "pref-13", "role": "intake"},
  {"match": [], "disabled": true}
]}`

func tree(t *testing.T) *org.Tree {
	t.Helper()
	ids := map[string]int64{}
	var orgs []org.Org
	for i, sd := range org.DefaultTree() {
		ids[sd.Code] = int64(i + 1)
		orgs = append(orgs, org.Org{ID: int64(i + 1), Code: sd.Code, ParentID: ids[sd.ParentCode], Kind: sd.Kind, NameJA: sd.NameJA, NameEN: sd.NameEN, Prefecture: sd.Prefecture})
	}
	tr, err := org.NewTree(orgs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestRulesMatch(t *testing.T) {
	rs, err := sso.ParseRules([]byte(table), tree(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		claims map[string]any
		want   sso.Outcome
	}{
		{"a group in a list", map[string]any{"groups": []any{"staff", "pref13-cyber"}}, sso.Outcome{Rule: 3, Org: "pref-13", Role: auth.RoleInvestigator}},
		{"a lone group as a string", map[string]any{"groups": "pref13-cyber"}, sso.Outcome{Rule: 3, Org: "pref-13", Role: auth.RoleInvestigator}},
		{"every condition of a rule", map[string]any{"groups": []any{"npa-cyber", "pref13-cyber"}, "realm_access": map[string]any{"roles": []any{"supervisor"}}},
			sso.Outcome{Rule: 2, Org: "npa-cab", Role: auth.RoleSupervisor}},
		{"one condition missing falls through", map[string]any{"groups": []any{"npa-cyber"}, "realm_access": map[string]any{"roles": []any{"viewer"}}},
			sso.Outcome{Rule: 5, Disabled: true}},
		{"equals on a string", map[string]any{"department": "tokyo-intake"}, sso.Outcome{Rule: 4, Org: "pref-13", Role: auth.RoleIntake}},
		{"equals is exact", map[string]any{"department": "tokyo-intake-2"}, sso.Outcome{Rule: 5, Disabled: true}},
		{"the first rule wins", map[string]any{"koban_disabled": true, "groups": []any{"pref13-cyber"}}, sso.Outcome{Rule: 1, Disabled: true}},
		{"false is not true", map[string]any{"koban_disabled": false, "groups": []any{"pref13-cyber"}}, sso.Outcome{Rule: 3, Org: "pref-13", Role: auth.RoleInvestigator}},
		{"the catch-all disables", map[string]any{"groups": []any{"other"}}, sso.Outcome{Rule: 5, Disabled: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := rs.Match(c.claims)
			if !ok || got != c.want {
				t.Errorf("Match = %+v, %v; want %+v", got, ok, c.want)
			}
		})
	}
	// Without a catch-all, claims no rule matches are told apart.
	rs, err = sso.ParseRules([]byte(`{"rules": [{"match": [{"claim": "groups", "contains": "a"}], "org": "pref-13", "role": "analyst"}]}`), tree(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := rs.Match(map[string]any{"groups": []any{"b"}}); ok {
		t.Errorf("no rule should match, got %+v", got)
	}
	if _, ok := rs.Match(map[string]any{}); ok {
		t.Error("a missing claim must not match")
	}
}

func TestParseRulesProblems(t *testing.T) {
	for _, c := range []struct {
		name, json string
		want       []string
	}{
		{"unknown organisation", `{"rules": [{"match": [], "org": "pref-99", "role": "intake"}]}`, []string{`rule 1: unknown organisation code "pref-99"`}},
		{"unknown role", `{"rules": [{"match": [], "org": "pref-13", "role": "chief"}]}`, []string{`rule 1: unknown role "chief"`, "investigator"}},
		{"partner cannot use pages", `{"rules": [{"match": [], "org": "pref-13", "role": "partner"}]}`, []string{`role "partner" cannot sign in`}},
		{"missing role and org", `{"rules": [{"match": []}]}`, []string{"rule 1: org is missing", "rule 1: role is missing"}},
		{"disabled with a role", `{"rules": [{"match": [], "disabled": true, "role": "intake"}]}`, []string{"a disabling rule gives no org or role"}},
		{"both tests", `{"rules": [{"match": [{"claim": "g", "equals": "x", "contains": "x"}], "disabled": true}]}`, []string{"rule 1, condition 1: give exactly one"}},
		{"no test", `{"rules": [{"match": [{"claim": "g"}], "disabled": true}]}`, []string{"give exactly one"}},
		{"no claim", `{"rules": [{"match": [{"equals": "x"}], "disabled": true}]}`, []string{"claim is missing"}},
		{"equals a list", `{"rules": [{"match": [{"claim": "g", "equals": ["x"]}], "disabled": true}]}`, []string{"equals wants a string, number or boolean"}},
		{"unknown field", `{"rules": [{"match": [], "disabled": true, "orgs": "x"}]}`, []string{`unknown field "orgs"`}},
		{"no rules", `{"rules": []}`, []string{"no rules"}},
		{"trailing value", `{"rules": [{"match": [], "disabled": true}]} {}`, []string{"more than one JSON value"}},
		{"every problem at once", `{"rules": [{"match": [], "org": "x", "role": "intake"}, {"match": [], "org": "pref-13", "role": "y"}]}`,
			[]string{`rule 1: unknown organisation code "x"`, `rule 2: unknown role "y"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sso.ParseRules([]byte(c.json), tree(t))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
