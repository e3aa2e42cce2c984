package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/observe"
)

// Clustering a batch of records is the same walk as clustering them one by
// one — each record in turn joins the clusters of the records it shares
// linking values with — but what the walk reads is read for the whole
// batch before it starts, and what it changes is kept in memory and
// written once after it ends (flush). One record at a time, each join cost
// several statements (a value's holders, their clusters, a new cluster, a
// member, its hour, the cluster's size, the values' cluster): on
// PostgreSQL, where each is a round trip, they were most of an import's
// time. A test holds the walk to the one-by-one version
// (cluster_oneByOne_test.go) on both databases.

// clusterRow is a cluster as this transaction sees it.
type clusterRow struct {
	size        int
	first, last int64
	made        bool // made in this transaction: inserted by flush
	changed     bool // size or span changed: written by flush
	gone        bool // merged away in this transaction
}

// clustering is the indexer's view of the clusters during a transaction:
// what was read of them, and what changed.
type clustering struct {
	clusters map[int64]*clusterRow
	// member is the cluster each record read belonged to when the
	// transaction began (0: none); joined (on the indexer) holds the
	// records that joined one in it.
	member map[correlate.Key]int64
	// holders of a value, as read (at most the common threshold of them).
	holders map[int64][]correlate.Key
	// joins are the records that joined a cluster, in order.
	joins []correlate.Key
	// growth counts the members each cluster gained per hour.
	growth map[[2]int64]int
	// mergedAway are the clusters held before this transaction that merged
	// into another in it.
	mergedAway []int64
	// ids drawn for new clusters and not used yet, and how many to draw next.
	ids  []int64
	draw int
}

func newClustering() clustering {
	return clustering{clusters: map[int64]*clusterRow{}, member: map[correlate.Key]int64{},
		holders: map[int64][]correlate.Key{}, growth: map[[2]int64]int{}}
}

// resolve follows cluster c through the merges of this transaction.
func (ix *indexer) resolve(c int64) int64 {
	for c != 0 {
		to, ok := ix.mergedInto[c]
		if !ok {
			break
		}
		c = to
	}
	return c
}

// joinedTo returns the cluster a record joined in this transaction, 0 for none.
func (ix *indexer) joinedTo(k correlate.Key) int64 { return ix.resolve(ix.joined[k]) }

// clusterAll joins recs to clusters, one after the other, and writes what
// changed.
func (ix *indexer) clusterAll(ctx context.Context, recs []correlate.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if ix.db.clusterWith != nil { // a test's reference version
		return ix.db.clusterWith(ctx, ix, recs)
	}
	if err := ix.prefetch(ctx, recs); err != nil {
		return err
	}
	for _, r := range recs {
		if err := ix.cluster(ctx, r); err != nil {
			return err
		}
	}
	return ix.flush(ctx)
}

