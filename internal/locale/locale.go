// Package locale holds the message catalogs (Japanese first, English always)
// and picks the language of a request.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed catalog
var catalogFS embed.FS

// Default is the language used when nothing else is known.
const Default = "ja"

// Languages lists the supported languages, the default first.
var Languages = []string{"ja", "en"}

// Catalogs maps language → key → text.
type Catalogs struct {
	msgs map[string]map[string]string
}

// Load reads the embedded catalogs. Each language is a folder of flat JSON
// files (dotted keys → text); a key defined twice in one language is an error.
func Load() (*Catalogs, error) { return load(catalogFS) }

func load(fsys fs.FS) (*Catalogs, error) {
	c := &Catalogs{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		dir := path.Join("catalog", lang)
		files, err := fs.Glob(fsys, dir+"/*.json")
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("locale: no catalog files for %q", lang)
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			var part map[string]string
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("locale: %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("locale: %s: key %q defined twice", f, k)
				}
				m[k] = v
			}
		}
		c.msgs[lang] = m
	}
	return c, nil
}

// Supported reports whether lang is one of the catalog languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Has reports whether key exists in lang.
func (c *Catalogs) Has(lang, key string) bool { _, ok := c.msgs[lang][key]; return ok }

// Keys returns the sorted keys of lang.
func (c *Catalogs) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// T returns the text for key in lang with {name} placeholders replaced from
// pairs (name, value, name, value …). {name|one|other} chooses a word by the
// count in name: the first when it is 1, the second otherwise ("{n}
// {n|record|records}"); Japanese has no need of it. A missing key shows the
// key itself, so a gap is visible without breaking the page; tests make sure
// there are none.
func (c *Catalogs) T(lang, key string, pairs ...string) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		s, ok = c.msgs[Default][key]
		if !ok {
			return key
		}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		s = plural(s, pairs[i], pairs[i+1])
	}
	if len(pairs) >= 2 {
		r := make([]string, 0, len(pairs))
		for i := 0; i+1 < len(pairs); i += 2 {
			r = append(r, "{"+pairs[i]+"}", pairs[i+1])
		}
		s = strings.NewReplacer(r...).Replace(s)
	}
	return s
}

// Keyed writes a message to be stored and said later, in whatever
// language its reader has: a catalog key and, after a tab, a detail that
// is not translated (an address, a time, a network's own words).
func Keyed(key, detail string) string {
	if detail == "" {
		return key
	}
	return key + "\t" + detail
}

// Said says a Keyed message in lang: the key's text and its detail, joined
// as the language joins them (said.with_detail). A message whose key is in no catalog (an HTTP status line, a
// record older than its key) is shown as it is.
func (c *Catalogs) Said(lang, msg string) string {
	key, detail, _ := strings.Cut(msg, "\t")
	if !c.Has(lang, key) && !c.Has(Default, key) {
		return msg
	}
	if detail == "" {
		return c.T(lang, key)
	}
	return c.T(lang, "said.with_detail", "text", c.T(lang, key), "detail", detail)
}

// plural replaces each {name|one|other} in s by one when value is "1" and
// by other otherwise.
func plural(s, name, value string) string {
	open := "{" + name + "|"
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		forms := strings.SplitN(s[i+len(open):i+j], "|", 2)
		word := forms[0]
		if value != "1" && len(forms) == 2 {
			word = forms[1]
		}
		s = s[:i] + word + s[i+j+1:]
	}
}

// Match picks the best supported language from an Accept-Language header.
func Match(acceptLanguage string) string {
	best, bestQ := Default, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tag, q := part, 1.0
		if i := strings.IndexByte(part, ';'); i >= 0 {
			tag = strings.TrimSpace(part[:i])
			var f float64
			if _, err := fmt.Sscanf(strings.TrimSpace(part[i+1:]), "q=%g", &f); err == nil {
				q = f
			}
		}
		base := strings.ToLower(tag)
		if i := strings.IndexByte(base, '-'); i >= 0 {
			base = base[:i]
		}
		if Supported(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
