// Package foreign tracks requests between koban's police and agencies
// abroad (国際連携): preservation of stored data (Budapest Convention
// Art. 29), expedited disclosure of traffic data (Art. 30), mutual
// assistance (Art. 31), contacts through the 24/7 network (Art. 35),
// emergency disclosure (Second Protocol Art. 9) and requests made directly
// to a provider abroad — in both directions, each belonging to a case.
//
// A request moves through one state machine (draft → sent → acknowledged
// → preserved → followed up → produced, or refused, expired, withdrawn);
// a move the machine does not allow is refused. Legal clocks come from the
// request: a preservation expires the regime's period after it was
// acknowledged (renewals add to it), an emergency is due eight hours after
// it was sent or received; reminders fall 14, 7 and 2 days before an
// expiry (2 hours before an emergency's due time) and reach the case's
// lead by e-mail and on the case's timeline, from one job per deadline on
// the shared job layer (clock.go). Foreign agencies are not organisations
// of koban's tree: they come from the counterparts directory
// (directory.go), a data file.
package foreign

import (
	"context"
	"slices"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/cases"
)

// ObjectType names requests in audit rows.
const ObjectType = "foreign_request"

// Kind is what is asked.
type Kind string

// The kinds of request.
const (
	Preservation Kind = "preservation" // Budapest Art. 29: keep stored data
	Disclosure   Kind = "disclosure"   // Art. 30: expedited disclosure of preserved traffic data
	Assistance   Kind = "assistance"   // Art. 31: mutual assistance (MLA)
	Contact      Kind = "contact"      // Art. 35: a 24/7-network contact
	Emergency    Kind = "emergency"    // Second Protocol Art. 9: emergency disclosure
	Provider     Kind = "provider"     // a request made directly to a provider abroad
)

// Kinds lists the kinds in form order.
var Kinds = []Kind{Preservation, Disclosure, Assistance, Contact, Emergency, Provider}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Direction says who asked.
type Direction string

// The directions.
const (
	Outgoing Direction = "out" // koban's police ask an agency abroad
	Incoming Direction = "in"  // an agency abroad asks koban's police
)

// State is where a request stands.
type State string

// The states.
const (
	Draft        State = "draft"
	Sent         State = "sent" // sent, or for an incoming request received
	Acknowledged State = "acknowledged"
	Preserved    State = "preserved"   // preservation: the data is kept
	FollowedUp   State = "followed_up" // preservation: the mutual-assistance request is filed
	Produced     State = "produced"    // the data or answer was handed over
	Refused      State = "refused"
	Expired      State = "expired" // preservation ran out before a follow-up
	Withdrawn    State = "withdrawn"
)

// States lists every state in workflow order.
var States = []State{Draft, Sent, Acknowledged, Preserved, FollowedUp, Produced, Refused, Expired, Withdrawn}

// Closed reports whether nothing more happens to a request in s.
func (s State) Closed() bool {
	return s == Produced || s == Refused || s == Expired || s == Withdrawn
}

// next lists the moves the machine allows from each state; preserved and
// followed_up belong to preservation requests only (Next).
var next = map[State][]State{
	Draft:        {Sent, Withdrawn},
	Sent:         {Acknowledged, Refused, Withdrawn},
	Acknowledged: {Preserved, Produced, Refused, Withdrawn},
	Preserved:    {FollowedUp, Expired, Refused, Withdrawn},
	FollowedUp:   {Produced, Refused, Withdrawn},
}

// Next lists the states a request of kind k may move to from s. Expired
// is reached only by the clock, never by hand (see Machine).
func Next(k Kind, s State) []State {
	if k != Preservation && (s == Preserved || s == FollowedUp) {
		return nil // a state only a preservation reaches
	}
	var out []State
	for _, to := range next[s] {
		switch {
		case to == Expired:
		case (to == Preserved || to == FollowedUp) && k != Preservation:
		case to == Produced && s == Acknowledged && k == Preservation:
			// a preservation hands nothing over until it is followed up
		default:
			out = append(out, to)
		}
	}
	return out
}

