// Package memory is a TAXII Backend held in memory: the reference for the
// semantics a Backend must have (versions by modified, pages in date_added
// order with a cursor, the match filters), used by tests of the server, the
// client and the application. It is not for production: nothing is kept.
package memory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/taxii"
)

// Rights are a caller's rights on a collection. A caller with neither does
// not see the collection.
type Rights struct{ Read, Write bool }

// Backend is an in-memory taxii.Backend.
type Backend struct {
	mu        sync.Mutex
	now       func() time.Time
	tokens    map[string]string // token → caller
	roots     []taxii.Root
	colls     map[string][]*collection // root → its collections
	statuses  map[string]status
	lastAdded time.Time
}

type collection struct {
	info   taxii.Collection
	rights map[string]Rights
	recs   []rec // in date_added order
}

type rec struct {
	taxii.Record
	typ string
	at  time.Time // the version as a time (date_added when the object has none)
}

type status struct {
	caller, root string
	taxii.Status
}

type callerKey struct{}

// New returns an empty Backend whose date_added comes from now (time.Now
// when nil).
func New(now func() time.Time) *Backend {
	if now == nil {
		now = time.Now
	}
	return &Backend{now: now, tokens: map[string]string{}, colls: map[string][]*collection{}, statuses: map[string]status{}}
}

// AddCaller lets a caller in with token (Bearer, or the password of Basic).
func (b *Backend) AddCaller(name, token string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens[token] = name
}

// AddRoot adds an API root; the first added is the default.
func (b *Backend) AddRoot(r taxii.Root) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roots = append(b.roots, r)
}

// AddCollection adds a collection to root with each caller's rights.
func (b *Backend) AddCollection(root string, c taxii.Collection, rights map[string]Rights) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(c.MediaTypes) == 0 {
		c.MediaTypes = []string{taxii.MediaSTIX}
	}
	b.colls[root] = append(b.colls[root], &collection{info: c, rights: rights})
}

// Put stores objects in a collection as if a client had added them.
func (b *Backend) Put(root, coll string, objects ...json.RawMessage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.find(root, coll)
	if c == nil {
		return fmt.Errorf("memory: no collection %s/%s", root, coll)
	}
	for _, raw := range objects {
		o, err := taxii.ParseObject(raw)
		if err != nil {
			return err
		}
		b.add(c, o)
	}
	return nil
}

// Authenticate reads a Bearer token, or Basic credentials whose password
// is the token.
func (b *Backend) Authenticate(r *http.Request) (context.Context, error) {
	token, ok := "", false
	if _, pass, basic := r.BasicAuth(); basic {
		token, ok = pass, true
	} else if t, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		token, ok = t, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	caller, known := b.tokens[token]
	if !ok || !known {
		return nil, taxii.ErrUnauthorized
	}
	return context.WithValue(r.Context(), callerKey{}, caller), nil
}

func callerOf(ctx context.Context) string { s, _ := ctx.Value(callerKey{}).(string); return s }

// APIRoots lists the roots.
func (b *Backend) APIRoots(ctx context.Context) ([]taxii.Root, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]taxii.Root(nil), b.roots...), nil
}

func (b *Backend) hasRoot(root string) bool {
	for _, r := range b.roots {
		if r.Name == root {
			return true
		}
	}
	return false
}

func (b *Backend) find(root, id string) *collection {
	for _, c := range b.colls[root] {
		if c.info.ID == id {
			return c
		}
	}
	return nil
}

// visible returns the collection with the caller's rights, or nil.
func (b *Backend) visible(ctx context.Context, root, id string) (*collection, taxii.Collection) {
	c := b.find(root, id)
	if c == nil {
		return nil, taxii.Collection{}
	}
	r := c.rights[callerOf(ctx)]
	if !r.Read && !r.Write {
		return nil, taxii.Collection{}
	}
	info := c.info
	info.CanRead, info.CanWrite = r.Read, r.Write
	return c, info
}

// Collections lists the collections the caller has a right on.
func (b *Backend) Collections(ctx context.Context, root string) ([]taxii.Collection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.hasRoot(root) {
		return nil, taxii.ErrNotFound
	}
	var out []taxii.Collection
	for _, c := range b.colls[root] {
		if _, info := b.visible(ctx, root, c.info.ID); info.ID != "" {
			out = append(out, info)
		}
	}
	return out, nil
}

