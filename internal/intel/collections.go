package intel

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/google/uuid"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
)

// CollectionView is a collection as its keepers and members see it on the
// intel page: who may read and write it, and whether the viewer manages it.
type CollectionView struct {
	Collection
	Members   []Member // empty unless the viewer manages it
	CanManage bool
}

// CollectionList lists the TAXII collections the officer's organisation
// may read or write, or keeps (itself or below it); the keepers see the
// members too.
func (s *Service) CollectionList(ctx context.Context, p auth.Principal) ([]CollectionView, error) {
	if !p.Can(auth.PermIntelRead) || p.Role == auth.RolePartner {
		return nil, koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	cs, err := s.store.Collections(ctx, p.OrgID, s.tree().Visible(p.OrgID))
	if err != nil {
		return nil, err
	}
	out := make([]CollectionView, 0, len(cs))
	for _, c := range cs {
		v := CollectionView{Collection: c, CanManage: s.manage(p, c.OrgID) == nil}
		if v.CanManage {
			if v.Members, err = s.store.CollectionMembers(ctx, c.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Sharing rules: what an officer may put into a collection. TLP:RED never
// goes into one (a collection has readers, RED has named recipients).
// CLEAR and GREEN may go anywhere their collection's ceiling allows. AMBER
// and AMBER+STRICT intel that came from a partner was given to koban as
// its recipient and may not be passed on; police's own (made in koban, or
// brought in by police with no partner named) may, up to the ceiling.
func shareable(o *Object, src *Source) bool {
	switch o.TLP {
	case tlp.Clear, tlp.Green:
		return true
	case tlp.Red:
		return false
	}
	return src == nil || (src.PartnerOrgID == 0 && src.Kind != SourcePush)
}

// Share puts an intel object (its newest version) into one of koban's
// collections the officer's organisation may write, for the collection's
// readers to fetch over TAXII. The marking decides: never above the
// collection's ceiling, never RED, never a partner's AMBER passed on.
func (s *Service) Share(ctx context.Context, p auth.Principal, objectID int64, collection string) error {
	if !p.Can(auth.PermIntelManage) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	v, err := s.view(ctx, p, objectID)
	if err != nil {
		return err
	}
	cs, err := s.store.Collections(ctx, p.OrgID, s.tree().Visible(p.OrgID))
	if err != nil {
		return err
	}
	var c *Collection
	for i := range cs {
		if cs[i].UUID == collection && cs[i].CanWrite {
			c = &cs[i]
		}
	}
	if c == nil {
		return koban.FieldError("collection", "intel.error.collection_unknown")
	}
	var src *Source
	if v.SourceID != 0 {
		if src, err = s.store.Source(ctx, v.SourceID); err != nil {
			return err
		}
	}
	if v.TLP.StricterThan(c.MaxTLP) || !shareable(v.Object, src) {
		return koban.FieldError("collection", "intel.error.share_tlp")
	}
	now := s.clock.Now()
	details, _ := json.Marshal(map[string]any{"successes": []map[string]string{{"id": v.StixID, "version": v.Modified}}})
	st := &TAXIIStatus{ID: uuid.NewString(), CollectionID: c.ID, UserID: p.UserID, CreatedAt: now, Total: 1, Success: 1, Details: details}
	_, err = s.store.AddToCollection(ctx, c.ID, []*Object{v.Object}, st, audit.Entry{Actor: p.Actor(), Action: "intel.share",
		ObjectType: ObjectType, ObjectID: strconv.FormatInt(v.recordID, 10),
		Detail: map[string]any{"collection": c.UUID, "stix_id": v.StixID, "tlp": string(v.TLP)}})
	return err
}

// viewed is an object's newest version the officer may view, with the id
// that names it in grants and the index.
type viewed struct {
	*Object
	versions []*Object
	recordID int64
}

// view loads the newest version of an object and checks that p may view
// it; one out of sight is answered like a missing one.
func (s *Service) view(ctx context.Context, p auth.Principal, id int64) (*viewed, error) {
	o, err := s.store.IntelObject(ctx, id)
	if err != nil {
		return nil, err
	}
	if o, err = s.store.IntelLatest(ctx, o.StixID); err != nil {
		return nil, err
	}
	vers, err := s.store.IntelVersions(ctx, o.StixID)
	if err != nil {
		return nil, err
	}
	rec := vers[0].ID
	if err := s.access.Check(ctx, p, access.View, access.Object{Type: ObjectType, ID: rec, OrgID: o.OrgID, TLP: o.TLP}); err != nil {
		return nil, err
	}
	return &viewed{Object: o, versions: vers, recordID: rec}, nil
}
