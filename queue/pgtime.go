package queue

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// pgxTime scans a PostgreSQL time-of-day column as an offset from midnight.
type pgxTime struct{ pgtype.Time }

// Duration returns the time of day as the duration since midnight.
func (t pgxTime) Duration() time.Duration {
	return time.Duration(t.Microseconds) * time.Microsecond
}
