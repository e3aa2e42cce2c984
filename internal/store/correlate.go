package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/koban-project/koban/internal/access"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

var _ correlate.Store = (*DB)(nil)

const valueCols = `id, type, value, records, first_seen, last_seen, cluster_id`

func scanValue(s scanner) (correlate.Value, error) {
	var v correlate.Value
	var t string
	var first, last int64
	err := s.Scan(&v.ID, &t, &v.Observable.Value, &v.Records, &first, &last, &v.ClusterID)
	v.Type, v.FirstSeen, v.LastSeen = observe.Type(t), tm(first), tm(last)
	return v, err
}

func (db *DB) values(ctx context.Context, q string, args ...any) ([]correlate.Value, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	defer rows.Close()
	var out []correlate.Value
	for rows.Next() {
		v, err := scanValue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Value returns a stored value that at least one record holds.
func (db *DB) Value(ctx context.Context, o observe.Observable) (correlate.Value, error) {
	v, err := scanValue(db.read.QueryRowContext(ctx, `SELECT `+valueCols+` FROM observables WHERE type = ? AND value = ? AND records > 0`,
		string(o.Type), o.Value))
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound("observable.error.not_seen")
	}
	if err != nil {
		return v, fmt.Errorf("value %s: %w", o.Type, err)
	}
	return v, nil
}

// Values returns the stored values with the given ids.
func (db *DB) Values(ctx context.Context, ids []int64) ([]correlate.Value, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return db.values(ctx, `SELECT `+valueCols+` FROM observables WHERE id IN (`+placeholders(len(ids))+`)`, args...)
}

// Tallies counts a value's records by organisation and day.
func (db *DB) Tallies(ctx context.Context, valueID int64, offset time.Duration, scope access.Scope) ([]correlate.Tally, error) {
	seen, sargs := scopeFlag(scope, "oc")
	rows, err := db.read.QueryContext(ctx, `SELECT org_id, day, seen, COUNT(*), MIN(at), MAX(at) FROM
		(SELECT oc.org_id, (oc.at + ?) / 86400000000 AS day, oc.at, `+seen+` AS seen FROM occurrences oc WHERE oc.observable_id = ?) t
		GROUP BY org_id, day, seen`, slices.Concat([]any{offset.Microseconds()}, sargs, []any{valueID})...)
	if err != nil {
		return nil, fmt.Errorf("tallies: %w", err)
	}
	defer rows.Close()
	var out []correlate.Tally
	for rows.Next() {
		var t correlate.Tally
		var first, last int64
		if err := rows.Scan(&t.OrgID, &t.Day, &t.Seen, &t.N, &first, &last); err != nil {
			return nil, err
		}
		t.First, t.Last = tm(first), tm(last)
		out = append(out, t)
	}
	return out, rows.Err()
}

// labelled is the part of a query that names each record: a report by its
// receipt and category, intel by its name (or STIX id) and type, a patrol
// finding by its URL and category, a sample by its name (or SHA-256) and
// family. The occurrence rows are aliased oc; label and category are the
// columns.
const (
	labelled = ` LEFT JOIN reports r ON oc.record_type = 'report' AND r.id = oc.record_id
		LEFT JOIN intel_objects io ON oc.record_type = 'intel' AND io.id = oc.record_id
		LEFT JOIN patrol_findings pf ON oc.record_type = 'finding' AND pf.id = oc.record_id
		LEFT JOIN samples sm ON oc.record_type = 'sample' AND sm.id = oc.record_id
		LEFT JOIN sample_files smf ON smf.id = sm.file_id`
	label = `COALESCE(r.receipt, CASE WHEN io.name <> '' THEN io.name ELSE io.stix_id END, pf.url,
		CASE WHEN sm.name <> '' THEN sm.name ELSE smf.sha256 END, '')`
	category = `COALESCE(r.category, io.type, pf.category, sm.family, '')`
)

// Occurrences lists the records in scope holding a value, newest first.
func (db *DB) Occurrences(ctx context.Context, valueID int64, scope access.Scope, limit, offset int) ([]correlate.Occurrence, int, error) {
	filter, fargs := scopeFilter(scope, "oc")
	args := append([]any{valueID}, fargs...)
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM occurrences oc WHERE oc.observable_id = ?`+filter, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("occurrences: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	out, err := db.occurrences(ctx, `SELECT oc.record_type, oc.record_id, oc.org_id, oc.tlp, oc.at, `+label+`, `+category+`
		FROM occurrences oc`+labelled+` WHERE oc.observable_id = ?`+filter+
		` ORDER BY oc.at DESC, oc.record_id DESC LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(offset), args...)
	return out, total, err
}

