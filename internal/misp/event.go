package misp

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// Distribution levels (the "distribution" field). Events take 0–4,
// attributes and objects 0–5.
const (
	YourOrganisation     = 0 // your organisation only
	ThisCommunity        = 1 // this community only
	ConnectedCommunities = 2
	AllCommunities       = 3
	SharingGroup         = 4 // the sharing group named by sharing_group_id
	InheritEvent         = 5 // attributes and objects: as the event
)

// Sighting types.
const (
	Sighted       = 0 // the value was seen
	FalsePositive = 1 // the value was reported as a false positive
	Expiration    = 2 // the value expires at date_sighting
)

// Event is one MISP event: a report, an incident or an analysis with the
// attributes and objects that describe it.
//
// Numbers and flags that MISP writes as strings ("1597300000", "1", "3")
// are read into Go numbers, times and booleans. A value that cannot be read
// is left at its zero value and remembered: Validate reports it with its
// path. An absent distribution is read as YourOrganisation for an event
// (the strictest, as the sender's intent is unknown) and InheritEvent for
// its attributes and objects; an absent threat level as 4 (undefined).
type Event struct {
	UUID             string
	ID               string // the sending instance's number for the event
	Info             string
	Date             time.Time // the day the event happened (UTC midnight); zero when absent
	ThreatLevel      int       // 1 high, 2 medium, 3 low, 4 undefined
	Analysis         int       // 0 initial, 1 ongoing, 2 complete
	Distribution     int
	SharingGroupID   string
	Published        bool
	Timestamp        time.Time // last change; zero when absent
	PublishTimestamp time.Time
	ExtendsUUID      string
	Org              Org // the organisation that holds this copy
	Orgc             Org // the organisation that created the event
	Tags             []Tag
	Galaxies         []Galaxy
	Attributes       []Attribute
	Objects          []Object
	Reports          []EventReport
	Sightings        []Sighting

	bad []badField // values that could not be read, for Validate
}

// Org is an organisation as MISP names it.
type Org struct {
	ID   string
	Name string
	UUID string
}

// Tag is a label on an event, object or attribute: a taxonomy tag
// ("tlp:amber", `misp-galaxy:threat-actor="APT 28"`) or a free word.
type Tag struct {
	Name   string
	Colour string // "#ffffff"
	Local  bool   // a local tag, not shared on synchronisation
}

// Galaxy is a family of clusters (threat actors, tools, techniques…) attached to an event or attribute.
type Galaxy struct {
	UUID        string
	Name        string
	Type        string
	Namespace   string
	Description string
	Clusters    []GalaxyCluster
}

// GalaxyCluster is one member of a galaxy: a named actor, tool or technique.
type GalaxyCluster struct {
	UUID        string
	Type        string
	Value       string
	TagName     string // the tag that attaches it: `misp-galaxy:threat-actor="APT 28"`
	Description string
	Source      string
	Authors     []string
	Meta        json.RawMessage // kept as given: its shape differs from galaxy to galaxy
}

// Attribute is one piece of information: a value with its MISP type and category.
type Attribute struct {
	UUID               string
	ID                 string
	Type               string // a MISP type: "ip-dst", "domain|ip", "filename|sha256", …
	Category           string // a MISP category: "Network activity", "Payload delivery", …
	Value              string // composite types join two values with '|'
	ToIDs              bool   // meant for detection (IDS, blocking)
	Comment            string
	Timestamp          time.Time
	FirstSeen          time.Time
	LastSeen           time.Time
	Distribution       int
	SharingGroupID     string
	Deleted            bool // revoked: kept only to tell other instances
	DisableCorrelation bool
	ObjectRelation     string // its role in its object ("ip", "filename"); "" outside objects
	Data               string // base64 contents of an attachment or malware-sample
	Tags               []Tag
	Galaxies           []Galaxy
	Sightings          []Sighting

	bad []badField
}

// Object is a group of attributes that together describe one thing (a
// file, an e-mail, a domain and its IPs), after a MISP object template.
type Object struct {
	UUID            string
	ID              string
	Name            string // the template's name: "file", "domain-ip", "email"
	MetaCategory    string // "file", "network", "financial", …
	Description     string
	TemplateUUID    string
	TemplateVersion string
	Comment         string
	Distribution    int
	SharingGroupID  string
	Timestamp       time.Time
	FirstSeen       time.Time
	LastSeen        time.Time
	Deleted         bool
	Attributes      []Attribute
	References      []ObjectReference
	Tags            []Tag

	bad []badField
}

// ObjectReference links an object to another object or attribute.
type ObjectReference struct {
	UUID             string
	ObjectUUID       string // the object the reference starts from
	ReferencedUUID   string // the object or attribute it points to
	RelationshipType string // "connected-to", "drops", "related-to", …
	Comment          string
	Timestamp        time.Time
	Deleted          bool

	bad []badField
}

// Sighting says that an attribute's value was seen, reported a false positive, or expires.
type Sighting struct {
	UUID          string
	Type          int // Sighted, FalsePositive or Expiration
	DateSighting  time.Time
	Source        string
	Organisation  Org
	AttributeUUID string

	bad []badField
}

// EventReport is a free-text (Markdown) report attached to an event.
type EventReport struct {
	UUID         string
	Name         string
	Content      string
	Distribution int
	Timestamp    time.Time
	Deleted      bool

	bad []badField
}

// badField is a value that could not be read into its Go field.
type badField struct {
	field string // the JSON name: "to_ids", "timestamp"
	code  Code
	raw   string
}

// DataBytes decodes the attribute's base64 data (an attachment or a zipped malware sample).
func (a *Attribute) DataBytes() ([]byte, error) {
	return base64.StdEncoding.DecodeString(a.Data)
}
