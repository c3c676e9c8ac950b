package queue

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Organisation is a tenant (R1.1): its users, supporters, lists, sessions and
// calls are visible to its own users only. Its settings drive the telephony
// rules: caller ID (R4.1), calling window and cool-down (R7.1, R7.3), ring
// timeout and maximum call duration (R10.2), allowed destinations and the
// concurrent call cap (R10.4).
type Organisation struct {
	ID          int64
	Slug        string
	Name        string
	Timezone    string
	PhoneRegion string
	CallerID    string // E.164, "" until ops set one
	CallerName  string // shown beside CallerID where the network passes names; may be ""
	// ToneZone is the zone of asterisk-config/indications.conf whose
	// ringback the leader hears while a supporter rings (R4.2).
	ToneZone string
	// ConfirmLeader: after the greeting, the leader presses a key before
	// the first supporter is dialled, so a voicemail that answers their
	// phone is never given a supporter (R4.1). No key within
	// LeaderConfirmTimeout (the prompt said twice) hangs up and pauses.
	ConfirmLeader        bool
	LeaderConfirmTimeout time.Duration
	CallingWindowStart   time.Duration
	CallingWindowEnd     time.Duration
	Cooldown             time.Duration
	RingTimeout          time.Duration
	MaxCallDuration      time.Duration
	MaxConcurrentCalls   int
	AllowedPrefixes      []string
	CreatedAt            time.Time
}

// Limits and defaults of organisation settings.
const (
	MaxOrganisationNameLen      = 200
	MaxCallerNameLen            = 64
	DefaultRingTimeout          = 30 * time.Second
	DefaultCooldown             = 20 * time.Minute
	DefaultLeaderConfirmTimeout = 15 * time.Second
)

// ToneZones are the tone zones asterisk-config/indications.conf ships, by
// the countries whose numbers use them (a test keeps the two in step).
var ToneZones = map[string]string{
	"GB": "uk", "IE": "uk", "US": "us", "CA": "us", "FR": "fr", "DE": "de",
	"AU": "au", "NZ": "nz", "NL": "nl", "ES": "es", "IT": "it",
}

// ToneZoneFor is the tone zone of a country's ringback, "uk" for a country
// asterisk-config does not ship one for.
func ToneZoneFor(region string) string {
	if z, ok := ToneZones[region]; ok {
		return z
	}
	return "uk"
}

// ShippedToneZones lists the zones of asterisk-config/indications.conf,
// its default ("uk", [general] country) first.
func ShippedToneZones() []string {
	zones := []string{"uk"}
	for _, z := range ToneZones {
		if !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	slices.Sort(zones[1:])
	return zones
}

// shippedToneZones is ShippedToneZones, listed once.
var shippedToneZones = ShippedToneZones()

// validToneZone reports whether asterisk-config ships zone.
func validToneZone(zone string) bool { return slices.Contains(shippedToneZones, zone) }

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	regionPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	prefixPattern = regexp.MustCompile(`^\+[1-9][0-9]{0,14}$`)
)

// NewOrganisation returns an organisation with the product's defaults.
func NewOrganisation(slug, name string) Organisation {
	return Organisation{
		Slug: slug, Name: name, Timezone: "UTC", PhoneRegion: "GB",
		CallingWindowStart: 9 * time.Hour, CallingWindowEnd: 20 * time.Hour,
		Cooldown: DefaultCooldown, RingTimeout: DefaultRingTimeout,
		MaxCallDuration: time.Hour, MaxConcurrentCalls: 50,
		ConfirmLeader: true, LeaderConfirmTimeout: DefaultLeaderConfirmTimeout,
	}
}

