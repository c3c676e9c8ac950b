package queue

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SupporterCall is one of a supporter's call records as their card lists
// it: the leg, with the name of its session.
type SupporterCall struct {
	CallRecord
	SessionName string
}

// MaxSupporterCalls bounds one read of a supporter's calls.
const MaxSupporterCalls = 100

// SupporterCalls returns up to limit of the supporter's call records (their
// legs, R4.6) from every session of the organisation, newest first.
// EINVALID (field "limit") unless 1 <= limit <= MaxSupporterCalls;
// ENOTFOUND if the supporter is not the organisation's.
func (s *Store) SupporterCalls(ctx context.Context, orgID, supporterID int64, limit int) ([]SupporterCall, error) {
	if limit < 1 || limit > MaxSupporterCalls {
		return nil, FieldErrorf("limit", "must be between 1 and %d", MaxSupporterCalls)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+callColumns+`, s.name
		FROM call_records c JOIN calling_sessions s ON s.id = c.session_id
		WHERE c.organisation_id = $1 AND c.supporter_id = $2 AND c.leg = 'supporter'
		ORDER BY c.originated_at DESC, c.id DESC
		LIMIT $3`, orgID, supporterID, limit)
	if err != nil {
		return nil, Internal("list supporter calls", err)
	}
	calls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SupporterCall, error) {
		var c SupporterCall
		err := row.Scan(append(callScanDest(&c.CallRecord), &c.SessionName)...)
		return c, err
	})
	if err != nil {
		return nil, Internal("list supporter calls", err)
	}
	if len(calls) == 0 {
		if _, err := s.Supporter(ctx, orgID, supporterID); err != nil {
			return nil, err
		}
	}
	return calls, nil
}