func (db *DB) occurrences(ctx context.Context, q string, args ...any) ([]correlate.Occurrence, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("occurrences: %w", err)
	}
	defer rows.Close()
	var out []correlate.Occurrence
	for rows.Next() {
		var o correlate.Occurrence
		var t string
		var at int64
		if err := rows.Scan(&t, &o.ID, &o.OrgID, &o.TLP, &at, &o.Label, &o.Category); err != nil {
			return nil, err
		}
		o.Type, o.At = correlate.RecordType(t), tm(at)
		out = append(out, o)
	}
	return out, rows.Err()
}

// ValuesOf returns the values a record holds, by type and value.
func (db *DB) ValuesOf(ctx context.Context, k correlate.Key) ([]correlate.Value, error) {
	return db.values(ctx, `SELECT o.id, o.type, o.value, o.records, o.first_seen, o.last_seen, o.cluster_id
		FROM occurrences oc JOIN observables o ON o.id = oc.observable_id
		WHERE oc.record_type = ? AND oc.record_id = ? ORDER BY o.type, o.value`, string(k.Type), k.ID)
}

// Holders returns every record other than exclude that holds any of the
// values, with how many of them it holds; labels are left to Labels.
func (db *DB) Holders(ctx context.Context, valueIDs []int64, exclude correlate.Key, scope access.Scope) ([]correlate.Holder, error) {
	if len(valueIDs) == 0 {
		return nil, nil
	}
	seen, args := scopeFlag(scope, "oc")
	for _, id := range valueIDs {
		args = append(args, id)
	}
	// The index on observable_id holds every column read here but for the
	// grants asked about records out of the owners' line, so the database
	// seldom visits the rows themselves.
	rows, err := db.read.QueryContext(ctx, `SELECT record_type, record_id, MAX(org_id), MAX(at), COUNT(*), MAX(seen), MAX(tlp) FROM
		(SELECT oc.record_type, oc.record_id, oc.org_id, oc.at, oc.tlp, `+seen+` AS seen FROM occurrences oc WHERE oc.observable_id IN (`+placeholders(len(valueIDs))+`)) h
		GROUP BY record_type, record_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("holders: %w", err)
	}
	defer rows.Close()
	var out []correlate.Holder
	for rows.Next() {
		var h correlate.Holder
		var t string
		var at int64
		if err := rows.Scan(&t, &h.ID, &h.OrgID, &at, &h.Shared, &h.Seen, &h.TLP); err != nil {
			return nil, err
		}
		h.Type, h.At = correlate.RecordType(t), tm(at)
		if h.Key != exclude {
			out = append(out, h)
		}
	}
	return out, rows.Err()
}

// Labels returns what officers call each record: a report's receipt,
// intel's name (or its STIX id when it has none), a finding's URL.
func (db *DB) Labels(ctx context.Context, keys []correlate.Key) (map[correlate.Key]string, error) {
	ids := map[correlate.RecordType][]any{}
	for _, k := range keys {
		ids[k.Type] = append(ids[k.Type], k.ID)
	}
	out := make(map[correlate.Key]string, len(keys))
	for t, q := range map[correlate.RecordType]string{
		correlate.Report:  `SELECT id, receipt FROM reports WHERE id IN (`,
		correlate.Intel:   `SELECT id, CASE WHEN name <> '' THEN name ELSE stix_id END FROM intel_objects WHERE id IN (`,
		correlate.Finding: `SELECT id, url FROM patrol_findings WHERE id IN (`,
		correlate.Sample:  `SELECT s.id, CASE WHEN s.name <> '' THEN s.name ELSE f.sha256 END FROM samples s JOIN sample_files f ON f.id = s.file_id WHERE s.id IN (`,
	} {
		if len(ids[t]) == 0 {
			continue
		}
		rows, err := db.read.QueryContext(ctx, q+placeholders(len(ids[t]))+`)`, ids[t]...)
		if err != nil {
			return nil, fmt.Errorf("labels: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[correlate.Key{Type: t, ID: id}] = name
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Related returns the stored ranges holding address o, or the stored
// addresses inside range o, that a record of orgs holds (nil: any record),
// and how many of them only other organisations' records hold: those are
// counted, never read, so that a wide range does not list the addresses
// of reports the viewer may not see.
func (db *DB) Related(ctx context.Context, o observe.Observable, scope access.Scope, limit int) ([]correlate.Value, int, error) {
	var where string
	var args []any
	var order string
	if ranges := correlate.Ranges(o); len(ranges) > 0 {
		where = `o.type = ? AND o.value IN (` + placeholders(len(ranges)) + `)`
		args, order = append([]any{string(observe.CIDR)}, anySlice(ranges)...), `o.value`
	} else if span, ok := correlate.SpanOf(o); ok {
		where = `o.type = ? AND o.ip_key >= ? AND o.ip_key <= ? AND o.ip_key <> ''`
		args, order = []any{string(span.Type), span.From, span.To}, `o.ip_key`
	} else {
		return nil, 0, nil
	}
	where += ` AND o.records > 0`
	filter, fargs := scopeFilter(scope, "oc")
	held := `EXISTS (SELECT 1 FROM occurrences oc WHERE oc.observable_id = o.id` + filter + `)`
	args = slices.Concat(args, fargs)
	vals, err := db.values(ctx, `SELECT o.id, o.type, o.value, o.records, o.first_seen, o.last_seen, o.cluster_id FROM observables o
		WHERE `+where+` AND `+held+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit), args...)
	if err != nil || scope.All {
		return vals, 0, err
	}
	var hidden int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM observables o WHERE `+where+` AND NOT `+held, args...).Scan(&hidden); err != nil {
		return nil, 0, fmt.Errorf("related values: %w", err)
	}
	return vals, hidden, nil
}

// Record returns a record's owner, time and label.
func (db *DB) Record(ctx context.Context, k correlate.Key) (correlate.Occurrence, error) {
	o := correlate.Occurrence{Key: k, TLP: correlate.DefaultTLP}
	q := ""
	switch k.Type {
	case correlate.Report:
		q = `SELECT org_id, created_at, receipt, category, tlp FROM reports WHERE id = ?`
	case correlate.Intel:
		q = `SELECT org_id, added_at, CASE WHEN name <> '' THEN name ELSE stix_id END, type, tlp FROM intel_objects WHERE id = ?`
	case correlate.Finding:
		q = `SELECT org_id, created_at, url, category, tlp FROM patrol_findings WHERE id = ?`
	case correlate.Sample:
		q = `SELECT s.org_id, s.created_at, CASE WHEN s.name <> '' THEN s.name ELSE f.sha256 END, s.family, s.tlp
			FROM samples s JOIN sample_files f ON f.id = s.file_id WHERE s.id = ?`
	}
	if q != "" {
		var at int64
		err := db.read.QueryRowContext(ctx, q, k.ID).Scan(&o.OrgID, &at, &o.Label, &o.Category, &o.TLP)
		if errors.Is(err, sql.ErrNoRows) {
			return o, notFound("error.not_found")
		}
		if err != nil {
			return o, fmt.Errorf("record %s %d: %w", k.Type, k.ID, err)
		}
		o.At = tm(at)
		return o, nil
	}
	return o, notFound("error.not_found")
}

// RecordByLabel finds a report by its receipt, in any spelling
// intake.NormalizeReceipt accepts: Invalid for text that is no receipt,
// NotFound for a receipt no report has.
func (db *DB) RecordByLabel(ctx context.Context, label string) (correlate.Key, error) {
	receipt, ok := intake.NormalizeReceipt(label)
	if !ok {
		return correlate.Key{}, koban.Errorf(koban.Invalid, "graph.error.node")
	}
	id, err := db.ReportIDByReceipt(ctx, receipt)
	if err != nil {
		return correlate.Key{}, err
	}
	return correlate.Key{Type: correlate.Report, ID: id}, nil
}

const clusterCols = `c.id, c.size, c.first_at, c.last_at`

// recentMembers counts the members cluster c gained since the hour given as
// its parameter: the hours of cluster_growth, never the members themselves.
const recentMembers = `(SELECT CAST(COALESCE(SUM(g.members), 0) AS BIGINT) FROM cluster_growth g WHERE g.cluster_id = c.id AND g.hour >= ?)`

// Clusters lists clusters by size or by members gained since since (to
// the hour: the hour that holds since counts whole).
func (db *DB) Clusters(ctx context.Context, order string, since time.Time, limit, offset int) ([]correlate.ClusterRow, int, error) {
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM clusters`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("clusters: %w", err)
	}
	page := ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset)
	var q string
	if order == "growth" {
		q = `SELECT ` + clusterCols + `, g.n FROM (SELECT cluster_id, CAST(SUM(members) AS BIGINT) AS n FROM cluster_growth WHERE hour >= ?
			GROUP BY cluster_id) g JOIN clusters c ON c.id = g.cluster_id ORDER BY g.n DESC, c.size DESC, c.id` + page
	} else {
		q = `SELECT ` + clusterCols + `, ` + recentMembers + ` FROM clusters c ORDER BY c.size DESC, c.id` + page
	}
	rows, err := db.read.QueryContext(ctx, q, growthHour(ts(since)))
	if err != nil {
		return nil, 0, fmt.Errorf("clusters: %w", err)
	}
	defer rows.Close()
	var out []correlate.ClusterRow
	for rows.Next() {
		c, err := scanCluster(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

func scanCluster(s scanner) (correlate.ClusterRow, error) {
	var c correlate.ClusterRow
	var first, last int64
	err := s.Scan(&c.ID, &c.Size, &first, &last, &c.Recent)
	c.First, c.Last = tm(first), tm(last)
	return c, err
}

// Cluster returns one cluster.
func (db *DB) Cluster(ctx context.Context, id int64, since time.Time) (correlate.ClusterRow, error) {
	c, err := scanCluster(db.read.QueryRowContext(ctx, `SELECT `+clusterCols+`, `+recentMembers+` FROM clusters c WHERE c.id = ?`,
		growthHour(ts(since)), id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("error.not_found")
	}
	if err != nil {
		return c, fmt.Errorf("cluster %d: %w", id, err)
	}
	return c, nil
}

// ClusterOf returns a record's cluster, 0 for none.
func (db *DB) ClusterOf(ctx context.Context, k correlate.Key) (int64, error) {
	return clusterOf(ctx, db.read, k)
}

// clusterOf returns the cluster of a record as q sees it, 0 for none.
func clusterOf(ctx context.Context, q querier, k correlate.Key) (int64, error) {
	var c int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(cluster_id), 0) FROM cluster_members WHERE record_type = ? AND record_id = ?`,
		string(k.Type), k.ID).Scan(&c)
	if err != nil {
		return 0, fmt.Errorf("cluster of %s %d: %w", k.Type, k.ID, err)
	}
	return c, nil
}

// ClusterOrgs counts a cluster's members by owning organisation, with the
// first and last of each organisation's.
func (db *DB) ClusterOrgs(ctx context.Context, id int64, scope access.Scope) ([]correlate.Tally, error) {
	seen, args := scopeFlag(scope, "m")
	rows, err := db.read.QueryContext(ctx, `SELECT org_id, seen, COUNT(*), MIN(at), MAX(at) FROM
		(SELECT m.org_id, m.at, `+seen+` AS seen FROM cluster_members m WHERE m.cluster_id = ?) t
		GROUP BY org_id, seen ORDER BY org_id, seen`, append(args, id)...)
	if err != nil {
		return nil, fmt.Errorf("cluster organisations: %w", err)
	}
	defer rows.Close()
	var out []correlate.Tally
	for rows.Next() {
		var tl correlate.Tally
		var first, last int64
		if err := rows.Scan(&tl.OrgID, &tl.Seen, &tl.N, &first, &last); err != nil {
			return nil, err
		}
		tl.First, tl.Last = tm(first), tm(last)
		out = append(out, tl)
	}
	return out, rows.Err()
}

// ClusterMembers lists a cluster's members owned by orgs, newest first.
func (db *DB) ClusterMembers(ctx context.Context, id int64, scope access.Scope, limit, offset int) ([]correlate.Occurrence, int, error) {
	filter, fargs := scopeFilter(scope, "oc")
	args := append([]any{id}, fargs...)
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cluster_members oc WHERE oc.cluster_id = ?`+filter, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cluster members: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	out, err := db.occurrences(ctx, `SELECT oc.record_type, oc.record_id, oc.org_id, oc.tlp, oc.at, `+label+`, `+category+`
		FROM cluster_members oc`+labelled+` WHERE oc.cluster_id = ?`+filter+
		` ORDER BY oc.at DESC, oc.record_id DESC LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(offset), args...)
	return out, total, err
}

// ClusterValues returns the values held by most of a cluster's members
// owned by orgs.
func (db *DB) ClusterValues(ctx context.Context, id int64, scope access.Scope, limit int) ([]correlate.ValueCount, error) {
	filter, fargs := scopeFilter(scope, "m")
	args := append([]any{id}, fargs...)
	rows, err := db.read.QueryContext(ctx, `SELECT o.id, o.type, o.value, o.records, o.first_seen, o.last_seen, o.cluster_id, COUNT(*)
		FROM cluster_members m JOIN occurrences oc ON oc.record_type = m.record_type AND oc.record_id = m.record_id
		JOIN observables o ON o.id = oc.observable_id
		WHERE m.cluster_id = ?`+filter+`
		GROUP BY o.id, o.type, o.value, o.records, o.first_seen, o.last_seen, o.cluster_id
		ORDER BY COUNT(*) DESC, o.type, o.value LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("cluster values: %w", err)
	}
	defer rows.Close()
	var out []correlate.ValueCount
	for rows.Next() {
		var vc correlate.ValueCount
		var t string
		var first, last int64
		if err := rows.Scan(&vc.ID, &t, &vc.Observable.Value, &vc.Records, &first, &last, &vc.ClusterID, &vc.N); err != nil {
			return nil, err
		}
		vc.Type, vc.FirstSeen, vc.LastSeen = observe.Type(t), tm(first), tm(last)
		out = append(out, vc)
	}
	return out, rows.Err()
}

// clusterIDs returns " IN (…)" for ids, with its arguments.
func clusterIDs(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return ` IN (` + placeholders(len(ids)) + `)`, args
}

// ClusterTallies counts the members of each cluster by owning organisation.
func (db *DB) ClusterTallies(ctx context.Context, ids []int64, scope access.Scope) (map[int64][]correlate.Tally, error) {
	out := map[int64][]correlate.Tally{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := clusterIDs(ids)
	seen, sargs := scopeFlag(scope, "m")
	rows, err := db.read.QueryContext(ctx, `SELECT cluster_id, org_id, seen, COUNT(*), MIN(at), MAX(at) FROM
		(SELECT m.cluster_id, m.org_id, m.at, `+seen+` AS seen FROM cluster_members m WHERE m.cluster_id`+in+`) t
		GROUP BY cluster_id, org_id, seen ORDER BY cluster_id, org_id, seen`, append(sargs, args...)...)
	if err != nil {
		return nil, fmt.Errorf("cluster tallies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c int64
		var tl correlate.Tally
		var first, last int64
		if err := rows.Scan(&c, &tl.OrgID, &tl.Seen, &tl.N, &first, &last); err != nil {
			return nil, err
		}
		tl.First, tl.Last = tm(first), tm(last)
		out[c] = append(out[c], tl)
	}
	return out, rows.Err()
}

// ClusterDamage sums the money lost in each cluster's reports owned by orgs.
func (db *DB) ClusterDamage(ctx context.Context, ids []int64, scope access.Scope) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := clusterIDs(ids)
	filter, fargs := scopeFilter(scope, "m")
	rows, err := db.read.QueryContext(ctx, `SELECT m.cluster_id, CAST(SUM(r.amount_jpy) AS BIGINT)
		FROM cluster_members m JOIN reports r ON m.record_type = 'report' AND r.id = m.record_id
		WHERE m.cluster_id`+in+filter+` AND r.amount_jpy > 0 GROUP BY m.cluster_id`, append(args, fargs...)...)
	if err != nil {
		return nil, fmt.Errorf("cluster damage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, sum int64
		if err := rows.Scan(&c, &sum); err != nil {
			return nil, err
		}
		out[c] = sum
	}
	return out, rows.Err()
}

// ClusterTops returns, for each cluster, the values most of its members
// owned by orgs hold, up to per of them: one query for the whole page of
// clusters, ranked inside each cluster.
func (db *DB) ClusterTops(ctx context.Context, ids []int64, scope access.Scope, per int) (map[int64][]correlate.ValueCount, error) {
	out := map[int64][]correlate.ValueCount{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := clusterIDs(ids)
	filter, fargs := scopeFilter(scope, "m")
	rows, err := db.read.QueryContext(ctx, `SELECT cid, id, type, value, records, first_seen, last_seen, vcluster, n FROM (
			SELECT m.cluster_id AS cid, o.id, o.type, o.value, o.records, o.first_seen, o.last_seen, o.cluster_id AS vcluster, COUNT(*) AS n,
				ROW_NUMBER() OVER (PARTITION BY m.cluster_id ORDER BY COUNT(*) DESC, o.type, o.value) AS pos
			FROM cluster_members m JOIN occurrences oc ON oc.record_type = m.record_type AND oc.record_id = m.record_id
			JOIN observables o ON o.id = oc.observable_id
			WHERE m.cluster_id`+in+filter+`
			GROUP BY m.cluster_id, o.id, o.type, o.value, o.records, o.first_seen, o.last_seen, o.cluster_id) ranked
		WHERE pos <= `+strconv.Itoa(per)+` ORDER BY cid, pos`, append(args, fargs...)...)
	if err != nil {
		return nil, fmt.Errorf("cluster top values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c int64
		var vc correlate.ValueCount
		var t string
		var first, last int64
		if err := rows.Scan(&c, &vc.ID, &t, &vc.Observable.Value, &vc.Records, &first, &last, &vc.ClusterID, &vc.N); err != nil {
			return nil, err
		}
		vc.Type, vc.FirstSeen, vc.LastSeen = observe.Type(t), tm(first), tm(last)
		out[c] = append(out[c], vc)
	}
	return out, rows.Err()
}

// RequestAccess records a request for access and its audit entry.
func (db *DB) RequestAccess(ctx context.Context, r *correlate.AccessRequest, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO access_requests (observable_id, owner_org_id, requester_id, requester_org_id,
			reason, status, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id`,
			r.ValueID, r.OwnerOrgID, r.RequesterID, r.RequesterOrgID, r.Reason, r.Status, ts(r.CreatedAt)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("request access: %w", err)
		}
		e.Detail["request_id"] = r.ID
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return db.notifyInbox(ctx, tx, r.OwnerOrgID) // the owner's inbox (announce_cases.go)
	})
}
