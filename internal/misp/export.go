package misp

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/observe"
)

// Export says how a koban observable type is written as a MISP attribute.
type Export struct {
	Type     string // the MISP attribute type
	Category string // the default category (Item.Category may choose another the type allows)
	ToIDs    bool   // whether the attribute is marked for detection
	Comment  string // said of every such attribute when the MISP type is a plain "text"
}

// exports is koban's choice of MISP type and category for each observable
// type. Each pair is one the category–type table allows (a test checks).
// MISP has no type for Ethereum or TRON addresses nor for Instagram,
// Telegram, LINE or TikTok accounts: those go out as "text" with a comment
// naming what they are, and do not come back as observables.
var exports = map[observe.Type]Export{
	observe.IPv4:        {"ip-dst", "Network activity", true, ""},
	observe.IPv6:        {"ip-dst", "Network activity", true, ""},
	observe.CIDR:        {"ip-dst", "Network activity", true, ""},
	observe.Domain:      {"domain", "Network activity", true, ""},
	observe.URL:         {"url", "Network activity", true, ""},
	observe.Email:       {"email-src", "Payload delivery", true, ""},
	observe.Phone:       {"phone-number", "Person", false, ""},
	observe.BankAccount: {"bank-account-nr", "Financial fraud", true, ""},
	observe.BTC:         {"btc", "Financial fraud", true, ""},
	observe.XMR:         {"xmr", "Financial fraud", true, ""},
	observe.ETH:         {"text", "Financial fraud", false, "Ethereum address"},
	observe.TRX:         {"text", "Financial fraud", false, "TRON address"},
	observe.MD5:         {"md5", "Payload delivery", true, ""},
	observe.SHA1:        {"sha1", "Payload delivery", true, ""},
	observe.SHA256:      {"sha256", "Payload delivery", true, ""},
	observe.SHA512:      {"sha512", "Payload delivery", true, ""},
	observe.CVE:         {"vulnerability", "External analysis", false, ""},
	observe.ASN:         {"AS", "Network activity", false, ""},
	observe.X:           {"twitter-id", "Social network", false, ""},
	observe.Instagram:   {"text", "Social network", false, "Instagram account"},
	observe.Telegram:    {"text", "Social network", false, "Telegram account"},
	observe.Line:        {"text", "Social network", false, "LINE ID"},
	observe.TikTok:      {"text", "Social network", false, "TikTok account"},
}

// ExportOf returns how observables of type t are written to MISP, and false for a type koban does not export.
func ExportOf(t observe.Type) (Export, bool) { e, ok := exports[t]; return e, ok }

// Draft is what koban knows of a report or case, to be written as a MISP event.
type Draft struct {
	UUID         string    // the event's UUID; "" makes a random one. Give the same UUID for the same record so partners update rather than duplicate.
	Info         string    // the title
	Date         time.Time // the day it happened (its calendar date is written as it is)
	Timestamp    time.Time // last change; zero: Date
	Published    bool
	Distribution int    // YourOrganisation (the zero value) to AllCommunities
	ThreatLevel  int    // 1–4; 0 means 4 (undefined)
	Analysis     int    // 0–2
	TLP          string // "clear", "green", "amber", "amber+strict", "red", or "" for no marking
	Tags         []string
	Orgc         Org // the organisation that made it (koban's own)
	Items        []Item
}

// Item is one koban observable of a Draft.
type Item struct {
	Type      observe.Type
	Value     string // read through observe.Normalize, so any spelling koban reads will do
	Comment   string
	Category  string // "": the type's default (ExportOf)
	TLP       string // a marking of its own, written as the attribute's tag; "" inherits the event's
	Tags      []string
	FirstSeen time.Time
	LastSeen  time.Time
}

