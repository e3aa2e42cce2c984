// Package taxii speaks TAXII 2.1 (OASIS, 2021): a server (NewServer, over a
// Backend that the application implements) and a client (NewClient) for
// polling partners and pushing to them.
//
// STIX objects are carried as raw JSON: this package reads only what TAXII
// needs from them (id, type, spec_version, modified, created) and never
// changes them.
//
// Timestamps the server writes (date_added, request_timestamp, the
// X-TAXII-Date-Added-* headers) have microsecond precision, so that a
// client's added_after, copied from them, selects exactly what came after.
package taxii

import (
	"encoding/json"
	"time"
)

// Media types of TAXII 2.1 and of the STIX 2.1 objects it carries.
const (
	MediaTAXII = "application/taxii+json;version=2.1"
	MediaSTIX  = "application/stix+json;version=2.1"
)

// Discovery is the server discovery resource (GET /taxii2/).
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
	// Extra holds properties TAXII does not define, as the client read
	// them; the server does not write it.
	Extra map[string]json.RawMessage `json:"-"`
}

// APIRoot is the API root information resource.
type APIRoot struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
	// Extra: see Discovery.Extra.
	Extra map[string]json.RawMessage `json:"-"`
}

// Collection is a collection resource. CanRead and CanWrite are the
// caller's rights on it.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
	// Extra: see Discovery.Extra.
	Extra map[string]json.RawMessage `json:"-"`
}

// ManifestRecord describes one version of an object in a collection.
// DateAdded is kept as the server wrote it (see Added).
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

// Added parses DateAdded. Some servers copied the spec example's typo
// ("03:04:051Z"); such a record is kept and this says it cannot be read.
func (m ManifestRecord) Added() (time.Time, error) { return ParseTimestamp(m.DateAdded) }

// Status is the status resource of an add-objects request.
type Status struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"` // "complete" or "pending"
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
	// Extra: see Discovery.Extra.
	Extra map[string]json.RawMessage `json:"-"`
}

// Status values.
const (
	StatusComplete = "complete"
	StatusPending  = "pending"
)

// StatusDetail names one object of an add-objects request. For an object
// that has no readable id, ID is its place in the envelope ("objects[3]").
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Message string `json:"message,omitempty"`
}

// ErrorResource is the body of every error answer.
type ErrorResource struct {
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	ErrorID         string            `json:"error_id,omitempty"`
	ErrorCode       string            `json:"error_code,omitempty"`
	HTTPStatus      string            `json:"http_status,omitempty"`
	ExternalDetails string            `json:"external_details,omitempty"`
	Details         map[string]string `json:"details,omitempty"`
}

// timestampLayout writes TAXII timestamps: UTC, microseconds.
const timestampLayout = "2006-01-02T15:04:05.000000Z"

// FormatTimestamp writes t as TAXII timestamps are written here: UTC with
// microseconds.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(timestampLayout) }

// ParseTimestamp reads an RFC 3339 timestamp.
func ParseTimestamp(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
