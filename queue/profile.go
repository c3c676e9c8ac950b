package queue

import (
	"context"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Profile is what users change about themselves on Edit My Profile: their
// name, the mobile the server rings when they start a session (R2.2, R4.1)
// and the timezone their skips and dates are read in (R6). Email and roles
// are the operator's to change.
type Profile struct {
	FirstName string
	LastName  string
	Mobile    string // as typed; "" clears it
	Timezone  string // IANA; "" means the organisation's
}

// checkUserName applies the rules of a user's name.
func checkUserName(first, last string) error {
	if first == "" || utf8.RuneCountInString(first) > MaxNameLen {
		return FieldErrorf("first_name", "must be 1-%d characters", MaxNameLen)
	}
	if utf8.RuneCountInString(last) > MaxNameLen {
		return FieldErrorf("last_name", "is longer than %d characters", MaxNameLen)
	}
	return nil
}

// UpdateProfile replaces the user's profile, all of it or, with EINVALID
// naming the first field at fault, none of it (R12). The mobile number is
// read as SetMobile reads it. ENOTFOUND if the user is not the
// organisation's.
func (s *Store) UpdateProfile(ctx context.Context, orgID, userID int64, p Profile) (User, error) {
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		return User{}, err
	}
	p.FirstName, p.LastName = strings.TrimSpace(p.FirstName), strings.TrimSpace(p.LastName)
	p.Mobile, p.Timezone = strings.TrimSpace(p.Mobile), strings.TrimSpace(p.Timezone)
	if err := checkUserName(p.FirstName, p.LastName); err != nil {
		return User{}, err
	}
	if p.Mobile, err = checkMobileAndTimezone(org.PhoneRegion, p.Mobile, p.Timezone); err != nil {
		return User{}, err
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE users SET first_name = $3, last_name = $4, mobile = nullif($5, ''), timezone = nullif($6, '')
		WHERE organisation_id = $1 AND id = $2`,
		orgID, userID, p.FirstName, p.LastName, p.Mobile, p.Timezone)
	if err != nil {
		return User{}, Internal("update profile", err)
	}
	if tag.RowsAffected() == 0 {
		return User{}, Errorf(ENOTFOUND, "user not found")
	}
	return s.User(ctx, orgID, userID)
}

// ChangePassword replaces the user's password when current is the one they
// have (EINVALID on "current_password" otherwise) and next passes
// CheckPassword (EINVALID on "password"). It ends every web session of the
// user, the caller's too: whoever knew the old password is logged out, and
// the caller starts a new session. ECONFLICT if the password changed while
// this was checked.
func (s *Store) ChangePassword(ctx context.Context, orgID, userID int64, current, next string) error {
	var oldHash, email string
	err := s.pool.QueryRow(ctx, `SELECT password_hash, email FROM users WHERE organisation_id = $1 AND id = $2`,
		orgID, userID).Scan(&oldHash, &email)
	if err != nil {
		return Internal("find user", notFound(err, "user"))
	}
	if bcrypt.CompareHashAndPassword([]byte(oldHash), []byte(current)) != nil {
		return FieldErrorf("current_password", "is not your current password")
	}
	if err := CheckPassword(next, email); err != nil {
		return err
	}
	if next == current {
		return FieldErrorf("password", "must differ from the current password")
	}
	newHash, err := bcrypt.GenerateFromPassword([]byte(next), s.PasswordCost)
	if err != nil {
		return Internal("hash password", err)
	}
	changed, err := s.replacePasswordHash(ctx, orgID, userID, oldHash, string(newHash))
	if err != nil {
		return Internal("change password", err)
	}
	if !changed {
		return Errorf(ECONFLICT, "your password was changed meanwhile: log in again")
	}
	return nil
}

// replacePasswordHash sets the user's password hash, if it still is
// oldHash ("" for whatever it is), and ends the user's web sessions in the
// same statement. It reports whether it changed the password.
func (s *Store) replacePasswordHash(ctx context.Context, orgID, userID int64, oldHash, newHash string) (bool, error) {
	var changed bool
	err := s.pool.QueryRow(ctx, `
		WITH changed AS (
			UPDATE users SET password_hash = $4
			WHERE organisation_id = $1 AND id = $2 AND ($3 = '' OR password_hash = $3)
			RETURNING organisation_id, id
		), ended AS (
			DELETE FROM web_sessions w USING changed c
			WHERE w.organisation_id = c.organisation_id AND w.user_id = c.id
		)
		SELECT EXISTS (SELECT FROM changed)`,
		orgID, userID, oldHash, newHash).Scan(&changed)
	return changed, err
}
