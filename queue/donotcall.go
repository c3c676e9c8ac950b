package queue

import (
	"context"
	"strings"
	"time"
)

// DoNotCall is a number an organisation must never dial (R7.4), whoever it
// belongs to and whichever group they are in. Only valid numbers are listed,
// in E.164; adding a listed number again keeps the first reason.
type DoNotCall struct {
	OrganisationID int64
	Phone          string // E.164
	Reason         string
	AddedAt        time.Time
}

// MaxDoNotCallReasonLen bounds the reason a number is on the list.
const MaxDoNotCallReasonLen = 500

// doNotCallNumber reads raw in the organisation's region; it must be valid.
func (s *Store) doNotCallNumber(ctx context.Context, orgID int64, raw string) (string, error) {
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		return "", err
	}
	p, err := ParsePhone(raw, org.PhoneRegion)
	if err != nil {
		return "", err
	}
	if !p.Valid {
		return "", FieldErrorf("phone", "%q is not a valid phone number", p.Raw)
	}
	return p.E164, nil
}

// AddDoNotCall puts a number on the organisation's do-not-call list and
// returns the entry (the existing one if the number was listed already).
// EINVALID naming the field for an invalid number or a reason that is not
// 1-500 characters; ENOTFOUND if the organisation does not exist.
func (s *Store) AddDoNotCall(ctx context.Context, orgID int64, phone, reason string) (DoNotCall, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > MaxDoNotCallReasonLen {
		return DoNotCall{}, FieldErrorf("reason", "must be 1-%d characters", MaxDoNotCallReasonLen)
	}
	e164, err := s.doNotCallNumber(ctx, orgID, phone)
	if err != nil {
		return DoNotCall{}, err
	}
	d := DoNotCall{OrganisationID: orgID, Phone: e164}
	// The no-op update makes RETURNING give the existing row too.
	err = s.pool.QueryRow(ctx, `
		INSERT INTO do_not_call (organisation_id, phone, reason, added_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (organisation_id, phone) DO UPDATE SET reason = do_not_call.reason
		RETURNING reason, added_at`, orgID, e164, reason, s.clock.Now()).Scan(&d.Reason, &d.AddedAt)
	if err != nil {
		return DoNotCall{}, Internal("add do-not-call number", err)
	}
	return d, nil
}

// RemoveDoNotCall takes a number off the organisation's do-not-call list.
// EINVALID (field "phone") for an invalid number, ENOTFOUND (field "phone")
// if it is not listed.
func (s *Store) RemoveDoNotCall(ctx context.Context, orgID int64, phone string) error {
	e164, err := s.doNotCallNumber(ctx, orgID, phone)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM do_not_call WHERE organisation_id = $1 AND phone = $2`, orgID, e164)
	if err != nil {
		return Internal("remove do-not-call number", err)
	}
	if tag.RowsAffected() == 0 {
		return &Error{Code: ENOTFOUND, Field: "phone", Message: e164 + " is not on the do-not-call list"}
	}
	return nil
}

// IsDoNotCall reports whether an E.164 number is on the organisation's
// do-not-call list.
func (s *Store) IsDoNotCall(ctx context.Context, orgID int64, e164 string) (bool, error) {
	var listed bool
	err := s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT FROM do_not_call WHERE organisation_id = $1 AND phone = $2)`,
		orgID, e164).Scan(&listed)
	return listed, Internal("check do-not-call list", err)
}
