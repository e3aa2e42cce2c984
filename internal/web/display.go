package web

import (
	"strings"

	"github.com/koban-project/koban/internal/observe"
)

// Canonical is a value's stored form, shown as a second line under Shown,
// or "" when Shown already holds it. Links and searches use the stored
// form; officers read Shown.
func (p page) Canonical(o observe.Observable) string {
	if strings.Contains(p.Shown(o), o.Value) {
		return ""
	}
	return o.Value
}
