package intel

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/misp"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/tlp"
)

// Sighting is an indicator koban holds that a record sighted.
type Sighting struct {
	Indicator *Object   // its newest version
	Record    int64     // the id the index and grants know it by (its first version's)
	At        time.Time // when the sighting was recorded
}

// ExportStore is what exports read and write beyond the services they ask.
type ExportStore interface {
	Audit(ctx context.Context, e audit.Entry) error
	// IntelSightedBy lists the indicators a record sighted.
	IntelSightedBy(ctx context.Context, recordType string, recordID int64) ([]Sighting, error)
}

// Format is what an export is written as.
type Format string

// The formats.
const (
	FormatSTIX Format = "stix" // a STIX 2.1 bundle
	FormatMISP Format = "misp" // a MISP event ({"Event": …})
)

// The media types of the formats.
const (
	STIXMediaType = "application/stix+json;version=2.1"
	MISPMediaType = "application/json"
)

// Exporter writes reports and cases for partners, as STIX or MISP. Who
// may: an officer who may view the record (a report out of sight, or a
// case, is NotFound like a missing one) and whose role holds intel.manage
// — handing a record to a partner is sharing it beyond koban, which is
// what that permission is for (the export right is the court bundle's,
// for evidence, and intake officers and investigators hold it without
// sharing intel). A TLP:RED record is exported only to an officer allowed
// to see it, which for red means named on it: the file goes to them,
// marked red, and what they do with it is theirs to answer for, as the
// audit row records. Every export is audited (report.export_stix,
// case.export_misp, …) with its format and how many objects it held.
type Exporter struct {
	intake *intake.Service
	cases  *cases.Service
	access *access.Decider
	store  ExportStore
	tree   func() *org.Tree
	words  Wording
}

// NewExporter returns an Exporter.
func NewExporter(in *intake.Service, cs *cases.Service, d *access.Decider, st ExportStore, tree func() *org.Tree, w Wording) *Exporter {
	return &Exporter{intake: in, cases: cs, access: d, store: st, tree: tree, words: w}
}

// Export is one record ready to be written out: it has been read, checked
// and audited; Write sends it.
type Export struct {
	Name        string // the file name: koban-<receipt or case number>.<format>.json
	ContentType string
	Objects     int // STIX objects, or MISP attributes
	TLP         tlp.Level
	write       func(io.Writer) error
}

// Write writes the export.
func (e *Export) Write(w io.Writer) error { return e.write(w) }

// mayShare is the role's part of the rule; the record's is asked by
// loading it.
func mayShare(p auth.Principal, f Format) error {
	if f != FormatSTIX && f != FormatMISP {
		return koban.Errorf(koban.NotFound, "error.not_found")
	}
	if !p.Can(auth.PermIntelManage) {
		return koban.Errorf(koban.Forbidden, "error.forbidden")
	}
	return nil
}

// shared loads a report as an export may say it, with the partners'
// indicators it sighted that p may know of; NotFound when p may not view
// it.
func (x *Exporter) shared(ctx context.Context, p auth.Principal, id int64) (SharedReport, *intake.Report, error) {
	r, err := x.intake.Shareable(ctx, p, id)
	if err != nil {
		return SharedReport{}, nil, err
	}
	sr := SharedReport{Receipt: r.Receipt, Kind: string(r.Kind), Category: r.Category, Status: string(r.Status), Prefecture: r.Prefecture,
		AmountJPY: r.Money.AmountJPY, OccurredAt: r.OccurredAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, TLP: level(tlp.Level(r.TLP)),
		Observables: r.Observables}
	seen, err := x.store.IntelSightedBy(ctx, "report", id)
	if err != nil {
		return SharedReport{}, nil, err
	}
	for _, s := range seen {
		ok, err := x.access.Can(ctx, p, access.View, access.Object{Type: ObjectType, ID: s.Record, OrgID: s.Indicator.OrgID, TLP: s.Indicator.TLP})
		if err != nil {
			return SharedReport{}, nil, err
		}
		if ok {
			sr.Sightings = append(sr.Sightings, Sighted{StixID: s.Indicator.StixID, TLP: s.Indicator.TLP, At: s.At})
		}
	}
	return sr, r, nil
}

// orgc is an organisation as a MISP event names its creator.
func (x *Exporter) orgc(orgID int64) misp.Org {
	o, ok := x.tree().ByID(orgID)
	if !ok {
		return misp.Org{Name: "koban"}
	}
	return misp.Org{Name: o.NameJA, UUID: RecordUUID("org:" + o.Code)}
}

