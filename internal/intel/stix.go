package intel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/stix/pattern"
	"github.com/koban-project/koban/internal/tlp"
)

// scoValue maps the observable objects whose value koban indexes to the
// observable type that value is (a cidr for an address object holding a
// range, decided by the value).
var scoValue = map[string]observe.Type{
	"ipv4-addr":            observe.IPv4,
	"ipv6-addr":            observe.IPv6,
	"domain-name":          observe.Domain,
	"url":                  observe.URL,
	"email-addr":           observe.Email,
	"x-koban-phone-number": observe.Phone,
}

// hashTypes maps STIX hash algorithm names to koban's hash types.
var hashTypes = map[string]observe.Type{
	"MD5": observe.MD5, "SHA-1": observe.SHA1, "SHA-256": observe.SHA256, "SHA-512": observe.SHA512,
}

// Indicators' patterns are checked by the pattern package's grammar
// wherever STIX is validated (imports, TAXII adds, koban stix validate).
func init() {
	stix.PatternCheck = func(patternType, p string) error {
		if patternType != "stix" {
			return nil
		}
		_, err := pattern.Parse(p)
		return err
	}
}

// ObservablesOf returns the values a STIX object holds or names in koban's
// canonical forms: an observable object's value (or a file's hashes, an
// autonomous system's number, a social network account's login), a
// vulnerability's CVE id, an indicator's pattern's values. Values that do
// not normalise are left out.
func ObservablesOf(o *stix.Object) (obs []observe.Observable, indicates bool) {
	add := func(t observe.Type, v string) {
		if n, err := observe.Normalize(t, v); err == nil {
			obs = append(obs, observe.Observable{Type: t, Value: n})
		}
	}
	switch typ := o.Type(); typ {
	case "indicator":
		if o.PatternType() != "stix" {
			return nil, false
		}
		p, err := pattern.Parse(o.Pattern())
		if err != nil {
			return nil, false
		}
		return p.Observables(), true
	case "file", "artifact":
		for alg, raw := range o.Dict("hashes") {
			if t, ok := hashTypes[strings.ToUpper(alg)]; ok {
				add(t, strings.Trim(string(raw), `"`))
			}
		}
	case stix.BankAccountType:
		// The canonical value when it reads as an account; else the parts,
		// by the pattern package's rule, through a pattern naming all four.
		if v, ok := o.String("value"); ok {
			if n, err := observe.Normalize(observe.BankAccount, v); err == nil {
				return []observe.Observable{{Type: observe.BankAccount, Value: n}}, false
			}
		}
		parts := []string{}
		for _, k := range []string{"bank_code", "branch_code", "account_type", "account_number"} {
			v, ok := o.String(k)
			if !ok {
				return nil, false
			}
			parts = append(parts, fmt.Sprintf("%s:%s = '%s'", typ, k, strings.ReplaceAll(v, "'", `\'`)))
		}
		if p, err := pattern.Parse("[" + strings.Join(parts, " AND ") + "]"); err == nil {
			return p.Observables(), false
		}
	case "autonomous-system":
		if n, ok := o.Int("number"); ok {
			add(observe.ASN, strconv.FormatInt(n, 10))
		}
	case "user-account":
		typ, _ := o.String("account_type")
		login, _ := o.String("account_login")
		for t, name := range socialAccountTypes {
			if name == typ && login != "" {
				add(t, login)
			}
		}
	case "vulnerability":
		for _, ref := range o.ExternalReferences() {
			if strings.EqualFold(ref.SourceName, "cve") && ref.ExternalID != "" {
				add(observe.CVE, ref.ExternalID)
			}
		}
	case stix.CryptoWalletType:
		code, _ := o.String("currency")
		if t, ok := stix.WalletType(code); ok {
			add(t, o.Value())
		}
	default:
		t, ok := scoValue[typ]
		if !ok {
			return nil, false
		}
		v, _ := o.String("value")
		if (t == observe.IPv4 || t == observe.IPv6) && strings.Contains(v, "/") {
			t = observe.CIDR
		}
		add(t, v)
	}
	return obs, false
}

// FromSTIX makes the object koban keeps of a STIX object that came from
// src: its marking (the strictest TLP among its markings, else the
// source's default), its version, its values, the object itself kept
// whole.
func FromSTIX(o *stix.Object, src *Source, now time.Time) (*Object, error) {
	body, err := o.MarshalJSON()
	if err != nil {
		return nil, err
	}
	out := &Object{StixID: o.ID(), Type: o.Type(), SpecVersion: o.SpecVersion(), SourceID: src.ID, OrgID: src.OrgID,
		TLP: src.DefaultTLP, Name: o.Name(), Confidence: src.Confidence, Revoked: o.Revoked(), Body: body, AddedAt: now}
	if out.SpecVersion == "" {
		out.SpecVersion = "2.1"
	}
	if m, ok := o.Modified(); ok {
		out.Modified = m.String()
	} else if c, ok := o.Created(); ok {
		out.Modified = c.String()
	}
	if l := stix.TLPOf(o); l != stix.TLPUnknown {
		if lv, ok := tlp.Parse(l.String()); ok {
			out.TLP = lv
		}
	}
	if c, ok := o.Confidence(); ok {
		out.Confidence = c
	}
	if t, ok := o.ValidFrom(); ok {
		out.ValidFrom = t.Time
	}
	if t, ok := o.ValidUntil(); ok {
		out.ValidUntil = t.Time
	}
	out.Observables, out.Indicates = ObservablesOf(o)
	if out.Name == "" {
		if v, ok := o.String("value"); ok {
			out.Name = v
		} else if out.Type == "indicator" {
			out.Name = o.Pattern()
		}
	}
	if r := []rune(out.Name); len(r) > 200 {
		out.Name = string(r[:200]) + "…"
	}
	return out, nil
}

