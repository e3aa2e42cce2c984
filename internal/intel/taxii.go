package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/taxii"
)

// RootName is the path segment of koban's one TAXII API root.
const RootName = "koban"

// TAXII serves koban's collections as a TAXII 2.1 backend: callers are
// accounts with API tokens (Bearer, or Basic with the token as password);
// each collection is read as far as the caller's access decision and the
// collection's TLP ceiling allow.
type TAXII struct {
	svc   *Service
	token func(ctx context.Context, token, ip string) (auth.Principal, error)
	ip    func(r *http.Request) string
	title string
}

// NewTAXII returns the backend; token checks an API token, ip reads the
// client's address.
func NewTAXII(s *Service, token func(ctx context.Context, token, ip string) (auth.Principal, error), ip func(*http.Request) string) *TAXII {
	return &TAXII{svc: s, token: token, ip: ip, title: "koban"}
}

type callerKey struct{}

func caller(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(callerKey{}).(auth.Principal)
	return p, ok
}

// Authenticate implements taxii.Backend.
func (b *TAXII) Authenticate(r *http.Request) (context.Context, error) {
	tok := ""
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok = strings.TrimSpace(bearer)
	} else if _, pw, ok := r.BasicAuth(); ok {
		tok = pw
	}
	if tok == "" {
		return nil, taxii.ErrUnauthorized
	}
	p, err := b.token(r.Context(), tok, b.ip(r))
	if err != nil {
		return nil, taxii.ErrUnauthorized
	}
	if !p.Can(auth.PermIntelRead) {
		return nil, taxii.ErrForbidden
	}
	return context.WithValue(r.Context(), callerKey{}, p), nil
}

// APIRoots implements taxii.Backend.
func (b *TAXII) APIRoots(ctx context.Context) ([]taxii.Root, error) {
	return []taxii.Root{{Name: RootName, APIRoot: taxii.APIRoot{Title: b.title, Versions: []string{"application/taxii+json;version=2.1"},
		MaxContentLength: taxii.DefaultMaxContentLength}}}, nil
}

func (b *TAXII) collections(ctx context.Context, root string) ([]Collection, auth.Principal, error) {
	p, ok := caller(ctx)
	if !ok {
		return nil, p, taxii.ErrUnauthorized
	}
	if root != RootName {
		return nil, p, taxii.ErrNotFound
	}
	cs, err := b.svc.store.Collections(ctx, p.OrgID, b.svc.tree().Visible(p.OrgID))
	return cs, p, err
}

func asTAXII(c Collection) taxii.Collection {
	return taxii.Collection{ID: c.UUID, Title: c.Title, Description: c.Description, CanRead: c.CanRead, CanWrite: c.CanWrite,
		MediaTypes: []string{taxii.MediaSTIX}}
}

// Collections implements taxii.Backend.
func (b *TAXII) Collections(ctx context.Context, root string) ([]taxii.Collection, error) {
	cs, _, err := b.collections(ctx, root)
	if err != nil {
		return nil, err
	}
	out := make([]taxii.Collection, len(cs))
	for i, c := range cs {
		out[i] = asTAXII(c)
	}
	return out, nil
}

func (b *TAXII) collection(ctx context.Context, root, id string) (Collection, auth.Principal, error) {
	cs, p, err := b.collections(ctx, root)
	if err != nil {
		return Collection{}, p, err
	}
	for _, c := range cs {
		if c.UUID == id {
			return c, p, nil
		}
	}
	return Collection{}, p, taxii.ErrNotFound
}

// Collection implements taxii.Backend.
func (b *TAXII) Collection(ctx context.Context, root, id string) (taxii.Collection, error) {
	c, _, err := b.collection(ctx, root, id)
	return asTAXII(c), err
}

