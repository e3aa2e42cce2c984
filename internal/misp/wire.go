package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The wire types mirror MISP's JSON. Reading, they take numbers and flags
// written either way (3 or "3", true or "1"); writing, they give what MISP
// writes: strings for numbers and times, JSON booleans for flags.

// jtext is a JSON scalar read as its text: a string as it is, a number or
// boolean as written, null as "". It is written as a JSON string.
type jtext string

func (t *jtext) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return errors.New("empty value")
	case b[0] == '"':
		// Without escapes and with valid UTF-8 the text is the bytes
		// between the quotes; otherwise the decoder turns bad bytes into
		// U+FFFD, as writing would.
		if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*t = jtext(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = jtext(s)
	case b[0] == '{' || b[0] == '[':
		return errors.New("an object or list where a single value belongs")
	case string(b) == "null":
		*t = ""
	default:
		*t = jtext(b)
	}
	return nil
}

func (t jtext) MarshalJSON() ([]byte, error) { return json.Marshal(string(t)) }

// jbool is a flag read as its text (true, "1", 0, …) and written as a JSON boolean.
type jbool string

func (f *jbool) UnmarshalJSON(b []byte) error { return (*jtext)(f).UnmarshalJSON(b) }

func (f jbool) MarshalJSON() ([]byte, error) {
	v, _ := parseBool(string(f))
	return strconv.AppendBool(nil, v), nil
}

func boolText(v bool) jbool { return jbool(strconv.FormatBool(v)) }

type wireOrg struct {
	ID   jtext `json:"id,omitempty"`
	Name jtext `json:"name,omitempty"`
	UUID jtext `json:"uuid,omitempty"`
}

// UnmarshalJSON takes an organisation as an object or, as event indexes
// write it ("org": "CIRCL"), as its name.
func (o *wireOrg) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		type plain wireOrg
		return json.Unmarshal(b, (*plain)(o))
	}
	var name jtext
	if err := name.UnmarshalJSON(b); err != nil {
		return err
	}
	if name != "" {
		o.Name = name
	}
	return nil
}

type wireTag struct {
	Name   jtext `json:"name"`
	Colour jtext `json:"colour,omitempty"`
	Local  jbool `json:"local,omitempty"`
}

type wireCluster struct {
	UUID        jtext           `json:"uuid,omitempty"`
	Type        jtext           `json:"type,omitempty"`
	Value       jtext           `json:"value"`
	TagName     jtext           `json:"tag_name,omitempty"`
	Description jtext           `json:"description,omitempty"`
	Source      jtext           `json:"source,omitempty"`
	Authors     []jtext         `json:"authors,omitempty"`
	Meta        json.RawMessage `json:"meta,omitempty"`
}

type wireGalaxy struct {
	UUID        jtext         `json:"uuid,omitempty"`
	Name        jtext         `json:"name,omitempty"`
	Type        jtext         `json:"type,omitempty"`
	Namespace   jtext         `json:"namespace,omitempty"`
	Description jtext         `json:"description,omitempty"`
	Clusters    []wireCluster `json:"GalaxyCluster,omitempty"`
}

type wireSighting struct {
	UUID          jtext    `json:"uuid,omitempty"`
	Type          jtext    `json:"type"`
	DateSighting  jtext    `json:"date_sighting,omitempty"`
	Source        jtext    `json:"source,omitempty"`
	AttributeUUID jtext    `json:"attribute_uuid,omitempty"`
	Organisation  *wireOrg `json:"Organisation,omitempty"`
}

