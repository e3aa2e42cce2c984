package correlate

import (
	"context"
	"github.com/koban-project/koban/internal/access"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/observe"
)

// Value is a stored observable as the index holds it nationally.
type Value struct {
	ID int64
	observe.Observable
	Records   int // records that hold it, whoever owns them
	FirstSeen time.Time
	LastSeen  time.Time
	ClusterID int64
}

// Tally counts one organisation's records holding a value on one day.
type Tally struct {
	OrgID int64
	Seen  bool  // the records are in the viewer's access scope
	Day   int64 // days since 1970-01-01 in the display time zone
	N     int
	First time.Time
	Last  time.Time
}

// Occurrence is one record holding a value (or belonging to a cluster).
type Occurrence struct {
	Key
	OrgID int64
	TLP   string
	At    time.Time
	Label string // what officers call the record: a report's receipt
	// Category is the record's category code (a report's: "PH", "FR" …),
	// "" when it has none yet; pages name it in the reader's language.
	Category string
}

// Holder is a record that holds some of a set of values.
type Holder struct {
	Occurrence
	Shared int  // how many of the values it holds
	Seen   bool // in the viewer's access scope
}

// ClusterRow is a cluster as the index holds it.
type ClusterRow struct {
	ID     int64
	Size   int
	First  time.Time
	Last   time.Time
	Recent int // members that arrived since the time asked for
}

// ValueCount is a value and how many records of a set hold it.
type ValueCount struct {
	Value
	N int
}

// AccessRequest asks an organisation for the records of a value that the
// requester sees only as counts.
type AccessRequest struct {
	ID             int64
	ValueID        int64
	OwnerOrgID     int64
	RequesterID    int64
	RequesterOrgID int64
	Reason         string
	Status         string // "open"
	CreatedAt      time.Time
}

// Store is what the Service needs of the database. Every method answers
// for the whole country; the Service applies access.
type Store interface {
	// GrantsOn gives the access decision the grants on a record.
	access.Store
	// Value returns a stored value; a koban.NotFound error when no record holds it.
	Value(ctx context.Context, o observe.Observable) (Value, error)
	// Values returns the stored values with the given ids.
	Values(ctx context.Context, ids []int64) ([]Value, error)
	// Tallies counts a value's records by owning organisation, day and
	// whether they are in scope; days begin at offset from UTC midnight.
	Tallies(ctx context.Context, valueID int64, offset time.Duration, scope access.Scope) ([]Tally, error)
	// Occurrences lists the records in scope holding a value, newest
	// first, and their total.
	Occurrences(ctx context.Context, valueID int64, scope access.Scope, limit, offset int) ([]Occurrence, int, error)
	// ValuesOf returns the values a record holds.
	ValuesOf(ctx context.Context, k Key) ([]Value, error)
	// Holders returns every record other than exclude that holds any of
	// the values, with how many it holds and whether it is in scope,
	// unlabelled and in no order.
	Holders(ctx context.Context, valueIDs []int64, exclude Key, scope access.Scope) ([]Holder, error)
	// Labels names records as officers know them (a report's receipt).
	Labels(ctx context.Context, keys []Key) (map[Key]string, error)
	// Related returns the values related to o by containment (the stored
	// ranges holding address o, or the stored addresses inside range o)
	// that a record in scope holds, up to limit of them, and the number of
	// the others: related values that only records out of scope hold.
	Related(ctx context.Context, o observe.Observable, scope access.Scope, limit int) ([]Value, int, error)
	// Record returns the owner, label and time of a record.
	Record(ctx context.Context, k Key) (Occurrence, error)
	// RecordByLabel finds a record by what officers call it: a report by
	// its receipt, in any spelling the receipt's check accepts. A koban
	// Invalid error when the text is no label at all, NotFound when it is
	// one but names no record.
	RecordByLabel(ctx context.Context, label string) (Key, error)
	// Clusters lists clusters, largest first or (by "growth") those that
	// gained most members since since, and their total.
	Clusters(ctx context.Context, order string, since time.Time, limit, offset int) ([]ClusterRow, int, error)
	// Cluster returns one cluster, its Recent counted since since.
	Cluster(ctx context.Context, id int64, since time.Time) (ClusterRow, error)
	// ClusterOf returns a record's cluster, 0 for none.
	ClusterOf(ctx context.Context, k Key) (int64, error)
	// ClusterOrgs counts a cluster's members by owning organisation and
	// whether they are in scope, with the first and last of each.
	ClusterOrgs(ctx context.Context, id int64, scope access.Scope) ([]Tally, error)
	// ClusterMembers lists a cluster's members in scope, newest first, and
	// their total.
	ClusterMembers(ctx context.Context, id int64, scope access.Scope, limit, offset int) ([]Occurrence, int, error)
	// ClusterValues returns the values held by most of a cluster's members
	// in scope.
	ClusterValues(ctx context.Context, id int64, scope access.Scope, limit int) ([]ValueCount, error)
	// ClusterTallies counts the members of each of the clusters by owning
	// organisation and whether they are in scope, with the first and last.
	ClusterTallies(ctx context.Context, ids []int64, scope access.Scope) (map[int64][]Tally, error)
	// ClusterDamage sums, for each of the clusters, the money its members
	// in scope lost, in yen; a cluster with none is absent.
	ClusterDamage(ctx context.Context, ids []int64, scope access.Scope) (map[int64]int64, error)
	// ClusterTops returns, for each of the clusters, the values held by
	// most of its members in scope, up to per of them.
	ClusterTops(ctx context.Context, ids []int64, scope access.Scope, per int) (map[int64][]ValueCount, error)
	// RequestAccess records a request and its audit entry.
	RequestAccess(ctx context.Context, r *AccessRequest, e audit.Entry) error
	// Audit records a read.
	Audit(ctx context.Context, e audit.Entry) error
}
