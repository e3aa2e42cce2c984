package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/tlp"
)

// intelBatch is how many objects one INSERT carries on SQLite.
const intelBatch = 500

const intelInsertCols = `id, stix_id, type, spec_version, modified, source_id, org_id, tlp, name, confidence,
	valid_from, valid_until, revoked, body, added_at, record_id, version_at`

// intelInsertTypes are the types of intelInsertCols.
var intelInsertTypes = []string{colInt, colText, colText, colText, colText, colInt, colInt, colText, colText, colInt,
	colInt, colInt, colBool, colText, colInt, colInt, colInt}

// AddIntel stores objects (versions koban holds already are skipped), indexes
// the observables of the new ones nationally under their first version's id,
// marks the newest version of each object, records the sightings that the
// new indicators make of reports, and writes one audit entry, all in one
// transaction. It sets ID on the objects it stored.
func (db *DB) AddIntel(ctx context.Context, objs []*intel.Object, e audit.Entry) (intel.Stored, error) {
	var st intel.Stored
	if len(objs) == 0 {
		return st, nil
	}
	err := db.inTx(ctx, func(tx *txn) error {
		var err error
		if st, err = db.addIntel(ctx, tx, objs); err != nil {
			return err
		}
		e.Detail = mergeDetail(e.Detail, map[string]any{"added": st.Added, "duplicates": st.Duplicates})
		return db.appendAudit(ctx, tx, e)
	})
	if err != nil {
		for _, o := range objs {
			o.ID = 0
		}
		return intel.Stored{}, err
	}
	return st, nil
}

// versionAt is a version's time in the store's unit: the time the object's
// modified (else created) names, 0 when it names none.
func versionAt(v string) int64 {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0
	}
	return ts(t)
}

// addIntel is AddIntel inside tx, without the audit entry.
func (db *DB) addIntel(ctx context.Context, tx *txn, objs []*intel.Object) (intel.Stored, error) {
	var st intel.Stored
	// On PostgreSQL the audit chain's lock (which the transaction takes
	// anyway) is taken before the versions held are read: another server
	// storing a version of the same object meanwhile would otherwise make
	// this one's first version a duplicate after its record was named.
	if err := db.holdChain(ctx, tx); err != nil {
		return st, err
	}
	fresh, err := db.insertIntel(ctx, tx, objs)
	if err != nil {
		return st, err
	}
	st.Added, st.Duplicates = len(fresh), len(objs)-len(fresh)
	if len(fresh) == 0 {
		return st, nil
	}
	if err := db.markLatest(ctx, tx, fresh); err != nil {
		return st, err
	}
	recs := make([]correlate.Record, 0, len(fresh))
	for _, o := range fresh {
		if len(o.Observables) > 0 {
			recs = append(recs, correlate.Record{Key: correlate.Key{Type: correlate.Intel, ID: o.recordID},
				OrgID: o.OrgID, TLP: string(o.TLP), At: o.AddedAt, Observables: o.Observables, Fresh: o.recordID == o.ID})
		}
	}
	ix := db.newIndexer(tx)
	if err := ix.index(ctx, recs); err != nil {
		return st, fmt.Errorf("index intel: %w", err)
	}
	st.Sightings, err = ix.sightIndicators(ctx, fresh)
	return st, err
}

// stored is an object inserted in this transaction with the id the index
// knows it by: its first version's.
type stored struct {
	*intel.Object
	recordID int64
}