type wireAttribute struct {
	UUID               jtext          `json:"uuid,omitempty"`
	ID                 jtext          `json:"id,omitempty"`
	Type               jtext          `json:"type"`
	Category           jtext          `json:"category"`
	Value              jtext          `json:"value"`
	ToIDs              jbool          `json:"to_ids"`
	Comment            jtext          `json:"comment,omitempty"`
	Timestamp          jtext          `json:"timestamp,omitempty"`
	FirstSeen          jtext          `json:"first_seen,omitempty"`
	LastSeen           jtext          `json:"last_seen,omitempty"`
	Distribution       jtext          `json:"distribution"`
	SharingGroupID     jtext          `json:"sharing_group_id,omitempty"`
	Deleted            jbool          `json:"deleted,omitempty"`
	DisableCorrelation jbool          `json:"disable_correlation,omitempty"`
	ObjectRelation     jtext          `json:"object_relation,omitempty"`
	Data               jtext          `json:"data,omitempty"`
	Tags               []wireTag      `json:"Tag,omitempty"`
	Galaxies           []wireGalaxy   `json:"Galaxy,omitempty"`
	Sightings          []wireSighting `json:"Sighting,omitempty"`
}

type wireReference struct {
	UUID             jtext `json:"uuid,omitempty"`
	ObjectUUID       jtext `json:"object_uuid,omitempty"`
	ReferencedUUID   jtext `json:"referenced_uuid"`
	RelationshipType jtext `json:"relationship_type"`
	Comment          jtext `json:"comment,omitempty"`
	Timestamp        jtext `json:"timestamp,omitempty"`
	Deleted          jbool `json:"deleted,omitempty"`
}

type wireObject struct {
	UUID            jtext           `json:"uuid,omitempty"`
	ID              jtext           `json:"id,omitempty"`
	Name            jtext           `json:"name"`
	MetaCategory    jtext           `json:"meta-category,omitempty"`
	Description     jtext           `json:"description,omitempty"`
	TemplateUUID    jtext           `json:"template_uuid,omitempty"`
	TemplateVersion jtext           `json:"template_version,omitempty"`
	Comment         jtext           `json:"comment,omitempty"`
	Distribution    jtext           `json:"distribution"`
	SharingGroupID  jtext           `json:"sharing_group_id,omitempty"`
	Timestamp       jtext           `json:"timestamp,omitempty"`
	FirstSeen       jtext           `json:"first_seen,omitempty"`
	LastSeen        jtext           `json:"last_seen,omitempty"`
	Deleted         jbool           `json:"deleted,omitempty"`
	Attributes      []wireAttribute `json:"Attribute"`
	References      []wireReference `json:"ObjectReference,omitempty"`
	Tags            []wireTag       `json:"Tag,omitempty"`
}

type wireReport struct {
	UUID         jtext `json:"uuid,omitempty"`
	Name         jtext `json:"name"`
	Content      jtext `json:"content"`
	Distribution jtext `json:"distribution"`
	Timestamp    jtext `json:"timestamp,omitempty"`
	Deleted      jbool `json:"deleted,omitempty"`
}

type wireEvent struct {
	UUID             jtext           `json:"uuid,omitempty"`
	ID               jtext           `json:"id,omitempty"`
	Info             jtext           `json:"info"`
	Date             jtext           `json:"date,omitempty"`
	ThreatLevel      jtext           `json:"threat_level_id"`
	Analysis         jtext           `json:"analysis"`
	Distribution     jtext           `json:"distribution"`
	SharingGroupID   jtext           `json:"sharing_group_id,omitempty"`
	Published        jbool           `json:"published"`
	Timestamp        jtext           `json:"timestamp,omitempty"`
	PublishTimestamp jtext           `json:"publish_timestamp,omitempty"`
	ExtendsUUID      jtext           `json:"extends_uuid,omitempty"`
	Org              *wireOrg        `json:"Org,omitempty"`
	Orgc             *wireOrg        `json:"Orgc,omitempty"`
	Tags             []wireTag       `json:"Tag,omitempty"`
	Galaxies         []wireGalaxy    `json:"Galaxy,omitempty"`
	Attributes       []wireAttribute `json:"Attribute"`
	Objects          []wireObject    `json:"Object"`
	Reports          []wireReport    `json:"EventReport,omitempty"`
	Sightings        []wireSighting  `json:"Sighting,omitempty"`
	// EventTags is how event indexes list tags: [{"Tag": {...}}]. Read only.
	EventTags []struct {
		Tag wireTag `json:"Tag"`
	} `json:"EventTag,omitempty"`
}