// Report exports one report.
func (x *Exporter) Report(ctx context.Context, p auth.Principal, id int64, f Format) (*Export, error) {
	if err := mayShare(p, f); err != nil {
		return nil, err
	}
	sr, r, err := x.shared(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out := &Export{Name: "koban-" + sr.Receipt + "." + string(f) + ".json", TLP: sr.TLP}
	detail := map[string]any{"format": string(f), "tlp": string(sr.TLP), "sightings": len(sr.Sightings)}
	if f == FormatSTIX {
		err = x.stix(out, detail, func(emit func(*stix.Object) error) error { return EncodeReport(sr, x.words, emit) })
	} else {
		err = x.misp(out, detail, func() (*misp.Event, error) { return ReportEvent(sr, x.words, x.orgc(r.OrgID)) })
	}
	if err != nil {
		return nil, err
	}
	if err := x.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "report.export_" + string(f), ObjectType: "report",
		ObjectID: strconv.FormatInt(id, 10), Detail: detail}); err != nil {
		return nil, err
	}
	return out, nil
}

// Case exports a case with the reports linked to it that the officer may
// view, marked with the strictest level of all its reports (amber when it
// has none).
func (x *Exporter) Case(ctx context.Context, p auth.Principal, id int64, f Format) (*Export, error) {
	if err := mayShare(p, f); err != nil {
		return nil, err
	}
	c, links, err := x.cases.ForExport(ctx, p, id)
	if err != nil {
		return nil, err
	}
	sc := SharedCase{Number: c.Number, Title: c.Title, Category: c.Category, Severity: string(c.Severity), Status: string(c.Status),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, TLP: tlp.Amber}
	levels := []tlp.Level{}
	hidden := 0
	for _, l := range links {
		levels = append(levels, level(l.TLP))
		sr, _, err := x.shared(ctx, p, l.ReportID)
		switch koban.ErrorCode(err) {
		case koban.NotFound, koban.Forbidden:
			hidden++
			continue
		}
		if err != nil {
			return nil, err
		}
		sc.Reports = append(sc.Reports, sr)
	}
	sc.TLP = tlp.Strictest(tlp.Amber, levels...)
	out := &Export{Name: "koban-" + c.Number + "." + string(f) + ".json", TLP: sc.TLP}
	detail := map[string]any{"format": string(f), "tlp": string(sc.TLP), "reports": len(sc.Reports), "hidden_reports": hidden}
	if f == FormatSTIX {
		err = x.stix(out, detail, func(emit func(*stix.Object) error) error { return EncodeCase(sc, x.words, emit) })
	} else {
		err = x.misp(out, detail, func() (*misp.Event, error) { return CaseEvent(sc, x.words, x.orgc(c.OrgID)) })
	}
	if err != nil {
		return nil, err
	}
	if err := x.store.Audit(ctx, audit.Entry{Actor: p.Actor(), Action: "case.export_" + string(f), ObjectType: cases.ObjectType,
		ObjectID: strconv.FormatInt(id, 10), Detail: detail}); err != nil {
		return nil, err
	}
	return out, nil
}

// stix prepares a STIX export: the objects are counted before anything is
// audited or sent, then made again as they are written, so that no more
// than one object is held at a time.
func (x *Exporter) stix(out *Export, detail map[string]any, encode func(emit func(*stix.Object) error) error) error {
	if err := encode(func(*stix.Object) error { out.Objects++; return nil }); err != nil {
		return err
	}
	bundle := stix.NewID("bundle")
	out.ContentType = STIXMediaType
	detail["objects"], detail["bundle"] = out.Objects, bundle
	out.write = func(w io.Writer) error {
		enc := stix.NewEncoder(w, bundle)
		if err := encode(enc.Encode); err != nil {
			return err
		}
		return enc.Close()
	}
	return nil
}

// misp prepares a MISP export: the event is one object, made whole.
func (x *Exporter) misp(out *Export, detail map[string]any, event func() (*misp.Event, error)) error {
	ev, err := event()
	if err != nil {
		return err
	}
	out.ContentType, out.Objects = MISPMediaType, len(ev.Attributes)
	detail["objects"], detail["event"] = out.Objects, ev.UUID
	out.write = func(w io.Writer) error { return misp.Write(w, ev) }
	return nil
}
