package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/vuln/feed"
)

// Vulnerability information: the dictionary (vulns, vuln_products,
// vuln_kev, vuln_epss), the sources that fill it, the inventory (assets)
// and its findings and alerts.

const vulnSourceCols = `id, kind, location, name, every_seconds, enabled, gen, COALESCE(created_by, 0), created_at, updated_at,
	etag, last_modified, checked_at, ok_at, last_error, records, changed`

func scanVulnSource(s scanner) (*vuln.Source, error) {
	var src vuln.Source
	var kind string
	var every, created, updated, checked, ok int64
	if err := s.Scan(&src.ID, &kind, &src.Location, &src.Name, &every, &src.Enabled, &src.Gen, &src.CreatedBy, &created, &updated,
		&src.ETag, &src.LastModified, &checked, &ok, &src.LastError, &src.Records, &src.Changed); err != nil {
		return nil, err
	}
	src.Kind, src.Every = vuln.Kind(kind), time.Duration(every)*time.Second
	src.CreatedAt, src.UpdatedAt, src.CheckedAt, src.OKAt = tm(created), tm(updated), tm(checked), tm(ok)
	return &src, nil
}

// CreateVulnSource implements vuln.Store.
func (db *DB) CreateVulnSource(ctx context.Context, s *vuln.Source, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO vuln_sources (kind, location, name, every_seconds, enabled, gen, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, location) DO NOTHING RETURNING id`,
			string(s.Kind), s.Location, s.Name, int64(s.Every/time.Second), s.Enabled, max(s.Gen, 1), nullID(s.CreatedBy), ts(s.CreatedAt), ts(s.UpdatedAt)).Scan(&s.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return &koban.Error{Code: koban.Conflict, Key: "vuln.error.duplicate", Field: "location"}
		}
		if err != nil {
			return fmt.Errorf("create vuln source: %w", err)
		}
		s.Gen = max(s.Gen, 1)
		e.ObjectType, e.ObjectID = "vuln_source", strconv.FormatInt(s.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// VulnSource implements vuln.Store.
func (db *DB) VulnSource(ctx context.Context, id int64) (*vuln.Source, error) {
	s, err := scanVulnSource(db.read.QueryRowContext(ctx, `SELECT `+vulnSourceCols+` FROM vuln_sources WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("vuln source %d: %w", id, err)
	}
	return s, nil
}

// VulnSources implements vuln.Store.
func (db *DB) VulnSources(ctx context.Context) ([]*vuln.Source, error) {
	out, err := collect(ctx, db.read, scanVulnSource, `SELECT `+vulnSourceCols+` FROM vuln_sources ORDER BY kind, name, id`)
	if err != nil {
		return nil, fmt.Errorf("vuln sources: %w", err)
	}
	return out, nil
}