// empty reports whether none of an event's fields was given: the JSON
// object was {} or something else than an event (a STIX bundle, a galaxy).
func (w *wireEvent) empty() bool {
	return w.UUID == "" && w.Info == "" && w.Date == "" &&
		len(w.Attributes) == 0 && len(w.Objects) == 0 && len(w.Tags) == 0 && len(w.EventTags) == 0 &&
		len(w.Reports) == 0 && len(w.Galaxies) == 0
}

// wireEnvelope reads an element that is either {"Event": {...}} or a bare event.
type wireEnvelope struct {
	Event *wireEvent `json:"Event"`
	wireEvent
}

// ---- reading: wire → Event ----

// fields collects the values of one JSON object that could not be read.
type fields []badField

func (f *fields) add(name string, code Code, raw jtext) {
	*f = append(*f, badField{field: name, code: code, raw: string(raw)})
}

func (f *fields) flag(name string, v jbool) bool {
	b, ok := parseBool(string(v))
	if !ok {
		f.add(name, CodeBoolInvalid, jtext(v))
	}
	return b
}

func (f *fields) unix(name string, v jtext) time.Time {
	t, ok := parseUnix(string(v))
	if !ok {
		f.add(name, CodeTimestampInvalid, v)
	}
	return t
}

func (f *fields) seen(name string, v jtext) time.Time {
	t, ok := parseSeen(string(v))
	if !ok {
		f.add(name, CodeTimestampInvalid, v)
	}
	return t
}

// level reads a small number in [lo, hi]; absent gives def, unreadable gives bad.
func (f *fields) level(name string, v jtext, code Code, lo, hi, def, bad int) int {
	s := strings.TrimSpace(string(v))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		f.add(name, code, v)
		return bad
	}
	return n
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "0":
		return false, true
	case "true", "1":
		return true, true
	}
	return false, false
}

