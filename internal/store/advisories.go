package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/tlp"
)

const advisoryCols = `id, number, org_id, state, tlp, title_ja, title_en, summary_ja, summary_en, body_ja, body_en, COALESCE(author_id, 0),
	COALESCE(reviewer_id, 0), review_note, version, created_at, updated_at, published_at, revised_at, withdrawn_at`

func scanAdvisory(s scanner) (*advisory.Advisory, error) {
	var a advisory.Advisory
	var state, level string
	var created, updated, published, revised, withdrawn int64
	t := &a.Text
	if err := s.Scan(&a.ID, &a.Number, &a.OrgID, &state, &level, &t.TitleJA, &t.TitleEN, &t.SummaryJA, &t.SummaryEN, &t.BodyJA, &t.BodyEN,
		&a.AuthorID, &a.ReviewerID, &a.ReviewNote, &a.Version, &created, &updated, &published, &revised, &withdrawn); err != nil {
		return nil, err
	}
	a.State, a.TLP = advisory.State(state), tlp.Level(level)
	a.CreatedAt, a.UpdatedAt, a.PublishedAt, a.RevisedAt, a.WithdrawnAt = tm(created), tm(updated), tm(published), tm(revised), tm(withdrawn)
	return &a, nil
}

// CreateAdvisory stores a draft, gives it its number and writes its audit
// entry, in one transaction.
func (db *DB) CreateAdvisory(ctx context.Context, a *advisory.Advisory, e audit.Entry) error {
	t := a.Text
	return db.inTx(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO advisories (org_id, state, tlp, title_ja, title_en, summary_ja, summary_en, body_ja, body_en,
			author_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`, a.OrgID, string(a.State), string(a.TLP),
			t.TitleJA, t.TitleEN, t.SummaryJA, t.SummaryEN, t.BodyJA, t.BodyEN, nullID(a.AuthorID), ts(a.CreatedAt), ts(a.UpdatedAt)).Scan(&a.ID); err != nil {
			return fmt.Errorf("create advisory: %w", err)
		}
		a.Number = advisory.Number(a.CreatedAt, a.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE advisories SET number = ? WHERE id = ?`, a.Number, a.ID); err != nil {
			return fmt.Errorf("create advisory: %w", err)
		}
		e.ObjectType, e.ObjectID = advisory.ObjectType, strconv.FormatInt(a.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// Advisory returns one advisory's working copy.
func (db *DB) Advisory(ctx context.Context, id int64) (*advisory.Advisory, error) {
	a, err := scanAdvisory(db.read.QueryRowContext(ctx, `SELECT `+advisoryCols+` FROM advisories WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("advisory %d: %w", id, err)
	}
	return a, nil
}

// Advisories lists the organisations' advisories, newest change first.
func (db *DB) Advisories(ctx context.Context, orgs []int64, limit int) ([]*advisory.Advisory, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	return collect(ctx, db.read, scanAdvisory, `SELECT `+advisoryCols+` FROM advisories WHERE org_id IN (`+placeholders(len(orgs))+`)
		ORDER BY updated_at DESC, id DESC LIMIT ?`, append(anySlice(orgs), limit)...)
}

// UpdateAdvisory writes the working copy and, with publish, the version
// it is published as, with the audit entry, in one transaction.
func (db *DB) UpdateAdvisory(ctx context.Context, a *advisory.Advisory, publish bool, e audit.Entry) error {
	t := a.Text
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE advisories SET state = ?, tlp = ?, title_ja = ?, title_en = ?, summary_ja = ?, summary_en = ?,
			body_ja = ?, body_en = ?, author_id = ?, reviewer_id = ?, review_note = ?, version = ?, updated_at = ?, published_at = ?, revised_at = ?,
			withdrawn_at = ? WHERE id = ?`, string(a.State), string(a.TLP), t.TitleJA, t.TitleEN, t.SummaryJA, t.SummaryEN, t.BodyJA, t.BodyEN,
			nullID(a.AuthorID), nullID(a.ReviewerID), a.ReviewNote, a.Version, ts(a.UpdatedAt), ts(a.PublishedAt), ts(a.RevisedAt),
			ts(a.WithdrawnAt), a.ID)
		if err != nil {
			return fmt.Errorf("update advisory %d: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("error.not_found")
		}
		if publish {
			if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_versions (advisory_id, version, tlp, title_ja, title_en, summary_ja, summary_en,
				body_ja, body_en, published_by, revised_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`, a.ID, a.Version, string(a.TLP), t.TitleJA, t.TitleEN,
				t.SummaryJA, t.SummaryEN, t.BodyJA, t.BodyEN, nullID(a.ReviewerID), ts(a.RevisedAt)); err != nil {
				return fmt.Errorf("publish advisory %d: %w", a.ID, err)
			}
		}
		e.ObjectType, e.ObjectID = advisory.ObjectType, strconv.FormatInt(a.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

const versionCols = `a.id, a.number, a.org_id, v.version, v.tlp, v.title_ja, v.title_en, v.summary_ja, v.summary_en, v.body_ja, v.body_en,
	a.published_at, v.revised_at, a.withdrawn_at`

func scanVersion(s scanner) (*advisory.Version, error) {
	var v advisory.Version
	var level string
	var published, revised, withdrawn int64
	t := &v.Text
	if err := s.Scan(&v.AdvisoryID, &v.Number, &v.OrgID, &v.Version, &level, &t.TitleJA, &t.TitleEN, &t.SummaryJA, &t.SummaryEN, &t.BodyJA,
		&t.BodyEN, &published, &revised, &withdrawn); err != nil {
		return nil, err
	}
	v.TLP, v.PublishedAt, v.RevisedAt, v.WithdrawnAt = tlp.Level(level), tm(published), tm(revised), tm(withdrawn)
	return &v, nil
}

// latestVersion joins each advisory to its newest published version.
const latestVersion = ` FROM advisories a JOIN advisory_versions v ON v.advisory_id = a.id AND v.version = a.version`

// PublicVersions lists the latest published version of every advisory at
// level, withdrawn ones included, newest change first.
func (db *DB) PublicVersions(ctx context.Context, level tlp.Level, limit int) ([]*advisory.Version, error) {
	return collect(ctx, db.read, scanVersion, `SELECT `+versionCols+latestVersion+` WHERE v.tlp = ?
		ORDER BY CASE WHEN a.withdrawn_at > v.revised_at THEN a.withdrawn_at ELSE v.revised_at END DESC, a.id DESC LIMIT ?`, string(level), limit)
}

// PublicVersion returns the latest published version of an advisory.
func (db *DB) PublicVersion(ctx context.Context, number string) (*advisory.Version, error) {
	v, err := scanVersion(db.read.QueryRowContext(ctx, `SELECT `+versionCols+latestVersion+` WHERE a.number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("advisory %s: %w", number, err)
	}
	return v, nil
}
