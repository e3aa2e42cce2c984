package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/observe"
)

// SetPolicy sets the warning lists and the common threshold that decide,
// from now on, which stored values link records.
func (db *DB) SetPolicy(p correlate.Policy) { db.policy.Store(&p) }

// Policy returns the policy in force.
func (db *DB) Policy() correlate.Policy {
	if p := db.policy.Load(); p != nil {
		return *p
	}
	return correlate.Policy{}
}

// indexed is one observables row as the indexer holds it during a
// transaction: its id, how many records hold it and its cluster.
type indexed struct {
	id      int64
	obs     observe.Observable
	records int
	cluster int64
	stored  int64 // the cluster the row holds: flush writes cluster where they differ
	counted int   // records counted on the row as it was written (see upsertValues)
}

// indexer adds records to the national index inside one transaction: their
// values (one row each, nationally), their occurrences and their clusters.
type indexer struct {
	db     *DB
	tx     *txn
	policy correlate.Policy
	now    time.Time
	byObs  map[observe.Observable]*indexed
	byID   map[int64]*indexed
	// noCluster leaves clusters alone (a re-index rebuilds them after).
	noCluster bool
	// known holds the owner and time of the records being indexed, which
	// need not be read back when they join a cluster.
	known map[correlate.Key]holding
	// ranges is 1 once the database is known to hold a reported range, -1
	// once known to hold none; addresses are looked up in ranges only then.
	ranges int
	// joined is the cluster each record joined in this transaction, and
	// mergedInto where each cluster merged away in it went: a fresh record
	// may have been joined by another record of its group before its turn.
	joined     map[correlate.Key]int64
	mergedInto map[int64]int64
	cl         clustering // see cluster.go
}

// holding is what the index holds of a record: its owner, time and marking.
type holding struct {
	org, at int64
	tlp     string
}

// indexRecords indexes records that are being stored in tx. A record
// already indexed keeps its occurrences; values new to it are added.
func (db *DB) indexRecords(ctx context.Context, tx *txn, recs []correlate.Record) error {
	ix := db.newIndexer(tx)
	if err := ix.index(ctx, recs); err != nil {
		return err
	}
	var reports []correlate.Record
	for _, r := range recs {
		if r.Type == correlate.Report && len(r.Observables) > 0 {
			reports = append(reports, r)
		}
	}
	// A report holding a value an indicator names is a sighting of it.
	return ix.sightReports(ctx, reports)
}

func (db *DB) newIndexer(tx *txn) *indexer {
	return &indexer{db: db, tx: tx, policy: db.Policy(), now: db.clock.Now(),
		byObs: map[observe.Observable]*indexed{}, byID: map[int64]*indexed{},
		joined: map[correlate.Key]int64{}, mergedInto: map[int64]int64{}, cl: newClustering()}
}

func (ix *indexer) index(ctx context.Context, recs []correlate.Record) error {
	if !slices.ContainsFunc(recs, func(r correlate.Record) bool { return len(r.Observables) > 0 }) {
		return nil
	}
	ix.known = make(map[correlate.Key]holding, len(recs))
	for _, r := range recs {
		ix.known[r.Key] = holding{r.OrgID, ts(r.At), cmp.Or(r.TLP, correlate.DefaultTLP)}
	}
	// On PostgreSQL, several servers index at once: the audit chain's lock
	// (which every storing transaction takes anyway) keeps clusters from
	// being merged by two of them at the same time.
	if err := ix.db.holdChain(ctx, ix.tx); err != nil {
		return err
	}
	if err := ix.upsertValues(ctx, recs); err != nil {
		return err
	}
	added, err := ix.addOccurrences(ctx, recs)
	if err != nil {
		return err
	}
	if ix.noCluster {
		return nil
	}
	var grew []correlate.Record
	for i, r := range recs {
		if added[i] {
			grew = append(grew, r)
		}
	}
	return ix.clusterAll(ctx, grew)
}

