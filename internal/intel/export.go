package intel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	guuid "github.com/google/uuid"

	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
)

// Exports: koban's own records (a report, a case with its reports) written
// as STIX 2.1 and as MISP events for partners. What goes out is a
// SharedReport: the facts of a report (kind, category, prefecture, dates,
// amount lost) and its observables — never the reporter's name, contact
// details or words. A report's text is not exported: people write their
// own names, family and addresses into it, and no rule could take them out
// reliably.
//
// Every object carries the TLP of the record it comes from (a case the
// strictest of its reports'), and every id is derived from the record, so
// that exporting the same record again gives the same objects and a
// partner updates rather than duplicates them.

// SharedReport is what an export may say of one report.
type SharedReport struct {
	Receipt    string
	Kind       string // intake.Kind
	Category   string // a taxonomy code; "" unknown
	Status     string // intake.Status
	Prefecture string // JIS code; "" unknown
	AmountJPY  int64
	OccurredAt time.Time // zero when unknown
	CreatedAt  time.Time // when koban received it
	UpdatedAt  time.Time
	TLP        tlp.Level
	// Observables are the values the report holds, in canonical form, less
	// the reporter's own contact details (intake.Service.Shareable).
	Observables []observe.Observable
	// Sightings are the indicators koban holds (from partners) that a value
	// of the report sighted, each as far as the exporting officer may know
	// of it.
	Sightings []Sighted
}

// Sighted is an indicator koban holds that a record sighted.
type Sighted struct {
	StixID string // the indicator's STIX id, as its producer wrote it
	TLP    tlp.Level
	At     time.Time // when the sighting was recorded
}

// SharedCase is what an export may say of a case: its number, title and
// workflow, never its summary or notes (officers' words about people).
type SharedCase struct {
	Number    string
	Title     string
	Category  string
	Severity  string
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
	// TLP is the strictest level of every report linked to the case (those
	// the officer may not view included), amber when none is linked.
	TLP tlp.Level
	// Reports are the linked reports the exporting officer may view.
	Reports []SharedReport
}

// Wording is how exports write their few words: in Japanese (T reads the
// ja catalog, as court bundles do), dates in the zone koban keeps (loc).
// Benign says which values sit on a warning list: they go out as
// observables but never as indicators (nil: none does).
type Wording struct {
	T      func(key string, pairs ...string) string
	Loc    *time.Location
	Benign func(observe.Observable) bool
}

// exportNamespace is the UUID namespace from which the ids of exported
// objects are derived (never change it: partners dedupe on those ids).
var exportNamespace = guuid.MustParse("ab0cc109-fa75-4d46-9259-d3a36d1780b3")

// recordKey names a record among every record koban exports: a report by
// its receipt number, a case by its number.
func reportKey(r SharedReport) string { return "report:" + r.Receipt }
func caseKey(c SharedCase) string     { return "case:" + c.Number }

// RecordUUID is the UUID that stands for a record in its exports (a MISP
// event's UUID, the seed of its STIX objects' ids).
func RecordUUID(key string) string { return guuid.NewSHA1(exportNamespace, []byte(key)).String() }

// derivedID is the id of the part of a record's export named part (see
// stableID).
func derivedID(typ, key, part string) string {
	return stableID(exportNamespace, typ, key+"\x00"+typ+"\x00"+part)
}

// stableID is the id of an SDO or SRO koban makes of name in namespace ns:
// the SHA-1 name-based UUID of UUIDv5, written with the version 4 bits
// that STIX requires of SDO and SRO ids (koban's validator holds every
// producer to it), so that the same thing gets the same id every time.
func stableID(ns guuid.UUID, typ, name string) string {
	u := guuid.NewSHA1(ns, []byte(name))
	u[6] = u[6]&0x0f | 0x40
	return typ + "--" + u.String()
}

