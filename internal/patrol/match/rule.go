package match

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says how a rule's pattern is read.
type Kind string

// The kinds of rule.
const (
	// Phrase is text to find as it is, after both it and the page are
	// normalised.
	Phrase Kind = "phrase"
	// Regex is a Go regular expression (RE2 syntax) run over the
	// normalised page; its literal characters are folded the same way.
	Regex Kind = "regex"
)

// Category is a type of information the Internet Hotline Center (IHC)
// receives reports about, with 闇バイト recruitment kept as a type of its own.
type Category string

// The categories, most urgent first: Classify breaks ties in this order.
const (
	// Suicide is suicide-inducing information (自殺誘引等情報): inviting
	// others to die together, or offering the means.
	Suicide Category = "suicide"
	// SeriousCrime is information closely related to serious crime
	// (重要犯罪密接関連情報): murder, robbery, arson, kidnapping and the like
	// for hire, making explosives, organ and human trafficking, making
	// hydrogen sulphide, stalking.
	SeriousCrime Category = "serious-crime"
	// Yamibaito is recruitment of people to carry out crimes for pay
	// (闇バイト, 犯罪実行者募集情報). The IHC took it in among serious-crime
	// information in 2023 and has counted it as illegal information since
	// its guideline's revision of March 2025; koban keeps it apart because
	// it is worked differently (the people answering are victims too).
	Yamibaito Category = "yamibaito"
	// Illegal is illegal information (違法情報): obscenity and child sexual
	// abuse material, soliciting prostitution, drugs, the sale of bank
	// accounts and phones, stolen or phished credentials, unregistered
	// money lending (ヤミ金), firearms.
	Illegal Category = "illegal"
)

// Categories returns the categories, most urgent first.
func Categories() []Category {
	return []Category{Suicide, SeriousCrime, Yamibaito, Illegal}
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	switch c {
	case Suicide, SeriousCrime, Yamibaito, Illegal:
		return true
	}
	return false
}

// Weak is the weight at or under which a rule is a weak lure: a phrase so
// common that ordinary text holds it (高額, 副業, 受け), which counts only
// together with others.
const Weak = 0.1

// Rule is one thing to look for on a page.
type Rule struct {
	// ID names the rule in hits, errors and audit records.
	ID string
	// Kind is Phrase or Regex.
	Kind Kind
	// Pattern is the phrase or the regular expression, written as people
	// write (ほわいと, ＵＤ and ﾎﾜｲﾄ are all fine): it is folded like the page.
	Pattern string
	// Category is what a hit suggests the page is.
	Category Category
	// Weight, above 0 and at most 1, is how strongly one hit suggests
	// Category; Classify combines the weights of the rules that hit.
	Weight float64
	// Signal says what the phrase does in a post: lure, role, reassurance,
	// jargon, channel, hashtag, obfuscation, example_post, or for koban's
	// own rules a short word on what they look for.
	Signal string
	// Source is where the rule comes from: for the built-in 闇バイト phrases
	// the publisher, the address and the date of the public warning that
	// quotes them.
	Source string
}

// RuleError is what is wrong with one rule.
type RuleError struct {
	// Index is the rule's place in the list given to Compile.
	Index int
	// ID is the rule's ID, if it has one.
	ID string
	// Field is the field at fault: "id", "kind", "pattern", "category" or
	// "weight".
	Field string
	// Pos is the byte offset in Pattern where the problem is, or -1.
	Pos int
	// Err is the problem.
	Err error
}

func (e *RuleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rule %d", e.Index+1)
	if e.ID != "" {
		fmt.Fprintf(&b, " (%s)", e.ID)
	}
	fmt.Fprintf(&b, ": %s", e.Field)
	if e.Pos >= 0 {
		fmt.Fprintf(&b, " at byte %d", e.Pos)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *RuleError) Unwrap() error { return e.Err }

// Problems with rules that are not a regular expression's syntax.
var (
	ErrNoID          = errors.New("a rule needs an id")
	ErrDuplicateID   = errors.New("another rule has this id")
	ErrKind          = errors.New(`the kind must be "phrase" or "regex"`)
	ErrCategory      = errors.New("unknown category")
	ErrWeight        = errors.New("the weight must be above 0 and at most 1")
	ErrEmptyPattern  = errors.New("the pattern is empty once normalised")
	ErrEmptyMatch    = errors.New("the regular expression can match empty text, which would hit everywhere")
	ErrAnchor        = errors.New("anchors (^, $, \\A, \\z) cannot be used: a regular expression sees the page in windows, whose edges are not the page's or a line's")
	ErrPatternLength = errors.New("the pattern is longer than 4,096 bytes")
)

// maxPattern bounds a rule's pattern.
const maxPattern = 4096

// check finds what is wrong with r's fields other than its pattern's
// syntax; seen holds the ids of the rules before it.
func (r *Rule) check(i int, seen map[string]bool) []error {
	var errs []error
	bad := func(field string, err error) {
		errs = append(errs, &RuleError{Index: i, ID: r.ID, Field: field, Pos: -1, Err: err})
	}
	switch {
	case strings.TrimSpace(r.ID) == "":
		bad("id", ErrNoID)
	case seen[r.ID]:
		bad("id", ErrDuplicateID)
	}
	seen[r.ID] = true
	if r.Kind != Phrase && r.Kind != Regex {
		bad("kind", ErrKind)
	}
	if !r.Category.Valid() {
		bad("category", fmt.Errorf("%w %q", ErrCategory, r.Category))
	}
	if !(r.Weight > 0 && r.Weight <= 1) {
		bad("weight", ErrWeight)
	}
	if len(r.Pattern) > maxPattern {
		bad("pattern", ErrPatternLength)
	}
	return errs
}