// page reads a page of a collection for its caller.
func (b *TAXII) page(ctx context.Context, root, collection string, q taxii.Query, ids []string, withObjects bool) (taxii.Page, error) {
	c, p, err := b.collection(ctx, root, collection)
	if err != nil {
		return taxii.Page{}, err
	}
	if !c.CanRead {
		return taxii.Page{}, taxii.ErrForbidden
	}
	cq := CollectionQuery{AddedAfter: q.AddedAfter, IDs: append(ids, q.Match.IDs...), Types: q.Match.Types, SpecVersions: q.Match.SpecVersions,
		Limit: q.Limit, Reader: b.svc.access.ScopeOf(p, ObjectType, access.View), MaxTLP: c.MaxTLP}
	for _, v := range q.Match.Versions {
		switch v.Kind {
		case taxii.VersionFirst:
			cq.First = true
		case taxii.VersionLast:
			cq.Last = true
		case taxii.VersionAll:
			cq.All = true
		case taxii.VersionAt:
			cq.At = append(cq.At, v.At)
		}
	}
	if q.Next != "" {
		at, id, ok := strings.Cut(q.Next, "-")
		us, err1 := strconv.ParseInt(at, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil || us <= 0 || n <= 0 {
			return taxii.Page{}, taxii.ErrBadCursor
		}
		cq.AfterAdded, cq.AfterID = time.UnixMicro(us).UTC(), n
	}
	recs, more, err := b.svc.store.CollectionObjects(ctx, c.ID, cq)
	if err != nil {
		return taxii.Page{}, err
	}
	out := taxii.Page{More: more}
	for _, r := range recs {
		rec := taxii.Record{ID: r.StixID, Version: r.Modified, SpecVersion: r.SpecVersion, DateAdded: r.Added}
		if rec.Version == "" {
			rec.Version = r.Added.UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		if withObjects {
			rec.Object = json.RawMessage(r.Body)
		}
		out.Records = append(out.Records, rec)
	}
	if withObjects && len(recs) > 0 { // what left koban, and to whom
		if err := b.svc.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "taxii.read", ObjectType: "taxii_collection",
			ObjectID: strconv.FormatInt(c.ID, 10), Detail: map[string]any{"objects": len(recs), "first": recs[0].StixID}}); err != nil {
			return taxii.Page{}, err
		}
	}
	if more && len(recs) > 0 {
		last := recs[len(recs)-1]
		out.Next = fmt.Sprintf("%d-%d", last.Added.UnixMicro(), last.ID)
	}
	return out, nil
}

// Objects implements taxii.Backend.
func (b *TAXII) Objects(ctx context.Context, root, collection string, q taxii.Query) (taxii.Page, error) {
	return b.page(ctx, root, collection, q, nil, true)
}

// Manifest implements taxii.Backend.
func (b *TAXII) Manifest(ctx context.Context, root, collection string, q taxii.Query) (taxii.Page, error) {
	return b.page(ctx, root, collection, q, nil, false)
}

// Versions implements taxii.Backend.
func (b *TAXII) Versions(ctx context.Context, root, collection, id string, q taxii.Query) (taxii.Page, error) {
	return b.page(ctx, root, collection, q, []string{id}, false)
}

