package cases

import "strconv"

// checklists is how many first tasks each category's checklist holds; the
// text of task i (from 1) is the catalog key "case.template.<code>.<i>",
// so that each officer reads it in their own language. Categories without
// a checklist of their own get the default one.
var checklists = map[string]int{
	"MW":      5, // preserve logs, identify the variant, decryptor, victim contact, entry point
	"PH":      5,
	"FR":      5,
	"UA":      5,
	"HR":      5,
	"CS":      4,
	"DL":      4,
	"AV":      4,
	"default": 4,
}

// Checklist returns the catalog keys of the first tasks a case of category
// starts with.
func Checklist(category string) []string {
	name := category
	n, ok := checklists[name]
	if !ok || name == "default" {
		name, n = "default", checklists["default"]
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "case.template." + name + "." + strconv.Itoa(i+1)
	}
	return keys
}

// ChecklistKeys returns every checklist key, for the catalog test.
func ChecklistKeys() []string {
	var out []string
	for name := range checklists {
		out = append(out, Checklist(name)...)
	}
	return out
}
