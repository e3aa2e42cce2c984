package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/koban-project/koban/internal/intel"
)

// IntelList returns a page of the newest versions of intel objects the
// reader's scope reaches, most recently added first, and whether more
// follow. Text matches a name (case folded) or a STIX id exactly.
func (db *DB) IntelList(ctx context.Context, q intel.ListQuery) ([]*intel.Object, bool, error) {
	cond, args := scopeCondTLP(q.Reader, "io.org_id", "io.record_id", "", "io.tlp")
	where := []string{"io.latest = ?", cond}
	args = append([]any{true}, args...)
	if q.Type != "" {
		where, args = append(where, "io.type = ?"), append(args, q.Type)
	}
	if q.SourceID != 0 {
		where, args = append(where, "io.source_id = ?"), append(args, q.SourceID)
	}
	if q.TLP != "" {
		where, args = append(where, "io.tlp = ?"), append(args, string(q.TLP))
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		where = append(where, "(io.stix_id = ? OR "+db.d.strpos+"(LOWER(io.name), ?) > 0)")
		args = append(args, t, strings.ToLower(t))
	}
	if !q.BeforeAdded.IsZero() {
		where = append(where, "(io.added_at < ? OR (io.added_at = ? AND io.id < ?))")
		args = append(args, ts(q.BeforeAdded), ts(q.BeforeAdded), q.BeforeID)
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out, err := collect(ctx, db.read, scanIntel, `SELECT `+intelColumns("io.")+` FROM intel_objects io WHERE `+strings.Join(where, " AND ")+
		` ORDER BY io.added_at DESC, io.id DESC LIMIT `+fmt.Sprint(limit+1), args...)
	if err != nil {
		return nil, false, fmt.Errorf("intel list: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}
