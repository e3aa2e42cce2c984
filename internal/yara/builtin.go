package yara

import (
	"embed"
	"fmt"
)

//go:embed rules/koban.yar
var builtinRules embed.FS

// Builtin returns the rule sets that ship with koban: koban's own.
func Builtin() []RuleSet {
	text, err := builtinRules.ReadFile("rules/koban.yar")
	if err != nil {
		panic(fmt.Sprintf("yara: built-in rules: %v", err))
	}
	set, err := ParseSet("koban", "Apache-2.0", "koban",
		"koban's own generic rules (internal/yara/rules/koban.yar)", string(text))
	if err != nil {
		panic(fmt.Sprintf("yara: built-in rules: %v", err)) // a test holds this
	}
	return []RuleSet{set}
}
