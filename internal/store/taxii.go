package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/tlp"
)

// CreateCollection stores one of koban's TAXII collections with the
// organisations that may read or write it, and its audit entry; it sets
// c.ID.
func (db *DB) CreateCollection(ctx context.Context, c *intel.Collection, members []intel.Member, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO taxii_collections (uuid, title, description, org_id, max_tlp, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, c.UUID, c.Title, c.Description, c.OrgID, string(c.MaxTLP), ts(c.CreatedAt)).Scan(&c.ID); err != nil {
			return fmt.Errorf("create collection: %w", err)
		}
		for _, m := range members {
			if _, err := tx.ExecContext(ctx, `INSERT INTO taxii_collection_access (collection_id, org_id, can_read, can_write) VALUES (?, ?, ?, ?)`,
				c.ID, m.OrgID, m.Read, m.Write); err != nil {
				return fmt.Errorf("create collection: %w", err)
			}
		}
		if e.ObjectID == "" {
			e.ObjectType, e.ObjectID = "taxii_collection", strconv.FormatInt(c.ID, 10)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// Collections lists every collection with the rights of an organisation on
// it: the keeper's line (keepers) reads and writes; an organisation named
// as a member has its rights. Collections it has no right on are left out.
func (db *DB) Collections(ctx context.Context, orgID int64, keepers []int64) ([]intel.Collection, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.id, c.uuid, c.title, c.description, c.org_id, c.max_tlp, c.created_at,
		COALESCE(a.can_read, ?), COALESCE(a.can_write, ?)
		FROM taxii_collections c LEFT JOIN taxii_collection_access a ON a.collection_id = c.id AND a.org_id = ?
		ORDER BY c.id`, false, false, orgID)
	if err != nil {
		return nil, fmt.Errorf("collections: %w", err)
	}
	defer rows.Close()
	var out []intel.Collection
	for rows.Next() {
		var c intel.Collection
		var level string
		var created int64
		if err := rows.Scan(&c.ID, &c.UUID, &c.Title, &c.Description, &c.OrgID, &level, &created, &c.CanRead, &c.CanWrite); err != nil {
			return nil, err
		}
		c.MaxTLP, c.CreatedAt = tlp.Level(level), tm(created)
		if slices.Contains(keepers, c.OrgID) {
			c.CanRead, c.CanWrite = true, true
		}
		if c.CanRead || c.CanWrite {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// CollectionObjects returns a page of a collection's records for one
// reader, oldest added first, and whether more follow.
func (db *DB) CollectionObjects(ctx context.Context, collectionID int64, q intel.CollectionQuery) ([]intel.CollectionRecord, bool, error) {
	where := `tco.collection_id = ?`
	args := []any{collectionID}
	add := func(cond string, a ...any) { where += " AND " + cond; args = append(args, a...) }

	// Versions, among all the collection holds.
	var picks []string
	newest := func(order string) string {
		// Driven by the object's versions (the stix_id index), each checked
		// against the collection by its key: driven by the collection
		// instead, every row of a page read the whole collection.
		return `io.id = (SELECT n.id FROM intel_objects n WHERE n.stix_id = io.stix_id
			AND EXISTS (SELECT 1 FROM taxii_collection_objects m WHERE m.collection_id = tco.collection_id AND m.object_id = n.id)
			ORDER BY n.version_at ` + order + `, n.id ` + order + ` LIMIT 1)`
	}
	if !q.All {
		if q.Last || (!q.First && len(q.At) == 0) {
			picks = append(picks, newest("DESC"))
		}
		if q.First {
			picks = append(picks, newest("ASC"))
		}
		if len(q.At) > 0 {
			picks = append(picks, `io.version_at IN (`+placeholders(len(q.At))+`)`)
			for _, at := range q.At {
				args = append(args, ts(at))
			}
		}
		where += " AND (" + strings.Join(picks, " OR ") + ")"
	}
	if !q.AddedAfter.IsZero() {
		add(`tco.added_at > ?`, ts(q.AddedAfter))
	}
	if len(q.IDs) > 0 {
		add(`io.stix_id IN (`+placeholders(len(q.IDs))+`)`, anySlice(q.IDs)...)
	}
	if len(q.Types) > 0 {
		add(`io.type IN (`+placeholders(len(q.Types))+`)`, anySlice(q.Types)...)
	}
	if len(q.SpecVersions) > 0 {
		add(`io.spec_version IN (`+placeholders(len(q.SpecVersions))+`)`, anySlice(q.SpecVersions)...)
	}
	var open []string
	for _, l := range tlp.Levels() {
		if l.AtMost(q.MaxTLP) {
			open = append(open, string(l))
		}
	}
	if len(open) == 0 {
		return nil, false, nil
	}
	add(`io.tlp IN (`+placeholders(len(open))+`)`, anySlice(open)...)
	// A member reads what the collection shares with its members (up to
	// amber: amber+strict stays within the organisations the access
	// decision lets see the record).
	var shared []string
	for _, l := range open {
		if tlp.Level(l).AtMost(tlp.Amber) {
			shared = append(shared, l)
		}
	}
	cond, cargs := scopeCondTLP(q.Reader, "io.org_id", "io.record_id", "", "io.tlp")
	if len(shared) > 0 {
		cond = `(io.tlp IN (` + placeholders(len(shared)) + `) OR ` + cond + `)`
		cargs = append(anySlice(shared), cargs...)
	}
	add(cond, cargs...)
	if !q.AfterAdded.IsZero() || q.AfterID != 0 {
		add(`(tco.added_at > ? OR (tco.added_at = ? AND tco.object_id > ?))`, ts(q.AfterAdded), ts(q.AfterAdded), q.AfterID)
	}
	limit := max(q.Limit, 1)
	rows, err := db.read.QueryContext(ctx, `SELECT `+intelColumns("io.")+`, tco.added_at
		FROM taxii_collection_objects tco JOIN intel_objects io ON io.id = tco.object_id
		WHERE `+where+` ORDER BY tco.added_at, tco.object_id LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, false, fmt.Errorf("collection objects: %w", err)
	}
	defer rows.Close()
	var out []intel.CollectionRecord
	for rows.Next() {
		var added int64
		o, err := scanIntel(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &added)...) }))
		if err != nil {
			return nil, false, err
		}
		out = append(out, intel.CollectionRecord{Object: o, Added: tm(added)})
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// AddToCollection stores objects (as AddIntel) and puts every one of them,
// new or held already, into a collection, with the request's status and
// the audit entry, in one transaction.
func (db *DB) AddToCollection(ctx context.Context, collectionID int64, objs []*intel.Object, st *intel.TAXIIStatus, e audit.Entry) (intel.Stored, error) {
	var stored intel.Stored
	err := db.inTx(ctx, func(tx *txn) error {
		var err error
		if stored, err = db.addIntel(ctx, tx, objs); err != nil {
			return err
		}
		at := ts(st.CreatedAt)
		for _, o := range objs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO taxii_collection_objects (collection_id, object_id, added_at)
				SELECT ?, id, ? FROM intel_objects WHERE stix_id = ? AND modified = ?
				ON CONFLICT (collection_id, object_id) DO NOTHING`, collectionID, at, o.StixID, o.Modified); err != nil {
				return fmt.Errorf("add to collection: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO taxii_status (id, collection_id, user_id, created_at, total, success, failure, pending, details)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, collectionID, st.UserID, at, st.Total, st.Success, st.Failure, st.Pending, string(st.Details)); err != nil {
			return fmt.Errorf("add to collection: %w", err)
		}
		e.Detail = mergeDetail(e.Detail, map[string]any{"added": stored.Added, "duplicates": stored.Duplicates, "status": st.ID})
		return db.appendAudit(ctx, tx, e)
	})
	if err != nil {
		return intel.Stored{}, err
	}
	return stored, nil
}

// TAXIIStatusByID returns a stored add-objects status.
func (db *DB) TAXIIStatusByID(ctx context.Context, id string) (*intel.TAXIIStatus, error) {
	var st intel.TAXIIStatus
	var created int64
	var details string
	err := db.read.QueryRowContext(ctx, `SELECT id, collection_id, user_id, created_at, total, success, failure, pending, details
		FROM taxii_status WHERE id = ?`, id).Scan(&st.ID, &st.CollectionID, &st.UserID, &created, &st.Total, &st.Success, &st.Failure, &st.Pending, &details)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("taxii status: %w", err)
	}
	st.CreatedAt, st.Details = tm(created), []byte(details)
	return &st, nil
}

// RemoveFromCollection takes versions of an object out of a collection
// (the objects stay in koban) and reports how many went: every version
// when versions is empty, else those at the times given.
func (db *DB) RemoveFromCollection(ctx context.Context, collectionID int64, stixID string, versions []time.Time, e audit.Entry) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *txn) error {
		q := `DELETE FROM taxii_collection_objects WHERE collection_id = ? AND object_id IN (SELECT id FROM intel_objects WHERE stix_id = ?`
		args := []any{collectionID, stixID}
		if len(versions) > 0 {
			q += ` AND version_at IN (` + placeholders(len(versions)) + `)`
			for _, v := range versions {
				args = append(args, ts(v))
			}
		}
		res, err := tx.ExecContext(ctx, q+`)`, args...)
		if err != nil {
			return fmt.Errorf("remove from collection: %w", err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		e.Detail = mergeDetail(e.Detail, map[string]any{"removed": n})
		return db.appendAudit(ctx, tx, e)
	})
	return int(n), err
}

// scanFunc lets a function stand in for a row's Scan.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