// ImportResult says what one import did.
type ImportResult struct {
	Seen     int
	Stored   Stored
	Rejected int
	// Problems are the first problems found (at most maxProblems), each
	// naming its object.
	Problems []stix.Problem
	// Broken is the first object that could not be read at all; the import
	// stops there when the stream cannot go on.
	Broken error
}

const (
	importBatch = 2000
	maxProblems = 100
)

// Next reads the next object of a stream; io.EOF at its end.
type Next func() (*stix.Object, error)

// ImportSTIX stores the valid objects of a stream of STIX objects as intel
// of a source, in batches, each durable before the next is stored and all
// before ImportSTIX returns; an invalid object is counted and its problems
// kept, never stored. An object koban holds already (same id and version)
// is a duplicate, not an error, so a poll repeated or a file imported
// twice adds nothing.
//
// The stream is read, checked and made into intel objects one batch ahead
// of the store: while a batch is written, the next is read (on another
// goroutine; next is called from one goroutine at a time, and never after
// ImportSTIX returns). At most two batches are held. When the store fails,
// the batch read ahead is dropped, neither stored nor counted: the result
// is what it was when the stream was read one batch at a time.
func (s *Service) ImportSTIX(ctx context.Context, actor audit.Actor, src *Source, next Next) (ImportResult, error) {
	var res ImportResult
	batches := make(chan *importBatchRead) // unbuffered: the reader is one batch ahead, no more
	stop := make(chan struct{})
	done := make(chan struct{})
	var panicked any // a panic of next, raised again on the caller's goroutine
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		s.readBatches(src, next, batches, stop)
	}()
	defer func() {
		close(stop)
		<-done
		if panicked != nil {
			panic(panicked)
		}
	}()
	for b := range batches {
		res.Seen += b.seen
		res.Rejected += b.rejected
		for _, p := range b.problems {
			if len(res.Problems) < maxProblems {
				res.Problems = append(res.Problems, p)
			}
		}
		if res.Broken == nil {
			res.Broken = b.broken
		}
		if b.failed != nil {
			return res, b.failed
		}
		if len(b.objs) > 0 {
			st, err := s.store.AddIntel(ctx, b.objs, audit.Entry{Actor: actor, Action: "intel.import", ObjectType: "intel_source",
				ObjectID: fmt.Sprint(src.ID), Detail: map[string]any{"objects": len(b.objs)}})
			if err != nil {
				return res, err
			}
			res.Stored.Added += st.Added
			res.Stored.Duplicates += st.Duplicates
			res.Stored.Sightings += st.Sightings
		}
		if b.ended != nil {
			res.Broken = b.ended
			return res, nil
		}
	}
	return res, nil
}

// importBatchRead is one batch of a stream as read: the objects to store,
// and what reading them found.
type importBatchRead struct {
	objs           []*Object
	seen, rejected int
	problems       []stix.Problem
	broken         error // the first object that could not be read
	ended          error // the stream could not go on: the batch is stored, then the import ends
	failed         error // an object could not be made into intel: the import fails, the batch is not stored
}

// readBatches reads the stream into batches of importBatch objects and
// sends them until the stream ends or stop is closed.
func (s *Service) readBatches(src *Source, next Next, out chan<- *importBatchRead, stop <-chan struct{}) {
	defer close(out)
	problems := 0 // kept across batches: only the first maxProblems are
	b := &importBatchRead{objs: make([]*Object, 0, importBatch)}
	send := func(last bool) bool {
		select {
		case out <- b:
		case <-stop:
			return false
		}
		b = &importBatchRead{objs: make([]*Object, 0, importBatch)}
		return !last
	}
	for index := 0; ; index++ {
		select {
		case <-stop: // the import failed: read no further
			return
		default:
		}
		o, err := next()
		if errors.Is(err, io.EOF) {
			send(true)
			return
		}
		if err != nil {
			var oe *stix.ObjectError
			if errors.As(err, &oe) {
				b.seen++
				b.rejected++
				if b.broken == nil {
					b.broken = err
				}
				continue
			}
			b.ended = err
			send(true)
			return
		}
		b.seen++
		if probs := stix.ValidateAt(o, index); len(probs) > 0 {
			b.rejected++
			for _, p := range probs {
				if problems < maxProblems {
					b.problems = append(b.problems, p)
					problems++
				}
			}
			continue
		}
		if o.Type() == "marking-definition" || o.Type() == "extension-definition" {
			continue // read for what they define, not kept as intel
		}
		obj, err := FromSTIX(o, src, s.clock.Now())
		if err != nil {
			b.objs, b.failed = nil, err
			send(true)
			return
		}
		b.objs = append(b.objs, obj)
		if len(b.objs) == importBatch && !send(false) {
			return
		}
	}
}

// ImportFile imports a STIX bundle (or an array of objects, or one object)
// an officer brings in, as intel of a file source of theirs.
func (s *Service) ImportFile(ctx context.Context, p auth.Principal, sourceID int64, r io.Reader) (ImportResult, error) {
	src, err := s.source(ctx, p, sourceID)
	if err != nil {
		return ImportResult{}, err
	}
	dec := stix.NewDecoder(r)
	return s.ImportSTIX(ctx, p.Actor(), src, dec.Next)
}
