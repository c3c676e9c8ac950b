package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do in one supporter group (R1.2). Admins of the
// organisation need no role: they may do everything in every group.
type Role string

// The roles of a group.
const (
	RoleCaptain     Role = "captain"
	RoleViceCaptain Role = "vice_captain"
	RoleMember      Role = "member"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	return r == RoleCaptain || r == RoleViceCaptain || r == RoleMember
}

// CanLead reports whether the role may create and run calling sessions on
// the group's lists (R1.2).
func (r Role) CanLead() bool { return r == RoleCaptain || r == RoleViceCaptain }

// User is a person who logs in to the panel. A user belongs to one
// organisation; Admin users lead in every group of it, others per their
// group roles. Mobile is the leader's own phone, rung when a session starts
// (R4.1): a user without one cannot start a session (R2.2).
type User struct {
	ID             int64
	OrganisationID int64
	FirstName      string
	LastName       string
	Email          string
	Mobile         string // E.164, "" if not saved
	Timezone       string // the user's zone, or the organisation's when unset
	Admin          bool
	Roles          map[int64]Role // group id -> role
	CreatedAt      time.Time
}

// CanLead reports whether u may create and run sessions on lists of group.
func (u User) CanLead(groupID int64) bool {
	return u.Admin || u.Roles[groupID].CanLead()
}

// UserInput is a new user as an operator gives it.
type UserInput struct {
	FirstName string
	LastName  string
	Email     string
	Password  string
	Mobile    string // optional
	Timezone  string // optional, IANA
	Admin     bool
}

// Password rules.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 72 // bcrypt reads no further
)

// commonPasswords are refused whatever their length.
var commonPasswords = map[string]bool{
	"password123": true, "password1234": true, "1234567890": true, "12345678910": true,
	"qwertyuiop": true, "iloveyou123": true, "letmein1234": true, "passw0rd123": true,
	"administrator": true, "welcome123": true, "abcdefghij": true, "0987654321": true,
}

// CheckPassword reports why a password is too weak, naming field "password".
func CheckPassword(password, email string) error {
	switch {
	case password == "":
		return FieldErrorf("password", "is required")
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return FieldErrorf("password", "must be at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return FieldErrorf("password", "must be at most %d bytes", MaxPasswordLen)
	case strings.Count(password, password[:1]) == len(password):
		return FieldErrorf("password", "must not repeat one character")
	case commonPasswords[strings.ToLower(password)]:
		return FieldErrorf("password", "is too common")
	case email != "" && strings.EqualFold(password, email):
		return FieldErrorf("password", "must not be the email address")
	}
	return nil
}

func normaliseEmail(raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	if email == "" {
		return "", FieldErrorf("email", "is required")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > MaxEmailLen {
		return "", FieldErrorf("email", "%q is not an email address", raw)
	}
	return email, nil
}

// CreateUser adds a user to the organisation with a slow hash of the
// password. ECONFLICT if the email is taken (by any organisation).
func (s *Store) CreateUser(ctx context.Context, orgID int64, in UserInput) (User, error) {
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		return User{}, err
	}
	u := User{OrganisationID: orgID, FirstName: strings.TrimSpace(in.FirstName),
		LastName: strings.TrimSpace(in.LastName), Admin: in.Admin, Timezone: strings.TrimSpace(in.Timezone)}
	if err := checkUserName(u.FirstName, u.LastName); err != nil {
		return User{}, err
	}
	if u.Email, err = normaliseEmail(in.Email); err != nil {
		return User{}, err
	}
	if err := CheckPassword(in.Password, u.Email); err != nil {
		return User{}, err
	}
	if u.Mobile, err = checkMobileAndTimezone(org.PhoneRegion, in.Mobile, u.Timezone); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.PasswordCost)
	if err != nil {
		return User{}, Internal("hash password", err)
	}
	err = s.pool.QueryRow(ctx, `
		INSERT INTO users (organisation_id, first_name, last_name, email, password_hash, mobile, timezone, admin, created_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), nullif($7, ''), $8, $9)
		RETURNING id, created_at`,
		orgID, u.FirstName, u.LastName, u.Email, string(hash), u.Mobile, u.Timezone, u.Admin, s.clock.Now()).
		Scan(&u.ID, &u.CreatedAt)
	if err != nil {
		return User{}, Internal("create user", constraintError(err, map[string]*Error{
			"users_email_key": {Code: ECONFLICT, Field: "email", Message: "a user with this email already exists"},
		}))
	}
	u.Timezone = cmp.Or(u.Timezone, org.Timezone)
	return u, nil
}

const userColumns = `u.id, u.organisation_id, u.first_name, u.last_name, u.email, coalesce(u.mobile, ''),
	coalesce(u.timezone, o.timezone), u.admin, u.created_at,
	coalesce((SELECT jsonb_object_agg(r.group_id::text, r.role) FROM group_roles r WHERE r.user_id = u.id), '{}')`

// scanUser reads userColumns and the password hash, after the columns
// that the destinations in before take (a statement that returns a row of
// its own with its user, as a web session's lookup does).
func scanUser(row pgx.Row, before ...any) (User, string, error) {
	var u User
	var hash string
	var roles map[string]Role
	err := row.Scan(append(before, &u.ID, &u.OrganisationID, &u.FirstName, &u.LastName, &u.Email, &u.Mobile,
		&u.Timezone, &u.Admin, &u.CreatedAt, &roles, &hash)...)
	u.Roles = make(map[int64]Role, len(roles))
	for id, r := range roles {
		gid, convErr := strconv.ParseInt(id, 10, 64)
		if convErr != nil {
			return u, hash, fmt.Errorf("group role key %q: %w", id, convErr)
		}
		u.Roles[gid] = r
	}
	return u, hash, err
}

