package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strconv"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/patrol"
	"github.com/koban-project/koban/internal/tlp"
)

const findingCols = `f.id, f.capture_id, f.item_id, f.org_id, f.url, f.category, f.score, f.hits, f.excerpt, f.simhash, f.cluster_id, f.state, f.tlp,
	COALESCE(f.reviewed_by, 0), f.reviewed_at, f.review_note, COALESCE(f.report_id, 0), f.created_at,
	(SELECT COUNT(*) FROM patrol_findings c WHERE c.cluster_id = f.cluster_id)`

func scanFinding(s scanner) (*patrol.Finding, error) {
	var f patrol.Finding
	var hits, level string
	var sim int64
	var reviewed, created int64
	if err := s.Scan(&f.ID, &f.CaptureID, &f.ItemID, &f.OrgID, &f.URL, &f.Category, &f.Score, &hits, &f.Excerpt, &sim, &f.ClusterID, &f.State, &level,
		&f.ReviewedBy, &reviewed, &f.ReviewNote, &f.ReportID, &created, &f.ClusterSize); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(hits), &f.Hits)
	f.SimHash, f.TLP, f.ReviewedAt, f.CreatedAt = uint64(sim), tlp.Level(level), tm(reviewed), tm(created)
	return &f, nil
}

// headsScanned bounds the cluster heads of a category a new finding is
// compared with (the newest first).
const headsScanned = 5000

// AddFinding implements patrol.FindingStore.
func (db *DB) AddFinding(ctx context.Context, f *patrol.Finding, threshold int) error {
	return db.inTx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, simhash FROM patrol_findings WHERE category = ? AND cluster_id = id ORDER BY id DESC LIMIT ?`,
			f.Category, headsScanned)
		if err != nil {
			return fmt.Errorf("add finding: %w", err)
		}
		best, bestDist := int64(0), threshold+1
		for rows.Next() {
			var id, sim int64
			if err := rows.Scan(&id, &sim); err != nil {
				rows.Close()
				return err
			}
			if d := bits.OnesCount64(uint64(sim) ^ f.SimHash); d < bestDist {
				best, bestDist = id, d
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("add finding: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO patrol_findings (capture_id, item_id, org_id, url, category, score, hits, excerpt, simhash, cluster_id, state, tlp, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, f.CaptureID, f.ItemID, f.OrgID, f.URL, f.Category, f.Score, patrol.HitsJSON(f.Hits),
			f.Excerpt, int64(f.SimHash), best, f.State, string(f.TLP), ts(f.CreatedAt)).Scan(&f.ID); err != nil {
			return fmt.Errorf("add finding: %w", err)
		}
		f.ClusterID = best
		if best == 0 {
			f.ClusterID = f.ID
			if _, err := tx.ExecContext(ctx, `UPDATE patrol_findings SET cluster_id = id WHERE id = ?`, f.ID); err != nil {
				return fmt.Errorf("add finding: %w", err)
			}
		}
		if len(f.Observables) > 0 {
			rec := correlate.Record{Key: correlate.Key{Type: correlate.Finding, ID: f.ID}, OrgID: f.OrgID, TLP: string(f.TLP), At: f.CreatedAt,
				Observables: f.Observables, Fresh: true}
			if err := db.newIndexer(tx).index(ctx, []correlate.Record{rec}); err != nil {
				return fmt.Errorf("index finding: %w", err)
			}
		}
		return db.appendAudit(ctx, tx, audit.Entry{Actor: audit.System, Action: "patrol.finding", ObjectType: patrol.ObjectType,
			ObjectID: strconv.FormatInt(f.ID, 10), Detail: map[string]any{"category": f.Category, "score": f.Score, "cluster": f.ClusterID}})
	})
}

// Finding returns one finding.
func (db *DB) Finding(ctx context.Context, id int64) (*patrol.Finding, error) {
	f, err := scanFinding(db.read.QueryRowContext(ctx, `SELECT `+findingCols+` FROM patrol_findings f WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("finding %d: %w", id, err)
	}
	return f, nil
}

// Findings lists the findings of the organisations in a state ("" for
// all), newest first.
func (db *DB) Findings(ctx context.Context, orgs []int64, state string, limit int) ([]*patrol.Finding, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	q := `SELECT ` + findingCols + ` FROM patrol_findings f WHERE f.org_id IN (` + placeholders(len(orgs)) + `)`
	args := anySlice(orgs)
	if state != "" {
		q, args = q+` AND f.state = ?`, append(args, state)
	}
	return collect(ctx, db.read, scanFinding, q+` ORDER BY f.id DESC LIMIT ?`, append(args, limit)...)
}

// ClusterFindings lists a near-duplicate cluster's findings, first first.
func (db *DB) ClusterFindings(ctx context.Context, clusterID int64, limit int) ([]*patrol.Finding, error) {
	return collect(ctx, db.read, scanFinding, `SELECT `+findingCols+` FROM patrol_findings f WHERE f.cluster_id = ? ORDER BY f.id LIMIT ?`, clusterID, limit)
}

// ReviewFinding implements patrol.FindingStore.
func (db *DB) ReviewFinding(ctx context.Context, f *patrol.Finding, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE patrol_findings SET state = ?, reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ? AND state = 'new'`,
			f.State, nullID(f.ReviewedBy), ts(f.ReviewedAt), f.ReviewNote, f.ID)
		if err != nil {
			return fmt.Errorf("review finding: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &koban.Error{Code: koban.Conflict, Key: "patrol.error.reviewed"}
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// PhraseItems returns the phrase and regex items of an organisation.
func (db *DB) PhraseItems(ctx context.Context, orgID int64) ([]*patrol.Item, error) {
	return collect(ctx, db.read, scanPatrolItem, `SELECT `+patrolItemCols+` FROM patrol_items WHERE org_id = ? AND kind IN ('phrase', 'regex') AND enabled = ?
		ORDER BY id`, orgID, true)
}

// SetFindingReport implements patrol.FindingStore.
func (db *DB) SetFindingReport(ctx context.Context, findingID, reportID int64, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE patrol_findings SET report_id = ? WHERE id = ? AND report_id IS NULL`, reportID, findingID)
		if err != nil {
			return fmt.Errorf("finding report: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &koban.Error{Code: koban.Conflict, Key: "patrol.error.reported"}
		}
		return db.appendAudit(ctx, tx, e)
	})
}
