// Package intel is koban's intel exchange: STIX 2.1 objects brought in from
// partners (their TAXII servers polled on a schedule, MISP events, CSV
// feeds, files) and served out again (koban's TAXII collections, STIX and
// MISP exports), each object a record of the national index beside the
// reports, with a TLP marking that decides how far it may travel.
//
// An object is owned by the police organisation that subscribed to its
// source, with the partner recorded as where it came from: partner
// organisations are roots of the tree and would hide it from all police.
// Each version of an object (its id and `modified`) is stored once; the
// newest is the one listed and matched. Its observables — the values of
// observable objects, the values an indicator's pattern names — go into the
// national index in the transaction that stores it, and a report holding a
// value an indicator names becomes a sighting of that indicator.
package intel

import (
	"encoding/json"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/tlp"
)

// ObjectType is the record type of intel in grants, audit rows and the
// national index.
const ObjectType = "intel"

// Object is one version of one STIX object as koban keeps it.
type Object struct {
	ID          int64
	StixID      string // "indicator--…"
	Type        string // the STIX type
	SpecVersion string
	Modified    string // the version: modified, else created, as the object writes it; "" for an object with neither (an SCO)
	SourceID    int64  // where it came from; 0 when made in koban
	OrgID       int64  // the police organisation that owns it
	TLP         tlp.Level
	Name        string
	Confidence  int // 0–100; -1 when the object does not say
	ValidFrom   time.Time
	ValidUntil  time.Time // zero: no end
	Revoked     bool
	Body        json.RawMessage // the object as it came, every property kept
	AddedAt     time.Time       // when koban stored it: the order of TAXII pages
	// Observables are the values the object holds or names, in koban's
	// canonical forms: what the national index learns from it.
	Observables []observe.Observable
	// Indicates says the object is an indicator: a report holding one of
	// its values is a sighting of it.
	Indicates bool
}

// Source kinds.
const (
	SourceTAXII = "taxii" // a partner's TAXII 2.1 collection, polled
	SourceMISP  = "misp"  // a MISP feed or instance
	SourceCSV   = "csv"   // a CSV feed with a column mapping
	SourceFile  = "file"  // files brought in by hand
	SourcePush  = "push"  // objects a partner adds to one of koban's TAXII collections
)

// Source is where intel comes from and who it belongs to once here.
type Source struct {
	ID           int64
	Name         string
	Kind         string
	OrgID        int64 // the subscribing police organisation: the owner of what comes in
	PartnerOrgID int64 // the partner organisation it comes from; 0 when none is registered
	URL          string
	Collection   string
	Username     string
	Secret       string // the partner server's password or token; never shown, never logged
	Settings     json.RawMessage
	DefaultTLP   tlp.Level // for objects that carry no marking
	Confidence   int       // for objects that do not say
	Every        time.Duration
	NextRunAt    time.Time
	Cursor       string // where the next poll resumes (TAXII: the last date added seen)
	Enabled      bool
	CreatedBy    int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Poll is one run of a source: what it saw, added and refused.
type Poll struct {
	ID         int64
	SourceID   int64
	StartedAt  time.Time
	FinishedAt time.Time
	Seen       int
	Added      int
	Rejected   int
	Error      string
	RunBy      string
}

// Stored says what storing a batch of objects did.
type Stored struct {
	Added      int // versions new to koban
	Duplicates int // versions koban held already
	Sightings  int // reports found holding a value of a new indicator
}

// Collection is one of koban's TAXII collections: kept by a police
// organisation, read and written by the organisations it names, serving
// nothing stricter than MaxTLP (see CollectionQuery.Reader for who reads
// what).
type Collection struct {
	ID          int64
	UUID        string
	Title       string
	Description string
	OrgID       int64
	MaxTLP      tlp.Level
	CreatedAt   time.Time
	// The caller's rights, when the collection is listed for one.
	CanRead, CanWrite bool
}

// Member is an organisation's rights on a collection.
type Member struct {
	OrgID       int64
	Read, Write bool
}

// CollectionQuery selects the records of a collection for one reader.
type CollectionQuery struct {
	AddedAfter   time.Time
	IDs          []string
	Types        []string
	SpecVersions []string
	// Versions: the first, the last, all, or those at these times; several
	// add up. None set means the last.
	First, Last, All bool
	At               []time.Time
	// After is where the previous page stopped: its last record's time
	// added and row id.
	AfterAdded time.Time
	AfterID    int64
	Limit      int
	// Reader is the access scope of the reader over intel; MaxTLP the
	// collection's ceiling. A reader (a member of the collection) reads
	// every record up to amber the collection holds — adding to a shared
	// collection is sharing with its readers — and amber+strict records
	// only as far as Reader reaches.
	Reader access.Scope
	MaxTLP tlp.Level
}

// CollectionRecord is one version in a collection, with when it was added
// to the collection.
type CollectionRecord struct {
	*Object
	Added time.Time
}

// TAXIIStatus is the stored outcome of one add-objects request.
type TAXIIStatus struct {
	ID           string
	CollectionID int64
	UserID       int64
	CreatedAt    time.Time
	Total        int
	Success      int
	Failure      int
	Pending      int
	Details      json.RawMessage // successes, failures and pendings as TAXII writes them
}
