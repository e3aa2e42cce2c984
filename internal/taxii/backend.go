package taxii

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// Errors a Backend returns (wrapped with %w as it likes); the server turns
// them into answers. Any other error is a 500, logged, its text not shown.
var (
	// ErrUnauthorized: no caller, or one whose credentials do not hold (401).
	ErrUnauthorized = errors.New("taxii: not authenticated")
	// ErrForbidden: the caller may not do this (403).
	ErrForbidden = errors.New("taxii: forbidden")
	// ErrNotFound: no such API root, collection, object or status, or one
	// the caller may not see (404).
	ErrNotFound = errors.New("taxii: not found")
	// ErrBadCursor: a next value the backend did not hand out (400).
	ErrBadCursor = errors.New("taxii: the next value is not one this server gave")
)

// Backend is what the server serves: the application implements it over
// its store and its access rules. Every method but Authenticate receives
// the context Authenticate returned. Methods may return the errors above.
//
// Semantics the server relies on:
//   - Records of a collection are ordered by DateAdded, oldest first
//     (ties broken in a fixed order, e.g. by id then version), and a page
//     continues exactly where the previous one stopped, whatever was
//     added meanwhile (a cursor on the last record's position, not an
//     offset).
//   - A version of an object is identified by (id, version); adding it
//     again changes nothing and keeps its first DateAdded.
//   - Match.Versions picks versions of each object among all the
//     collection holds (first, last, all, or an exact timestamp; several
//     values add up); AddedAfter and the other filters apply after that.
//   - DateAdded has at most microsecond precision, so that the timestamps
//     the server writes compare equal to the ones stored.
type Backend interface {
	// Authenticate checks the request's credentials (koban reads API
	// tokens as Authorization: Bearer, or Basic with the token as the
	// password) and returns a context carrying the caller, or
	// ErrUnauthorized.
	Authenticate(r *http.Request) (context.Context, error)
	// APIRoots lists the API roots the caller may know of, the default
	// first.
	APIRoots(ctx context.Context) ([]Root, error)
	// Collections lists the collections of root the caller may see, with
	// the caller's rights in CanRead and CanWrite. ErrNotFound for an
	// unknown root.
	Collections(ctx context.Context, root string) ([]Collection, error)
	// Collection returns one collection, or ErrNotFound when it does not
	// exist or the caller may not see it.
	Collection(ctx context.Context, root, id string) (Collection, error)
	// Objects returns a page of objects (Record.Object set) matching q.
	// q.Limit is between 1 and the server's page size.
	Objects(ctx context.Context, root, collection string, q Query) (Page, error)
	// Manifest is Objects without the objects themselves (Record.Object
	// may be nil).
	Manifest(ctx context.Context, root, collection string, q Query) (Page, error)
	// Versions returns the versions of one object (Record.Object may be
	// nil); an empty page when the collection does not hold it.
	Versions(ctx context.Context, root, collection, id string, q Query) (Page, error)
	// AddObjects stores the objects of a request (or queues them) and
	// returns its status, which Status returns later under the same id.
	// The status counts req.Rejected as failures.
	AddObjects(ctx context.Context, root, collection string, req AddRequest) (Status, error)
	// Status returns the status of an add-objects request of root, or
	// ErrNotFound (also for another caller's request if it keeps them
	// apart).
	Status(ctx context.Context, root, id string) (Status, error)
	// DeleteObject removes the versions of an object q.Match selects
	// (Versions and SpecVersions), or returns ErrNotFound when none.
	DeleteObject(ctx context.Context, root, collection, id string, q Query) error
}

// Root is an API root as a Backend lists it: Name is its path segment
// (/taxii2/<Name>/).
type Root struct {
	Name string
	APIRoot
}

// Record is one version of an object in a collection.
type Record struct {
	ID          string
	Version     string // modified, else created, as written in the object; else the date added
	SpecVersion string
	DateAdded   time.Time
	Object      json.RawMessage // nil in manifest and versions pages
}

// Page is one page of records, oldest first. More says there are more
// records after it, and Next is the cursor that continues from there.
type Page struct {
	Records []Record
	More    bool
	Next    string
}

// AddRequest is the content of one add-objects request: the objects that
// passed the server's checks, in envelope order, and those that did not.
type AddRequest struct {
	Objects  []Object
	Rejected []StatusDetail
	Received time.Time // the request timestamp
}
