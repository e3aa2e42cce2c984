// Package access is koban's one decision on who may do what to which
// record. Every service asks it before acting on a record (Can) and every
// list query is narrowed by the scope it gives (ScopeOf), so that the rule
// lives here and nowhere else.
//
// The rule has three layers:
//
//  1. The role: what an account may do at all (auth.Permission). An analyst
//     never sees contact details, a partner account reads nothing back.
//  2. The organisation tree: an organisation acts on the records it owns and
//     on those of every organisation below it (a prefectural HQ on its
//     stations' reports; the NPA on all).
//  3. Grants: a record shared beyond its owner's line — a joint case, a
//     referral waiting for acceptance, the National Cyber Unit asked for
//     technical support, a time-limited answer to an access request. A grant
//     names an organisation or one account, the record, the rights, an
//     expiry, who granted it and why. A grant to an organisation reaches the
//     organisations above it too, as its own records would.
//
// Over the three layers lies the record's TLP marking (package tlp): green
// and clear records may be viewed by every account of the community, amber
// ones as above (a grant to an organisation reaching those under it too),
// amber+strict ones only by the owner's line and the organisations granted
// (not those under them), and red ones only by the accounts they were
// shared with by name — not even the owner's line.
//
// A record the principal may not view is answered exactly like a missing
// one: callers turn a refusal to view into NotFound, never Forbidden.
package access

import (
	"context"
	"slices"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/tlp"
)

// Right is one thing a principal may do to a record.
type Right string

// The rights. Their names are stored in grants and audit rows: they never
// change.
const (
	View             Right = "view"              // read the record
	Edit             Right = "edit"              // change it, add notes, tasks
	LinkReport       Right = "link_report"       // link a report to a case
	Refer            Right = "refer"             // refer it to another organisation
	Accept           Right = "accept"            // accept or decline a referral
	RequestSupport   Right = "request_support"   // ask an analysis unit for work
	DownloadEvidence Right = "download_evidence" // read evidence files
	Export           Right = "export"            // make a court bundle
	Grant            Right = "grant"             // share it, answer access requests
)

// Rights lists every right, in display order.
func Rights() []Right {
	return []Right{View, Edit, LinkReport, Refer, Accept, RequestSupport, DownloadEvidence, Export, Grant}
}

// Valid reports whether r is a known right.
func (r Right) Valid() bool { return slices.Contains(Rights(), r) }

// needs is the role permission each right requires on top of the record
// decision: the role layer.
var needs = map[Right]auth.Permission{
	View:             auth.PermReportRead,
	Edit:             auth.PermReportTriage,
	LinkReport:       auth.PermReportTriage,
	Refer:            auth.PermReportTransfer,
	Accept:           auth.PermReportTriage,
	RequestSupport:   auth.PermReportTriage,
	DownloadEvidence: auth.PermReportRead,
	Export:           auth.PermReportTriage,
	Grant:            auth.PermReportTransfer,
}

// needsFor is the role permission a right requires on a record of a type:
// intel (imported indicators and objects) is read with its own permission,
// which partners hold too; patrol findings with patrol's; advisories are
// read by every officer and written with advisory.write; a line's
// dashboard with the dashboard's; everything else as needs says.
func needsFor(objectType string, right Right) auth.Permission {
	switch objectType {
	case Dashboard:
		return auth.PermDashboardRead
	case "intel":
		if right == View {
			return auth.PermIntelRead
		}
		return auth.PermIntelManage
	case "finding":
		if right == View {
			return auth.PermPatrolRead
		}
		return auth.PermPatrolManage
	case "sample":
		switch right {
		case View:
			return auth.PermMalwareRead
		case DownloadEvidence:
			return auth.PermMalwareDownload
		}
		return auth.PermMalwareSubmit
	case "advisory":
		if right == View {
			return auth.PermReportRead
		}
		return auth.PermAdvisoryWrite
	case "asset":
		if right == View {
			return auth.PermVulnRead
		}
		return auth.PermVulnManage
	}
	return needs[right]
}

// Dashboard is the object type of a line's dashboard: ScopeOf(p,
// Dashboard, View) is the organisations whose work p oversees (their own
// and every one below it, by the tree alone), or None when p's role does
// not read dashboards. Nothing is granted on it.
const Dashboard = "dashboard"

// Object is a record as the decision needs to know it.
type Object struct {
	Type  string // "report", "case", …
	ID    int64
	OrgID int64     // the owning organisation
	TLP   tlp.Level // its marking; "" is amber, the default of every record
}

// Level returns the object's TLP level: amber when it has none.
func (o Object) Level() tlp.Level {
	if o.TLP == "" {
		return tlp.Amber
	}
	return o.TLP
}

// GrantRow is one sharing of a record beyond its owner's line.
type GrantRow struct {
	ID         int64
	ObjectType string
	ObjectID   int64
	OrgID      int64 // the organisation it is granted to; 0 when to one account
	UserID     int64 // the account it is granted to; 0 when to an organisation
	Rights     []Right
	ExpiresAt  time.Time // zero: until revoked
	GrantedBy  int64     // account id; 0 for the system (a referral, a request)
	Reason     string
	CreatedAt  time.Time
	RevokedAt  time.Time
}

// Live reports whether the grant is in force at now.
func (g GrantRow) Live(now time.Time) bool {
	return g.RevokedAt.IsZero() && (g.ExpiresAt.IsZero() || now.Before(g.ExpiresAt))
}