// Collection returns one collection the caller has a right on.
func (b *Backend) Collection(ctx context.Context, root, id string) (taxii.Collection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, info := b.visible(ctx, root, id); c != nil {
		return info, nil
	}
	return taxii.Collection{}, taxii.ErrNotFound
}

// Objects returns a page of objects.
func (b *Backend) Objects(ctx context.Context, root, coll string, q taxii.Query) (taxii.Page, error) {
	return b.page(ctx, root, coll, "", q, true)
}

// Manifest returns a page of records without their objects.
func (b *Backend) Manifest(ctx context.Context, root, coll string, q taxii.Query) (taxii.Page, error) {
	return b.page(ctx, root, coll, "", q, false)
}

// Versions returns a page of one object's versions.
func (b *Backend) Versions(ctx context.Context, root, coll, id string, q taxii.Query) (taxii.Page, error) {
	return b.page(ctx, root, coll, id, q, false)
}

func (b *Backend) page(ctx context.Context, root, coll, id string, q taxii.Query, bodies bool) (taxii.Page, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, _ := b.visible(ctx, root, coll)
	if c == nil {
		return taxii.Page{}, taxii.ErrNotFound
	}
	if id != "" {
		q.Match.IDs = []string{id}
	}
	sel := selectRecords(c.recs, q.Match)
	var after *cursor
	if q.Next != "" {
		cur, err := decodeCursor(q.Next)
		if err != nil {
			return taxii.Page{}, err
		}
		after = &cur
	}
	var p taxii.Page
	for _, r := range sel {
		if !q.AddedAfter.IsZero() && !r.DateAdded.After(q.AddedAfter) {
			continue
		}
		if after != nil && !after.before(r) {
			continue
		}
		if len(p.Records) == q.Limit && q.Limit > 0 {
			p.More = true
			last := p.Records[len(p.Records)-1]
			p.Next = cursor{last.DateAdded, last.ID, last.Version}.encode()
			break
		}
		out := r.Record
		if !bodies {
			out.Object = nil
		}
		p.Records = append(p.Records, out)
	}
	return p, nil
}

// selectRecords applies the match filters: ids and types, then per object
// the spec versions (the latest when none named) and the versions wanted.
// The result keeps date_added order.
func selectRecords(recs []rec, m taxii.Match) []rec {
	ids, types := set(m.IDs), set(m.Types)
	byID := map[string][]int{}
	for i, r := range recs {
		if (ids != nil && !ids[r.ID]) || (types != nil && !types[r.typ]) {
			continue
		}
		byID[r.ID] = append(byID[r.ID], i)
	}
	specs := set(m.SpecVersions)
	keep := make([]bool, len(recs))
	for _, idx := range byID {
		var cand []int
		if specs == nil {
			latest := ""
			for _, i := range idx {
				if specLess(latest, recs[i].SpecVersion) {
					latest = recs[i].SpecVersion
				}
			}
			for _, i := range idx {
				if recs[i].SpecVersion == latest {
					cand = append(cand, i)
				}
			}
		} else {
			for _, i := range idx {
				if specs[recs[i].SpecVersion] {
					cand = append(cand, i)
				}
			}
		}
		if len(cand) == 0 {
			continue
		}
		first, last := cand[0], cand[0]
		for _, i := range cand {
			if recs[i].at.Before(recs[first].at) {
				first = i
			}
			if !recs[i].at.Before(recs[last].at) {
				last = i
			}
		}
		for _, v := range m.Versions {
			switch v.Kind {
			case taxii.VersionFirst:
				keep[first] = true
			case taxii.VersionLast:
				keep[last] = true
			case taxii.VersionAll:
				for _, i := range cand {
					keep[i] = true
				}
			case taxii.VersionAt:
				for _, i := range cand {
					if recs[i].at.Equal(v.At) {
						keep[i] = true
					}
				}
			}
		}
	}
	var out []rec
	for i, r := range recs {
		if keep[i] {
			out = append(out, r)
		}
	}
	return out
}

func specLess(a, b string) bool {
	am, an, _ := strings.Cut(a, ".")
	bm, bn, _ := strings.Cut(b, ".")
	ai, _ := strconv.Atoi(am)
	bi, _ := strconv.Atoi(bm)
	if ai != bi {
		return ai < bi
	}
	aj, _ := strconv.Atoi(an)
	bj, _ := strconv.Atoi(bn)
	return aj < bj || a == ""
}