// SetVulnSourceEnabled implements vuln.Store.
func (db *DB) SetVulnSourceEnabled(ctx context.Context, id int64, enabled bool, at time.Time, e audit.Entry) (*vuln.Source, error) {
	var s *vuln.Source
	err := db.inTx(ctx, func(tx *txn) error {
		bump := 0
		if enabled {
			bump = 1
		}
		res, err := tx.ExecContext(ctx, `UPDATE vuln_sources SET enabled = ?, gen = gen + ?, updated_at = ? WHERE id = ?`, enabled, bump, ts(at), id)
		if err != nil {
			return fmt.Errorf("vuln source %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		if s, err = scanVulnSource(tx.QueryRowContext(ctx, `SELECT `+vulnSourceCols+` FROM vuln_sources WHERE id = ?`, id)); err != nil {
			return fmt.Errorf("vuln source %d: %w", id, err)
		}
		e.ObjectType, e.ObjectID = "vuln_source", strconv.FormatInt(id, 10)
		return db.appendAudit(ctx, tx, e)
	})
	return s, err
}

// RecordVulnImport implements vuln.Store.
func (db *DB) RecordVulnImport(ctx context.Context, id int64, s *vuln.Source) error {
	_, err := db.write.ExecContext(ctx, `UPDATE vuln_sources SET etag = ?, last_modified = ?, checked_at = ?, ok_at = ?, last_error = ?,
		records = ?, changed = ? WHERE id = ?`, s.ETag, s.LastModified, ts(s.CheckedAt), ts(s.OKAt), s.LastError, s.Records, s.Changed, id)
	if err != nil {
		return fmt.Errorf("record vuln import %d: %w", id, err)
	}
	return nil
}

// digests reads the stored digests of ids from table (keyed by col).
func (db *DB) digests(ctx context.Context, q querier, table, col, digestCol string, ids []any) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	per := db.d.perStatement(1, 5000)
	for start := 0; start < len(ids); start += per {
		in, args, err := db.d.in(colText, ids[start:min(start+per, len(ids))])
		if err != nil {
			return nil, err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+col+`, `+digestCol+` FROM `+table+` WHERE `+col+` `+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, d string
			if err := rows.Scan(&id, &d); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpsertVulns implements vuln.Store: one transaction, only records whose
// digest differs from the stored one written (the last of an id twice in
// the batch counts).
func (db *DB) UpsertVulns(ctx context.Context, recs []*vuln.Record) ([]string, error) {
	last := make(map[string]*vuln.Record, len(recs))
	ids := make([]any, 0, len(recs))
	for _, r := range recs {
		if _, ok := last[r.ID]; !ok {
			ids = append(ids, r.ID)
		}
		last[r.ID] = r
	}
	var changed []string
	err := db.inTx(ctx, func(tx *txn) error {
		changed = changed[:0]
		held, err := db.digests(ctx, tx, "vulns", "id", "digest", ids)
		if err != nil {
			return fmt.Errorf("vuln digests: %w", err)
		}
		var rows, prods, gone []any
		for _, id := range ids {
			r := last[id.(string)]
			if held[r.ID] == r.Digest {
				continue
			}
			body, err := r.Body()
			if err != nil {
				return err
			}
			changed = append(changed, r.ID)
			rows = append(rows, r.ID, string(r.Source), r.Status, r.Title, ts(r.Published), ts(r.Modified), ts(r.FetchedAt),
				r.Score, r.Severity, string(body), r.Digest, ts(r.FetchedAt))
			if _, ok := held[r.ID]; ok {
				gone = append(gone, r.ID)
			}
			for _, p := range r.Products {
				prods = append(prods, p, r.ID)
			}
		}
		if len(rows) == 0 {
			return nil
		}
		types := []string{colText, colText, colText, colText, colInt, colInt, colInt, colReal, colText, colText, colText, colInt}
		if err := tx.insertEach(ctx, `INSERT INTO vulns (id, source, status, title, published, modified, fetched_at, score, severity, body, digest, changed_at) `,
			types, rows, ` ON CONFLICT (id) DO UPDATE SET source = excluded.source, status = excluded.status, title = excluded.title,
			published = excluded.published, modified = excluded.modified, fetched_at = excluded.fetched_at, score = excluded.score,
			severity = excluded.severity, body = excluded.body, digest = excluded.digest, changed_at = excluded.changed_at`); err != nil {
			return fmt.Errorf("store vulns: %w", err)
		}
		if len(gone) > 0 {
			per := db.d.perStatement(1, 5000)
			for start := 0; start < len(gone); start += per {
				in, args, err := db.d.in(colText, gone[start:min(start+per, len(gone))])
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM vuln_products WHERE vuln_id `+in, args...); err != nil {
					return fmt.Errorf("vuln products: %w", err)
				}
			}
		}
		if len(prods) > 0 {
			if err := tx.insertEach(ctx, `INSERT INTO vuln_products (product, vuln_id) `, []string{colText, colText}, prods,
				` ON CONFLICT DO NOTHING`); err != nil {
				return fmt.Errorf("vuln products: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// UpsertKEV implements vuln.Store.
func (db *DB) UpsertKEV(ctx context.Context, entries []*vuln.KEV) ([]string, error) {
	last := make(map[string]*vuln.KEV, len(entries))
	ids := make([]any, 0, len(entries))
	for _, k := range entries {
		if _, ok := last[k.CVEID]; !ok {
			ids = append(ids, k.CVEID)
		}
		last[k.CVEID] = k
	}
	var changed []string
	err := db.inTx(ctx, func(tx *txn) error {
		changed = changed[:0]
		held, err := db.digests(ctx, tx, "vuln_kev", "cve_id", "digest", ids)
		if err != nil {
			return fmt.Errorf("kev digests: %w", err)
		}
		var rows []any
		for _, id := range ids {
			k := last[id.(string)]
			if held[k.CVEID] == k.Digest {
				continue
			}
			body, err := json.Marshal(k.KEVEntry)
			if err != nil {
				return err
			}
			changed = append(changed, k.CVEID)
			rows = append(rows, k.CVEID, k.VendorProject, k.Product, k.VulnerabilityName, ts(k.DateAdded), ts(k.DueDate),
				k.KnownRansomwareCampaignUse, string(body), k.Digest, ts(k.FetchedAt), ts(k.FetchedAt))
		}
		if len(rows) == 0 {
			return nil
		}
		types := []string{colText, colText, colText, colText, colInt, colInt, colText, colText, colText, colInt, colInt}
		return tx.insertEach(ctx, `INSERT INTO vuln_kev (cve_id, vendor, product, name, date_added, due_date, ransomware, body, digest, fetched_at, changed_at) `,
			types, rows, ` ON CONFLICT (cve_id) DO UPDATE SET vendor = excluded.vendor, product = excluded.product, name = excluded.name,
			date_added = excluded.date_added, due_date = excluded.due_date, ransomware = excluded.ransomware, body = excluded.body,
			digest = excluded.digest, fetched_at = excluded.fetched_at, changed_at = excluded.changed_at`)
	})
	if err != nil {
		return nil, fmt.Errorf("store kev: %w", err)
	}
	return changed, nil
}

// heldEPSS reads the stored scores and percentiles of ids.
func (db *DB) heldEPSS(ctx context.Context, q querier, ids []any) (map[string][2]float64, error) {
	out := make(map[string][2]float64, len(ids))
	per := db.d.perStatement(1, 5000)
	for start := 0; start < len(ids); start += per {
		in, args, err := db.d.in(colText, ids[start:min(start+per, len(ids))])
		if err != nil {
			return nil, err
		}
		rows, err := q.QueryContext(ctx, `SELECT cve_id, score, percentile FROM vuln_epss WHERE cve_id `+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var v [2]float64
			if err := rows.Scan(&id, &v[0], &v[1]); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpsertEPSS implements vuln.Store.
func (db *DB) UpsertEPSS(ctx context.Context, scores []*vuln.EPSS) ([]string, error) {
	last := make(map[string]*vuln.EPSS, len(scores))
	ids := make([]any, 0, len(scores))
	for _, e := range scores {
		if _, ok := last[e.CVE]; !ok {
			ids = append(ids, e.CVE)
		}
		last[e.CVE] = e
	}
	var changed []string
	err := db.inTx(ctx, func(tx *txn) error {
		changed = changed[:0]
		held, err := db.heldEPSS(ctx, tx, ids)
		if err != nil {
			return fmt.Errorf("epss held: %w", err)
		}
		var rows []any
		for _, id := range ids {
			e := last[id.(string)]
			// The date moves every day; a score that did not is no change.
			if h, ok := held[e.CVE]; ok && h == [2]float64{e.Score, e.Percentile} {
				continue
			}
			changed = append(changed, e.CVE)
			rows = append(rows, e.CVE, e.Score, e.Percentile, ts(e.ScoreDate), e.Model, ts(e.FetchedAt), ts(e.FetchedAt))
		}
		if len(rows) == 0 {
			return nil
		}
		types := []string{colText, colReal, colReal, colInt, colText, colInt, colInt}
		return tx.insertEach(ctx, `INSERT INTO vuln_epss (cve_id, score, percentile, score_date, model, fetched_at, changed_at) `,
			types, rows, ` ON CONFLICT (cve_id) DO UPDATE SET score = excluded.score, percentile = excluded.percentile,
			score_date = excluded.score_date, model = excluded.model, fetched_at = excluded.fetched_at, changed_at = excluded.changed_at`)
	})
	if err != nil {
		return nil, fmt.Errorf("store epss: %w", err)
	}
	return changed, nil
}

// Vuln implements vuln.Store.
func (db *DB) Vuln(ctx context.Context, id string) (*vuln.Record, error) {
	var body string
	var changed, fetched int64
	var r vuln.Record
	err := db.read.QueryRowContext(ctx, `SELECT body, digest, changed_at, fetched_at FROM vulns WHERE id = ?`, id).Scan(&body, &r.Digest, &changed, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("vuln.error.unknown")
	}
	if err != nil {
		return nil, fmt.Errorf("vuln %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("vuln %s: %w", id, err)
	}
	r.ChangedAt, r.FetchedAt = tm(changed), tm(fetched)
	vuln.Derive(&r)
	var kevBody string
	var kevFetched int64
	err = db.read.QueryRowContext(ctx, `SELECT body, fetched_at FROM vuln_kev WHERE cve_id = ?`, id).Scan(&kevBody, &kevFetched)
	if err == nil {
		r.KEV = &vuln.KEV{FetchedAt: tm(kevFetched)}
		if err := json.Unmarshal([]byte(kevBody), &r.KEV.KEVEntry); err != nil {
			return nil, fmt.Errorf("kev %s: %w", id, err)
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("kev %s: %w", id, err)
	}
	var e vuln.EPSS
	var date, efetched int64
	var score, pct float64
	err = db.read.QueryRowContext(ctx, `SELECT score, percentile, score_date, model, fetched_at FROM vuln_epss WHERE cve_id = ?`, id).Scan(&score, &pct, &date, &e.Model, &efetched)
	if err == nil {
		e.CVE, e.Score, e.Percentile, e.ScoreDate, e.FetchedAt = id, score, pct, tm(date), tm(efetched)
		r.EPSS = &e
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("epss %s: %w", id, err)
	}
	return &r, nil
}

// VulnRecords implements vuln.Store.
func (db *DB) VulnRecords(ctx context.Context, ids []string) (map[string]*vuln.Record, error) {
	out := make(map[string]*vuln.Record, len(ids))
	per := db.d.perStatement(1, 5000)
	for start := 0; start < len(ids); start += per {
		in, args, err := db.d.in(colText, anySlice(ids[start:min(start+per, len(ids))]))
		if err != nil {
			return nil, err
		}
		recs, err := collect(ctx, db.read, func(s scanner) (*vuln.Record, error) {
			var body string
			var r vuln.Record
			if err := s.Scan(&body, &r.Digest); err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				return nil, err
			}
			vuln.Derive(&r)
			return &r, nil
		}, `SELECT body, digest FROM vulns WHERE id `+in, args...)
		if err != nil {
			return nil, fmt.Errorf("vuln records: %w", err)
		}
		for _, r := range recs {
			out[r.ID] = r
		}
	}
	return out, nil
}

// SearchVulns implements vuln.Store: an id (or its start), else words of
// the title.
func (db *DB) SearchVulns(ctx context.Context, q string, limit int) ([]*vuln.Record, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToUpper(q)) + "%"
	rows, err := db.read.QueryContext(ctx, `SELECT id, source, title, published, modified, score, severity FROM vulns
		WHERE UPPER(id) LIKE ? ESCAPE '\' OR UPPER(title) LIKE ? ESCAPE '\' ORDER BY modified DESC, id LIMIT ?`, like, like, limit)
	if err != nil {
		return nil, fmt.Errorf("search vulns: %w", err)
	}
	defer rows.Close()
	var out []*vuln.Record
	for rows.Next() {
		var r vuln.Record
		var src string
		var pub, mod int64
		if err := rows.Scan(&r.ID, &src, &r.Title, &pub, &mod, &r.Score, &r.Severity); err != nil {
			return nil, err
		}
		r.Source, r.Published, r.Modified = feed.Source(src), tm(pub), tm(mod)
		out = append(out, &r)
	}
	return out, rows.Err()
}

// VulnCount implements vuln.Store.
func (db *DB) VulnCount(ctx context.Context) (int, int, int, error) {
	var v, k, e int
	err := db.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM vulns), (SELECT COUNT(*) FROM vuln_kev), (SELECT COUNT(*) FROM vuln_epss)`).Scan(&v, &k, &e)
	return v, k, e, err
}

const assetCols = `a.id, a.org_id, a.name, a.version, a.cpe, a.purl, a.product, a.supplier, a.exposure, a.notes, a.origin,
	COALESCE(a.created_by, 0), a.created_at, a.updated_at, a.matched_at`

func scanAsset(s scanner, more ...any) (*vuln.Asset, error) {
	var a vuln.Asset
	var exp string
	var created, updated, matched int64
	if err := s.Scan(append([]any{&a.ID, &a.OrgID, &a.Name, &a.Version, &a.CPE, &a.PURL, &a.Product, &a.Supplier, &exp, &a.Notes, &a.Origin,
		&a.CreatedBy, &created, &updated, &matched}, more...)...); err != nil {
		return nil, err
	}
	a.Exposure, a.CreatedAt, a.UpdatedAt, a.MatchedAt = vuln.Exposure(exp), tm(created), tm(updated), tm(matched)
	return &a, nil
}

// CreateAssets implements vuln.Store.
func (db *DB) CreateAssets(ctx context.Context, as []*vuln.Asset, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		for _, a := range as {
			err := tx.QueryRowContext(ctx, `INSERT INTO assets (org_id, name, version, cpe, purl, product, supplier, exposure, notes, origin, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.OrgID, a.Name, a.Version, a.CPE, a.PURL, a.Product, a.Supplier,
				string(a.Exposure), a.Notes, a.Origin, nullID(a.CreatedBy), ts(a.CreatedAt), ts(a.UpdatedAt)).Scan(&a.ID)
			if err != nil {
				return fmt.Errorf("create asset: %w", err)
			}
		}
		if len(as) == 1 {
			e.ObjectID = strconv.FormatInt(as[0].ID, 10)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// Asset implements vuln.Store.
func (db *DB) Asset(ctx context.Context, id int64) (*vuln.Asset, error) {
	a, err := scanAsset(db.read.QueryRowContext(ctx, `SELECT `+assetCols+` FROM assets a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("asset %d: %w", id, err)
	}
	return a, nil
}

// Assets implements vuln.Store.
func (db *DB) Assets(ctx context.Context, s access.Scope, limit int) ([]*vuln.Asset, error) {
	where, args := scopeWhere(s, "a.org_id", "a.id")
	out, err := collect(ctx, db.read, func(sc scanner) (*vuln.Asset, error) {
		var n int
		a, err := scanAsset(sc, &n)
		if a != nil {
			a.Open = n
		}
		return a, err
	}, `SELECT `+assetCols+`, (SELECT COUNT(*) FROM vuln_findings f WHERE f.asset_id = a.id AND f.status = 'open' AND NOT f.gone)
		FROM assets a WHERE `+where+` ORDER BY a.name, a.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return out, nil
}

// DeleteAsset implements vuln.Store.
func (db *DB) DeleteAsset(ctx context.Context, id int64, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM vuln_alerts WHERE finding_id IN (SELECT id FROM vuln_findings WHERE asset_id = ?)`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM vuln_findings WHERE asset_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM assets WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete asset %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// AssetsFor implements vuln.Store.
func (db *DB) AssetsFor(ctx context.Context, products []string, vulnIDs []string) ([]*vuln.Asset, error) {
	var conds []string
	var args []any
	if slices.Contains(products, "") {
		conds = append(conds, `a.product <> ''`)
	} else if len(products) > 0 {
		in, pargs, err := db.d.in(colText, anySlice(products))
		if err != nil {
			return nil, err
		}
		conds, args = append(conds, `a.product `+in), append(args, pargs...)
	}
	if len(vulnIDs) > 0 {
		in, vargs, err := db.d.in(colText, anySlice(vulnIDs))
		if err != nil {
			return nil, err
		}
		conds, args = append(conds, `a.id IN (SELECT asset_id FROM vuln_findings WHERE vuln_id `+in+`)`), append(args, vargs...)
	}
	if len(conds) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, db.read, func(s scanner) (*vuln.Asset, error) { return scanAsset(s) },
		`SELECT `+assetCols+` FROM assets a WHERE `+strings.Join(conds, " OR ")+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("assets for products: %w", err)
	}
	return out, nil
}

// WithFindings implements vuln.Store.
func (db *DB) WithFindings(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	per := db.d.perStatement(1, 5000)
	for start := 0; start < len(ids); start += per {
		in, args, err := db.d.in(colText, anySlice(ids[start:min(start+per, len(ids))]))
		if err != nil {
			return nil, err
		}
		got, err := collect(ctx, db.read, func(s scanner) (string, error) {
			var id string
			return id, s.Scan(&id)
		}, `SELECT DISTINCT vuln_id FROM vuln_findings WHERE vuln_id `+in, args...)
		if err != nil {
			return nil, fmt.Errorf("vulns with findings: %w", err)
		}
		out = append(out, got...)
	}
	return out, nil
}

const candidateCols = `v.id, v.body, v.score, v.severity, COALESCE(k.due_date, 0), COALESCE(e.score, 0)`

const candidateFrom = ` FROM vulns v LEFT JOIN vuln_kev k ON k.cve_id = v.id LEFT JOIN vuln_epss e ON e.cve_id = v.id`

func scanCandidate(s scanner) (*vuln.Candidate, error) {
	var c vuln.Candidate
	var body string
	var due int64
	if err := s.Scan(&c.ID, &body, &c.Score, &c.Severity, &due, &c.EPSS); err != nil {
		return nil, err
	}
	var r vuln.Record
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("vuln %s: %w", c.ID, err)
	}
	c.Configurations, c.Affected, c.KEVDue = r.Configurations, r.Affected, tm(due)
	vuln.Derive(&r)
	c.Products = r.Products
	return &c, nil
}

// CandidatesFor implements vuln.Store.
func (db *DB) CandidatesFor(ctx context.Context, products []string) ([]*vuln.Candidate, error) {
	in, args, err := db.d.in(colText, anySlice(append([]string{""}, products...)))
	if err != nil {
		return nil, err
	}
	out, err := collect(ctx, db.read, scanCandidate, `SELECT `+candidateCols+candidateFrom+`
		WHERE v.id IN (SELECT vuln_id FROM vuln_products WHERE product `+in+`) ORDER BY v.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("candidates of %d products: %w", len(products), err)
	}
	return out, nil
}

// Candidates implements vuln.Store.
func (db *DB) Candidates(ctx context.Context, ids []string) ([]*vuln.Candidate, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args, err := db.d.in(colText, anySlice(ids))
	if err != nil {
		return nil, err
	}
	out, err := collect(ctx, db.read, scanCandidate, `SELECT `+candidateCols+candidateFrom+` WHERE v.id `+in+` ORDER BY v.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	return out, nil
}

const vulnFindingCols = `f.id, f.asset_id, f.org_id, f.vuln_id, f.how, f.confidence, f.reason, f.conditions, f.criteria, f.kev, f.epss, f.score,
	f.severity, f.rank, f.due_date, f.status, f.status_reason, COALESCE(f.status_by, 0), f.status_at, f.first_seen, f.updated_at, f.fixed_at, f.gone,
	a.name, a.exposure, COALESCE(v.title, '')`

const vulnFindingFrom = ` FROM vuln_findings f JOIN assets a ON a.id = f.asset_id LEFT JOIN vulns v ON v.id = f.vuln_id`

func scanVulnFinding(s scanner) (*vuln.Finding, error) {
	var f vuln.Finding
	var conds, status, exp string
	var due, statusAt, first, updated, fixed int64
	if err := s.Scan(&f.ID, &f.AssetID, &f.OrgID, &f.VulnID, &f.How, &f.Confidence, &f.Reason, &conds, &f.Criteria, &f.KEV, &f.EPSS, &f.Score,
		&f.Severity, &f.Rank, &due, &status, &f.StatusNote, &f.StatusBy, &statusAt, &first, &updated, &fixed, &f.Gone,
		&f.AssetName, &exp, &f.Title); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(conds), &f.Conditions); err != nil {
		return nil, fmt.Errorf("finding %d conditions: %w", f.ID, err)
	}
	f.Status, f.Exposure = vuln.Status(status), vuln.Exposure(exp)
	f.Due, f.StatusAt, f.FirstSeen, f.UpdatedAt, f.FixedAt = tm(due), tm(statusAt), tm(first), tm(updated), tm(fixed)
	return &f, nil
}

// SaveFindings implements vuln.Store.
func (db *DB) SaveFindings(ctx context.Context, found []*vuln.Finding, assetIDs []int64, vulnIDs []string, now time.Time) (int, []*vuln.Alert, error) {
	type pair struct {
		asset int64
		vuln  string
	}
	var changed int
	var alerts []*vuln.Alert
	err := db.inTx(ctx, func(tx *txn) error {
		changed, alerts = 0, nil
		held := map[pair]*vuln.Finding{}
		if len(assetIDs) > 0 && len(vulnIDs) > 0 {
			ain, aargs, err := db.d.in(colInt, anySlice(assetIDs))
			if err != nil {
				return err
			}
			vin, vargs, err := db.d.in(colText, anySlice(vulnIDs))
			if err != nil {
				return err
			}
			old, err := collect(ctx, tx, scanVulnFinding, `SELECT `+vulnFindingCols+vulnFindingFrom+` WHERE f.asset_id `+ain+` AND f.vuln_id `+vin, append(aargs, vargs...)...)
			if err != nil {
				return fmt.Errorf("held findings: %w", err)
			}
			for _, f := range old {
				held[pair{f.AssetID, f.VulnID}] = f
			}
		}
		seen := map[pair]bool{}
		for _, f := range found {
			k := pair{f.AssetID, f.VulnID}
			seen[k] = true
			conds, _ := json.Marshal(f.Conditions)
			if conds == nil || string(conds) == "null" {
				conds = []byte("[]")
			}
			old := held[k]
			if old == nil {
				err := tx.QueryRowContext(ctx, `INSERT INTO vuln_findings (asset_id, org_id, vuln_id, how, confidence, reason, conditions, criteria, kev, epss, score,
					severity, rank, due_date, status, first_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id`,
					f.AssetID, f.OrgID, f.VulnID, f.How, f.Confidence, f.Reason, string(conds), f.Criteria, f.KEV, f.EPSS, f.Score, f.Severity, f.Rank,
					ts(f.Due), ts(now), ts(now)).Scan(&f.ID)
				if err != nil {
					return fmt.Errorf("add finding: %w", err)
				}
				changed++
				alerts = append(alerts, due(f, nil)...)
				continue
			}
			f.ID = old.ID
			// The due date stays as first set unless KEV now sets one.
			dueAt := old.Due
			if f.KEV && !old.KEV {
				dueAt = f.Due
			}
			if old.How == f.How && old.Confidence == f.Confidence && old.Reason == f.Reason && old.KEV == f.KEV && old.EPSS == f.EPSS &&
				old.Score == f.Score && old.Severity == f.Severity && !old.Gone && slices.Equal(old.Conditions, f.Conditions) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE vuln_findings SET how = ?, confidence = ?, reason = ?, conditions = ?, criteria = ?, kev = ?, epss = ?,
				score = ?, severity = ?, rank = ?, due_date = ?, gone = ?, updated_at = ? WHERE id = ?`,
				f.How, f.Confidence, f.Reason, string(conds), f.Criteria, f.KEV, f.EPSS, f.Score, f.Severity, f.Rank, ts(dueAt), false, ts(now), old.ID); err != nil {
				return fmt.Errorf("update finding: %w", err)
			}
			changed++
			alerts = append(alerts, due(f, old)...)
		}
		for k, old := range held {
			if seen[k] || old.Gone {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE vuln_findings SET gone = ?, updated_at = ? WHERE id = ?`, true, ts(now), old.ID); err != nil {
				return fmt.Errorf("finding gone: %w", err)
			}
			changed++
		}
		for _, a := range alerts {
			a.CreatedAt = now
			err := tx.QueryRowContext(ctx, `INSERT INTO vuln_alerts (org_id, finding_id, reason, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (finding_id, reason) DO NOTHING RETURNING id`, a.OrgID, a.FindingID, a.Reason, ts(now)).Scan(&a.ID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("alert: %w", err)
			}
		}
		alerts = slices.DeleteFunc(alerts, func(a *vuln.Alert) bool { return a.ID == 0 })
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return changed, alerts, nil
}

// due lists the alerts a finding calls for: KEV newly, EPSS newly high;
// only for findings still open.
func due(f, old *vuln.Finding) []*vuln.Alert {
	if old != nil && old.Status != vuln.Open {
		return nil
	}
	var out []*vuln.Alert
	if f.KEV && (old == nil || !old.KEV) {
		out = append(out, &vuln.Alert{OrgID: f.OrgID, FindingID: f.ID, Reason: "kev", Finding: f})
	}
	if f.EPSS >= vuln.HighEPSS && (old == nil || old.EPSS < vuln.HighEPSS) {
		out = append(out, &vuln.Alert{OrgID: f.OrgID, FindingID: f.ID, Reason: "epss", Finding: f})
	}
	return out
}

// VulnFindings implements vuln.Store.
func (db *DB) VulnFindings(ctx context.Context, q vuln.FindingQuery) ([]*vuln.Finding, error) {
	where, args := scopeWhere(q.Scope, "f.org_id", "f.asset_id")
	if q.AssetID != 0 {
		where += ` AND f.asset_id = ?`
		args = append(args, q.AssetID)
	}
	if q.VulnID != "" {
		where += ` AND f.vuln_id = ?`
		args = append(args, q.VulnID)
	}
	switch {
	case q.All:
	case q.Status != "":
		where += ` AND f.status = ?`
		args = append(args, string(q.Status))
	default:
		where += ` AND f.status = 'open' AND NOT f.gone`
	}
	out, err := collect(ctx, db.read, scanVulnFinding, `SELECT `+vulnFindingCols+vulnFindingFrom+` WHERE `+where+`
		ORDER BY f.gone, f.rank DESC, f.due_date, f.id LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	return out, nil
}

// VulnFinding implements vuln.Store.
func (db *DB) VulnFinding(ctx context.Context, id int64) (*vuln.Finding, error) {
	f, err := scanVulnFinding(db.read.QueryRowContext(ctx, `SELECT `+vulnFindingCols+vulnFindingFrom+` WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("finding %d: %w", id, err)
	}
	return f, nil
}

// SetVulnFindingStatus implements vuln.Store.
func (db *DB) SetVulnFindingStatus(ctx context.Context, id int64, st vuln.Status, note string, by int64, at time.Time, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		fixed := int64(0)
		if st == vuln.Fixed {
			fixed = ts(at)
		}
		res, err := tx.ExecContext(ctx, `UPDATE vuln_findings SET status = ?, status_reason = ?, status_by = ?, status_at = ?, fixed_at = ?, updated_at = ? WHERE id = ?`,
			string(st), note, nullID(by), ts(at), fixed, ts(at), id)
		if err != nil {
			return fmt.Errorf("finding %d status: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// VulnCounts implements vuln.Store.
func (db *DB) VulnCounts(ctx context.Context, s access.Scope, now time.Time) (*vuln.Counts, error) {
	where, args := scopeWhere(s, "f.org_id", "f.asset_id")
	c := &vuln.Counts{BySeverity: map[string]int{}}
	rows, err := db.read.QueryContext(ctx, `SELECT f.severity, f.first_seen, f.due_date, f.kev FROM vuln_findings f
		WHERE `+where+` AND f.status = 'open' AND NOT f.gone`, args...)
	if err != nil {
		return nil, fmt.Errorf("vuln counts: %w", err)
	}
	for rows.Next() {
		var sev string
		var first, dueAt int64
		var kev bool
		if err := rows.Scan(&sev, &first, &dueAt, &kev); err != nil {
			rows.Close()
			return nil, err
		}
		if sev == "" {
			sev = "NONE"
		}
		c.BySeverity[sev]++
		switch age := now.Sub(tm(first)); {
		case age <= 7*24*time.Hour:
			c.ByAge[0]++
		case age <= 30*24*time.Hour:
			c.ByAge[1]++
		case age <= 90*24*time.Hour:
			c.ByAge[2]++
		default:
			c.ByAge[3]++
		}
		if dueAt != 0 && tm(dueAt).Before(now) {
			c.Overdue++
		}
		if kev {
			c.KEV++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fixes, err := collect(ctx, db.read, func(sc scanner) (time.Duration, error) {
		var first, fixed int64
		err := sc.Scan(&first, &fixed)
		return tm(fixed).Sub(tm(first)), err
	}, `SELECT f.first_seen, f.fixed_at FROM vuln_findings f WHERE `+where+` AND f.status = 'fixed' AND f.fixed_at >= ?`,
		append(append([]any{}, args...), ts(now.Add(-90*24*time.Hour)))...)
	if err != nil {
		return nil, fmt.Errorf("vuln fixes: %w", err)
	}
	slices.Sort(fixes)
	if len(fixes) > 0 {
		c.MedianFix = fixes[len(fixes)/2]
	}
	aw, aargs := scopeWhere(s, "a.org_id", "a.id")
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets a WHERE `+aw, aargs...).Scan(&c.Assets); err != nil {
		return nil, fmt.Errorf("asset count: %w", err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_findings f WHERE `+where+` AND f.status = 'fixed' AND f.fixed_at >= ?`,
		append(append([]any{}, args...), ts(now.Add(-30*24*time.Hour)))...).Scan(&c.Fixed30); err != nil {
		return nil, fmt.Errorf("fixed count: %w", err)
	}
	return c, nil
}

// VulnAlerts implements vuln.Store.
func (db *DB) VulnAlerts(ctx context.Context, s access.Scope, limit int) ([]*vuln.Alert, error) {
	where, args := scopeWhere(s, "f.org_id", "f.asset_id")
	out, err := collect(ctx, db.read, func(sc scanner) (*vuln.Alert, error) {
		var a vuln.Alert
		var at int64
		f, err := scanVulnFinding(rowsPrefix{sc, []any{&a.ID, &a.OrgID, &a.FindingID, &a.Reason, &at}})
		if err != nil {
			return nil, err
		}
		a.Finding, a.CreatedAt = f, tm(at)
		return &a, nil
	}, `SELECT al.id, al.org_id, al.finding_id, al.reason, al.created_at, `+vulnFindingCols+vulnFindingFrom+` JOIN vuln_alerts al ON al.finding_id = f.id
		WHERE `+where+` ORDER BY al.created_at DESC, al.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("vuln alerts: %w", err)
	}
	return out, nil
}

// rowsPrefix scans some leading columns into prefix, the rest as asked.
type rowsPrefix struct {
	s      scanner
	prefix []any
}

func (r rowsPrefix) Scan(dest ...any) error { return r.s.Scan(append(r.prefix, dest...)...) }

var _ vuln.Store = (*DB)(nil)