// parseUnix reads seconds since 1970 ("1597300000", or with a fraction); "" and "0" are no time.
func parseUnix(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return time.Time{}, false
	}
	if frac != "" {
		if _, err := strconv.ParseUint(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	if n == 0 {
		return time.Time{}, true
	}
	return time.Unix(n, 0).UTC(), true
}

// seenLayouts are the ISO 8601 forms first_seen and last_seen come in.
var seenLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// parseSeen reads an ISO 8601 time (a time without a zone is UTC) or seconds since 1970.
func parseSeen(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:") {
		return parseUnix(s)
	}
	for _, l := range seenLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseDate reads an event date: YYYY-MM-DD (a time after it is ignored).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

func (w *wireOrg) org() Org {
	if w == nil {
		return Org{}
	}
	return Org{ID: string(w.ID), Name: string(w.Name), UUID: string(w.UUID)}
}

func readTags(ws []wireTag) []Tag {
	if len(ws) == 0 {
		return nil
	}
	tags := make([]Tag, len(ws))
	for i, w := range ws {
		local, _ := parseBool(string(w.Local))
		tags[i] = Tag{Name: string(w.Name), Colour: string(w.Colour), Local: local}
	}
	return tags
}

func readGalaxies(ws []wireGalaxy) []Galaxy {
	if len(ws) == 0 {
		return nil
	}
	gs := make([]Galaxy, len(ws))
	for i, w := range ws {
		g := Galaxy{UUID: string(w.UUID), Name: string(w.Name), Type: string(w.Type),
			Namespace: string(w.Namespace), Description: string(w.Description)}
		for _, c := range w.Clusters {
			cl := GalaxyCluster{UUID: string(c.UUID), Type: string(c.Type), Value: string(c.Value),
				TagName: string(c.TagName), Description: string(c.Description), Source: string(c.Source), Meta: c.Meta}
			for _, a := range c.Authors {
				cl.Authors = append(cl.Authors, string(a))
			}
			g.Clusters = append(g.Clusters, cl)
		}
		gs[i] = g
	}
	return gs
}

func readSightings(ws []wireSighting) []Sighting {
	if len(ws) == 0 {
		return nil
	}
	ss := make([]Sighting, len(ws))
	for i, w := range ws {
		var f fields
		ss[i] = Sighting{
			UUID:          string(w.UUID),
			Type:          f.level("type", w.Type, CodeSightingType, 0, 2, Sighted, Sighted),
			DateSighting:  f.unix("date_sighting", w.DateSighting),
			Source:        string(w.Source),
			Organisation:  w.Organisation.org(),
			AttributeUUID: string(w.AttributeUUID),
		}
		ss[i].bad = f
	}
	return ss
}

func readAttributes(ws []wireAttribute) []Attribute {
	if len(ws) == 0 {
		return nil
	}
	as := make([]Attribute, len(ws))
	for i := range ws {
		w := &ws[i]
		var f fields
		as[i] = Attribute{
			UUID:               string(w.UUID),
			ID:                 string(w.ID),
			Type:               string(w.Type),
			Category:           string(w.Category),
			Value:              string(w.Value),
			ToIDs:              f.flag("to_ids", w.ToIDs),
			Comment:            string(w.Comment),
			Timestamp:          f.unix("timestamp", w.Timestamp),
			FirstSeen:          f.seen("first_seen", w.FirstSeen),
			LastSeen:           f.seen("last_seen", w.LastSeen),
			Distribution:       f.level("distribution", w.Distribution, CodeDistribution, 0, 5, InheritEvent, YourOrganisation),
			SharingGroupID:     string(w.SharingGroupID),
			Deleted:            f.flag("deleted", w.Deleted),
			DisableCorrelation: f.flag("disable_correlation", w.DisableCorrelation),
			ObjectRelation:     string(w.ObjectRelation),
			Data:               string(w.Data),
			Tags:               readTags(w.Tags),
			Galaxies:           readGalaxies(w.Galaxies),
			Sightings:          readSightings(w.Sightings),
		}
		as[i].bad = f
	}
	return as
}

func readObjects(ws []wireObject) []Object {
	if len(ws) == 0 {
		return nil
	}
	os := make([]Object, len(ws))
	for i := range ws {
		w := &ws[i]
		var f fields
		o := Object{
			UUID:            string(w.UUID),
			ID:              string(w.ID),
			Name:            string(w.Name),
			MetaCategory:    string(w.MetaCategory),
			Description:     string(w.Description),
			TemplateUUID:    string(w.TemplateUUID),
			TemplateVersion: string(w.TemplateVersion),
			Comment:         string(w.Comment),
			Distribution:    f.level("distribution", w.Distribution, CodeDistribution, 0, 5, InheritEvent, YourOrganisation),
			SharingGroupID:  string(w.SharingGroupID),
			Timestamp:       f.unix("timestamp", w.Timestamp),
			FirstSeen:       f.seen("first_seen", w.FirstSeen),
			LastSeen:        f.seen("last_seen", w.LastSeen),
			Deleted:         f.flag("deleted", w.Deleted),
			Attributes:      readAttributes(w.Attributes),
			Tags:            readTags(w.Tags),
		}
		for _, r := range w.References {
			var rf fields
			o.References = append(o.References, ObjectReference{
				UUID:             string(r.UUID),
				ObjectUUID:       string(r.ObjectUUID),
				ReferencedUUID:   string(r.ReferencedUUID),
				RelationshipType: string(r.RelationshipType),
				Comment:          string(r.Comment),
				Timestamp:        rf.unix("timestamp", r.Timestamp),
				Deleted:          rf.flag("deleted", r.Deleted),
				bad:              rf,
			})
		}
		o.bad = f
		os[i] = o
	}
	return os
}

func readEvent(w *wireEvent) *Event {
	var f fields
	date, ok := parseDate(string(w.Date))
	if !ok {
		f.add("date", CodeDateInvalid, w.Date)
	}
	e := &Event{
		UUID:             string(w.UUID),
		ID:               string(w.ID),
		Info:             string(w.Info),
		Date:             date,
		ThreatLevel:      f.level("threat_level_id", w.ThreatLevel, CodeThreatLevel, 1, 4, 4, 4),
		Analysis:         f.level("analysis", w.Analysis, CodeAnalysis, 0, 2, 0, 0),
		Distribution:     f.level("distribution", w.Distribution, CodeDistribution, 0, 4, YourOrganisation, YourOrganisation),
		SharingGroupID:   string(w.SharingGroupID),
		Published:        f.flag("published", w.Published),
		Timestamp:        f.unix("timestamp", w.Timestamp),
		PublishTimestamp: f.unix("publish_timestamp", w.PublishTimestamp),
		ExtendsUUID:      string(w.ExtendsUUID),
		Org:              w.Org.org(),
		Orgc:             w.Orgc.org(),
		Tags:             readTags(w.Tags),
		Galaxies:         readGalaxies(w.Galaxies),
		Attributes:       readAttributes(w.Attributes),
		Objects:          readObjects(w.Objects),
		Sightings:        readSightings(w.Sightings),
	}
	for _, et := range w.EventTags {
		e.Tags = append(e.Tags, readTags([]wireTag{et.Tag})...)
	}
	for _, r := range w.Reports {
		var rf fields
		e.Reports = append(e.Reports, EventReport{
			UUID:         string(r.UUID),
			Name:         string(r.Name),
			Content:      string(r.Content),
			Distribution: rf.level("distribution", r.Distribution, CodeDistribution, 0, 5, InheritEvent, YourOrganisation),
			Timestamp:    rf.unix("timestamp", r.Timestamp),
			Deleted:      rf.flag("deleted", r.Deleted),
			bad:          rf,
		})
	}
	e.bad = f
	return e
}

// ---- writing: Event → wire ----

func unixText(t time.Time) jtext {
	if t.IsZero() {
		return ""
	}
	return jtext(strconv.FormatInt(t.Unix(), 10))
}

func seenText(t time.Time) jtext {
	if t.IsZero() {
		return ""
	}
	return jtext(t.UTC().Format("2006-01-02T15:04:05.000000Z07:00"))
}

func intText(n int) jtext { return jtext(strconv.Itoa(n)) }

func orgWire(o Org) *wireOrg {
	if o == (Org{}) {
		return nil
	}
	return &wireOrg{ID: jtext(o.ID), Name: jtext(o.Name), UUID: jtext(o.UUID)}
}

func tagsWire(ts []Tag) []wireTag {
	var ws []wireTag
	for _, t := range ts {
		w := wireTag{Name: jtext(t.Name), Colour: jtext(t.Colour)}
		if t.Local {
			w.Local = boolText(true)
		}
		ws = append(ws, w)
	}
	return ws
}

func galaxiesWire(gs []Galaxy) []wireGalaxy {
	var ws []wireGalaxy
	for _, g := range gs {
		w := wireGalaxy{UUID: jtext(g.UUID), Name: jtext(g.Name), Type: jtext(g.Type),
			Namespace: jtext(g.Namespace), Description: jtext(g.Description)}
		for _, c := range g.Clusters {
			wc := wireCluster{UUID: jtext(c.UUID), Type: jtext(c.Type), Value: jtext(c.Value),
				TagName: jtext(c.TagName), Description: jtext(c.Description), Source: jtext(c.Source), Meta: c.Meta}
			for _, a := range c.Authors {
				wc.Authors = append(wc.Authors, jtext(a))
			}
			w.Clusters = append(w.Clusters, wc)
		}
		ws = append(ws, w)
	}
	return ws
}

func sightingsWire(ss []Sighting) []wireSighting {
	var ws []wireSighting
	for _, s := range ss {
		ws = append(ws, wireSighting{UUID: jtext(s.UUID), Type: intText(s.Type), DateSighting: unixText(s.DateSighting),
			Source: jtext(s.Source), AttributeUUID: jtext(s.AttributeUUID), Organisation: orgWire(s.Organisation)})
	}
	return ws
}

func attributesWire(as []Attribute) []wireAttribute {
	ws := make([]wireAttribute, 0, len(as))
	for i := range as {
		a := &as[i]
		w := wireAttribute{
			UUID: jtext(a.UUID), ID: jtext(a.ID), Type: jtext(a.Type), Category: jtext(a.Category),
			Value: jtext(a.Value), ToIDs: boolText(a.ToIDs), Comment: jtext(a.Comment),
			Timestamp: unixText(a.Timestamp), FirstSeen: seenText(a.FirstSeen), LastSeen: seenText(a.LastSeen),
			Distribution: intText(a.Distribution), SharingGroupID: jtext(a.SharingGroupID),
			ObjectRelation: jtext(a.ObjectRelation), Data: jtext(a.Data),
			Tags: tagsWire(a.Tags), Galaxies: galaxiesWire(a.Galaxies), Sightings: sightingsWire(a.Sightings),
		}
		if a.Deleted {
			w.Deleted = boolText(true)
		}
		if a.DisableCorrelation {
			w.DisableCorrelation = boolText(true)
		}
		ws = append(ws, w)
	}
	return ws
}

func eventWire(e *Event) *wireEvent {
	w := &wireEvent{
		UUID: jtext(e.UUID), ID: jtext(e.ID), Info: jtext(e.Info),
		ThreatLevel: intText(e.ThreatLevel), Analysis: intText(e.Analysis), Distribution: intText(e.Distribution),
		SharingGroupID: jtext(e.SharingGroupID), Published: boolText(e.Published),
		Timestamp: unixText(e.Timestamp), PublishTimestamp: unixText(e.PublishTimestamp),
		ExtendsUUID: jtext(e.ExtendsUUID), Org: orgWire(e.Org), Orgc: orgWire(e.Orgc),
		Tags: tagsWire(e.Tags), Galaxies: galaxiesWire(e.Galaxies),
		Attributes: attributesWire(e.Attributes), Objects: []wireObject{},
		Sightings: sightingsWire(e.Sightings),
	}
	if !e.Date.IsZero() {
		w.Date = jtext(e.Date.Format(time.DateOnly))
	}
	for i := range e.Objects {
		o := &e.Objects[i]
		wo := wireObject{
			UUID: jtext(o.UUID), ID: jtext(o.ID), Name: jtext(o.Name), MetaCategory: jtext(o.MetaCategory),
			Description: jtext(o.Description), TemplateUUID: jtext(o.TemplateUUID), TemplateVersion: jtext(o.TemplateVersion),
			Comment: jtext(o.Comment), Distribution: intText(o.Distribution), SharingGroupID: jtext(o.SharingGroupID),
			Timestamp: unixText(o.Timestamp), FirstSeen: seenText(o.FirstSeen), LastSeen: seenText(o.LastSeen),
			Attributes: attributesWire(o.Attributes), Tags: tagsWire(o.Tags),
		}
		if o.Deleted {
			wo.Deleted = boolText(true)
		}
		for _, r := range o.References {
			wr := wireReference{UUID: jtext(r.UUID), ObjectUUID: jtext(r.ObjectUUID), ReferencedUUID: jtext(r.ReferencedUUID),
				RelationshipType: jtext(r.RelationshipType), Comment: jtext(r.Comment), Timestamp: unixText(r.Timestamp)}
			if r.Deleted {
				wr.Deleted = boolText(true)
			}
			wo.References = append(wo.References, wr)
		}
		w.Objects = append(w.Objects, wo)
	}
	for _, r := range e.Reports {
		wr := wireReport{UUID: jtext(r.UUID), Name: jtext(r.Name), Content: jtext(r.Content),
			Distribution: intText(r.Distribution), Timestamp: unixText(r.Timestamp)}
		if r.Deleted {
			wr.Deleted = boolText(true)
		}
		w.Reports = append(w.Reports, wr)
	}
	return w
}
