package queue

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SkipAudits returns the skip audits (R6.2) of several supporters of the
// session at once, each oldest first, keyed by supporter: a page of the
// View all supporters sheet shows every row's in one statement, not one
// per row. Supporters with nothing audited, or not in the organisation's
// session, have no key.
func (s *Store) SkipAudits(ctx context.Context, orgID, sessionID int64, supporterIDs []int64) (map[int64][]SkipAuditEntry, error) {
	audits := make(map[int64][]SkipAuditEntry)
	if len(supporterIDs) == 0 {
		return audits, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT a.supporter_id, `+skipAuditEntries+`
		WHERE s.organisation_id = $1 AND s.id = $2 AND a.supporter_id = ANY ($3::bigint[])
		ORDER BY a.supporter_id, a.id`, orgID, sessionID, supporterIDs)
	if err != nil {
		return nil, Internal("read skip audits", err)
	}
	type keyed struct {
		supporterID int64
		entry       SkipAuditEntry
	}
	entries, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (keyed, error) {
		var k keyed
		err := row.Scan(append([]any{&k.supporterID}, k.entry.scanDest()...)...)
		return k, err
	})
	if err != nil {
		return nil, Internal("read skip audits", err)
	}
	for _, k := range entries {
		audits[k.supporterID] = append(audits[k.supporterID], k.entry)
	}
	return audits, nil
}