// insertIntel inserts the versions not held yet and returns them. Each
// row's id is drawn before it is written, so that a version names the
// record it belongs to (its object's first version, held already or in
// this batch) as it is inserted, never by an update after.
func (db *DB) insertIntel(ctx context.Context, tx *txn, objs []*intel.Object) ([]stored, error) {
	// The first version of each object names it in the index: look up
	// those already held, then the batch's own.
	first, err := db.firstVersions(ctx, tx, objs)
	if err != nil {
		return nil, err
	}
	ids, err := db.drawIDs(ctx, tx, "intel_objects", len(objs), 0)
	if err != nil {
		return nil, err
	}
	recs := make([]int64, len(objs))
	for i, o := range objs {
		if first[o.StixID] == 0 {
			// Nothing of the object is held, so this version is not
			// either: it is stored, and the object's record is its id.
			first[o.StixID] = ids[i]
		}
		recs[i] = first[o.StixID]
	}
	var out []stored
	per := db.d.perStatement(len(intelInsertTypes), intelBatch)
	for start := 0; start < len(objs); start += per {
		part := objs[start:min(start+per, len(objs))]
		args := make([]any, 0, len(part)*len(intelInsertTypes))
		for j, o := range part {
			i := start + j
			args = append(args, ids[i], o.StixID, o.Type, o.SpecVersion, o.Modified, nullID(o.SourceID), o.OrgID, string(o.TLP),
				o.Name, o.Confidence, ts(o.ValidFrom), ts(o.ValidUntil), o.Revoked, string(o.Body), ts(o.AddedAt), recs[i],
				versionAt(o.Modified))
		}
		src, args, err := db.d.insertRows(intelInsertTypes, args)
		if err != nil {
			return nil, fmt.Errorf("insert intel: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO intel_objects (`+intelInsertCols+`) `+src+
			` ON CONFLICT (stix_id, modified) DO NOTHING RETURNING id`, args...)
		if err != nil {
			return nil, fmt.Errorf("insert intel: %w", err)
		}
		inserted := make(map[int64]bool, len(part))
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("insert intel: %w", err)
			}
			inserted[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("insert intel: %w", err)
		}
		for j, o := range part {
			i := start + j
			if inserted[ids[i]] { // else held already, or twice in this batch
				o.ID = ids[i]
				out = append(out, stored{Object: o, recordID: recs[i]})
			}
		}
	}
	return out, nil
}