// User returns a user of the organisation. ENOTFOUND if none.
func (s *Store) User(ctx context.Context, orgID, id int64) (User, error) {
	u, _, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, u.password_hash
		FROM users u JOIN organisations o ON o.id = u.organisation_id
		WHERE u.organisation_id = $1 AND u.id = $2`, orgID, id))
	return u, Internal("find user", notFound(err, "user"))
}

// UserByEmail returns the user of the organisation with that email.
func (s *Store) UserByEmail(ctx context.Context, orgID int64, email string) (User, error) {
	u, _, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, u.password_hash
		FROM users u JOIN organisations o ON o.id = u.organisation_id
		WHERE u.organisation_id = $1 AND u.email = lower(trim($2))`, orgID, email))
	return u, Internal("find user", notFound(err, "user "+email))
}

// dummyHashes hold, by bcrypt cost, the hash compared against when the
// email is unknown, so a login takes as long for an unknown address as for
// a wrong password: at the cost real hashes are made with, or the answer's
// speed would tell which emails have accounts.
var dummyHashes sync.Map // int → []byte

func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("not a real password"), cost)
	if err != nil {
		h, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)
	}
	actual, _ := dummyHashes.LoadOrStore(cost, h)
	return actual.([]byte)
}

// errWrongLogin is the one answer to an unknown email and a wrong password.
var errWrongLogin = Errorf(EUNAUTHORIZED, "email or password is wrong")

// Authenticate checks an email and password. EUNAUTHORIZED, with the same
// message, whether the email is unknown or the password wrong. The login
// page calls LogIn, which throttles it.
func (s *Store) Authenticate(ctx context.Context, email, password string) (User, error) {
	u, hash, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, u.password_hash
		FROM users u JOIN organisations o ON o.id = u.organisation_id
		WHERE u.email = lower(trim($1))`, email))
	if errors.Is(err, pgx.ErrNoRows) {
		hash = string(dummyHash(s.PasswordCost))
	} else if err != nil {
		return User{}, Internal("authenticate", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || u.ID == 0 {
		return User{}, errWrongLogin
	}
	return u, nil
}

// SetPassword replaces a user's password and ends their web sessions.
func (s *Store) SetPassword(ctx context.Context, orgID, userID int64, password string) error {
	u, err := s.User(ctx, orgID, userID)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, u.Email); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.PasswordCost)
	if err != nil {
		return Internal("hash password", err)
	}
	_, err = s.replacePasswordHash(ctx, orgID, userID, "", string(hash))
	return Internal("set password", err)
}

// SetMobile saves (or with "" clears) the user's mobile number (R2.2).
func (s *Store) SetMobile(ctx context.Context, orgID, userID int64, mobile string) (User, error) {
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		return User{}, err
	}
	e164 := ""
	if strings.TrimSpace(mobile) != "" {
		if e164, err = ParseMobile(mobile, org.PhoneRegion); err != nil {
			return User{}, err
		}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE users SET mobile = nullif($3, '') WHERE organisation_id = $1 AND id = $2`,
		orgID, userID, e164)
	if err != nil {
		return User{}, Internal("set mobile", err)
	}
	if tag.RowsAffected() == 0 {
		return User{}, Errorf(ENOTFOUND, "user not found")
	}
	return s.User(ctx, orgID, userID)
}

// SetGroupRole gives the user a role in a group of the same organisation,
// replacing any earlier one.
func (s *Store) SetGroupRole(ctx context.Context, orgID, userID, groupID int64, role Role) error {
	if !role.Valid() {
		return FieldErrorf("role", "%q is not one of captain, vice_captain, member", role)
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO group_roles (organisation_id, group_id, user_id, role) VALUES ($1, $2, $3, $4)
		ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role`, orgID, groupID, userID, role)
	return Internal("set group role", constraintError(err, map[string]*Error{
		"group_roles_organisation_id_group_id_fkey": {Code: ENOTFOUND, Field: "group", Message: "group not found"},
		"group_roles_organisation_id_user_id_fkey":  {Code: ENOTFOUND, Field: "user", Message: "user not found"},
	}))
}

// RemoveGroupRole takes the user's role in the group away.
func (s *Store) RemoveGroupRole(ctx context.Context, orgID, userID, groupID int64) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM group_roles WHERE organisation_id = $1 AND user_id = $2 AND group_id = $3`,
		orgID, userID, groupID)
	return Internal("remove group role", err)
}

// checkMobileAndTimezone checks a user's optional mobile (in the
// organisation's region) and timezone, and returns the mobile in E.164
// ("" when none was given).
func checkMobileAndTimezone(region, mobile, timezone string) (string, error) {
	if mobile != "" {
		var err error
		if mobile, err = ParseMobile(mobile, region); err != nil {
			return "", err
		}
	}
	if timezone != "" {
		if err := ValidateTimezone("timezone", timezone); err != nil {
			return "", err
		}
	}
	return mobile, nil
}
