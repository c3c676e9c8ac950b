package queue

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Phone is a number as given and what we made of it (R1.3).
type Phone struct {
	Raw   string // verbatim, trimmed
	E164  string // "" when Raw is not a valid number
	Key   string // natural key within a group: E164, else Raw's digits
	Valid bool
}

// MaxPhoneLen bounds a raw phone number.
const MaxPhoneLen = 64

// ParsePhone reads raw as a number of region (ISO 3166, e.g. "GB") unless it
// carries its own country code. An invalid number is not an error: it is
// returned with Valid false, to be kept and flagged, never dialled.
func ParsePhone(raw, region string) (Phone, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Phone{}, FieldErrorf("phone", "is required")
	}
	if len(raw) > MaxPhoneLen {
		return Phone{}, FieldErrorf("phone", "is longer than %d characters", MaxPhoneLen)
	}
	p := Phone{Raw: raw, Key: phoneDigits(raw)}
	if p.Key == "" {
		return Phone{}, FieldErrorf("phone", "%q holds no digits", raw)
	}
	num, err := phonenumbers.Parse(raw, region)
	if err == nil && phonenumbers.IsValidNumber(num) {
		p.E164 = phonenumbers.Format(num, phonenumbers.E164)
		p.Key = p.E164
		p.Valid = true
	}
	return p, nil
}

// ParseMobile reads a user's mobile number, which must be valid: the server
// rings it (R4.1).
func ParseMobile(raw, region string) (string, error) {
	p, err := ParsePhone(raw, region)
	if err != nil {
		var e *Error
		errors.As(err, &e)
		return "", FieldErrorf("mobile", "%s", e.Message)
	}
	if !p.Valid {
		return "", FieldErrorf("mobile", "%q is not a valid phone number (write it with its country code, e.g. +447911123456)", raw)
	}
	return p.E164, nil
}

// phoneDigits keeps a leading "+" and the digits of s.
func phoneDigits(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == '+' && i == 0 {
			b.WriteRune(r)
		} else if unicode.IsDigit(r) && r < unicode.MaxASCII {
			b.WriteRune(r)
		}
	}
	if b.String() == "+" {
		return ""
	}
	return b.String()
}

// TimezoneForPhone derives a timezone from a valid E.164 number: the zone
// its number range maps to. A range mapped to several zones counts as one
// when they all keep the same clock (UK mobiles: London, Jersey, Guernsey,
// Isle of Man), named by the zone of the main country's landlines. Ranges whose
// zones differ (most of the US, say) give "", so the caller falls back to the
// organisation's zone rather than guess an hour wrong (R1.3, R7.3).
func TimezoneForPhone(e164 string) string {
	if e164 == "" {
		return ""
	}
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	zones, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(zones) == 0 || !sameClock(zones) {
		return ""
	}
	if len(zones) > 1 {
		if landline := landlineZone(phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))); slices.Contains(zones, landline) {
			return landline
		}
	}
	return zones[0]
}

// sameClock reports whether all zones are known and keep the same UTC offset
// through two years, sampled weekly.
func sameClock(zones []string) bool {
	locs := make([]*time.Location, 0, len(zones))
	for _, z := range zones {
		loc, err := LoadLocation(z)
		if err != nil || z == "Etc/Unknown" {
			return false
		}
		locs = append(locs, loc)
	}
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for week := 0; week < 104 && len(locs) > 1; week++ {
		t := start.Add(time.Duration(week) * 7 * 24 * time.Hour)
		_, want := t.In(locs[0]).Zone()
		for _, loc := range locs[1:] {
			if _, off := t.In(loc).Zone(); off != want {
				return false
			}
		}
	}
	return true
}

// landlineZone is the single zone of region's example fixed-line number.
func landlineZone(region string) string {
	example := phonenumbers.GetExampleNumberForType(region, phonenumbers.FIXED_LINE)
	if example == nil {
		return ""
	}
	zones, err := phonenumbers.GetTimezonesForNumber(example)
	if err != nil || len(zones) != 1 {
		return ""
	}
	return zones[0]
}

// ValidateTimezone checks that name is an IANA zone this machine knows.
func ValidateTimezone(field, name string) error {
	if name == "" || len(name) > 64 {
		return FieldErrorf(field, "must be an IANA timezone such as Europe/London")
	}
	if _, err := LoadLocation(name); err != nil || strings.EqualFold(name, "local") {
		return FieldErrorf(field, "%q is not a known timezone (use an IANA name such as Europe/London)", name)
	}
	return nil
}

var locations sync.Map // zone name -> *time.Location

// LoadLocation is time.LoadLocation with a cache: it reads the zone file on
// every call, and an import asks for the same few zones 100,000 times.
func LoadLocation(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}
