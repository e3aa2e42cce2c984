package intel_test

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
)

// An officer shares intel into a collection as far as its marking lets
// it travel: a partner's AMBER is never passed on, RED never goes into a
// collection, nothing goes above the collection's ceiling; the police's own
// AMBER does. The keepers see the members; another prefecture sees nothing.
func TestShareIntoCollection(t *testing.T) {
	e := newEnv(t)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	green, err := e.svc.CreateCollection(e.ctx, analyst, intel.CollectionInput{Title: "Phishing (GREEN)", MaxTLP: "green", Readers: []string{"jc3"}})
	if err != nil {
		t.Fatal(err)
	}
	amber, err := e.svc.CreateCollection(e.ctx, analyst, intel.CollectionInput{Title: "Police (AMBER)", MaxTLP: "amber", Readers: []string{"pref-27"}})
	if err != nil {
		t.Fatal(err)
	}
	partner, err := e.svc.CreateSource(e.ctx, analyst, intel.SourceInput{Name: "JC3 files", Kind: intel.SourceFile, PartnerCode: "jc3"})
	if err != nil {
		t.Fatal(err)
	}
	own := e.fileSource(analyst, "our own", "amber")
	obj := func(src *intel.Source, marking, id string) int64 {
		t.Helper()
		refs := ""
		if marking != "" {
			refs = `,"object_marking_refs":["` + marking + `"]`
		}
		bundle := `{"type":"bundle","id":"bundle--6f1e4b2a-3c5d-4e7f-8a9b-0c1d2e3f4a5b","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--` + id +
			`","created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","name":"x","pattern":"[domain-name:value = 'kuroneko-jp.top']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z"` + refs + `}]}`
		if _, err := e.svc.ImportFile(e.ctx, analyst, src.ID, strings.NewReader(bundle)); err != nil {
			t.Fatal(err)
		}
		o, err := e.db.IntelLatest(e.ctx, "indicator--"+id)
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	const (
		tlpGreen = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
		tlpRed   = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	)
	partnerGreen := obj(partner, tlpGreen, "a1b2c3d4-0000-4000-8000-000000000001")
	partnerAmber := obj(partner, "", "a1b2c3d4-0000-4000-8000-000000000002") // the source's default: amber
	ownAmber := obj(own, "", "a1b2c3d4-0000-4000-8000-000000000003")
	ownRed := obj(own, tlpRed, "a1b2c3d4-0000-4000-8000-000000000004")
	for _, c := range []struct {
		name       string
		id         int64
		collection string
		ok         bool
	}{
		{"a partner's GREEN to the community", partnerGreen, green.UUID, true},
		{"a partner's AMBER passed on", partnerAmber, amber.UUID, false},
		{"our AMBER above a GREEN collection", ownAmber, green.UUID, false},
		{"our AMBER to an AMBER collection", ownAmber, amber.UUID, true},
	} {
		err := e.svc.Share(e.ctx, analyst, c.id, c.collection)
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !c.ok && koban.ErrorKey(err) != "intel.error.share_tlp" {
			t.Errorf("%s: %v; want refused for its marking", c.name, err)
		}
	}
	// RED is for named recipients only: not even its importer lists or
	// shares it without a grant naming them.
	if err := e.svc.Share(e.ctx, analyst, ownRed, amber.UUID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("RED shared: %v; want not found", err)
	}
	if l, err := e.svc.Browse(e.ctx, analyst, intel.BrowseQuery{}); err != nil || len(l.Objects) != 3 {
		t.Errorf("browse = %d objects, %v; want the three not RED", len(l.Objects), err)
	}
	if err := e.svc.Share(e.ctx, e.officer("pref-13", auth.RoleIntake), partnerGreen, green.UUID); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an intake officer shares: %v", err)
	}
	if err := e.svc.Share(e.ctx, e.officer("pref-27", auth.RoleAnalyst), ownAmber, amber.UUID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka shares Tokyo's record: %v; want not found", err)
	}
	list, err := e.svc.CollectionList(e.ctx, analyst)
	if err != nil || len(list) != 2 || !list[0].CanManage || len(list[0].Members) != 1 || list[0].Members[0].OrgID != e.orgID("jc3") {
		t.Fatalf("keeper's list = %+v, %v", list, err)
	}
	osaka, err := e.svc.CollectionList(e.ctx, e.officer("pref-27", auth.RoleAnalyst))
	if err != nil || len(osaka) != 1 || osaka[0].UUID != amber.UUID || osaka[0].CanManage || osaka[0].Members != nil {
		t.Fatalf("Osaka's list = %+v, %v; want the AMBER collection it reads, no members shown", osaka, err)
	}
}