// stixLevel is the TLP 2.0 marking of a level ("" is amber, as for every
// record without one).
func stixLevel(l tlp.Level) stix.TLP {
	if l == "" {
		l = tlp.Amber
	}
	t, err := stix.ParseTLP(string(l))
	if err != nil {
		return stix.TLPRed // a level koban cannot read travels like red
	}
	return t
}

func level(l tlp.Level) tlp.Level {
	if l == "" {
		return tlp.Amber
	}
	return l
}

// stixStamp is a time as the export writes it (UTC, milliseconds).
func stixStamp(t time.Time) string { return stix.NewTimestamp(t).String() }

// socialAccountTypes are the account_type a user-account is written with
// for each social network (STIX's account-type-ov is open).
var socialAccountTypes = map[observe.Type]string{
	observe.X: "twitter", observe.Instagram: "instagram", observe.Telegram: "telegram", observe.Line: "line", observe.TikTok: "tiktok",
}

// stixHashNames are the STIX names of the hashes koban reads.
var stixHashNames = map[observe.Type]string{observe.MD5: "MD5", observe.SHA1: "SHA-1", observe.SHA256: "SHA-256", observe.SHA512: "SHA-512"}

// SCOOf is the cyber-observable object that stands for an observable, and
// false for a type that has none (a CVE is a vulnerability, an SDO).
func SCOOf(o observe.Observable) (*stix.Object, bool, error) {
	var sco *stix.Object
	var err error
	switch o.Type {
	case observe.Domain:
		sco, err = stix.NewSCO("domain-name", map[string]any{"value": o.Value})
	case observe.URL:
		sco, err = stix.NewSCO("url", map[string]any{"value": o.Value})
	case observe.Email:
		sco, err = stix.NewSCO("email-addr", map[string]any{"value": o.Value})
	case observe.IPv4:
		sco, err = stix.NewSCO("ipv4-addr", map[string]any{"value": o.Value})
	case observe.IPv6:
		sco, err = stix.NewSCO("ipv6-addr", map[string]any{"value": o.Value})
	case observe.CIDR:
		typ := "ipv4-addr"
		if strings.Contains(o.Value, ":") {
			typ = "ipv6-addr"
		}
		sco, err = stix.NewSCO(typ, map[string]any{"value": o.Value})
	case observe.MD5, observe.SHA1, observe.SHA256, observe.SHA512:
		sco, err = stix.NewSCO("file", map[string]any{"hashes": map[string]string{stixHashNames[o.Type]: o.Value}})
	case observe.Phone:
		sco, err = stix.NewPhoneNumber(o.Value)
	case observe.BankAccount:
		sco, err = stix.NewBankAccount(o.Value, "")
	case observe.BTC, observe.ETH, observe.XMR, observe.TRX:
		sco, err = stix.NewCryptoWallet(o.Type, o.Value)
	case observe.ASN:
		n, perr := strconv.ParseUint(strings.TrimPrefix(o.Value, "AS"), 10, 32)
		if perr != nil {
			return nil, false, fmt.Errorf("export: %s is not an ASN", o.Value)
		}
		sco, err = stix.NewSCO("autonomous-system", map[string]any{"number": n})
	case observe.X, observe.Instagram, observe.Telegram, observe.Line, observe.TikTok:
		sco, err = stix.NewSCO("user-account", map[string]any{"account_type": socialAccountTypes[o.Type], "account_login": o.Value})
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("export: %s %q: %w", o.Type, o.Value, err)
	}
	return sco, true, nil
}

// newObject builds an SDO or SRO of the export from its properties:
// spec_version 2.1, koban as its creator, the marking given.
func newObject(typ, id string, created, modified time.Time, marking stix.TLP, props map[string]any) (*stix.Object, error) {
	if modified.Before(created) {
		modified = created
	}
	o := &stix.Object{}
	for _, p := range []struct {
		name string
		v    any
	}{{"type", typ}, {"spec_version", "2.1"}, {"id", id}, {"created_by_ref", stix.KobanIdentity},
		{"created", stixStamp(created)}, {"modified", stixStamp(modified)}} {
		if err := o.Set(p.name, p.v); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if err := o.Set(k, props[k]); err != nil {
			return nil, err
		}
	}
	return o, o.Set("object_marking_refs", []string{marking.MarkingID()})
}