// Store is what the decision reads. GrantsOn returns every grant on one
// record, in force or not.
type Store interface {
	GrantsOn(ctx context.Context, objectType string, objectID int64) ([]GrantRow, error)
}

// Decider answers access questions with the current tree and grants.
type Decider struct {
	store Store
	tree  func() *org.Tree
	clock koban.Clock
}

// New returns a Decider.
func New(st Store, tree func() *org.Tree, clock koban.Clock) *Decider {
	return &Decider{store: st, tree: tree, clock: clock}
}

// Can reports whether p may exercise right on o. An error is a failure to
// decide (the database), never a refusal.
func (d *Decider) Can(ctx context.Context, p auth.Principal, right Right, o Object) (bool, error) {
	if !p.Can(needsFor(o.Type, right)) {
		return false, nil
	}
	reach := tlp.ReachOf(o.Level())
	if right == View && reach.Community && p.UserID != 0 {
		return true, nil
	}
	if reach.Owners && d.tree().Sees(p.OrgID, o.OrgID) {
		return true, nil
	}
	grants, err := d.store.GrantsOn(ctx, o.Type, o.ID)
	if err != nil {
		return false, err
	}
	return d.granted(p, right, grants, reach), nil
}

// granted reports whether one of grants, in force, gives p the right on a
// record that reaches as far as reach: a grant to an account always; to an
// organisation when the level lets grants to organisations count, reaching
// the organisations above the grantee, and those under it too when the
// level is open enough.
func (d *Decider) granted(p auth.Principal, right Right, grants []GrantRow, reach tlp.Reach) bool {
	now, tree := d.clock.Now(), d.tree()
	for _, g := range grants {
		if !g.Live(now) || !slices.Contains(g.Rights, right) {
			continue
		}
		if g.UserID != 0 && g.UserID == p.UserID {
			return true
		}
		if g.OrgID == 0 || !reach.OrgGrants {
			continue
		}
		if tree.Sees(p.OrgID, g.OrgID) || (reach.GrantsDown && tree.Sees(g.OrgID, p.OrgID)) {
			return true
		}
	}
	return false
}

// Check is Can that answers a refusal as an error: NotFound when the
// principal may not even view the record (its existence must not leak),
// Forbidden when they may view it but not do this.
func (d *Decider) Check(ctx context.Context, p auth.Principal, right Right, o Object) error {
	ok, err := d.Can(ctx, p, right, o)
	if err != nil || ok {
		return err
	}
	if right != View {
		if seen, err := d.Can(ctx, p, View, o); err != nil {
			return err
		} else if seen {
			return koban.Errorf(koban.Forbidden, "error.forbidden")
		}
	}
	return koban.Errorf(koban.NotFound, "error.not_found")
}

// Scope is the set of records of one type a principal may act on, for list
// queries: the store turns it into SQL (owner in Orgs, or a grant in force
// to Grantees with Right).
type Scope struct {
	All        bool    // every record: the filter can be skipped
	None       bool    // no record at all (the role forbids it)
	Orgs       []int64 // owners whose records are in scope
	ObjectType string
	Right      Right
	// Grants in force to these organisations or to this account also
	// bring their records into scope.
	GranteeOrgs []int64
	UserID      int64
	// Above are the organisations above the principal's own: an amber
	// record granted to one of them reaches the principal too (and a green
	// or clear one reaches every account anyway). TLP applies only where
	// the store knows a record's level; elsewhere every record is amber.
	Above []int64
	At    time.Time // when grants are judged
}

// ScopeOf returns the records of objectType that p may exercise right on.
func (d *Decider) ScopeOf(p auth.Principal, objectType string, right Right) Scope {
	if !p.Can(needsFor(objectType, right)) {
		return Scope{None: true, ObjectType: objectType, Right: right}
	}
	tree := d.tree()
	orgs := tree.Visible(p.OrgID)
	s := Scope{ObjectType: objectType, Right: right, UserID: p.UserID, At: d.clock.Now()}
	for _, a := range tree.Ancestors(p.OrgID) {
		if a.ID != p.OrgID {
			s.Above = append(s.Above, a.ID)
		}
	}
	if len(orgs) == len(tree.All()) {
		s.All = true
		return s
	}
	if orgs == nil {
		orgs = []int64{} // an organisation the tree does not know owns nothing
	}
	s.Orgs, s.GranteeOrgs = orgs, orgs
	return s
}

// Includes reports whether a record owned by orgID at level, with grants,
// is in the scope: the in-memory twin of the store's filter, for tests and
// for records already loaded ("" is amber).
func (s Scope) Includes(orgID int64, level tlp.Level, grants []GrantRow) bool {
	if level == "" {
		level = tlp.Amber
	}
	reach := tlp.ReachOf(level)
	switch {
	case s.None:
		return false
	case reach.Community && s.Right == View && s.UserID != 0:
		return true
	case reach.Owners && (s.All || slices.Contains(s.Orgs, orgID)):
		return true
	}
	for _, g := range grants {
		if !g.Live(s.At) || !slices.Contains(g.Rights, s.Right) {
			continue
		}
		if g.UserID != 0 && g.UserID == s.UserID {
			return true
		}
		if g.OrgID == 0 || !reach.OrgGrants {
			continue
		}
		if s.All || slices.Contains(s.GranteeOrgs, g.OrgID) || (reach.GrantsDown && slices.Contains(s.Above, g.OrgID)) {
			return true
		}
	}
	return false
}
