package cases

import (
	"context"
	"slices"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
)

// Joint cases: several organisations work one case. The owner is its lead
// organisation (主管); others take part as joint investigators (共同) or in
// support (支援), added and removed by those who may share the case (the
// grant right: the owner's line). Each party's rights are a grant on the
// case that ends when the party is removed.

// PartyRole is how an organisation takes part in a case it does not own.
type PartyRole string

// The roles. The owner is the lead (主管) and is not a party.
const (
	PartyJoint   PartyRole = "joint"   // 共同: works the case
	PartySupport PartyRole = "support" // 支援: reads it and its evidence
)

// PartyRoles lists the roles a party may have.
var PartyRoles = []PartyRole{PartyJoint, PartySupport}

// Rights returns what a role may do on the case.
func (r PartyRole) Rights() []access.Right {
	switch r {
	case PartyJoint:
		return []access.Right{access.View, access.Edit, access.LinkReport, access.DownloadEvidence}
	case PartySupport:
		return []access.Right{access.View, access.DownloadEvidence}
	}
	return nil
}

// Party is an organisation taking part in a case.
type Party struct {
	ID        int64
	CaseID    int64
	OrgID     int64
	Role      PartyRole
	GrantID   int64
	AddedBy   int64
	AddedAt   time.Time
	RemovedBy int64
	RemovedAt time.Time
}

// AddParty adds a police organisation to a case with a role: p needs the
// grant right on the case. The owner, a partner and an organisation
// taking part already are refused.
func (s *Service) AddParty(ctx context.Context, p auth.Principal, caseID, orgID int64, role PartyRole) (*Party, error) {
	c, err := s.load(ctx, p, caseID, access.Grant)
	if err != nil {
		return nil, err
	}
	var pr koban.Problems
	if !slices.Contains(PartyRoles, role) {
		pr.Add("role", "party.error.role")
	}
	tree := s.tree()
	if _, ok := tree.ByID(orgID); !ok {
		pr.Add("org", "party.error.org")
	} else if _, ok := police(tree, orgID); !ok {
		pr.Add("org", "party.error.partner")
	} else if orgID == c.OrgID {
		pr.Add("org", "party.error.owner")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	pa := &Party{CaseID: c.ID, OrgID: orgID, Role: role, AddedBy: p.UserID, AddedAt: now}
	g := &access.GrantRow{ObjectType: ObjectType, ObjectID: c.ID, OrgID: orgID, Rights: role.Rights(), GrantedBy: p.UserID,
		Reason: "party:" + string(role), CreatedAt: now}
	err = s.store.AddParty(ctx, pa, g, s.entry(p, c.ID, "case.party_add", map[string]any{"org": orgID, "role": string(role)}))
	if err != nil {
		return nil, err
	}
	return pa, nil
}

// RemoveParty ends an organisation's part in a case (its grant is
// revoked): p needs the grant right on the case.
func (s *Service) RemoveParty(ctx context.Context, p auth.Principal, caseID, partyID int64) error {
	c, err := s.load(ctx, p, caseID, access.Grant)
	if err != nil {
		return err
	}
	return s.store.RemoveParty(ctx, c.ID, partyID, p.UserID, s.clock.Now(), s.entry(p, c.ID, "case.party_remove", map[string]any{"party": partyID}))
}