// upsertValues makes sure each distinct value of recs has its row, and
// reads the rows' ids, record counts and clusters. The fresh records
// (stored in this transaction, so holding no value yet) are counted on
// their values as the rows are written: a new value's row is written once,
// not inserted and then updated; addOccurrences counts the rest.
func (ix *indexer) upsertValues(ctx context.Context, recs []correlate.Record) error {
	first := map[observe.Observable]time.Time{}
	last := map[observe.Observable]time.Time{}
	fresh := map[observe.Observable]int{}
	for _, r := range recs {
		for i, o := range r.Observables {
			if f, ok := first[o]; !ok || r.At.Before(f) {
				first[o] = r.At
			}
			if l, ok := last[o]; !ok || r.At.After(l) {
				last[o] = r.At
			}
			if r.Fresh && !slices.Contains(r.Observables[:i], o) {
				fresh[o]++
			}
		}
	}
	// In one order, so that two PostgreSQL transactions never wait on each
	// other's rows the other way round.
	all := make([]observe.Observable, 0, len(first))
	for o := range first {
		all = append(all, o)
	}
	slices.SortFunc(all, func(a, b observe.Observable) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value))
	})
	types := []string{colText, colText, colInt, colInt, colInt, colText}
	per := ix.db.d.perStatement(len(types), 2000)
	for start := 0; start < len(all); start += per {
		part := all[start:min(start+per, len(all))]
		args := make([]any, 0, len(types)*len(part))
		for _, o := range part {
			args = append(args, string(o.Type), o.Value, ts(first[o]), ts(last[o]), fresh[o], correlate.IPKey(o))
		}
		src, args, err := ix.db.d.insertRows(types, args)
		if err != nil {
			return fmt.Errorf("index values: %w", err)
		}
		rows, err := ix.tx.QueryContext(ctx, `INSERT INTO observables (type, value, first_seen, last_seen, records, ip_key) `+
			src+` ON CONFLICT (type, value) DO UPDATE SET
			first_seen = `+ix.db.d.least+`(observables.first_seen, excluded.first_seen),
			last_seen = `+ix.db.d.greatest+`(observables.last_seen, excluded.last_seen),
			records = observables.records + excluded.records
			RETURNING id, type, value, records, cluster_id`, args...)
		if err != nil {
			return fmt.Errorf("index values: %w", err)
		}
		for rows.Next() {
			v := &indexed{}
			var t string
			if err := rows.Scan(&v.id, &t, &v.obs.Value, &v.records, &v.cluster); err != nil {
				rows.Close()
				return err
			}
			v.obs.Type = observe.Type(t)
			v.stored, v.counted = v.cluster, fresh[v.obs]
			ix.byObs[v.obs], ix.byID[v.id] = v, v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("index values: %w", err)
		}
	}
	return nil
}