// Validate normalises o and reports the first setting that is not acceptable.
func (o *Organisation) Validate() error {
	o.Slug = strings.ToLower(strings.TrimSpace(o.Slug))
	o.Name = strings.TrimSpace(o.Name)
	o.PhoneRegion = strings.ToUpper(strings.TrimSpace(o.PhoneRegion))
	o.CallerName = strings.TrimSpace(o.CallerName)
	o.ToneZone = strings.ToLower(strings.TrimSpace(o.ToneZone))
	if o.ToneZone == "" {
		o.ToneZone = ToneZoneFor(o.PhoneRegion)
	}
	if o.LeaderConfirmTimeout == 0 {
		o.LeaderConfirmTimeout = DefaultLeaderConfirmTimeout
	}
	switch {
	case !slugPattern.MatchString(o.Slug):
		return FieldErrorf("slug", "must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit")
	case o.Name == "" || len([]rune(o.Name)) > MaxOrganisationNameLen:
		return FieldErrorf("name", "must be 1-%d characters", MaxOrganisationNameLen)
	case !regionPattern.MatchString(o.PhoneRegion):
		return FieldErrorf("phone_region", "must be a two-letter country code such as GB")
	case o.CallingWindowStart < 0 || o.CallingWindowEnd > 24*time.Hour || o.CallingWindowStart >= o.CallingWindowEnd:
		return FieldErrorf("calling_window", "must start before it ends, within one day")
	case o.Cooldown < 0:
		return FieldErrorf("cooldown", "must not be negative")
	case o.RingTimeout < 5*time.Second || o.RingTimeout > 5*time.Minute:
		return FieldErrorf("ring_timeout", "must be between 5 seconds and 5 minutes")
	case o.MaxCallDuration < time.Minute || o.MaxCallDuration > 12*time.Hour:
		return FieldErrorf("max_call_duration", "must be between 1 minute and 12 hours")
	case o.MaxConcurrentCalls < 1 || o.MaxConcurrentCalls > 10000:
		return FieldErrorf("max_concurrent_calls", "must be between 1 and 10000")
	case len([]rune(o.CallerName)) > MaxCallerNameLen || strings.ContainsAny(o.CallerName, "\"<>\\\r\n"):
		return FieldErrorf("caller_name", "must be at most %d characters, without quotes, angle brackets or backslashes", MaxCallerNameLen)
	case !validToneZone(o.ToneZone):
		return FieldErrorf("tone_zone", "%q is not a tone zone of asterisk-config/indications.conf", o.ToneZone)
	case o.LeaderConfirmTimeout < 5*time.Second || o.LeaderConfirmTimeout > time.Minute:
		return FieldErrorf("leader_confirm_timeout", "must be between 5 and 60 seconds")
	}
	if err := ValidateTimezone("timezone", o.Timezone); err != nil {
		return err
	}
	if o.CallerID != "" {
		id, err := ParseMobile(o.CallerID, o.PhoneRegion)
		if err != nil {
			return FieldErrorf("caller_id", "%q is not a valid phone number", o.CallerID)
		}
		o.CallerID = id
	}
	for _, p := range o.AllowedPrefixes {
		if !prefixPattern.MatchString(p) {
			return FieldErrorf("allowed_prefixes", "%q is not a prefix such as +44 or +447", p)
		}
	}
	return nil
}

const organisationColumns = `id, slug, name, timezone, phone_region, coalesce(caller_id, ''), coalesce(caller_name, ''),
	tone_zone, confirm_leader, leader_confirm_timeout,
	calling_window_start, calling_window_end, cooldown, ring_timeout, max_call_duration,
	max_concurrent_calls, allowed_prefixes, created_at`

func scanOrganisation(row pgx.Row) (Organisation, error) {
	var o Organisation
	var start, end pgxTime
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.Timezone, &o.PhoneRegion, &o.CallerID, &o.CallerName,
		&o.ToneZone, &o.ConfirmLeader, &o.LeaderConfirmTimeout,
		&start, &end, &o.Cooldown, &o.RingTimeout, &o.MaxCallDuration,
		&o.MaxConcurrentCalls, &o.AllowedPrefixes, &o.CreatedAt)
	o.CallingWindowStart, o.CallingWindowEnd = start.Duration(), end.Duration()
	return o, err
}

// CreateOrganisation adds a tenant. ECONFLICT if the slug is taken.
func (s *Store) CreateOrganisation(ctx context.Context, o Organisation) (Organisation, error) {
	if err := o.Validate(); err != nil {
		return Organisation{}, err
	}
	row := s.pool.QueryRow(ctx, `
		INSERT INTO organisations (slug, name, timezone, phone_region, caller_id,
			calling_window_start, calling_window_end, cooldown, ring_timeout, max_call_duration,
			max_concurrent_calls, allowed_prefixes, created_at,
			caller_name, tone_zone, confirm_leader, leader_confirm_timeout)
		VALUES ($1, $2, $3, $4, nullif($5, ''), make_interval(secs => $6)::text::time, make_interval(secs => $7)::text::time,
			$8, $9, $10, $11, $12, $13, nullif($14, ''), $15, $16, $17)
		RETURNING `+organisationColumns,
		o.Slug, o.Name, o.Timezone, o.PhoneRegion, o.CallerID,
		o.CallingWindowStart.Seconds(), o.CallingWindowEnd.Seconds(),
		o.Cooldown, o.RingTimeout, o.MaxCallDuration, o.MaxConcurrentCalls, nonNil(o.AllowedPrefixes), s.clock.Now(),
		o.CallerName, o.ToneZone, o.ConfirmLeader, o.LeaderConfirmTimeout)
	created, err := scanOrganisation(row)
	if err != nil {
		return Organisation{}, Internal("create organisation", constraintError(err, map[string]*Error{
			"organisations_slug_key": {Code: ECONFLICT, Field: "slug", Message: "an organisation with this slug already exists"},
		}))
	}
	return created, nil
}

// OrganisationBySlug finds an organisation by its slug. ENOTFOUND if none.
func (s *Store) OrganisationBySlug(ctx context.Context, slug string) (Organisation, error) {
	o, err := scanOrganisation(s.pool.QueryRow(ctx,
		`SELECT `+organisationColumns+` FROM organisations WHERE slug = $1`, strings.ToLower(strings.TrimSpace(slug))))
	if err != nil {
		return Organisation{}, Internal("find organisation", notFound(err, "organisation "+slug))
	}
	return o, nil
}

// Organisation finds an organisation by id. ENOTFOUND if none.
func (s *Store) Organisation(ctx context.Context, id int64) (Organisation, error) {
	o, err := scanOrganisation(s.pool.QueryRow(ctx,
		`SELECT `+organisationColumns+` FROM organisations WHERE id = $1`, id))
	if err != nil {
		return Organisation{}, Internal("find organisation", notFound(err, "organisation"))
	}
	return o, nil
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
