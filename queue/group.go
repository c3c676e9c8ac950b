package queue

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Group is a supporter group: it holds supporters and call lists, and users
// have roles in it (R1.2, R1.3).
type Group struct {
	ID             int64
	OrganisationID int64
	Name           string
	CreatedAt      time.Time
}

// MaxGroupNameLen bounds a group's name.
const MaxGroupNameLen = 200

// CreateGroup adds a supporter group. ECONFLICT if the organisation already
// has a group of that name.
func (s *Store) CreateGroup(ctx context.Context, orgID int64, name string) (Group, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > MaxGroupNameLen {
		return Group{}, FieldErrorf("name", "must be 1-%d characters", MaxGroupNameLen)
	}
	g := Group{OrganisationID: orgID, Name: name}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO supporter_groups (organisation_id, name, created_at) VALUES ($1, $2, $3)
		RETURNING id, created_at`, orgID, name, s.clock.Now()).Scan(&g.ID, &g.CreatedAt)
	if err != nil {
		return Group{}, Internal("create group", constraintError(err, map[string]*Error{
			"supporter_groups_organisation_id_name_key": {Code: ECONFLICT, Field: "name", Message: "a group with this name already exists"},
			"supporter_groups_organisation_id_fkey":     {Code: ENOTFOUND, Message: "organisation not found"},
		}))
	}
	return g, nil
}

// GroupByName finds a group of the organisation by name. ENOTFOUND if none.
func (s *Store) GroupByName(ctx context.Context, orgID int64, name string) (Group, error) {
	g := Group{OrganisationID: orgID}
	err := s.pool.QueryRow(ctx, `
		SELECT id, name, created_at FROM supporter_groups WHERE organisation_id = $1 AND name = $2`,
		orgID, strings.TrimSpace(name)).Scan(&g.ID, &g.Name, &g.CreatedAt)
	if err != nil {
		return Group{}, Internal("find group", notFound(err, "group "+name))
	}
	return g, nil
}

// Groups lists the organisation's groups by name.
func (s *Store) Groups(ctx context.Context, orgID int64) ([]Group, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, organisation_id, name, created_at FROM supporter_groups
		WHERE organisation_id = $1 ORDER BY name`, orgID)
	if err != nil {
		return nil, Internal("list groups", err)
	}
	defer rows.Close()
	var gs []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.OrganisationID, &g.Name, &g.CreatedAt); err != nil {
			return nil, Internal("list groups", err)
		}
		gs = append(gs, g)
	}
	return gs, Internal("list groups", rows.Err())
}

// Group finds a group of the organisation by id. ENOTFOUND (field
// "group_id") if the organisation has no such group.
func (s *Store) Group(ctx context.Context, orgID, id int64) (Group, error) {
	g := Group{OrganisationID: orgID}
	err := s.pool.QueryRow(ctx, `
		SELECT id, name, created_at FROM supporter_groups WHERE organisation_id = $1 AND id = $2`,
		orgID, id).Scan(&g.ID, &g.Name, &g.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Group{}, &Error{Code: ENOTFOUND, Field: "group_id", Message: "group not found"}
	}
	return g, Internal("find group", err)
}

// checkGroup returns ENOTFOUND unless the group is the organisation's.
func (s *Store) checkGroup(ctx context.Context, orgID, groupID int64) error {
	_, err := s.Group(ctx, orgID, groupID)
	return err
}