func set(items []string) map[string]bool {
	if len(items) == 0 {
		return nil
	}
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// AddObjects stores the objects (a version already held is a success that
// changes nothing) and records the status.
func (b *Backend) AddObjects(ctx context.Context, root, coll string, req taxii.AddRequest) (taxii.Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, info := b.visible(ctx, root, coll)
	if c == nil {
		return taxii.Status{}, taxii.ErrNotFound
	}
	if !info.CanWrite {
		return taxii.Status{}, taxii.ErrForbidden
	}
	st := taxii.Status{ID: newID(), Status: taxii.StatusComplete, RequestTimestamp: taxii.FormatTimestamp(req.Received)}
	for _, o := range req.Objects {
		r := b.add(c, o)
		st.Successes = append(st.Successes, taxii.StatusDetail{ID: o.ID, Version: r.Version})
	}
	st.Failures = append(st.Failures, req.Rejected...)
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	st.TotalCount = st.SuccessCount + st.FailureCount
	b.statuses[st.ID] = status{caller: callerOf(ctx), root: root, Status: st}
	return st, nil
}

// add stores one object unless its version is there, and returns its record.
func (b *Backend) add(c *collection, o taxii.Object) rec {
	for _, r := range c.recs {
		if r.ID == o.ID && r.Version == o.Version && o.Version != "" {
			return r
		}
	}
	added := b.now().UTC().Truncate(time.Microsecond)
	if !added.After(b.lastAdded) {
		added = b.lastAdded.Add(time.Microsecond)
	}
	b.lastAdded = added
	r := rec{Record: taxii.Record{ID: o.ID, Version: o.Version, SpecVersion: o.SpecVersion, DateAdded: added, Object: append(json.RawMessage(nil), o.Raw...)}, typ: o.Type, at: added}
	if t, err := taxii.ParseTimestamp(o.Version); err == nil {
		r.at = t
	}
	c.recs = append(c.recs, r)
	return r
}

// Status returns a status to the caller who made the request.
func (b *Backend) Status(ctx context.Context, root, id string) (taxii.Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, ok := b.statuses[id]
	if !ok || st.root != root || st.caller != callerOf(ctx) {
		return taxii.Status{}, taxii.ErrNotFound
	}
	return st.Status, nil
}

// DeleteObject removes the versions q.Match selects.
func (b *Backend) DeleteObject(ctx context.Context, root, coll, id string, q taxii.Query) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, info := b.visible(ctx, root, coll)
	if c == nil {
		return taxii.ErrNotFound
	}
	if !info.CanWrite {
		return taxii.ErrForbidden
	}
	m := q.Match
	m.IDs, m.Types = []string{id}, nil
	gone := map[[2]string]bool{}
	for _, r := range selectRecords(c.recs, m) {
		gone[[2]string{r.ID, r.Version}] = true
	}
	if len(gone) == 0 {
		return taxii.ErrNotFound
	}
	kept := c.recs[:0]
	for _, r := range c.recs {
		if !gone[[2]string{r.ID, r.Version}] {
			kept = append(kept, r)
		}
	}
	c.recs = kept
	return nil
}

// cursor is the position of the last record of a page.
type cursor struct {
	added       time.Time
	id, version string
}

func (c cursor) encode() string {
	s := strconv.FormatInt(c.added.UnixNano(), 10) + "|" + c.id + "|" + c.version
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, taxii.ErrBadCursor
	}
	parts := strings.SplitN(string(b), "|", 3)
	if len(parts) != 3 {
		return cursor{}, taxii.ErrBadCursor
	}
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return cursor{}, taxii.ErrBadCursor
	}
	return cursor{time.Unix(0, n).UTC(), parts[1], parts[2]}, nil
}

// before reports whether the cursor's record comes before r. Records are
// unique by date_added here (each add takes a new microsecond), so the
// time alone orders them; id and version break ties all the same.
func (c cursor) before(r rec) bool {
	if !c.added.Equal(r.DateAdded) {
		return c.added.Before(r.DateAdded)
	}
	if c.id != r.ID {
		return c.id < r.ID
	}
	return c.version < r.Version
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

var _ taxii.Backend = (*Backend)(nil)
