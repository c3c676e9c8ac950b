package queue_test

import (
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

func TestParsePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, region string
		want              queue.Phone
	}{
		{"NationalGB", "020 7946 0000", "GB", queue.Phone{Raw: "020 7946 0000", E164: "+442079460000", Key: "+442079460000", Valid: true}},
		{"MobileGB", " 07911 123456 ", "GB", queue.Phone{Raw: "07911 123456", E164: "+447911123456", Key: "+447911123456", Valid: true}},
		{"InternationalUS", "+1 (212) 555-0123", "GB", queue.Phone{Raw: "+1 (212) 555-0123", E164: "+12125550123", Key: "+12125550123", Valid: true}},
		{"NationalUS", "(650) 253-0000", "US", queue.Phone{Raw: "(650) 253-0000", E164: "+16502530000", Key: "+16502530000", Valid: true}},
		{"TrunkPrefixInBrackets", "+44 (0)20-7946-0000", "GB", queue.Phone{Raw: "+44 (0)20-7946-0000", E164: "+442079460000", Key: "+442079460000", Valid: true}},
		{"OwnCountryCodeWins", "+33 6 12 34 56 78", "GB", queue.Phone{Raw: "+33 6 12 34 56 78", E164: "+33612345678", Key: "+33612345678", Valid: true}},
		{"InvalidKeptAsDigits", "123-45", "GB", queue.Phone{Raw: "123-45", Key: "12345"}},
		{"InvalidKeepsPlus", "+999 12", "GB", queue.Phone{Raw: "+999 12", Key: "+99912"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := queue.ParsePhone(tc.raw, tc.region)
			if err != nil || got != tc.want {
				t.Fatalf("ParsePhone(%q, %q) = %+v, %v; want %+v", tc.raw, tc.region, got, err, tc.want)
			}
		})
	}
	bad := []struct{ name, raw string }{
		{"ErrEmpty", ""},
		{"ErrBlank", "   "},
		{"ErrNoDigits", "call me"},
		{"ErrTooLong", strings.Repeat("1", queue.MaxPhoneLen+1)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := queue.ParsePhone(tc.raw, "GB")
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "phone" {
				t.Fatalf("ParsePhone(%q) error %v, want invalid phone", tc.raw, err)
			}
		})
	}
}

func TestTimezoneForPhone(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, e164, want string }{
		{"LondonLandline", "+442079460000", "Europe/London"},
		{"Sydney", "+61299990000", "Australia/Sydney"},
		{"NewYork", "+12125550123", "America/New_York"},
		// Zones that keep one clock count as one, named by the landline zone.
		{"UKMobile", "+447911123456", "Europe/London"},
		// Several zones: no guess, the organisation's zone applies.
		{"USTollFreeSpansZones", "+18005550199", ""},
		{"AlaskaSpansZones", "+19075550100", ""},
		{"Invalid", "12345", ""},
		{"Empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := queue.TimezoneForPhone(tc.e164); got != tc.want {
				t.Fatalf("TimezoneForPhone(%q) = %q, want %q", tc.e164, got, tc.want)
			}
		})
	}
}