// cluster joins r to the records it shares linking values with: each such
// value's cluster, or the records holding a value that had none. Values
// linked by containment (an address inside a reported range, a range
// holding reported addresses) count as shared. The largest cluster takes in
// the others, so a record moves cluster at most log n times.
func (ix *indexer) cluster(ctx context.Context, r correlate.Record) error {
	links, err := ix.links(ctx, r)
	if err != nil || len(links) == 0 {
		return err
	}
	clusters := map[int64]bool{}
	loose := map[correlate.Key]bool{} // holders in no cluster yet
	own := ix.joinedTo(r.Key)
	if !r.Fresh && own == 0 {
		if own, err = ix.memberOf(ctx, r.Key); err != nil {
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
		holders, err := ix.holdersOf(ctx, v.id)
		if err != nil {
			return err
		}
		for _, h := range holders {
			if h == r.Key {
				continue // r is already counted, above
			}
			c, err := ix.memberOf(ctx, h)
			if err != nil {
				return err
			}
			if c != 0 {
				clusters[c] = true
			} else {
				loose[h] = true
			}
		}
	}
	if len(clusters) == 0 && len(loose) < 2 {
		return nil // nobody else holds these values yet
	}
	target, err := ix.merge(ctx, clusters)
	if err != nil {
		return err
	}
	if err := ix.join(ctx, target, loose); err != nil {
		return err
	}
	for _, v := range links {
		v.cluster = target
	}
	return nil
}

// links returns the values through which r joins other records: its own
// values held by another record that are neither benign nor common, and
// the values related to its addresses and ranges by containment.
func (ix *indexer) links(ctx context.Context, r correlate.Record) ([]*indexed, error) {
	var out []*indexed
	seen := map[int64]bool{}
	add := func(v *indexed) {
		if !seen[v.id] && ix.policy.Links(v.obs, v.records) {
			seen[v.id] = true
			out = append(out, v)
		}
	}
	for _, o := range r.Observables {
		v := ix.byObs[o]
		if v.records >= 2 {
			add(v)
		}
		if !ix.policy.Links(o, v.records) {
			continue // a benign address links nothing, not even by containment
		}
		near, err := ix.contained(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, n := range near {
			add(n)
		}
	}
	return out, nil
}

// maxContained bounds the addresses a reported range links when it is
// stored; the observable page still lists them all.
const maxContained = 1000

// contained returns the stored ranges that hold address o, or the stored
// addresses inside range o.
func (ix *indexer) contained(ctx context.Context, o observe.Observable) ([]*indexed, error) {
	var rows interface {
		Next() bool
		Scan(...any) error
		Close() error
		Err() error
	}
	var err error
	if ranges := correlate.Ranges(o); len(ranges) > 0 {
		if ix.ranges == 0 {
			// Most databases hold far more addresses than ranges: ask once
			// whether there is any range to be inside of.
			var any int
			if err := ix.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM observables WHERE type = ? AND records > 0 LIMIT 1) t`,
				string(observe.CIDR)).Scan(&any); err != nil {
				return nil, fmt.Errorf("ranges: %w", err)
			}
			ix.ranges = map[bool]int{true: 1, false: -1}[any > 0]
		}
		if ix.ranges < 0 {
			return nil, nil
		}
		args := append([]any{string(observe.CIDR)}, anySlice(ranges)...)
		rows, err = ix.tx.QueryContext(ctx, `SELECT id, type, value, records, cluster_id FROM observables
			WHERE type = ? AND value IN (`+placeholders(len(ranges))+`) AND records > 0`, args...)
	} else if span, ok := correlate.SpanOf(o); ok {
		rows, err = ix.tx.QueryContext(ctx, `SELECT id, type, value, records, cluster_id FROM observables
			WHERE type = ? AND ip_key >= ? AND ip_key <= ? AND ip_key <> '' AND records > 0 LIMIT `+strconv.Itoa(maxContained),
			string(span.Type), span.From, span.To)
	} else {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("contained values: %w", err)
	}
	defer rows.Close()
	var out []*indexed
	for rows.Next() {
		v := &indexed{}
		var t string
		if err := rows.Scan(&v.id, &t, &v.obs.Value, &v.records, &v.cluster); err != nil {
			return nil, err
		}
		v.obs.Type = observe.Type(t)
		if known := ix.byID[v.id]; known != nil {
			v = known // this transaction's view of it
		} else {
			// The row as the transaction began (flush writes the
			// clusters' changes), seen through this transaction's merges.
			v.stored = v.cluster
			v.cluster = ix.resolve(v.cluster)
			ix.byID[v.id] = v
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func anySlice[T any](ss []T) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// holdersOf reads the holders of the values in (a dialect.in), through the
// values' index.
func (d *dialect) holdersOf(in string) string {
	return `SELECT oc.observable_id, oc.record_type, oc.record_id FROM occurrences oc` + d.byValue + `
	WHERE oc.observable_id ` + in
}

// prefetch reads, for all of recs at once, what clustering them will ask
// for: the holders of their linking values that are in no cluster yet,
// with the clusters those holders belong to; the clusters of the records
// that may be in one already; the owners and times of the holders that
// may join one; and the clusters all these name.
func (ix *indexer) prefetch(ctx context.Context, recs []correlate.Record) error {
	var values []int64
	seen := map[int64]bool{}
	var older []correlate.Key
	for _, r := range recs {
		if !r.Fresh {
			older = append(older, r.Key)
		}
		for _, o := range r.Observables {
			v := ix.byObs[o]
			if v.records >= 2 && v.cluster == 0 && !seen[v.id] && ix.policy.Links(v.obs, v.records) {
				seen[v.id] = true
				values = append(values, v.id)
			}
		}
	}
	if err := ix.readHolders(ctx, values); err != nil {
		return err
	}
	if err := ix.readMembers(ctx, older); err != nil {
		return err
	}
	var loose []correlate.Key
	for k, c := range ix.cl.member {
		if _, ok := ix.known[k]; !ok && c == 0 {
			loose = append(loose, k)
		}
	}
	if err := ix.readHoldings(ctx, loose); err != nil {
		return err
	}
	var ids []int64
	for _, v := range ix.byID {
		if v.cluster != 0 {
			ids = append(ids, v.cluster)
		}
	}
	for _, c := range ix.cl.member {
		if c != 0 {
			ids = append(ids, c)
		}
	}
	return ix.readClusters(ctx, ids)
}

// readHolders reads the holders of values and the clusters they belong to.
// (In one statement joined to cluster_members, PostgreSQL chose to read
// every member.)
func (ix *indexer) readHolders(ctx context.Context, values []int64) error {
	limit := ix.policy.CommonThreshold()
	var keys []correlate.Key
	per := ix.db.d.perStatement(1, 500)
	for start := 0; start < len(values); start += per {
		part := values[start:min(start+per, len(values))]
		for _, v := range part {
			ix.cl.holders[v] = []correlate.Key{} // read, even when nobody holds it
		}
		in, args, err := ix.db.d.in(colInt, anySlice(part))
		if err != nil {
			return fmt.Errorf("holders: %w", err)
		}
		rows, err := ix.tx.QueryContext(ctx, ix.db.d.holdersOf(in), args...)
		if err != nil {
			return fmt.Errorf("holders: %w", err)
		}
		for rows.Next() {
			var v int64
			var k correlate.Key
			var t string
			if err := rows.Scan(&v, &t, &k.ID); err != nil {
				rows.Close()
				return fmt.Errorf("holders: %w", err)
			}
			k.Type = correlate.RecordType(t)
			if len(ix.cl.holders[v]) < limit {
				ix.cl.holders[v] = append(ix.cl.holders[v], k)
				keys = append(keys, k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("holders: %w", err)
		}
	}
	return ix.readMembers(ctx, keys)
}

// holdersOf returns the records holding a value, at most the common
// threshold of them (more, and the value is common: it links nothing).
func (ix *indexer) holdersOf(ctx context.Context, id int64) ([]correlate.Key, error) {
	if hs, ok := ix.cl.holders[id]; ok {
		return hs, nil
	}
	if err := ix.readHolders(ctx, []int64{id}); err != nil {
		return nil, err
	}
	return ix.cl.holders[id], nil
}

// byType groups record keys by their type, each type's ids in order.
func byType(keys []correlate.Key) map[correlate.RecordType][]any {
	out := map[correlate.RecordType][]any{}
	for _, k := range keys {
		out[k.Type] = append(out[k.Type], k.ID)
	}
	return out
}

// readMembers reads the clusters records belonged to when the transaction
// began.
func (ix *indexer) readMembers(ctx context.Context, keys []correlate.Key) error {
	var unread []correlate.Key
	for _, k := range keys {
		if _, ok := ix.cl.member[k]; !ok {
			ix.cl.member[k] = 0 // until read otherwise
			unread = append(unread, k)
		}
	}
	per := ix.db.d.perStatement(1, 500)
	for t, ids := range byType(unread) {
		for start := 0; start < len(ids); start += per {
			in, args, err := ix.db.d.in(colInt, ids[start:min(start+per, len(ids))])
			if err != nil {
				return fmt.Errorf("cluster members: %w", err)
			}
			rows, err := ix.tx.QueryContext(ctx, `SELECT record_id, cluster_id FROM cluster_members WHERE record_type = ? AND record_id `+in,
				append([]any{string(t)}, args...)...)
			if err != nil {
				return fmt.Errorf("cluster members: %w", err)
			}
			for rows.Next() {
				k := correlate.Key{Type: t}
				var c int64
				if err := rows.Scan(&k.ID, &c); err != nil {
					rows.Close()
					return fmt.Errorf("cluster members: %w", err)
				}
				ix.cl.member[k] = c
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("cluster members: %w", err)
			}
		}
	}
	return nil
}

// memberOf returns the cluster record k belongs to as this transaction
// sees it, 0 for none.
func (ix *indexer) memberOf(ctx context.Context, k correlate.Key) (int64, error) {
	if c := ix.joinedTo(k); c != 0 {
		return c, nil
	}
	c, ok := ix.cl.member[k]
	if !ok {
		if err := ix.readMembers(ctx, []correlate.Key{k}); err != nil {
			return 0, err
		}
		c = ix.cl.member[k]
	}
	return ix.resolve(c), nil
}

// readHoldings reads the owner, time and marking the index holds of
// records not being indexed.
func (ix *indexer) readHoldings(ctx context.Context, keys []correlate.Key) error {
	if ix.known == nil {
		ix.known = map[correlate.Key]holding{}
	}
	per := ix.db.d.perStatement(1, 500)
	for t, ids := range byType(keys) {
		for start := 0; start < len(ids); start += per {
			in, args, err := ix.db.d.in(colInt, ids[start:min(start+per, len(ids))])
			if err != nil {
				return fmt.Errorf("join cluster: %w", err)
			}
			rows, err := ix.tx.QueryContext(ctx, `SELECT record_id, MAX(org_id), MIN(at), MAX(tlp) FROM occurrences
				WHERE record_type = ? AND record_id `+in+` GROUP BY record_id`, append([]any{string(t)}, args...)...)
			if err != nil {
				return fmt.Errorf("join cluster: %w", err)
			}
			for rows.Next() {
				k := correlate.Key{Type: t}
				var h holding
				if err := rows.Scan(&k.ID, &h.org, &h.at, &h.tlp); err != nil {
					rows.Close()
					return fmt.Errorf("join cluster: %w", err)
				}
				ix.known[k] = h
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("join cluster: %w", err)
			}
		}
	}
	return nil
}

// holding returns what the index holds of record k.
func (ix *indexer) holding(ctx context.Context, k correlate.Key) (holding, error) {
	if h, ok := ix.known[k]; ok {
		return h, nil
	}
	if err := ix.readHoldings(ctx, []correlate.Key{k}); err != nil {
		return holding{}, err
	}
	h, ok := ix.known[k]
	if !ok {
		return holding{}, fmt.Errorf("join cluster: %s %d holds no value", k.Type, k.ID)
	}
	return h, nil
}

// readClusters reads the size and span of clusters not read yet.
func (ix *indexer) readClusters(ctx context.Context, ids []int64) error {
	ids = slices.DeleteFunc(ids, func(c int64) bool { return ix.cl.clusters[c] != nil })
	slices.Sort(ids)
	ids = slices.Compact(ids)
	per := ix.db.d.perStatement(1, 500)
	for start := 0; start < len(ids); start += per {
		in, args, err := ix.db.d.in(colInt, anySlice(ids[start:min(start+per, len(ids))]))
		if err != nil {
			return fmt.Errorf("clusters: %w", err)
		}
		rows, err := ix.tx.QueryContext(ctx, `SELECT id, size, first_at, last_at FROM clusters WHERE id `+in, args...)
		if err != nil {
			return fmt.Errorf("clusters: %w", err)
		}
		for rows.Next() {
			var id int64
			c := &clusterRow{}
			if err := rows.Scan(&id, &c.size, &c.first, &c.last); err != nil {
				rows.Close()
				return fmt.Errorf("clusters: %w", err)
			}
			ix.cl.clusters[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("clusters: %w", err)
		}
	}
	return nil
}

// clusterRow returns cluster c as this transaction sees it.
func (ix *indexer) clusterRow(ctx context.Context, c int64) (*clusterRow, error) {
	if row := ix.cl.clusters[c]; row != nil {
		return row, nil
	}
	if err := ix.readClusters(ctx, []int64{c}); err != nil {
		return nil, err
	}
	row := ix.cl.clusters[c]
	if row == nil {
		return nil, fmt.Errorf("cluster %d: not found", c)
	}
	return row, nil
}

// newCluster makes an empty cluster and returns its id, drawn from the
// database's (PostgreSQL: in growing blocks, so that a batch making many
// asks a few times).
func (ix *indexer) newCluster(ctx context.Context) (int64, error) {
	if len(ix.cl.ids) == 0 {
		ix.cl.draw = min(max(2*ix.cl.draw, 1), 1024)
		// The clusters this transaction made or merged away are not
		// written (nor deleted) yet: none of their ids is drawn again.
		var floor int64
		for id := range ix.cl.clusters {
			floor = max(floor, id)
		}
		ids, err := ix.db.drawIDs(ctx, ix.tx, "clusters", ix.cl.draw, floor)
		if err != nil {
			return 0, fmt.Errorf("new cluster: %w", err)
		}
		ix.cl.ids = ids
	}
	id := ix.cl.ids[0]
	ix.cl.ids = ix.cl.ids[1:]
	ix.cl.clusters[id] = &clusterRow{made: true}
	return id, nil
}

// The statements that move a merged cluster's members and values.
// "cluster_id <> 0" in mergeValues is the partial index's own condition:
// without it written out, the planner cannot use the index and reads the
// whole table for every merge (a test holds SQLite's plan to it).
const (
	mergeMembers = `UPDATE cluster_members SET cluster_id = ? WHERE cluster_id = ?`
	mergeValues  = `UPDATE observables SET cluster_id = ? WHERE cluster_id = ? AND cluster_id <> 0`
	mergeGrowth  = `INSERT INTO cluster_growth (cluster_id, hour, members) SELECT ?, hour, members FROM cluster_growth
		WHERE cluster_id = ? ON CONFLICT (cluster_id, hour) DO UPDATE SET members = cluster_growth.members + excluded.members`
	dropGrowth = `DELETE FROM cluster_growth WHERE cluster_id = ?`
)

// growthHour is the hour of cluster_growth that a member stored at the
// timestamp at (microseconds) counts in.
func growthHour(at int64) int64 { return at / int64(time.Hour/time.Microsecond) }

// merge folds the given clusters into the largest of them (of equal
// sizes, the oldest) and returns it; with none, it makes a new empty
// cluster.
func (ix *indexer) merge(ctx context.Context, clusters map[int64]bool) (int64, error) {
	if len(clusters) == 1 { // the usual case: a report joins its campaign
		for c := range clusters {
			return c, nil
		}
	}
	if len(clusters) == 0 {
		return ix.newCluster(ctx)
	}
	ids := make([]int64, 0, len(clusters))
	for c := range clusters {
		ids = append(ids, c)
	}
	if err := ix.readClusters(ctx, slices.Clone(ids)); err != nil {
		return 0, err
	}
	target := int64(0)
	for _, c := range ids {
		row := ix.cl.clusters[c]
		if row == nil {
			return 0, fmt.Errorf("cluster %d: not found", c)
		}
		if t := ix.cl.clusters[target]; target == 0 || row.size > t.size || (row.size == t.size && c < target) {
			target = c
		}
	}
	for _, c := range ids {
		if c == target {
			continue
		}
		row := ix.cl.clusters[c]
		ix.grow(target, row.size, row.first, row.last)
		row.gone = true
		if !row.made {
			ix.cl.mergedAway = append(ix.cl.mergedAway, c)
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

// join makes records members of cluster c, with their organisation and time
// as the index holds them.
func (ix *indexer) join(ctx context.Context, c int64, recs map[correlate.Key]bool) error {
	if len(recs) == 0 {
		return nil
	}
	first, last := int64(1<<62), int64(0)
	for k := range recs {
		h, err := ix.holding(ctx, k)
		if err != nil {
			return err
		}
		ix.cl.joins = append(ix.cl.joins, k)
		first, last = min(first, h.at), max(last, h.at)
		ix.cl.growth[[2]int64{c, growthHour(h.at)}]++
		ix.joined[k] = c
	}
	if _, err := ix.clusterRow(ctx, c); err != nil {
		return err
	}
	ix.grow(c, len(recs), first, last)
	return nil
}

// grow adds n members, the earliest at first and the latest at last, to
// cluster c's size and span.
func (ix *indexer) grow(c int64, n int, first, last int64) {
	row := ix.cl.clusters[c]
	if row.size == 0 {
		row.first, row.last = first, last
	} else {
		row.first, row.last = min(row.first, first), max(row.last, last)
	}
	row.size += n
	row.changed = true
}

// flush writes what clustering changed: the clusters made, merged away and
// grown, the new members and their hours, and the values' clusters.
func (ix *indexer) flush(ctx context.Context) error {
	now := ts(ix.now)
	var made, grown []int64
	for id, row := range ix.cl.clusters {
		switch {
		case row.gone:
		case row.made:
			made = append(made, id)
		case row.changed:
			grown = append(grown, id)
		}
	}
	slices.Sort(made)
	slices.Sort(grown)
	six := []string{colInt, colInt, colInt, colInt, colInt, colInt}
	args := make([]any, 0, 6*len(made))
	for _, id := range made {
		row := ix.cl.clusters[id]
		args = append(args, id, row.size, row.first, row.last, now, now)
	}
	if err := ix.tx.insertEach(ctx, `INSERT INTO clusters (id, size, first_at, last_at, created_at, updated_at) `, six, args, ""); err != nil {
		return fmt.Errorf("new clusters: %w", err)
	}
	// Clusters held before that merged away: their members, values and
	// hours move to the cluster they ended in.
	for _, c := range ix.cl.mergedAway {
		to := ix.resolve(c)
		for _, q := range []string{mergeMembers, mergeValues, mergeGrowth} {
			if _, err := ix.tx.ExecContext(ctx, q, to, c); err != nil {
				return fmt.Errorf("merge cluster %d into %d: %w", c, to, err)
			}
		}
		for _, q := range []string{dropGrowth, `DELETE FROM clusters WHERE id = ?`} {
			if _, err := ix.tx.ExecContext(ctx, q, c); err != nil {
				return fmt.Errorf("merge cluster %d: %w", c, err)
			}
		}
	}
	args = make([]any, 0, 5*len(grown))
	for _, id := range grown {
		row := ix.cl.clusters[id]
		args = append(args, id, row.size, row.first, row.last, now)
	}
	if err := ix.tx.updateFrom(ctx, `UPDATE clusters SET size = v.column2, first_at = v.column3, last_at = v.column4, updated_at = v.column5 FROM `,
		six[:5], args, ` WHERE clusters.id = v.column1`); err != nil {
		return fmt.Errorf("grow clusters: %w", err)
	}
	args = make([]any, 0, 6*len(ix.cl.joins))
	for _, k := range ix.cl.joins {
		h := ix.known[k]
		args = append(args, string(k.Type), k.ID, ix.joinedTo(k), h.org, h.at, h.tlp)
	}
	if err := ix.tx.insertEach(ctx, `INSERT INTO cluster_members (record_type, record_id, cluster_id, org_id, at, tlp) `,
		[]string{colText, colInt, colInt, colInt, colInt, colText}, args, ""); err != nil {
		return fmt.Errorf("join cluster: %w", err)
	}
	hours := map[[2]int64]int{}
	for k, n := range ix.cl.growth {
		hours[[2]int64{ix.resolve(k[0]), k[1]}] += n
	}
	grew := make([][2]int64, 0, len(hours))
	for k := range hours {
		grew = append(grew, k)
	}
	slices.SortFunc(grew, func(a, b [2]int64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	args = make([]any, 0, 3*len(grew))
	for _, k := range grew {
		args = append(args, k[0], k[1], hours[k])
	}
	if err := ix.tx.insertEach(ctx, `INSERT INTO cluster_growth (cluster_id, hour, members) `, six[:3], args,
		` ON CONFLICT (cluster_id, hour) DO UPDATE SET members = cluster_growth.members + excluded.members`); err != nil {
		return fmt.Errorf("join cluster: %w", err)
	}
	var moved []*indexed
	for _, v := range ix.byID {
		if v.cluster != v.stored {
			moved = append(moved, v)
		}
	}
	slices.SortFunc(moved, func(a, b *indexed) int { return cmp.Compare(a.id, b.id) })
	args = make([]any, 0, 2*len(moved))
	for _, v := range moved {
		args = append(args, v.id, v.cluster)
	}
	if err := ix.tx.updateFrom(ctx, `UPDATE observables SET cluster_id = v.column2 FROM `, six[:2], args,
		` WHERE observables.id = v.column1`); err != nil {
		return fmt.Errorf("cluster values: %w", err)
	}
	for _, v := range moved {
		v.stored = v.cluster
	}
	ix.cl = newClustering()
	return nil
}