// emitter writes the objects of one export, each once.
type emitter struct {
	emit func(*stix.Object) error
	w    Wording
	seen map[string]bool
	// scoLevel is the strictest level of the reports that hold each SCO,
	// by its id: the marking it goes out with.
	scoLevel map[string]stix.TLP
}

func (e *emitter) put(o *stix.Object) error {
	if e.seen[o.ID()] {
		return nil
	}
	e.seen[o.ID()] = true
	return e.emit(o)
}

// head writes koban's identity and extension definition, the TLP 2.0
// extension definition and the marking definitions of levels.
func (e *emitter) head(levels []stix.TLP) error {
	for _, o := range []*stix.Object{stix.KobanIdentityObject(), stix.KobanExtensionDefinition(), stix.TLP2ExtensionDefinition()} {
		if err := e.put(o); err != nil {
			return err
		}
	}
	slices.Sort(levels)
	for _, l := range slices.Compact(levels) {
		if err := e.put(l.Marking()); err != nil {
			return err
		}
	}
	return nil
}

// levels lists the markings a report's objects carry.
func (r SharedReport) levels() []stix.TLP {
	out := []stix.TLP{stixLevel(r.TLP)}
	for _, s := range r.Sightings {
		out = append(out, stixLevel(tlp.Strictest(tlp.Amber, level(r.TLP), level(s.TLP))))
	}
	return out
}

// noteSCOs records the level of each SCO of r (the strictest of the
// reports that hold it).
func (e *emitter) noteSCOs(r SharedReport) error {
	for _, o := range r.Observables {
		sco, ok, err := SCOOf(o)
		if err != nil {
			return err
		}
		if ok {
			e.scoLevel[sco.ID()] = e.scoLevel[sco.ID()].Max(stixLevel(r.TLP))
		}
	}
	return nil
}

// EncodeReport writes a report's STIX objects through emit: the koban
// identity and extension definitions, the TLP marking definitions used,
// then the report's own objects (see report).
func EncodeReport(r SharedReport, w Wording, emit func(*stix.Object) error) error {
	e := &emitter{emit: emit, w: w, seen: map[string]bool{}, scoLevel: map[string]stix.TLP{}}
	if err := e.noteSCOs(r); err != nil {
		return err
	}
	if err := e.head(r.levels()); err != nil {
		return err
	}
	_, err := e.report(r)
	return err
}

// EncodeCase writes a case's STIX objects through emit: the head as for a
// report, an incident for the case and a grouping (context
// "suspicious-activity") of the incident and the reports, each report's
// objects marked with its own level and the case's with the case's.
func EncodeCase(c SharedCase, w Wording, emit func(*stix.Object) error) error {
	e := &emitter{emit: emit, w: w, seen: map[string]bool{}, scoLevel: map[string]stix.TLP{}}
	caseLevel := stixLevel(c.TLP)
	levels := []stix.TLP{caseLevel}
	for _, r := range c.Reports {
		levels = append(levels, r.levels()...)
		if err := e.noteSCOs(r); err != nil {
			return err
		}
	}
	if err := e.head(levels); err != nil {
		return err
	}
	key := caseKey(c)
	var lines []string
	if cat, ok := taxonomy.Lookup(c.Category); ok {
		lines = append(lines, w.T("export.stix.category", "name", w.T("category."+string(cat.Code)+".name"), "code", string(cat.Code)))
	}
	if c.Severity != "" {
		lines = append(lines, w.T("export.stix.severity", "severity", w.T("case.severity."+c.Severity)))
	}
	if c.Status != "" {
		lines = append(lines, w.T("export.stix.status", "status", w.T("case.status."+c.Status)))
	}
	lines = append(lines, w.T("export.stix.opened", "date", day(c.CreatedAt, w.Loc)))
	name := strings.TrimSpace(c.Number + " " + c.Title)
	incident, err := newObject("incident", derivedID("incident", key, ""), c.CreatedAt, c.UpdatedAt, caseLevel, map[string]any{
		"name": name, "description": strings.Join(lines, "\n"), "lang": "ja",
		"external_references": []stix.ExternalReference{{SourceName: "koban", ExternalID: c.Number}},
	})
	if err != nil {
		return err
	}
	if err := e.put(incident); err != nil {
		return err
	}
	refs := []string{incident.ID()}
	modified := c.UpdatedAt
	for _, r := range c.Reports {
		id, err := e.report(r)
		if err != nil {
			return err
		}
		refs = append(refs, id)
		if r.UpdatedAt.After(modified) {
			modified = r.UpdatedAt
		}
	}
	grouping, err := newObject("grouping", derivedID("grouping", key, ""), c.CreatedAt, modified, caseLevel, map[string]any{
		"name": name, "context": "suspicious-activity", "object_refs": refs, "lang": "ja",
		"description": w.T("export.stix.grouping", "number", c.Number),
	})
	if err != nil {
		return err
	}
	return e.put(grouping)
}