// NewEvent builds a MISP event from a draft. Values are written in
// koban's canonical form; an observable given twice becomes one attribute.
// Each attribute's UUID is derived from the event's UUID, its type and
// value (UUID version 5), so exporting the same record again gives the
// same UUIDs. The error joins a *Problem for every field at fault (Path
// "Info", "Items[2].Value", …).
func NewEvent(d Draft) (*Event, error) {
	var errs []error
	bad := func(p Problem) { errs = append(errs, &p) }
	if strings.TrimSpace(d.Info) == "" {
		bad(Problem{Code: CodeMissing, Path: "Info"})
	}
	if d.Date.IsZero() {
		bad(Problem{Code: CodeMissing, Path: "Date"})
	}
	id := d.UUID
	if id == "" {
		id = newUUID()
	} else if !ValidUUID(id) {
		bad(Problem{Code: CodeUUIDInvalid, Path: "UUID", Value: short(id)})
	}
	id = strings.ToLower(id)
	if d.Distribution < 0 || d.Distribution > 4 {
		bad(Problem{Code: CodeDistribution, Path: "Distribution", Value: fmt.Sprint(d.Distribution), Want: "0–4"})
	}
	threat := d.ThreatLevel
	if threat == 0 {
		threat = 4
	}
	if threat < 1 || threat > 4 {
		bad(Problem{Code: CodeThreatLevel, Path: "ThreatLevel", Value: fmt.Sprint(d.ThreatLevel), Want: "1–4"})
	}
	if d.Analysis < 0 || d.Analysis > 2 {
		bad(Problem{Code: CodeAnalysis, Path: "Analysis", Value: fmt.Sprint(d.Analysis), Want: "0–2"})
	}
	stamp := d.Timestamp
	if stamp.IsZero() {
		stamp = d.Date
	}
	e := &Event{
		UUID:         id,
		Info:         d.Info,
		Date:         time.Date(d.Date.Year(), d.Date.Month(), d.Date.Day(), 0, 0, 0, 0, time.UTC),
		ThreatLevel:  threat,
		Analysis:     d.Analysis,
		Distribution: d.Distribution,
		Published:    d.Published,
		Timestamp:    stamp.UTC().Truncate(time.Second),
		Orgc:         d.Orgc,
		Tags:         tagList(d.TLP, d.Tags),
		Attributes:   []Attribute{},
	}
	if d.TLP != "" && TLPTag(d.TLP) == "" {
		bad(Problem{Code: CodeTLPInvalid, Path: "TLP", Value: short(d.TLP), Want: tlpLevels})
	}
	seen := make(map[string]bool)
	for i, it := range d.Items {
		path := fmt.Sprintf("Items[%d]", i)
		ex, ok := exports[it.Type]
		if !ok {
			bad(Problem{Code: CodeTypeUnknown, Path: path + ".Type", Value: short(string(it.Type))})
			continue
		}
		value, err := observe.Normalize(it.Type, it.Value)
		if err != nil {
			bad(Problem{Code: CodeValueUnreadable, Path: path + ".Value", Value: short(it.Value), Want: string(it.Type)})
			continue
		}
		category := ex.Category
		if it.Category != "" {
			category = it.Category
			if !Allowed(category, ex.Type) {
				bad(Problem{Code: CodeCategoryType, Path: path + ".Category", Value: short(category),
					Want: strings.Join(typeCategories[ex.Type], ", ")})
				continue
			}
		}
		if it.TLP != "" && TLPTag(it.TLP) == "" {
			bad(Problem{Code: CodeTLPInvalid, Path: path + ".TLP", Value: short(it.TLP), Want: tlpLevels})
			continue
		}
		key := ex.Type + "\x00" + value
		if seen[key] {
			continue
		}
		seen[key] = true
		comment := it.Comment
		if ex.Comment != "" {
			comment = strings.TrimSpace(ex.Comment + ". " + comment)
			comment = strings.TrimSuffix(comment, ".")
		}
		e.Attributes = append(e.Attributes, Attribute{
			UUID:         uuidV5(id, ex.Type+"|"+value),
			Type:         ex.Type,
			Category:     category,
			Value:        value,
			ToIDs:        ex.ToIDs,
			Comment:      comment,
			Timestamp:    e.Timestamp,
			FirstSeen:    it.FirstSeen,
			LastSeen:     it.LastSeen,
			Distribution: InheritEvent,
			Tags:         tagList(it.TLP, it.Tags),
		})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

const tlpLevels = "clear, green, amber, amber+strict, red"

func tagList(tlp string, names []string) []Tag {
	var tags []Tag
	if t := TLPTag(tlp); t != "" {
		tags = append(tags, Tag{Name: t, Colour: tlpColour[tlp]})
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			tags = append(tags, Tag{Name: n})
		}
	}
	return tags
}

// tlpColour are the colours MISP's TLP taxonomy gives its tags.
var tlpColour = map[string]string{
	"clear": "#ffffff", "green": "#33ff00", "amber": "#ffc000", "amber+strict": "#ffc000", "red": "#ff2b2b",
}

// MarshalJSON writes the event as MISP does, without the {"Event": …} around it.
func (e *Event) MarshalJSON() ([]byte, error) { return json.Marshal(eventWire(e)) }

// Marshal writes the event as MISP's event view and import take it: {"Event": {...}}.
func Marshal(e *Event) ([]byte, error) {
	return json.Marshal(struct {
		Event *wireEvent `json:"Event"`
	}{eventWire(e)})
}

// Write writes the event as Marshal does, followed by a newline.
func Write(w io.Writer, e *Event) error {
	b, err := Marshal(e)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// uuidV5 returns the name-based (SHA-1, version 5) UUID of name in the namespace UUID ns.
func uuidV5(ns, name string) string {
	raw, _ := hex.DecodeString(strings.ReplaceAll(ns, "-", ""))
	h := sha1.New()
	h.Write(raw)
	h.Write([]byte(name))
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