// firstVersions returns, for the objects' ids koban holds already, the id
// of the version the index knows each by.
func (db *DB) firstVersions(ctx context.Context, tx *txn, objs []*intel.Object) (map[string]int64, error) {
	ids := make(map[string]bool, len(objs))
	for _, o := range objs {
		ids[o.StixID] = true
	}
	all := make([]any, 0, len(ids))
	for id := range ids {
		all = append(all, id)
	}
	out := make(map[string]int64, len(ids))
	per := db.d.perStatement(1, intelBatch)
	for start := 0; start < len(all); start += per {
		in, args, err := db.d.in(colText, all[start:min(start+per, len(all))])
		if err != nil {
			return nil, fmt.Errorf("intel versions: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT stix_id, MIN(record_id) FROM intel_objects WHERE stix_id `+in+` GROUP BY stix_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("intel versions: %w", err)
		}
		for rows.Next() {
			var sid string
			var id int64
			if err := rows.Scan(&sid, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[sid] = id
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// markLatest keeps latest true on the newest version of each object the
// batch touched, and only there.
func (db *DB) markLatest(ctx context.Context, tx *txn, fresh []stored) error {
	var again []any
	seen := map[string]bool{}
	for _, o := range fresh {
		if o.recordID != o.ID && !seen[o.StixID] {
			seen[o.StixID] = true
			again = append(again, o.StixID)
		}
	}
	for start := 0; start < len(again); start += intelBatch {
		part := again[start:min(start+intelBatch, len(again))]
		in := placeholders(len(part))
		if _, err := tx.ExecContext(ctx, `UPDATE intel_objects SET latest = (id = (SELECT n.id FROM intel_objects n WHERE n.stix_id = intel_objects.stix_id
				ORDER BY n.version_at DESC, n.id DESC LIMIT 1))
			WHERE stix_id IN (`+in+`)`, part...); err != nil {
			return fmt.Errorf("intel versions: %w", err)
		}
	}
	return nil
}

// sightIndicators records, for each new indicator, the reports that hold a
// value it names: one look-up of all the batch's values, then the
// sightings written many rows at a time.
func (ix *indexer) sightIndicators(ctx context.Context, fresh []stored) (int, error) {
	byVal := map[int64][]int64{} // value → the indicators naming it
	var vals []any
	for _, o := range fresh {
		if !o.Indicates {
			continue
		}
		for _, v := range o.Observables {
			x := ix.byObs[v]
			if x == nil {
				continue
			}
			if _, ok := byVal[x.id]; !ok {
				vals = append(vals, x.id)
			}
			byVal[x.id] = append(byVal[x.id], o.recordID)
		}
	}
	type pair struct{ indicator, report int64 }
	type seen struct{ observable, org, at int64 }
	found := map[pair]seen{}
	var order []pair
	per := ix.db.d.perStatement(1, intelBatch)
	for start := 0; start < len(vals); start += per {
		in, args, err := ix.db.d.in(colInt, vals[start:min(start+per, len(vals))])
		if err != nil {
			return 0, fmt.Errorf("sightings: %w", err)
		}
		rows, err := ix.tx.QueryContext(ctx, ix.db.d.sightingsOf(in), args...)
		if err != nil {
			return 0, fmt.Errorf("sightings: %w", err)
		}
		for rows.Next() {
			var v seen
			var typ string
			var report int64
			if err := rows.Scan(&v.observable, &typ, &report, &v.org, &v.at); err != nil {
				rows.Close()
				return 0, fmt.Errorf("sightings: %w", err)
			}
			if typ != string(correlate.Report) {
				continue
			}
			for _, ind := range byVal[v.observable] {
				k := pair{ind, report}
				old, ok := found[k]
				if !ok {
					order = append(order, k)
					found[k] = v
					continue
				}
				found[k] = seen{min(old.observable, v.observable), max(old.org, v.org), max(old.at, v.at)}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("sightings: %w", err)
		}
	}
	n := 0
	types := []string{colInt, colText, colInt, colInt, colInt, colInt}
	per = ix.db.d.perStatement(len(types), intelBatch)
	for start := 0; start < len(order); start += per {
		part := order[start:min(start+per, len(order))]
		args := make([]any, 0, len(part)*len(types))
		for _, k := range part {
			v := found[k]
			args = append(args, k.indicator, "report", k.report, v.observable, v.org, v.at)
		}
		src, args, err := ix.db.d.insertRows(types, args)
		if err != nil {
			return n, fmt.Errorf("sightings: %w", err)
		}
		res, err := ix.tx.ExecContext(ctx, `INSERT INTO intel_sightings (object_id, record_type, record_id, observable_id, org_id, at)
			`+src+` ON CONFLICT (object_id, record_type, record_id) DO NOTHING`, args...)
		if err != nil {
			return n, fmt.Errorf("sightings: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// sightingsOf reads the records holding any of the values in (a
// dialect.in); the caller keeps the reports. Naming the record type here
// would let a planner read the occurrences by it, which is every report's
// (SQLite without statistics did for every batch, and PostgreSQL's plan of
// the prepared statement, made before a fresh database's first statistics)
// instead of the values' own.
func (d *dialect) sightingsOf(in string) string {
	return `SELECT oc.observable_id, oc.record_type, oc.record_id, oc.org_id, oc.at FROM occurrences oc WHERE oc.observable_id ` + in
}

// indicatorsOf reads the indicators naming any of the values in, by the
// values' own index.
func (d *dialect) indicatorsOf(in string) string {
	return `SELECT oc.observable_id, oc.record_id FROM occurrences oc` + d.byValue + `
		JOIN intel_objects io ON io.id = oc.record_id AND io.type = 'indicator'
		WHERE oc.observable_id ` + in + ` AND oc.record_type = 'intel'`
}

// sightReports records, for reports being stored, the indicators already
// held that name one of their values.
func (ix *indexer) sightReports(ctx context.Context, recs []correlate.Record) error {
	byVal := map[int64][]correlate.Record{}
	var vals []any
	for _, r := range recs {
		for _, v := range r.Observables {
			x := ix.byObs[v]
			if x == nil {
				continue
			}
			if _, ok := byVal[x.id]; !ok {
				vals = append(vals, x.id)
			}
			byVal[x.id] = append(byVal[x.id], r)
		}
	}
	for start := 0; start < len(vals); start += intelBatch {
		part := vals[start:min(start+intelBatch, len(vals))]
		rows, err := ix.tx.QueryContext(ctx, ix.db.d.indicatorsOf(`IN (`+placeholders(len(part))+`)`), part...)
		if err != nil {
			return fmt.Errorf("sightings: %w", err)
		}
		type hit struct{ val, ind int64 }
		var hits []hit
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.val, &h.ind); err != nil {
				rows.Close()
				return err
			}
			hits = append(hits, h)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, h := range hits {
			for _, r := range byVal[h.val] {
				if _, err := ix.tx.ExecContext(ctx, `INSERT INTO intel_sightings (object_id, record_type, record_id, observable_id, org_id, at)
					VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (object_id, record_type, record_id) DO NOTHING`,
					h.ind, string(r.Type), r.ID, h.val, r.OrgID, ts(r.At)); err != nil {
					return fmt.Errorf("sightings: %w", err)
				}
			}
		}
	}
	return nil
}

// intelColumns is what scanIntel reads, each column behind alias ("io."
// or "").
func intelColumns(alias string) string {
	return strings.NewReplacer("@", alias).Replace(`@id, @stix_id, @type, @spec_version, @modified, COALESCE(@source_id, 0), @org_id, @tlp,
		@name, @confidence, @valid_from, @valid_until, @revoked, @body, @added_at`)
}

var intelCols = intelColumns("")

func scanIntel(s scanner) (*intel.Object, error) {
	var o intel.Object
	var level, body string
	var from, until, added int64
	if err := s.Scan(&o.ID, &o.StixID, &o.Type, &o.SpecVersion, &o.Modified, &o.SourceID, &o.OrgID, &level, &o.Name,
		&o.Confidence, &from, &until, &o.Revoked, &body, &added); err != nil {
		return nil, err
	}
	o.TLP, o.Body = tlp.Level(level), []byte(body)
	o.ValidFrom, o.ValidUntil, o.AddedAt = tm(from), tm(until), tm(added)
	return &o, nil
}

// IntelObject returns one stored version by its row id.
func (db *DB) IntelObject(ctx context.Context, id int64) (*intel.Object, error) {
	o, err := scanIntel(db.read.QueryRowContext(ctx, `SELECT `+intelCols+` FROM intel_objects WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("intel object %d: %w", id, err)
	}
	return o, nil
}

// IntelLatest returns the newest stored version of a STIX id.
func (db *DB) IntelLatest(ctx context.Context, stixID string) (*intel.Object, error) {
	o, err := scanIntel(db.read.QueryRowContext(ctx, `SELECT `+intelCols+` FROM intel_objects WHERE stix_id = ? AND latest = ?`, stixID, true))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("intel object %s: %w", stixID, err)
	}
	return o, nil
}

// IntelVersions returns every stored version of a STIX id, oldest first.
func (db *DB) IntelVersions(ctx context.Context, stixID string) ([]*intel.Object, error) {
	out, err := collect(ctx, db.read, scanIntel, `SELECT `+intelCols+` FROM intel_objects WHERE stix_id = ? ORDER BY version_at, id`, stixID)
	if err != nil {
		return nil, fmt.Errorf("intel versions: %w", err)
	}
	return out, nil
}

// mergeDetail adds fields to an audit entry's detail.
func mergeDetail(d map[string]any, add map[string]any) map[string]any {
	if d == nil {
		d = make(map[string]any, len(add))
	}
	for k, v := range add {
		d[k] = v
	}
	return d
}

// Sightings returns the records that sighted an indicator (by the id the
// index knows it by), newest first.
func (db *DB) Sightings(ctx context.Context, indicator int64, limit int) ([]correlate.Occurrence, error) {
	out, err := collect(ctx, db.read, func(s scanner) (correlate.Occurrence, error) {
		var o correlate.Occurrence
		var t string
		var at int64
		err := s.Scan(&t, &o.ID, &o.OrgID, &at)
		o.Type, o.At = correlate.RecordType(t), tm(at)
		return o, err
	}, `SELECT record_type, record_id, org_id, at FROM intel_sightings WHERE object_id = ? ORDER BY at DESC, record_id DESC LIMIT ?`, indicator, limit)
	if err != nil {
		return nil, fmt.Errorf("sightings: %w", err)
	}
	return out, nil
}

// IntelSightedBy returns the indicators a record sighted: for each, its
// newest version, the id the index knows it by (its first version's) and
// when the sighting was recorded, the oldest sighting first.
func (db *DB) IntelSightedBy(ctx context.Context, recordType string, recordID int64) ([]intel.Sighting, error) {
	out, err := collect(ctx, db.read, func(s scanner) (intel.Sighting, error) {
		var sg intel.Sighting
		var at int64
		o, err := scanIntel(withColumns{s, []any{&sg.Record, &at}})
		sg.Indicator, sg.At = o, tm(at)
		return sg, err
	}, `SELECT `+intelColumns("io.")+`, s.object_id, s.at FROM intel_sightings s
		JOIN intel_objects f ON f.id = s.object_id
		JOIN intel_objects io ON io.stix_id = f.stix_id AND io.latest = ?
		WHERE s.record_type = ? AND s.record_id = ? ORDER BY s.at, io.stix_id`, true, recordType, recordID)
	if err != nil {
		return nil, fmt.Errorf("sighted by %s %d: %w", recordType, recordID, err)
	}
	return out, nil
}

// withColumns scans the columns a scan function reads, then more.
type withColumns struct {
	s     scanner
	extra []any
}

func (w withColumns) Scan(dst ...any) error { return w.s.Scan(append(dst, w.extra...)...) }