// day is a calendar date in loc.
func day(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02")
}

// report writes one report's objects and returns its report object's id:
// each observable as an SCO (or a CVE as a vulnerability), an
// observed-data of them all (what the report saw, when), an indicator for
// each observable koban writes a pattern for and no warning list holds,
// "based-on" the observed-data, a sighting of each partner indicator a
// value sighted, and the report object that refers to them all.
func (e *emitter) report(r SharedReport) (string, error) {
	key, mark := reportKey(r), stixLevel(r.TLP)
	created, modified := r.CreatedAt, r.UpdatedAt
	var refs, scos []string
	type indicated struct {
		o       observe.Observable
		pattern string
	}
	var inds []indicated
	for _, o := range r.Observables {
		if o.Type == observe.CVE {
			v, err := newObject("vulnerability", derivedID("vulnerability", key, o.Value), created, modified, mark, map[string]any{
				"name": o.Value, "external_references": []stix.ExternalReference{{SourceName: "cve", ExternalID: o.Value}},
			})
			if err != nil {
				return "", err
			}
			if err := e.put(v); err != nil {
				return "", err
			}
			refs = append(refs, v.ID())
			continue
		}
		sco, ok, err := SCOOf(o)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		if err := sco.Set("object_marking_refs", []string{e.scoLevel[sco.ID()].MarkingID()}); err != nil {
			return "", err
		}
		if err := e.put(sco); err != nil {
			return "", err
		}
		if !slices.Contains(scos, sco.ID()) {
			scos = append(scos, sco.ID())
		}
		if p, ok := PatternOf([]observe.Observable{o}); ok && (e.w.Benign == nil || !e.w.Benign(o)) {
			inds = append(inds, indicated{o, p})
		}
	}
	refs = append(refs, scos...)
	if len(scos) > 0 {
		first, last := r.CreatedAt, r.CreatedAt
		if !r.OccurredAt.IsZero() && r.OccurredAt.Before(first) {
			first = r.OccurredAt
		}
		od, err := newObject("observed-data", derivedID("observed-data", key, ""), created, modified, mark, map[string]any{
			"first_observed": stixStamp(first), "last_observed": stixStamp(last), "number_observed": 1, "object_refs": scos,
		})
		if err != nil {
			return "", err
		}
		if err := e.put(od); err != nil {
			return "", err
		}
		refs = append(refs, od.ID())
		for _, in := range inds {
			part := string(in.o.Type) + "\x00" + in.o.Value
			ind, err := newObject("indicator", derivedID("indicator", key, part), created, modified, mark, map[string]any{
				"name": in.o.Value, "pattern": in.pattern, "pattern_type": "stix", "valid_from": stixStamp(created),
				"description": e.w.T("export.stix.indicator", "receipt", r.Receipt), "lang": "ja",
			})
			if err != nil {
				return "", err
			}
			rel, err := newObject("relationship", derivedID("relationship", key, "based-on\x00"+part), created, modified, mark, map[string]any{
				"relationship_type": "based-on", "source_ref": ind.ID(), "target_ref": od.ID(),
			})
			if err != nil {
				return "", err
			}
			if err := e.put(ind); err != nil {
				return "", err
			}
			if err := e.put(rel); err != nil {
				return "", err
			}
			refs = append(refs, ind.ID(), rel.ID())
		}
		for _, s := range r.Sightings {
			at := s.At
			if at.IsZero() || at.Before(created) {
				at = created
			}
			sl := stixLevel(tlp.Strictest(tlp.Amber, level(r.TLP), level(s.TLP)))
			sgModified := modified
			if at.After(sgModified) {
				sgModified = at
			}
			sg, err := newObject("sighting", derivedID("sighting", key, s.StixID), created, sgModified, sl, map[string]any{
				"sighting_of_ref": s.StixID, "where_sighted_refs": []string{stix.KobanIdentity}, "observed_data_refs": []string{od.ID()},
				"first_seen": stixStamp(first), "last_seen": stixStamp(last), "count": 1,
			})
			if err != nil {
				return "", err
			}
			if err := e.put(sg); err != nil {
				return "", err
			}
			refs = append(refs, sg.ID())
		}
	}
	if len(refs) == 0 {
		refs = []string{stix.KobanIdentity} // a report must refer to something: koban, which received it
	}
	rep, err := newObject("report", derivedID("report", key, ""), created, modified, mark, map[string]any{
		"name": r.Receipt, "published": stixStamp(r.CreatedAt), "report_types": []string{"threat-report"},
		"description": e.reportText(r), "lang": "ja", "object_refs": refs, "labels": reportLabels(r),
		"external_references": []stix.ExternalReference{{SourceName: "koban", ExternalID: r.Receipt}},
	})
	if err != nil {
		return "", err
	}
	return rep.ID(), e.put(rep)
}

