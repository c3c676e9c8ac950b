package queue

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event is something a group invites supporters to (R1.4). A call list of
// the same group may be tied to it; contacts made from that list then record
// an RSVP (R5.1). A list cannot be tied to an event of another group, and so
// never to one of another organisation. Deleting an event unties its lists.
type Event struct {
	ID             int64
	OrganisationID int64
	GroupID        int64
	Name           string
	StartsAt       *time.Time // nil when not yet scheduled
	CreatedAt      time.Time
}

// MaxEventNameLen bounds an event's name.
const MaxEventNameLen = 200

const eventColumns = `id, organisation_id, group_id, name, starts_at, created_at`

func scanEvent(row pgx.Row) (Event, error) {
	var e Event
	err := row.Scan(&e.ID, &e.OrganisationID, &e.GroupID, &e.Name, &e.StartsAt, &e.CreatedAt)
	return e, err
}

// CreateEvent adds an event to a group of the organisation. EINVALID (field
// "name") unless the name is 1-200 characters, ENOTFOUND if the group is not
// the organisation's.
func (s *Store) CreateEvent(ctx context.Context, orgID, groupID int64, name string, startsAt *time.Time) (Event, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > MaxEventNameLen {
		return Event{}, FieldErrorf("name", "must be 1-%d characters", MaxEventNameLen)
	}
	e, err := scanEvent(s.pool.QueryRow(ctx, `
		INSERT INTO events (organisation_id, group_id, name, starts_at, created_at)
		VALUES ($1, $2, $3, $4, $5)
		RETURNING `+eventColumns, orgID, groupID, name, startsAt, s.clock.Now()))
	if err != nil {
		return Event{}, Internal("create event", constraintError(err, map[string]*Error{
			"events_organisation_id_group_id_fkey": {Code: ENOTFOUND, Field: "group_id", Message: "group not found"},
		}))
	}
	return e, nil
}

// Event finds an event of the organisation. ENOTFOUND if none.
func (s *Store) Event(ctx context.Context, orgID, id int64) (Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx,
		`SELECT `+eventColumns+` FROM events WHERE organisation_id = $1 AND id = $2`, orgID, id))
	if err != nil {
		return Event{}, Internal("find event", notFound(err, "event"))
	}
	return e, nil
}

// Events returns the events of a group, soonest first and unscheduled last.
// ENOTFOUND if the group is not the organisation's.
func (s *Store) Events(ctx context.Context, orgID, groupID int64) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+eventColumns+` FROM events
		WHERE organisation_id = $1 AND group_id = $2
		ORDER BY starts_at NULLS LAST, id`, orgID, groupID)
	if err != nil {
		return nil, Internal("list events", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, Internal("list events", err)
	}
	if len(es) == 0 {
		return nil, s.checkGroup(ctx, orgID, groupID)
	}
	return es, nil
}