// addOccurrences writes one occurrence per record and value, counts on
// their values the new ones upsertValues did not count (and uncounts any
// it counted that was not new after all), and reports which records
// gained any.
func (ix *indexer) addOccurrences(ctx context.Context, recs []correlate.Record) ([]bool, error) {
	type occ struct {
		rec int
		v   *indexed
	}
	var all []occ
	for i, r := range recs {
		for _, o := range r.Observables {
			all = append(all, occ{i, ix.byObs[o]})
		}
	}
	added := make([]bool, len(recs))
	index := make(map[correlate.Key]int, len(recs))
	for i, r := range recs {
		index[r.Key] = i
	}
	gained := map[int64]int{}
	types := []string{colInt, colText, colInt, colInt, colText, colInt}
	per := ix.db.d.perStatement(len(types), 2000)
	for start := 0; start < len(all); start += per {
		part := all[start:min(start+per, len(all))]
		args := make([]any, 0, len(types)*len(part))
		for _, o := range part {
			r := recs[o.rec]
			tlp := cmp.Or(r.TLP, correlate.DefaultTLP)
			args = append(args, o.v.id, string(r.Type), r.ID, r.OrgID, tlp, ts(r.At))
		}
		src, args, err := ix.db.d.insertRows(types, args)
		if err != nil {
			return nil, fmt.Errorf("index occurrences: %w", err)
		}
		rows, err := ix.tx.QueryContext(ctx, `INSERT INTO occurrences (observable_id, record_type, record_id, org_id, tlp, at) `+
			src+` ON CONFLICT DO NOTHING RETURNING observable_id, record_type, record_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("index occurrences: %w", err)
		}
		for rows.Next() {
			var id, recID int64
			var rt string
			if err := rows.Scan(&id, &rt, &recID); err != nil {
				rows.Close()
				return nil, err
			}
			gained[id]++
			added[index[correlate.Key{Type: correlate.RecordType(rt), ID: recID}]] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("index occurrences: %w", err)
		}
	}
	for _, v := range ix.byID {
		if v.counted != 0 {
			gained[v.id] -= v.counted
		}
	}
	return added, ix.count(ctx, gained)
}

// count adds to each value's record count the records that gained it
// (less those counted already); the values gaining as many share one
// statement.
func (ix *indexer) count(ctx context.Context, gained map[int64]int) error {
	byN := map[int][]any{}
	for id, n := range gained {
		if n == 0 {
			continue
		}
		byN[n] = append(byN[n], id)
		ix.byID[id].records += n
	}
	per := ix.db.d.perStatement(1, 5000)
	for n, ids := range byN {
		for start := 0; start < len(ids); start += per {
			in, args, err := ix.db.d.in(colInt, ids[start:min(start+per, len(ids))])
			if err != nil {
				return fmt.Errorf("count occurrences: %w", err)
			}
			if _, err := ix.tx.ExecContext(ctx, `UPDATE observables SET records = records + `+strconv.Itoa(n)+
				` WHERE id `+in, args...); err != nil {
				return fmt.Errorf("count occurrences: %w", err)
			}
		}
	}
	return nil
}

// ReplaceObservables re-indexes reports with the values given for each:
// their old occurrences go (each value's count with them), the new ones
// are written. Clusters are left as they were: RebuildClusters follows.
func (db *DB) ReplaceObservables(ctx context.Context, found map[int64][]observe.Observable) error {
	if len(found) == 0 {
		return nil
	}
	ids := make([]any, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	return db.inTx(ctx, func(tx *txn) error {
		in := `(` + placeholders(len(ids)) + `)`
		if _, err := tx.ExecContext(ctx, `UPDATE observables SET records = records - (SELECT COUNT(*) FROM occurrences oc
			WHERE oc.observable_id = observables.id AND oc.record_type = 'report' AND oc.record_id IN `+in+`)
			WHERE id IN (SELECT observable_id FROM occurrences WHERE record_type = 'report' AND record_id IN `+in+`)`,
			append(ids, ids...)...); err != nil {
			return fmt.Errorf("re-index: uncount: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM occurrences WHERE record_type = 'report' AND record_id IN `+in, ids...); err != nil {
			return fmt.Errorf("re-index: clear: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, org_id, created_at, tlp FROM reports WHERE id IN `+in, ids...)
		if err != nil {
			return fmt.Errorf("re-index: %w", err)
		}
		var recs []correlate.Record
		for rows.Next() {
			var id, org, at int64
			var level string
			if err := rows.Scan(&id, &org, &at, &level); err != nil {
				rows.Close()
				return err
			}
			recs = append(recs, correlate.Record{Key: correlate.Key{Type: correlate.Report, ID: id}, OrgID: org,
				TLP: level, At: tm(at), Observables: found[id]})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ix := db.newIndexer(tx)
		ix.noCluster = true
		return ix.index(ctx, recs)
	})
}

// RebuildClusters forgets every cluster and builds them again from the
// index, record by record in the order they arrived, as intake would have.
// It also fills in address keys that an older koban did not write.
// progress, when not nil, is told how many records are done of how many.
func (db *DB) RebuildClusters(ctx context.Context, progress func(done, total int)) error {
	if err := db.fillIPKeys(ctx); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *txn) error {
		for _, q := range []string{`DELETE FROM cluster_members`, `DELETE FROM cluster_growth`, `DELETE FROM clusters`,
			`UPDATE observables SET cluster_id = 0 WHERE cluster_id <> 0`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("rebuild clusters: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(DISTINCT record_id) FROM occurrences`).Scan(&total); err != nil {
		return fmt.Errorf("rebuild clusters: %w", err)
	}
	var afterID int64
	afterType, done := "", 0
	const batch = 500
	for {
		var recs []correlate.Record
		err := db.inTx(ctx, func(tx *txn) error {
			var err error
			recs, err = db.recordsAfter(ctx, tx, afterType, afterID, batch)
			if err != nil || len(recs) == 0 {
				return err
			}
			ix := db.newIndexer(tx)
			if err := ix.db.holdChain(ctx, tx); err != nil {
				return err
			}
			if err := ix.load(ctx, recs); err != nil {
				return err
			}
			return ix.clusterAll(ctx, recs)
		})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		last := recs[len(recs)-1]
		afterType, afterID = string(last.Type), last.ID
		done += len(recs)
		if progress != nil {
			progress(done, total)
		}
	}
	_, err = db.write.ExecContext(ctx, `DELETE FROM jobs WHERE name = ?`, clustersRebuildJob)
	return err
}

// clustersRebuildJob is the job row a migration leaves when the clusters
// are to be built at the next start.
const clustersRebuildJob = "clusters.rebuild"

// recordsAfter reads the next records of the index after (typ, id), in
// key order (for reports, the order they arrived), with their values.
func (db *DB) recordsAfter(ctx context.Context, tx *txn, typ string, id int64, n int) ([]correlate.Record, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT record_type, record_id FROM occurrences
		WHERE record_type > ? OR (record_type = ? AND record_id > ?)
		ORDER BY record_type, record_id LIMIT `+strconv.Itoa(n), typ, typ, id)
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	var recs []correlate.Record
	for rows.Next() {
		var r correlate.Record
		var t string
		if err := rows.Scan(&t, &r.ID); err != nil {
			rows.Close()
			return nil, err
		}
		r.Type = correlate.RecordType(t)
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range recs {
		r := &recs[i]
		if r.Observables, err = db.valuesIn(ctx, tx, r.Key); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

func (db *DB) valuesIn(ctx context.Context, tx *txn, k correlate.Key) ([]observe.Observable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.type, o.value FROM occurrences oc JOIN observables o ON o.id = oc.observable_id
		WHERE oc.record_type = ? AND oc.record_id = ?`, string(k.Type), k.ID)
	if err != nil {
		return nil, fmt.Errorf("record values: %w", err)
	}
	return scanObservables(rows)
}

// scanObservables reads rows of (type, value) and closes them.
func scanObservables(rows *sql.Rows) ([]observe.Observable, error) {
	defer rows.Close()
	var out []observe.Observable
	for rows.Next() {
		var o observe.Observable
		var t string
		if err := rows.Scan(&t, &o.Value); err != nil {
			return nil, err
		}
		o.Type = observe.Type(t)
		out = append(out, o)
	}
	return out, rows.Err()
}

// load reads the index rows of the records' values.
func (ix *indexer) load(ctx context.Context, recs []correlate.Record) error {
	for _, r := range recs {
		for _, o := range r.Observables {
			if ix.byObs[o] != nil {
				continue
			}
			v := &indexed{obs: o}
			err := ix.tx.QueryRowContext(ctx, `SELECT id, records, cluster_id FROM observables WHERE type = ? AND value = ?`,
				string(o.Type), o.Value).Scan(&v.id, &v.records, &v.cluster)
			if err != nil {
				return fmt.Errorf("load value: %w", err)
			}
			v.stored = v.cluster
			ix.byObs[o], ix.byID[v.id] = v, v
		}
	}
	return nil
}

// fillIPKeys writes the address key of addresses and ranges stored without one.
func (db *DB) fillIPKeys(ctx context.Context) error {
	rows, err := db.read.QueryContext(ctx, `SELECT id, type, value FROM observables WHERE ip_key = '' AND type IN (?, ?, ?)`,
		string(observe.IPv4), string(observe.IPv6), string(observe.CIDR))
	if err != nil {
		return fmt.Errorf("address keys: %w", err)
	}
	keys := map[int64]string{}
	for rows.Next() {
		var id int64
		var o observe.Observable
		var t string
		if err := rows.Scan(&id, &t, &o.Value); err != nil {
			rows.Close()
			return err
		}
		o.Type = observe.Type(t)
		if k := correlate.IPKey(o); k != "" {
			keys[id] = k
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(keys) == 0 {
		return err
	}
	return db.inTx(ctx, func(tx *txn) error {
		for id, k := range keys {
			if _, err := tx.ExecContext(ctx, `UPDATE observables SET ip_key = ? WHERE id = ?`, k, id); err != nil {
				return fmt.Errorf("address keys: %w", err)
			}
		}
		return nil
	})
}

// rebuildIfAsked builds the clusters when a migration asked for it (the
// reports of a koban that had no clusters yet).
func (db *DB) rebuildIfAsked(ctx context.Context) error {
	if pending, err := db.migrationAsked(ctx, clustersRebuildJob); err != nil || !pending {
		return err
	}
	db.log.Info("building clusters from the stored reports")
	return db.RebuildClusters(ctx, nil)
}

// migrationAsked reports whether a migration left the job row name: work
// koban does in Go at its next start (SQL alone cannot do it).
func (db *DB) migrationAsked(ctx context.Context, name string) (bool, error) {
	var pending int
	if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE name = ?`, name).Scan(&pending); err != nil {
		return false, fmt.Errorf("job %s: %w", name, err)
	}
	return pending > 0, nil
}

// Stats counts the reports, occurrences and distinct values stored.
func (db *DB) Stats(ctx context.Context, reports, occurrences, values *int) error {
	return db.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM occurrences),
		(SELECT COUNT(*) FROM observables WHERE records > 0)`).Scan(reports, occurrences, values)
}
