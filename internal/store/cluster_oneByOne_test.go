package store

// The one-by-one clustering that the batch walk (cluster.go) replaced:
// each record in turn reads what it needs and writes what it changes at
// once. Kept here as the reference that TestClusterWalkAgrees holds the
// walk to, with one fix (see refMerge).

import (
	"context"
	"fmt"
	"strconv"

	"github.com/koban-project/koban/internal/correlate"
)

// clusterOneByOne clusters recs one after the other, each written at once.
func clusterOneByOne(ctx context.Context, ix *indexer, recs []correlate.Record) error {
	for _, r := range recs {
		if err := ix.refCluster(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// refCluster joins r to the records it shares linking values with: each such
// value's cluster, or the records holding a value that had none. Values
// linked by containment (an address inside a reported range, a range
// holding reported addresses) count as shared. The largest cluster takes in
// the others, so a record moves cluster at most log n times.
func (ix *indexer) refCluster(ctx context.Context, r correlate.Record) error {
	links, err := ix.links(ctx, r)
	if err != nil || len(links) == 0 {
		return err
	}
	clusters := map[int64]bool{}
	loose := map[correlate.Key]bool{} // holders in no cluster yet
	own := ix.joinedTo(r.Key)
	if !r.Fresh && own == 0 {
		var err error
		if own, err = clusterOf(ctx, ix.tx, r.Key); err != nil {
			return err
		}
	}
	if own != 0 {
		clusters[own] = true
	} else {
		loose[r.Key] = true
	}
	for _, v := range links {
		if v.cluster != 0 {
			clusters[v.cluster] = true
			continue
		}
		holders, err := ix.refHolders(ctx, v.id, ix.policy.CommonThreshold())
		if err != nil {
			return err
		}
		for _, h := range holders {
			switch {
			case h.Key == r.Key: // r is already counted, above
			case h.cluster != 0:
				clusters[h.cluster] = true
			default:
				loose[h.Key] = true
			}
		}
	}
	if len(clusters) == 0 && len(loose) < 2 {
		return nil // nobody else holds these values yet
	}
	target, err := ix.refMerge(ctx, clusters)
	if err != nil {
		return err
	}
	if err := ix.refJoin(ctx, target, loose); err != nil {
		return err
	}
	var ids []any
	for _, v := range links {
		if v.cluster != target {
			v.cluster = target
			ids = append(ids, v.id)
		}
	}
	if len(ids) > 0 {
		if _, err := ix.tx.ExecContext(ctx, `UPDATE observables SET cluster_id = ? WHERE id IN (`+placeholders(len(ids))+`)`,
			append([]any{target}, ids...)...); err != nil {
			return fmt.Errorf("cluster values: %w", err)
		}
	}
	return nil
}

// refHolder is a record holding a value, with its cluster (0 for none) as
// this transaction sees it.
type refHolder struct {
	correlate.Key
	cluster int64
}

// refHoldersQuery reads a value's holders with their clusters in one
// statement: on PostgreSQL each statement is a round trip, and a value
// shared by many records asked the cluster of each one by one.
const refHoldersQuery = `SELECT oc.record_type, oc.record_id, COALESCE(m.cluster_id, 0) FROM occurrences oc
	LEFT JOIN cluster_members m ON m.record_type = oc.record_type AND m.record_id = oc.record_id
	WHERE oc.observable_id = ? LIMIT `

// refHolders returns the records holding a value, at most limit of them.
func (ix *indexer) refHolders(ctx context.Context, id int64, limit int) ([]refHolder, error) {
	rows, err := ix.tx.QueryContext(ctx, refHoldersQuery+strconv.Itoa(limit), id)
	if err != nil {
		return nil, fmt.Errorf("holders: %w", err)
	}
	defer rows.Close()
	var out []refHolder
	for rows.Next() {
		var h refHolder
		var t string
		if err := rows.Scan(&t, &h.ID, &h.cluster); err != nil {
			return nil, err
		}
		h.Type = correlate.RecordType(t)
		out = append(out, h)
	}
	return out, rows.Err()
}

// refMerge folds the given clusters into the largest of them and returns it;
// with none, it makes a new empty cluster.
func (ix *indexer) refMerge(ctx context.Context, clusters map[int64]bool) (int64, error) {
	if len(clusters) == 1 { // the usual case: a report joins its campaign
		for c := range clusters {
			return c, nil
		}
	}
	if len(clusters) == 0 {
		// One change from the version the walk replaced: SQLite gave a new
		// cluster the id of the largest one, when that had merged away in
		// the same transaction, and the merge then took the new cluster's
		// members along (the walk never reuses an id).
		var id int64
		err := ix.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM clusters`).Scan(&id)
		for c := range ix.mergedInto {
			id = max(id, c+1)
		}
		if err == nil && ix.db.d.name == "sqlite" {
			_, err = ix.tx.ExecContext(ctx, `INSERT INTO clusters (id, size, first_at, last_at, created_at, updated_at)
				VALUES (?, 0, 0, 0, ?, ?)`, id, ts(ix.now), ts(ix.now))
		} else if err == nil {
			err = ix.tx.QueryRowContext(ctx, `INSERT INTO clusters (size, first_at, last_at, created_at, updated_at)
				VALUES (0, 0, 0, ?, ?) RETURNING id`, ts(ix.now), ts(ix.now)).Scan(&id)
		}
		if err != nil {
			return 0, fmt.Errorf("new cluster: %w", err)
		}
		return id, nil
	}
	ids := make([]any, 0, len(clusters))
	for c := range clusters {
		ids = append(ids, c)
	}
	var target int64
	if err := ix.tx.QueryRowContext(ctx, `SELECT id FROM clusters WHERE id IN (`+placeholders(len(ids))+`)
		ORDER BY size DESC, id LIMIT 1`, ids...).Scan(&target); err != nil {
		return 0, fmt.Errorf("largest cluster: %w", err)
	}
	for c := range clusters {
		if c == target {
			continue
		}
		var size int
		var first, last int64
		if err := ix.tx.QueryRowContext(ctx, `SELECT size, first_at, last_at FROM clusters WHERE id = ?`, c).Scan(&size, &first, &last); err != nil {
			return 0, fmt.Errorf("merge cluster %d: %w", c, err)
		}
		for _, q := range []string{mergeMembers, mergeValues, mergeGrowth} {
			if _, err := ix.tx.ExecContext(ctx, q, target, c); err != nil {
				return 0, fmt.Errorf("merge cluster %d into %d: %w", c, target, err)
			}
		}
		for _, q := range []string{dropGrowth, `DELETE FROM clusters WHERE id = ?`} {
			if _, err := ix.tx.ExecContext(ctx, q, c); err != nil {
				return 0, fmt.Errorf("merge cluster %d: %w", c, err)
			}
		}
		if err := ix.refGrow(ctx, target, size, first, last); err != nil {
			return 0, err
		}
		ix.mergedInto[c] = target
		for _, v := range ix.byID {
			if v.cluster == c {
				v.cluster = target
			}
		}
	}
	return target, nil
}

// refJoin makes records members of cluster c, with their organisation and time
// as the index holds them.
func (ix *indexer) refJoin(ctx context.Context, c int64, recs map[correlate.Key]bool) error {
	if len(recs) == 0 {
		return nil
	}
	first, last := int64(1<<62), int64(0)
	hours := map[int64]int{}
	for k := range recs {
		oa, ok := ix.known[k]
		if !ok {
			if err := ix.tx.QueryRowContext(ctx, `SELECT MAX(org_id), MIN(at), MAX(tlp) FROM occurrences WHERE record_type = ? AND record_id = ?`,
				string(k.Type), k.ID).Scan(&oa.org, &oa.at, &oa.tlp); err != nil {
				return fmt.Errorf("join cluster: %w", err)
			}
		}
		if _, err := ix.tx.ExecContext(ctx, `INSERT INTO cluster_members (record_type, record_id, cluster_id, org_id, at, tlp)
			VALUES (?, ?, ?, ?, ?, ?)`, string(k.Type), k.ID, c, oa.org, oa.at, oa.tlp); err != nil {
			return fmt.Errorf("join cluster: %w", err)
		}
		first, last = min(first, oa.at), max(last, oa.at)
		hours[growthHour(oa.at)]++
		ix.joined[k] = c
	}
	for h, n := range hours {
		if _, err := ix.tx.ExecContext(ctx, `INSERT INTO cluster_growth (cluster_id, hour, members) VALUES (?, ?, ?)
			ON CONFLICT (cluster_id, hour) DO UPDATE SET members = cluster_growth.members + excluded.members`, c, h, n); err != nil {
			return fmt.Errorf("join cluster: %w", err)
		}
	}
	return ix.refGrow(ctx, c, len(recs), first, last)
}

// refGrow adds n members, the earliest at first and the latest at last, to
// cluster c's size and span.
func (ix *indexer) refGrow(ctx context.Context, c int64, n int, first, last int64) error {
	_, err := ix.tx.ExecContext(ctx, `UPDATE clusters SET size = size + ?,
		first_at = CASE WHEN size = 0 THEN ? ELSE `+ix.db.d.least+`(first_at, ?) END,
		last_at = CASE WHEN size = 0 THEN ? ELSE `+ix.db.d.greatest+`(last_at, ?) END,
		updated_at = ? WHERE id = ?`, n, first, first, last, last, ts(ix.now), c)
	if err != nil {
		return fmt.Errorf("grow cluster %d: %w", c, err)
	}
	return nil
}
