package warnlist

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/koban-project/koban/internal/observe"
)

// mispList is the JSON of one MISP list.json. Pointers tell a missing
// field from an empty one.
type mispList struct {
	Name               *string  `json:"name"`
	Description        string   `json:"description"`
	Version            int      `json:"version"`
	Type               *string  `json:"type"`
	List               []string `json:"list"`
	MatchingAttributes []string `json:"matching_attributes"`
}

// attributeTypes maps MISP attribute types to the koban types that hold
// the same values. A composite attribute ("domain|ip", "filename|md5")
// maps to the types of its parts koban has. Attributes koban has no type
// for (ssdeep, sha224, azure-application-id…) map to nothing.
var attributeTypes = map[string][]observe.Type{
	"ip-src": ipTypes, "ip-dst": ipTypes, "ip-src|port": ipTypes, "ip-dst|port": ipTypes,
	"domain|ip": {observe.Domain, observe.IPv4, observe.IPv6},
	"domain":    {observe.Domain}, "hostname": {observe.Domain}, "hostname|port": {observe.Domain},
	"url": {observe.URL}, "link": {observe.URL}, "uri": {observe.URL},
	"email": {observe.Email}, "email-src": {observe.Email}, "email-dst": {observe.Email},
	"target-email": {observe.Email}, "email-reply-to": {observe.Email},
	"whois-registrant-email": {observe.Email}, "dns-soa-email": {observe.Email},
	"md5": {observe.MD5}, "filename|md5": {observe.MD5}, "x509-fingerprint-md5": {observe.MD5},
	"sha1": {observe.SHA1}, "filename|sha1": {observe.SHA1}, "x509-fingerprint-sha1": {observe.SHA1},
	"sha256": {observe.SHA256}, "filename|sha256": {observe.SHA256}, "x509-fingerprint-sha256": {observe.SHA256},
	"sha512": {observe.SHA512}, "filename|sha512": {observe.SHA512},
	"phone-number": {observe.Phone}, "whois-registrant-phone": {observe.Phone},
	"AS": {observe.ASN}, "btc": {observe.BTC}, "xmr": {observe.XMR},
	"vulnerability": {observe.CVE},
}

// ipTypes are the types of an address attribute: a network written where
// an address is expected is still about the same hosts.
var ipTypes = []observe.Type{observe.IPv4, observe.IPv6, observe.CIDR}

// ParseMISP reads one MISP warning list (a list.json). It fails, wrapping
// ErrInvalid, when the list has no name, an unknown type, no koban type to
// apply to, or no usable entry; single bad entries are left out and listed
// in Skipped.
//
// matching_attributes are mapped to koban types; when there are none, or
// none koban has, a cidr list applies to ipv4, ipv6 and cidr values and a
// hostname list to domains, URLs and e-mail domains.
func ParseMISP(data []byte) (List, error) {
	var m mispList
	if err := json.Unmarshal(data, &m); err != nil {
		return List{}, fmt.Errorf("%w: not a MISP warning list: %w", ErrInvalid, err)
	}
	if m.Name == nil {
		return List{}, fmt.Errorf("%w: no name", ErrInvalid)
	}
	if m.Type == nil {
		return List{}, fmt.Errorf("%w: %q: no type", ErrInvalid, *m.Name)
	}
	l := List{
		Name:        *m.Name,
		Description: m.Description,
		Source:      SourceMISP,
		Version:     m.Version,
		Kind:        Kind(*m.Type),
	}
	var ts typeSet
	for _, a := range m.MatchingAttributes {
		ts |= setOf(attributeTypes[a]...)
	}
	if ts&kindTypes[l.Kind] == 0 {
		switch l.Kind {
		case KindCIDR:
			ts = setOf(ipTypes...)
		case KindHostname:
			ts = setOf(observe.Domain, observe.URL, observe.Email)
		}
	}
	l.Types = ts.types()
	return build(l, m.List)
}

// ReadMISPDir reads every lists/*/list.json of a copy of the
// misp-warninglists repository at dir; dir may also be the lists folder
// itself. It returns the lists that parsed, in the order of their folder
// names, and an error naming the file for each one that did not.
func ReadMISPDir(dir string) ([]List, []error) {
	if fi, err := os.Stat(filepath.Join(dir, "lists")); err == nil && fi.IsDir() {
		dir = filepath.Join(dir, "lists")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, []error{fmt.Errorf("warnlist: %w", err)}
	}
	var files []string // in name order, as ReadDir sorts them
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		f := filepath.Join(dir, e.Name(), "list.json")
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, []error{fmt.Errorf("warnlist: reading %s: %w: no */list.json", dir, fs.ErrNotExist)}
	}
	// Parsing is mostly domain normalisation, over half a million entries
	// for the full MISP set: read the files in parallel.
	lists := make([]List, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, f := range files {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			data, err := os.ReadFile(f)
			if err != nil {
				errs[i] = fmt.Errorf("warnlist: %w", err) // names the file
				return
			}
			if lists[i], err = ParseMISP(data); err != nil {
				errs[i] = fmt.Errorf("%s: %w", f, err)
			}
			lists[i].Folder = filepath.Base(filepath.Dir(f))
		})
	}
	wg.Wait()
	var ok []List
	var failed []error
	for i := range files {
		if errs[i] != nil {
			failed = append(failed, errs[i])
		} else {
			ok = append(ok, lists[i])
		}
	}
	return ok, failed
}