// Allowed reports whether a request of kind k may move from s to to:
// by hand (Next), or to expired by the clock from preserved.
func Allowed(k Kind, from, to State, byClock bool) bool {
	if byClock {
		return k == Preservation && to == Expired && (from == Preserved || from == Acknowledged)
	}
	return slices.Contains(Next(k, from), to)
}

// Regime is the legal period a preservation holds for, by the requested
// country's law.
type Regime struct {
	Code        string
	Days        int // the first period, from acknowledgement
	RenewDays   int // what a renewal adds
	MaxRenewals int // 0: no limit
}

// Regimes are the periods koban knows: Budapest Art. 29(7)'s sixty days,
// ninety for countries whose law keeps data that long, and the EU rules'
// sixty plus one renewal of thirty.
var Regimes = map[string]Regime{
	"budapest": {Code: "budapest", Days: 60, RenewDays: 60},
	"ninety":   {Code: "ninety", Days: 90, RenewDays: 90},
	"eu":       {Code: "eu", Days: 60, RenewDays: 30, MaxRenewals: 1},
}

// EmergencyWindow is how long an emergency request may wait for an
// answer (Second Protocol Art. 9 asks for the most expedited basis).
const EmergencyWindow = 8 * time.Hour

// Identifier is one thing the data is looked up by: an IP address with
// the UTC time and source port it was used at (behind carrier-grade NAT
// the address alone names nobody), an account, a domain, a URL …
type Identifier struct {
	Type  string    `json:"type"` // ip, domain, url, email, account, phone, other
	Value string    `json:"value"`
	At    time.Time `json:"at,omitzero"`   // UTC
	Port  int       `json:"port,omitzero"` // the source port, for an IP address
}

// IdentifierTypes lists the identifier types in form order.
var IdentifierTypes = []string{"ip", "domain", "url", "email", "account", "phone", "other"}

// Request is one request, in either direction.
type Request struct {
	ID          int64
	CaseID      int64
	OrgID       int64 // the case's owner when it was made
	Direction   Direction
	Kind        Kind
	State       State
	Country     string // ISO 3166-1 alpha-2
	Counterpart string // the directory's agency id
	Regime      string // a key of Regimes; preservation only
	TheirRef    string // the other side's reference
	// Art. 29(2)(a)–(f), mandatory for a preservation request.
	Authority   string // (a) the authority seeking preservation
	Offence     string // (b) the offence and a brief summary of the facts
	Data        string // (c) the stored data and its relationship to the offence
	Custodian   string // (d) the custodian or the location of the computer system
	Necessity   string // (e) why preservation is needed
	FollowUp    bool   // (f) a mutual-assistance request will follow
	Identifiers []Identifier
	Note        string
	CreatedBy   int64
	CreatedAt   time.Time
	SentAt      time.Time
	AckAt       time.Time
	PreservedAt time.Time
	FollowedAt  time.Time
	ClosedAt    time.Time
	Renewals    int
	RemindedAt  time.Time // the last reminder point sent
	UpdatedAt   time.Time
}

// Store keeps requests. A change to a request writes its case's
// timeline entry (ev, when set) and its audit entry (when e.Action is
// set) in the same transaction.
type Store interface {
	CreateForeignRequest(ctx context.Context, r *Request, ev *cases.Event, e audit.Entry) error
	ForeignRequest(ctx context.Context, id int64) (*Request, error)
	// ForeignRequests lists the requests of one case (caseID), or of the
	// cases owned by orgs: open ones first, newest first.
	ForeignRequests(ctx context.Context, orgs []int64, caseID int64, limit int) ([]*Request, error)
	UpdateForeignRequest(ctx context.Context, r *Request, ev *cases.Event, e audit.Entry) error
}