// reportText says what koban knows of a report beyond its values, one fact
// a line: kind, category, prefecture, when it happened and was received,
// the amount lost.
func (e *emitter) reportText(r SharedReport) string {
	T := e.w.T
	lines := []string{T("export.stix.kind", "kind", T("kind."+r.Kind+".short"))}
	if cat, ok := taxonomy.Lookup(r.Category); ok {
		lines = append(lines, T("export.stix.category", "name", T("category."+string(cat.Code)+".name"), "code", string(cat.Code)))
	}
	if p, ok := org.PrefectureByCode(r.Prefecture); ok {
		lines = append(lines, T("export.stix.prefecture", "name", p.NameJA))
	}
	if !r.OccurredAt.IsZero() {
		lines = append(lines, T("export.stix.occurred", "date", day(r.OccurredAt, e.w.Loc)))
	}
	lines = append(lines, T("export.stix.received", "date", day(r.CreatedAt, e.w.Loc)))
	if r.AmountJPY > 0 {
		lines = append(lines, T("export.stix.amount", "amount", yen(r.AmountJPY)))
	}
	return strings.Join(lines, "\n")
}

// reportLabels are the report's category (its koban code and its RSIT
// class) and prefecture as labels, for receivers that filter on them.
func reportLabels(r SharedReport) []string {
	out := []string{"koban:kind=" + r.Kind}
	if cat, ok := taxonomy.Lookup(r.Category); ok {
		out = append(out, "koban:category="+string(cat.Code), "rsit:"+cat.RSIT)
	}
	if _, ok := org.PrefectureByCode(r.Prefecture); ok {
		out = append(out, "iso3166-2:JP-"+r.Prefecture)
	}
	return out
}

// yen writes an amount with thousands separators.
func yen(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
