package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/koban-project/koban/internal/assist"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/taxonomy"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/triage"
)

// Triage model versions (triage_models) and the suggestions made for
// records (triage_suggestions).

var _ assist.Store = (*DB)(nil)

// SaveTriageModel implements assist.Store.
func (db *DB) SaveTriageModel(ctx context.Context, m *assist.ModelRow, activate bool, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if activate {
			if _, err := tx.ExecContext(ctx, `UPDATE triage_models SET active = ? WHERE active = ?`, false, true); err != nil {
				return fmt.Errorf("triage models: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO triage_models (version, created_at, created_by, examples, confirmed, macro_f1, yamibaito_recall, active, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO UPDATE SET active = excluded.active`,
			m.Version, ts(m.CreatedAt), nullID(m.CreatedBy), m.Examples, m.Confirmed, m.MacroF1, m.Yamibaito, activate,
			base64.StdEncoding.EncodeToString(m.Body))
		if err != nil {
			return fmt.Errorf("save triage model: %w", err)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

const triageModelCols = `version, created_at, COALESCE(created_by, 0), examples, confirmed, macro_f1, yamibaito_recall, active`

func scanTriageModel(s scanner, more ...any) (*assist.ModelRow, error) {
	var m assist.ModelRow
	var at int64
	if err := s.Scan(append([]any{&m.Version, &at, &m.CreatedBy, &m.Examples, &m.Confirmed, &m.MacroF1, &m.Yamibaito, &m.Active}, more...)...); err != nil {
		return nil, err
	}
	m.CreatedAt = tm(at)
	return &m, nil
}

// ActiveTriageModel implements assist.Store.
func (db *DB) ActiveTriageModel(ctx context.Context) (*assist.ModelRow, error) {
	var body string
	m, err := scanTriageModel(db.read.QueryRowContext(ctx, `SELECT `+triageModelCols+`, body FROM triage_models WHERE active = ?`, true), &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("active triage model: %w", err)
	}
	if m.Body, err = base64.StdEncoding.DecodeString(body); err != nil {
		return nil, fmt.Errorf("triage model %s: %w", m.Version, err)
	}
	return m, nil
}

// TriageModels implements assist.Store.
func (db *DB) TriageModels(ctx context.Context) ([]*assist.ModelRow, error) {
	out, err := collect(ctx, db.read, func(s scanner) (*assist.ModelRow, error) { return scanTriageModel(s) },
		`SELECT `+triageModelCols+` FROM triage_models ORDER BY created_at DESC, version`)
	if err != nil {
		return nil, fmt.Errorf("triage models: %w", err)
	}
	return out, nil
}

// unsuggested is, per record type, the table and the text a suggestion
// reads.
var unsuggested = map[string]struct{ table, text, name string }{
	"report":  {"reports", "description", "contact_name"},
	"finding": {"patrol_findings", "excerpt", "''"},
}

// Unsuggested implements assist.Store.
func (db *DB) Unsuggested(ctx context.Context, recordType string, limit int) ([]assist.Pending, error) {
	src, ok := unsuggested[recordType]
	if !ok {
		return nil, fmt.Errorf("no suggestions for %q", recordType)
	}
	out, err := collect(ctx, db.read, func(s scanner) (assist.Pending, error) {
		var p assist.Pending
		var level, name string
		if err := s.Scan(&p.ID, &p.Text, &level, &name); err != nil {
			return p, err
		}
		p.TLP = tlp.Level(level)
		name, err := db.keys.OpenField("contact_name", name)
		if name != "" {
			p.Names = []string{name}
		}
		return p, err
	}, `SELECT r.id, r.`+src.text+`, r.tlp, `+src.name+` FROM `+src.table+` r
		WHERE NOT EXISTS (SELECT 1 FROM triage_suggestions t WHERE t.record_type = ? AND t.record_id = r.id)
		ORDER BY r.id LIMIT ?`, recordType, limit)
	if err != nil {
		return nil, fmt.Errorf("%ss without a suggestion: %w", recordType, err)
	}
	return out, nil
}

// SaveSuggestions implements assist.Store.
func (db *DB) SaveSuggestions(ctx context.Context, ss []*assist.Suggestion) error {
	if len(ss) == 0 {
		return nil
	}
	rows := make([]any, 0, len(ss)*10)
	for _, s := range ss {
		f, err := json.Marshal(s.Features)
		if err != nil {
			return err
		}
		if s.Features == nil {
			f = []byte("[]")
		}
		rows = append(rows, s.RecordType, s.RecordID, string(s.Category), s.Score, s.Urgent, s.UrgentScore, string(f), s.Model,
			string(s.LLMCategory), s.LLMReason, s.LLMModel, ts(s.CreatedAt))
	}
	types := []string{colText, colInt, colText, colReal, colBool, colReal, colText, colText, colText, colText, colText, colInt}
	return db.inTx(ctx, func(tx *txn) error {
		if err := tx.insertEach(ctx, `INSERT INTO triage_suggestions (record_type, record_id, category, score, urgent, urgent_score, features, model,
			llm_category, llm_reason, llm_model, created_at) `,
			types, rows, ` ON CONFLICT (record_type, record_id) DO NOTHING`); err != nil {
			return fmt.Errorf("save suggestions: %w", err)
		}
		return nil
	})
}

// Suggestions implements assist.Store.
func (db *DB) Suggestions(ctx context.Context, recordType string, ids []int64) (map[int64]*assist.Suggestion, error) {
	out := make(map[int64]*assist.Suggestion, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args, err := db.d.in(colInt, anySlice(ids))
	if err != nil {
		return nil, err
	}
	list, err := collect(ctx, db.read, func(s scanner) (*assist.Suggestion, error) {
		var sg assist.Suggestion
		var cat, feats, llmCat string
		var at int64
		if err := s.Scan(&sg.RecordType, &sg.RecordID, &cat, &sg.Score, &sg.Urgent, &sg.UrgentScore, &feats, &sg.Model,
			&llmCat, &sg.LLMReason, &sg.LLMModel, &at); err != nil {
			return nil, err
		}
		sg.Category, sg.LLMCategory, sg.CreatedAt = taxonomy.Code(cat), taxonomy.Code(llmCat), tm(at)
		return &sg, json.Unmarshal([]byte(feats), &sg.Features)
	}, `SELECT record_type, record_id, category, score, urgent, urgent_score, features, model, llm_category, llm_reason, llm_model, created_at
		FROM triage_suggestions
		WHERE record_type = ? AND record_id `+in, append([]any{recordType}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("suggestions: %w", err)
	}
	for _, s := range list {
		out[s.RecordID] = s
	}
	return out, nil
}

// ReporterName implements assist.Store.
func (db *DB) ReporterName(ctx context.Context, reportID int64) (string, error) {
	var name string
	err := db.read.QueryRowContext(ctx, `SELECT contact_name FROM reports WHERE id = ?`, reportID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("error.not_found")
	}
	if err != nil {
		return "", err
	}
	return db.keys.OpenField("contact_name", name)
}

// ConfirmedExamples implements assist.Store: the latest category an
// officer set on each report that still has it.
func (db *DB) ConfirmedExamples(ctx context.Context) ([]triage.Example, error) {
	out, err := collect(ctx, db.read, func(s scanner) (triage.Example, error) {
		var e triage.Example
		var cat string
		err := s.Scan(&e.Text, &cat, &e.Urgent)
		e.Category = taxonomy.Code(cat)
		return e, err
	}, `SELECT r.description, r.category, r.urgent FROM reports r
		WHERE r.category <> '' AND EXISTS (SELECT 1 FROM audit_log a WHERE a.object_type = 'report' AND a.action = 'report.category'
			AND a.object_id = CAST(r.id AS TEXT))
		ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("confirmed categories: %w", err)
	}
	return out, nil
}