// AddObjects implements taxii.Backend: each object is validated as STIX
// 2.1 and stored as intel of the partner's push source, owned by the
// police organisation that keeps the collection; an object without a TLP
// marking is amber.
func (b *TAXII) AddObjects(ctx context.Context, root, collection string, req taxii.AddRequest) (taxii.Status, error) {
	c, p, err := b.collection(ctx, root, collection)
	if err != nil {
		return taxii.Status{}, err
	}
	if !c.CanWrite {
		return taxii.Status{}, taxii.ErrForbidden
	}
	src, err := b.svc.pushSource(ctx, p, c)
	if err != nil {
		return taxii.Status{}, err
	}
	st := taxii.Status{ID: uuid.NewString(), Status: taxii.StatusComplete, RequestTimestamp: stamp(req.Received),
		TotalCount: len(req.Objects) + len(req.Rejected), Failures: req.Rejected}
	var objs []*Object
	for i, raw := range req.Objects {
		o, err := stix.ParseObject(raw.Raw)
		if err == nil {
			if probs := stix.ValidateAt(o, i); len(probs) > 0 {
				err = probs[0]
			}
		}
		var obj *Object
		if err == nil {
			obj, err = FromSTIX(o, src, req.Received)
		}
		if err != nil {
			st.Failures = append(st.Failures, taxii.StatusDetail{ID: raw.ID, Version: raw.Version, Message: err.Error()})
			continue
		}
		if obj.TLP.StricterThan(c.MaxTLP) {
			st.Failures = append(st.Failures, taxii.StatusDetail{ID: raw.ID, Version: raw.Version,
				Message: fmt.Sprintf("marked %s, above what this collection carries (%s)", obj.TLP.Label(), c.MaxTLP.Label())})
			continue
		}
		objs = append(objs, obj)
		st.Successes = append(st.Successes, taxii.StatusDetail{ID: raw.ID, Version: raw.Version})
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	details, _ := json.Marshal(map[string]any{"successes": st.Successes, "failures": st.Failures})
	row := &TAXIIStatus{ID: st.ID, CollectionID: c.ID, UserID: p.UserID, CreatedAt: req.Received, Total: st.TotalCount,
		Success: st.SuccessCount, Failure: st.FailureCount, Details: details}
	if _, err := b.svc.store.AddToCollection(ctx, c.ID, objs, row, audit.Entry{Actor: p.Actor(), Action: "taxii.add",
		ObjectType: "taxii_collection", ObjectID: strconv.FormatInt(c.ID, 10)}); err != nil {
		return taxii.Status{}, err
	}
	return st, nil
}

// Status implements taxii.Backend: a caller reads the statuses of its own
// organisation's requests.
func (b *TAXII) Status(ctx context.Context, root, id string) (taxii.Status, error) {
	p, ok := caller(ctx)
	if !ok {
		return taxii.Status{}, taxii.ErrUnauthorized
	}
	if root != RootName {
		return taxii.Status{}, taxii.ErrNotFound
	}
	row, err := b.svc.store.TAXIIStatusByID(ctx, id)
	if koban.ErrorCode(err) == koban.NotFound || (err == nil && row.UserID != p.UserID) {
		return taxii.Status{}, taxii.ErrNotFound
	}
	if err != nil {
		return taxii.Status{}, err
	}
	st := taxii.Status{ID: row.ID, Status: taxii.StatusComplete, RequestTimestamp: stamp(row.CreatedAt), TotalCount: row.Total,
		SuccessCount: row.Success, FailureCount: row.Failure, PendingCount: row.Pending}
	var d struct {
		Successes []taxii.StatusDetail `json:"successes"`
		Failures  []taxii.StatusDetail `json:"failures"`
	}
	if json.Unmarshal(row.Details, &d) == nil {
		st.Successes, st.Failures = d.Successes, d.Failures
	}
	return st, nil
}

// DeleteObject implements taxii.Backend: only the keeper's line, with the
// right to manage intel, takes objects out of a collection (they stay in
// koban and in the national index).
func (b *TAXII) DeleteObject(ctx context.Context, root, collection, id string, q taxii.Query) error {
	c, p, err := b.collection(ctx, root, collection)
	if err != nil {
		return err
	}
	if !b.svc.tree().Sees(p.OrgID, c.OrgID) || !p.Can(auth.PermIntelManage) {
		return taxii.ErrForbidden
	}
	var at []time.Time
	for _, v := range q.Match.Versions {
		if v.Kind == taxii.VersionAt {
			at = append(at, v.At)
		}
	}
	n, err := b.svc.store.RemoveFromCollection(ctx, c.ID, id, at, audit.Entry{Actor: p.Actor(), Action: "taxii.delete",
		ObjectType: "taxii_collection", ObjectID: strconv.FormatInt(c.ID, 10), Detail: map[string]any{"stix_id": id}})
	if err != nil {
		return err
	}
	if n == 0 {
		return taxii.ErrNotFound
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

var _ taxii.Backend = (*TAXII)(nil)
