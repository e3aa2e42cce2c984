package csaf

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/language"
)

// translator is 6.1.15: a translation names the language it came from.
func (c *checker) translator() {
	m := c.d.Document
	if m.Publisher.Category == "translator" && m.SourceLang == "" {
		c.add("6.1.15", "/document/source_lang", "a translator's document must give source_lang")
	}
}

// languages is 6.1.12: lang and source_lang are language tags that exist
// (well-formed and registered in BCP 47); and 6.1.28: a translation is not
// into the language it came from.
func (c *checker) languages() {
	m := c.d.Document
	for _, l := range []struct{ path, tag string }{{"/document/lang", m.Lang}, {"/document/source_lang", m.SourceLang}} {
		if l.tag == "" {
			continue
		}
		if _, err := language.Parse(l.tag); err != nil {
			c.add("6.1.12", l.path, "%q is not a valid language tag: %v", l.tag, err)
		}
	}
	if m.Lang != "" && strings.EqualFold(m.Lang, m.SourceLang) {
		c.add("6.1.28", "/document/source_lang", "the document is a translation from %s into the same language", m.SourceLang)
	}
}

// profileCategories are the categories with a profile, CSAF base first.
var profileCategories = []string{CategoryBase, CategorySecurityIncidentResponse, CategoryInformational, CategorySecurityAdvisory, CategoryVEX}

// categoryName is 6.1.26: a category of no profile does not take the
// reserved prefix csaf_ nor, written with other case, dashes, spaces or
// underscores, the name of a profile other than CSAF base.
func (c *checker) categoryName() {
	cat := c.d.Document.Category
	if slices.Contains(profileCategories, cat) {
		return
	}
	if strings.HasPrefix(strings.ToLower(cat), "csaf_") {
		c.add("6.1.26", "/document/category", "%q takes the prefix csaf_, reserved to the specification's profiles", cat)
		return
	}
	norm := normalCategory(cat)
	for _, p := range profileCategories[1:] {
		if norm == normalCategory(p) || norm == normalCategory(strings.TrimPrefix(p, "csaf_")) {
			c.add("6.1.26", "/document/category", "%q is the name of the profile %s", cat, p)
			return
		}
	}
}

func normalCategory(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}
