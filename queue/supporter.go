package queue

import (
	"cmp"
	"context"
	"errors"
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Supporter is a person a group may call (R1.3). It belongs to one group of
// one organisation and is seen by that organisation only (R1.1). The phone is
// normalised to E.164; an invalid number is kept with Phone.Valid false and is
// never dialled (R7.5). Phone.Key is unique within the group: a second
// supporter with the same number is a conflict, the same number in another
// group is not. Timezone is the explicit one when given, else derived from the
// number, else the organisation's: calling hours (R7.3) use it. Deleting a
// supporter takes them off every list of the group.
type Supporter struct {
	ID               int64
	OrganisationID   int64
	GroupID          int64
	FirstName        string
	LastName         string
	Phone            Phone
	Email            string
	Tags             []string
	Timezone         string
	TimezoneExplicit string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Limits on supporter fields.
const (
	MaxNameLen  = 100
	MaxEmailLen = 254
	MaxTagLen   = 50
	MaxTags     = 100
)

// MaxSupportersPage bounds one page of supporters or list members.
const MaxSupportersPage = 1000

// SupporterInput is a supporter as a user or a CSV row gives it.
type SupporterInput struct {
	FirstName string
	LastName  string
	Phone     string
	Email     string
	Tags      []string
	Timezone  string // optional IANA zone
}

// Normalise checks in against the organisation's settings and returns the
// supporter to store (without ids). Errors are EINVALID and name the field.
func (in SupporterInput) Normalise(org Organisation) (Supporter, error) {
	sp := Supporter{
		OrganisationID: org.ID,
		FirstName:      strings.TrimSpace(in.FirstName),
		LastName:       strings.TrimSpace(in.LastName),
		Email:          strings.TrimSpace(in.Email),
	}
	// A slice, not a map, so the first bad field reported is always the same.
	for _, f := range []struct{ field, value string }{{"first_name", sp.FirstName}, {"last_name", sp.LastName}} {
		if utf8.RuneCountInString(f.value) > MaxNameLen {
			return Supporter{}, FieldErrorf(f.field, "is longer than %d characters", MaxNameLen)
		}
	}
	if sp.Email != "" {
		if len(sp.Email) > MaxEmailLen {
			return Supporter{}, FieldErrorf("email", "is longer than %d characters", MaxEmailLen)
		}
		if a, err := mail.ParseAddress(sp.Email); err != nil || a.Address != sp.Email {
			return Supporter{}, FieldErrorf("email", "%q is not an email address", sp.Email)
		}
	}
	tags, err := NormaliseTags(in.Tags)
	if err != nil {
		return Supporter{}, err
	}
	sp.Tags = tags
	if sp.Phone, err = ParsePhone(in.Phone, org.PhoneRegion); err != nil {
		return Supporter{}, err
	}
	if tz := strings.TrimSpace(in.Timezone); tz != "" {
		if err := ValidateTimezone("timezone", tz); err != nil {
			return Supporter{}, err
		}
		sp.TimezoneExplicit = tz
	}
	sp.Timezone = cmp.Or(sp.TimezoneExplicit, TimezoneForPhone(sp.Phone.E164), org.Timezone)
	return sp, nil
}

// NormaliseTags trims, de-duplicates (case-insensitively, first spelling
// wins) and sorts tags, and checks their number and length.
func NormaliseTags(in []string) ([]string, error) {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLen {
			return nil, FieldErrorf("tags", "tag %q is longer than %d characters", t, MaxTagLen)
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, FieldErrorf("tags", "more than %d tags", MaxTags)
	}
	sort.Strings(out)
	return out, nil
}

// supporterConflicts maps the supporters table's constraints to errors a
// user can act on.
var supporterConflicts = map[string]*Error{
	"supporters_group_id_phone_key_key":        {Code: ECONFLICT, Field: "phone", Message: "a supporter with this phone number is already in the group"},
	"supporters_organisation_id_group_id_fkey": {Code: ENOTFOUND, Field: "group_id", Message: "group not found"},
}

const supporterColumns = `s.id, s.organisation_id, s.group_id, s.first_name, s.last_name,
	s.phone_raw, coalesce(s.phone, ''), s.phone_key, s.email, s.tags,
	s.timezone, coalesce(s.timezone_explicit, ''), s.created_at, s.updated_at`

// scanSupporter reads supporterColumns, then any extra columns into extra.
func scanSupporter(row pgx.Row, extra ...any) (Supporter, error) {
	var sp Supporter
	err := row.Scan(append([]any{&sp.ID, &sp.OrganisationID, &sp.GroupID, &sp.FirstName, &sp.LastName,
		&sp.Phone.Raw, &sp.Phone.E164, &sp.Phone.Key, &sp.Email, &sp.Tags,
		&sp.Timezone, &sp.TimezoneExplicit, &sp.CreatedAt, &sp.UpdatedAt}, extra...)...)
	sp.Phone.Valid = sp.Phone.E164 != ""
	return sp, err
}

// normaliseFor loads the organisation and normalises in against it.
func (s *Store) normaliseFor(ctx context.Context, orgID int64, in SupporterInput) (Supporter, error) {
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		return Supporter{}, err
	}
	return in.Normalise(org)
}

// CreateSupporter adds a supporter to a group of the organisation. EINVALID
// naming the field for bad input, ENOTFOUND if the group is not the
// organisation's, ECONFLICT (field "phone") if the group already has a
// supporter with that number.
func (s *Store) CreateSupporter(ctx context.Context, orgID, groupID int64, in SupporterInput) (Supporter, error) {
	sp, err := s.normaliseFor(ctx, orgID, in)
	if err != nil {
		return Supporter{}, err
	}
	now := s.clock.Now()
	created, err := scanSupporter(s.pool.QueryRow(ctx, `
		INSERT INTO supporters AS s (organisation_id, group_id, first_name, last_name,
			phone_raw, phone, phone_key, email, tags, timezone, timezone_explicit, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, $9, $10, nullif($11, ''), $12, $12)
		RETURNING `+supporterColumns,
		orgID, groupID, sp.FirstName, sp.LastName,
		sp.Phone.Raw, sp.Phone.E164, sp.Phone.Key, sp.Email, sp.Tags, sp.Timezone, sp.TimezoneExplicit, now))
	if err != nil {
		return Supporter{}, Internal("create supporter", constraintError(err, supporterConflicts))
	}
	return created, nil
}

// UpdateSupporter replaces a supporter's details with in, normalised as on
// creation (the timezone is derived again unless in gives one). The group
// does not change. ENOTFOUND if the supporter is not the organisation's,
// EINVALID naming the field, ECONFLICT (field "phone") if another supporter
// of the group has the number.
func (s *Store) UpdateSupporter(ctx context.Context, orgID, supporterID int64, in SupporterInput) (Supporter, error) {
	sp, err := s.normaliseFor(ctx, orgID, in)
	if err != nil {
		return Supporter{}, err
	}
	updated, err := scanSupporter(s.pool.QueryRow(ctx, `
		UPDATE supporters AS s
		SET first_name = $3, last_name = $4, phone_raw = $5, phone = nullif($6, ''), phone_key = $7,
			email = $8, tags = $9, timezone = $10, timezone_explicit = nullif($11, ''), updated_at = $12
		WHERE s.organisation_id = $1 AND s.id = $2
		RETURNING `+supporterColumns,
		orgID, supporterID, sp.FirstName, sp.LastName, sp.Phone.Raw, sp.Phone.E164, sp.Phone.Key,
		sp.Email, sp.Tags, sp.Timezone, sp.TimezoneExplicit, s.clock.Now()))
	if err != nil {
		return Supporter{}, Internal("update supporter", notFound(constraintError(err, supporterConflicts), "supporter"))
	}
	return updated, nil
}

// DeleteSupporter removes a supporter and their list memberships. ENOTFOUND
// if the supporter is not the organisation's; ECONFLICT if records that must
// be kept (calls, contacts) refer to them.
func (s *Store) DeleteSupporter(ctx context.Context, orgID, supporterID int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM supporters WHERE organisation_id = $1 AND id = $2`, orgID, supporterID)
	if err != nil {
		return Internal("delete supporter", stillReferenced(err, "supporter has calling history; take them off the lists instead"))
	}
	if tag.RowsAffected() == 0 {
		return Errorf(ENOTFOUND, "supporter not found")
	}
	return nil
}

// Supporter finds a supporter of the organisation. ENOTFOUND if none.
func (s *Store) Supporter(ctx context.Context, orgID, id int64) (Supporter, error) {
	sp, err := scanSupporter(s.pool.QueryRow(ctx,
		`SELECT `+supporterColumns+` FROM supporters s WHERE s.organisation_id = $1 AND s.id = $2`, orgID, id))
	if err != nil {
		return Supporter{}, Internal("find supporter", notFound(err, "supporter"))
	}
	return sp, nil
}

// SupportersByGroup returns up to limit supporters of a group in id order,
// starting after afterID (0 for the first page; then the last id seen).
// ENOTFOUND if the group is not the organisation's, EINVALID (field "limit")
// unless 1 <= limit <= MaxSupportersPage.
func (s *Store) SupportersByGroup(ctx context.Context, orgID, groupID, afterID int64, limit int) ([]Supporter, error) {
	if err := checkPageLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+supporterColumns+` FROM supporters s
		WHERE s.organisation_id = $1 AND s.group_id = $2 AND s.id > $3
		ORDER BY s.id
		LIMIT $4`, orgID, groupID, afterID, limit)
	if err != nil {
		return nil, Internal("list supporters", err)
	}
	sps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Supporter, error) { return scanSupporter(r) })
	if err != nil {
		return nil, Internal("list supporters", err)
	}
	if len(sps) == 0 {
		return nil, s.checkGroup(ctx, orgID, groupID)
	}
	return sps, nil
}

func checkPageLimit(limit int) error {
	if limit < 1 || limit > MaxSupportersPage {
		return FieldErrorf("limit", "must be between 1 and %d", MaxSupportersPage)
	}
	return nil
}

// stillReferenced reports a delete refused by a foreign key (rows that must
// be kept still point at the row) as ECONFLICT with msg; other errors pass
// through.
func stillReferenced(err error, msg string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return &Error{Code: ECONFLICT, Message: msg, Err: err}
	}
	return err
}
