package queue

import (
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Supporter is a person a group may call (R1.3). The phone is normalised to
// E.164; an invalid number is kept with Phone.Valid false and is never
// dialled (R7.5). Timezone is the explicit one when given, else derived from
// the number, else the organisation's: calling hours (R7.3) use it.
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
	for field, v := range map[string]string{"first_name": sp.FirstName, "last_name": sp.LastName} {
		if utf8.RuneCountInString(v) > MaxNameLen {
			return Supporter{}, FieldErrorf(field, "is longer than %d characters", MaxNameLen)
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
	sp.Timezone = firstNonEmpty(sp.TimezoneExplicit, TimezoneForPhone(sp.Phone.E164), org.Timezone)
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

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
