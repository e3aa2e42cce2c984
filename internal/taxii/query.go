package taxii

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Query is what a request for objects, a manifest or versions asks for: the
// URL parameters added_after, limit, next and match[...].
type Query struct {
	// AddedAfter keeps only records added strictly after it; zero: all.
	AddedAfter time.Time
	// Limit is the most records wanted; 0: the server's choice. The server
	// always hands its Backend a Limit between 1 and its page size.
	Limit int
	// Next is the cursor a previous page returned.
	Next  string
	Match Match
}

// Match holds the match[...] filters. Values of one filter are alternatives
// (OR); different filters must all hold (AND). Empty means no filter.
type Match struct {
	IDs   []string
	Types []string
	// Versions selects versions of each object; the server fills in the
	// endpoint's default (last for objects and manifest, all for versions
	// and delete), so a Backend never sees it empty.
	Versions []Version
	// SpecVersions keeps the objects of these STIX versions; empty: only
	// the latest spec version the collection holds of each object.
	SpecVersions []string
	// Other holds match[<field>] parameters TAXII does not define. The
	// client sends them; the server ignores them.
	Other map[string][]string
}

// VersionKind is the kind of a match[version] value.
type VersionKind string

// The kinds of match[version] value.
const (
	VersionLast  VersionKind = "last"
	VersionFirst VersionKind = "first"
	VersionAll   VersionKind = "all"
	VersionAt    VersionKind = "at" // the version whose timestamp equals At
)

// Version is one match[version] value.
type Version struct {
	Kind VersionKind
	At   time.Time
}

func (v Version) String() string {
	if v.Kind == VersionAt {
		return v.At.UTC().Format(time.RFC3339Nano)
	}
	return string(v.Kind)
}

// ParamError is a URL parameter the server cannot read.
type ParamError struct {
	Param, Value, Reason string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("taxii: parameter %s=%q: %s", e.Param, e.Value, e.Reason)
}

// Code is the catalog key of the error's sentence (arguments: param, value).
func (e *ParamError) Code() string { return "taxii.bad_parameter" }

// Args are the values of the catalog sentence's placeholders.
func (e *ParamError) Args() map[string]string {
	return map[string]string{"param": e.Param, "value": e.Value}
}

var (
	stixType    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$`)
	specVersion = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{1,3}$`)
)

// maxListItems bounds how many values one match parameter may list.
const maxListItems = 1000

// ParseQuery reads the TAXII parameters of a request. Parameters it does
// not know are ignored, as are match fields TAXII does not define; a known
// parameter with a value it cannot read is a *ParamError.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	if s, ok := single(v, "added_after"); ok {
		t, err := ParseTimestamp(s)
		if err != nil {
			return q, &ParamError{"added_after", s, "want an RFC 3339 timestamp such as 2026-01-02T03:04:05.000Z"}
		}
		q.AddedAfter = t
	}
	if s, ok := single(v, "limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, &ParamError{"limit", s, "want a whole number of 1 or more"}
		}
		q.Limit = n
	}
	if s, ok := single(v, "next"); ok {
		if s == "" || len(s) > 1024 {
			return q, &ParamError{"next", s, "want the next value of the previous page"}
		}
		q.Next = s
	}
	var err error
	if q.Match.IDs, err = list(v, "match[id]", func(s string) bool { return strings.Contains(s, "--") }); err != nil {
		return q, err
	}
	if q.Match.Types, err = list(v, "match[type]", stixType.MatchString); err != nil {
		return q, err
	}
	if q.Match.SpecVersions, err = list(v, "match[spec_version]", specVersion.MatchString); err != nil {
		return q, err
	}
	versions, err := list(v, "match[version]", func(s string) bool { _, ok := parseVersion(s); return ok })
	if err != nil {
		return q, err
	}
	for _, s := range versions {
		ver, _ := parseVersion(s)
		q.Match.Versions = append(q.Match.Versions, ver)
	}
	return q, nil
}

func parseVersion(s string) (Version, bool) {
	switch VersionKind(s) {
	case VersionLast, VersionFirst, VersionAll:
		return Version{Kind: VersionKind(s)}, true
	}
	t, err := ParseTimestamp(s)
	if err != nil {
		return Version{}, false
	}
	return Version{Kind: VersionAt, At: t}, true
}

// single returns the one value of a parameter; repeating it keeps the last.
func single(v url.Values, name string) (string, bool) {
	vals, ok := v[name]
	if !ok || len(vals) == 0 {
		return "", false
	}
	return vals[len(vals)-1], true
}

// list reads a comma-separated parameter (repeated parameters add up).
func list(v url.Values, name string, valid func(string) bool) ([]string, error) {
	var out []string
	for _, raw := range v[name] {
		for _, item := range strings.Split(raw, ",") {
			item = strings.TrimSpace(item)
			if item == "" || !valid(item) {
				return nil, &ParamError{name, raw, "not a value this filter takes"}
			}
			out = append(out, item)
			if len(out) > maxListItems {
				return nil, &ParamError{name, raw[:min(len(raw), 64)] + "…", fmt.Sprintf("more than %d values", maxListItems)}
			}
		}
	}
	return out, nil
}

// Values writes q as URL parameters, as the client sends them.
func (q Query) Values() url.Values {
	v := url.Values{}
	if !q.AddedAfter.IsZero() {
		v.Set("added_after", q.AddedAfter.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Next != "" {
		v.Set("next", q.Next)
	}
	join := func(name string, items []string) {
		if len(items) > 0 {
			v.Set(name, strings.Join(items, ","))
		}
	}
	join("match[id]", q.Match.IDs)
	join("match[type]", q.Match.Types)
	var versions []string
	for _, ver := range q.Match.Versions {
		versions = append(versions, ver.String())
	}
	join("match[version]", versions)
	join("match[spec_version]", q.Match.SpecVersions)
	names := make([]string, 0, len(q.Match.Other))
	for k := range q.Match.Other {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		join("match["+k+"]", q.Match.Other[k])
	}
	return v
}
