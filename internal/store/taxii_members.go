package store

import (
	"context"
	"fmt"

	"github.com/koban-project/koban/internal/intel"
)

// CollectionMembers returns the organisations named on a collection with
// their rights, in the order they were named.
func (db *DB) CollectionMembers(ctx context.Context, collectionID int64) ([]intel.Member, error) {
	out, err := collect(ctx, db.read, func(s scanner) (intel.Member, error) {
		var m intel.Member
		err := s.Scan(&m.OrgID, &m.Read, &m.Write)
		return m, err
	}, `SELECT org_id, can_read, can_write FROM taxii_collection_access WHERE collection_id = ? ORDER BY org_id`, collectionID)
	if err != nil {
		return nil, fmt.Errorf("collection members: %w", err)
	}
	return out, nil
}
