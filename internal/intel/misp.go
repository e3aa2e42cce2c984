package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/tlp"
)

// patternPaths are the pattern paths koban writes for an observable of a
// type when it makes an indicator of it (those the pattern package reads
// back to the same observable).
var patternPaths = map[observe.Type]string{
	observe.Domain: "domain-name:value",
	observe.IPv4:   "ipv4-addr:value",
	observe.IPv6:   "ipv6-addr:value",
	observe.URL:    "url:value",
	observe.Email:  "email-addr:value",
	observe.Phone:  "x-koban-phone-number:value",
	// Any form of account, the name forms included, by its canonical value.
	observe.BankAccount: "x-koban-bank-account:value",
	observe.BTC:         "x-koban-cryptocurrency-wallet:value",
	observe.ETH:         "x-koban-cryptocurrency-wallet:value",
	observe.XMR:         "x-koban-cryptocurrency-wallet:value",
	observe.TRX:         "x-koban-cryptocurrency-wallet:value",
	observe.MD5:         "file:hashes.MD5",
	observe.SHA1:        "file:hashes.'SHA-1'",
	observe.SHA256:      "file:hashes.'SHA-256'",
	observe.SHA512:      "file:hashes.'SHA-512'",
}

// tlpMarkings are the TLP 2.0 marking definitions (amber+strict has no
// TLP 1 marking).
var tlpMarkings = map[tlp.Level]string{
	tlp.Clear: stix.TLP2Clear, tlp.Green: stix.TLP2Green, tlp.Amber: stix.TLP2Amber, tlp.AmberStrict: stix.TLP2AmberStrict, tlp.Red: stix.TLP2Red,
}

// PatternOf writes the STIX pattern that names observables (any of them),
// and false when none has a path koban writes.
func PatternOf(obs []observe.Observable) (string, bool) {
	var terms []string
	for _, o := range obs {
		t := o.Type
		if t == observe.CIDR {
			t = observe.IPv4
			if strings.Contains(o.Value, ":") {
				t = observe.IPv6
			}
		}
		path, ok := patternPaths[t]
		if !ok {
			continue
		}
		terms = append(terms, path+" = '"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(o.Value)+"'")
	}
	if len(terms) == 0 {
		return "", false
	}
	return "[" + strings.Join(terms, " OR ") + "]", true
}

// indicatorOfMISP makes the STIX indicator that stands for one MISP
// attribute: its id from the attribute's UUID (so that the same attribute
// imported again is the same object), its version the attribute's
// timestamp, the event named in an external reference.
func indicatorOfMISP(ev *misp.Event, en misp.Entry, now time.Time) (*stix.Object, bool, error) {
	a := en.Attribute
	pat, ok := PatternOf(en.Observables)
	if !ok {
		return nil, false, nil
	}
	at := a.Timestamp
	if at.IsZero() {
		at = ev.Timestamp
	}
	if at.IsZero() {
		at = now
	}
	stamp := at.UTC().Format("2006-01-02T15:04:05.000Z")
	id := strings.ToLower(a.UUID)
	if len(id) != 36 {
		return nil, false, fmt.Errorf("%s: the attribute has no UUID", en.Path)
	}
	o := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": "indicator--" + id, "created": stamp, "modified": stamp,
		"name": a.Type + ": " + a.Value, "pattern": pat, "pattern_type": "stix", "valid_from": stamp,
		"external_references": []map[string]string{{"source_name": "misp", "external_id": ev.UUID, "description": ev.Info}},
	}
	if a.Comment != "" {
		o["description"] = a.Comment
	}
	if a.Deleted || (en.Object != nil && en.Object.Deleted) {
		o["revoked"] = true
	}
	if l, ok := tlp.Parse(en.TLP); ok {
		if m, ok := tlpMarkings[l]; ok {
			o["object_marking_refs"] = []string{m}
		}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, false, err
	}
	obj, err := stix.ParseObject(b)
	return obj, true, err
}

// ImportMISP stores the attributes of a MISP export (one event, several,
// any export shape) that stand for observables koban knows, each as a
// STIX indicator of the source; an event that cannot be read stops the
// import with what was stored before it kept.
func (s *Service) ImportMISP(ctx context.Context, actor audit.Actor, src *Source, r io.Reader) (ImportResult, error) {
	rd := misp.NewReader(r)
	type item struct {
		o   *stix.Object
		err error
	}
	var queue []item
	index := 0
	next := func() (*stix.Object, error) {
		for len(queue) == 0 {
			ev, err := rd.Next()
			if err != nil {
				return nil, err // io.EOF at the end
			}
			for _, en := range ev.Entries() {
				if en.Problem != nil {
					queue = append(queue, item{err: en.Problem})
					continue
				}
				o, ok, err := indicatorOfMISP(ev, en, s.clock.Now())
				if err != nil || ok {
					queue = append(queue, item{o, err})
				}
			}
		}
		it := queue[0]
		queue = queue[1:]
		index++
		if it.err != nil {
			return nil, &stix.ObjectError{Index: index - 1, Err: it.err}
		}
		return it.o, nil
	}
	return s.ImportSTIX(ctx, actor, src, next)
}

// ImportFileMISP imports a MISP export an officer brings in, as intel of a
// source of theirs.
func (s *Service) ImportFileMISP(ctx context.Context, p auth.Principal, sourceID int64, r io.Reader) (ImportResult, error) {
	src, err := s.source(ctx, p, sourceID)
	if err != nil {
		return ImportResult{}, err
	}
	return s.ImportMISP(ctx, p.Actor(), src, r)
}
