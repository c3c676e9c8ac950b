package queue_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// fixedClock is a clock tests move by hand.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func mustStore(tb testing.TB) *queue.Store {
	tb.Helper()
	s := queue.NewStore(pgtest.NewPool(tb), &fixedClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)})
	s.PasswordCost = 4
	return s
}

func mustOrganisation(tb testing.TB, s *queue.Store, slug string) queue.Organisation {
	tb.Helper()
	o := queue.NewOrganisation(slug, "Org "+slug)
	o.Timezone = "Europe/London"
	o.AllowedPrefixes = []string{"+44"}
	created, err := s.CreateOrganisation(context.Background(), o)
	if err != nil {
		tb.Fatalf("create organisation: %v", err)
	}
	return created
}

func mustGroup(tb testing.TB, s *queue.Store, orgID int64, name string) queue.Group {
	tb.Helper()
	g, err := s.CreateGroup(context.Background(), orgID, name)
	if err != nil {
		tb.Fatalf("create group: %v", err)
	}
	return g
}

func TestCreateOrganisation(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		o := queue.NewOrganisation("greens", "Greens")
		o.Timezone = "Australia/Sydney"
		o.CallerID = "+61 2 9999 0000"
		o.PhoneRegion = "au"
		got, err := s.CreateOrganisation(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if got.CallerID != "+61299990000" || got.PhoneRegion != "AU" || got.RingTimeout != 30*time.Second ||
			got.CallingWindowStart != 9*time.Hour || got.CallingWindowEnd != 20*time.Hour || got.Cooldown != 20*time.Minute {
			t.Fatalf("settings not stored as given: %+v", got)
		}
		// Ringback in the region's tone zone; a person confirms the greeting
		// unless turned off (R4.1, R4.2).
		if got.ToneZone != "au" || !got.ConfirmLeader || got.LeaderConfirmTimeout != 15*time.Second || got.CallerName != "" {
			t.Fatalf("telephony defaults: zone %q confirm %v after %v, caller name %q", got.ToneZone, got.ConfirmLeader, got.LeaderConfirmTimeout, got.CallerName)
		}
		again, err := s.OrganisationBySlug(ctx, "GREENS")
		if err != nil || again.ID != got.ID {
			t.Fatalf("by slug: %+v %v", again, err)
		}
	})
	// A window to midnight is a valid day: it was stored as 00:00 and
	// broke the schema's start-before-end check (an internal error).
	t.Run("WindowToMidnight", func(t *testing.T) {
		o := queue.NewOrganisation("all-day", "All day")
		o.CallingWindowStart, o.CallingWindowEnd = 0, 24*time.Hour
		got, err := s.CreateOrganisation(ctx, o)
		if err != nil || got.CallingWindowStart != 0 || got.CallingWindowEnd != 24*time.Hour {
			t.Fatalf("window %v to %v, %v; want 0s to 24h", got.CallingWindowStart, got.CallingWindowEnd, err)
		}
	})
	bad := []struct {
		name, field string
		edit        func(*queue.Organisation)
	}{
		{"ErrSlug", "slug", func(o *queue.Organisation) { o.Slug = "no spaces" }},
		{"ErrName", "name", func(o *queue.Organisation) { o.Name = " " }},
		{"ErrTimezone", "timezone", func(o *queue.Organisation) { o.Timezone = "Mars/Olympus" }},
		{"ErrRegion", "phone_region", func(o *queue.Organisation) { o.PhoneRegion = "GBR" }},
		{"ErrCallerID", "caller_id", func(o *queue.Organisation) { o.CallerID = "12" }},
		{"ErrWindow", "calling_window", func(o *queue.Organisation) { o.CallingWindowStart, o.CallingWindowEnd = 20*time.Hour, 9*time.Hour }},
		{"ErrPrefix", "allowed_prefixes", func(o *queue.Organisation) { o.AllowedPrefixes = []string{"44"} }},
		{"ErrRingTimeout", "ring_timeout", func(o *queue.Organisation) { o.RingTimeout = time.Second }},
		{"ErrCallerNameQuote", "caller_name", func(o *queue.Organisation) { o.CallerName = `Evil" <sip:x@y>` }},
		{"ErrCallerNameLong", "caller_name", func(o *queue.Organisation) { o.CallerName = strings.Repeat("n", 65) }},
		{"ErrToneZone", "tone_zone", func(o *queue.Organisation) { o.ToneZone = "xx" }},
		{"ErrConfirmTimeout", "leader_confirm_timeout", func(o *queue.Organisation) { o.LeaderConfirmTimeout = 2 * time.Minute }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			o := queue.NewOrganisation("bad-"+tc.field[:3], "Bad")
			tc.edit(&o)
			_, err := s.CreateOrganisation(ctx, o)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want invalid %s", err, queue.ErrorField(err), tc.field)
			}
		})
	}
	t.Run("ErrSlugTaken", func(t *testing.T) {
		mustOrganisation(t, s, "taken")
		_, err := s.CreateOrganisation(ctx, queue.NewOrganisation("taken", "Again"))
		if queue.ErrorCode(err) != queue.ECONFLICT {
			t.Fatalf("got %v, want conflict", err)
		}
	})
}

// TestToneZonesShipped: every tone zone an organisation may choose has a
// ring tone in asterisk-config/indications.conf, or its leaders would hear
// silence while supporters ring (R4.2).
func TestToneZonesShipped(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../asterisk-config/indications.conf")
	if err != nil {
		t.Fatal(err)
	}
	rings, section := map[string]bool{}, ""
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(strings.SplitN(line, ";", 2)[0])
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
		} else if k, _, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "ring" {
			rings[section] = true
		}
	}
	for _, zone := range queue.ShippedToneZones() {
		if !rings[zone] {
			t.Errorf("tone zone %q has no ring tone in asterisk-config/indications.conf", zone)
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	applied, err := queue.Migrate(context.Background(), s.Pool())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", applied, err)
	}
}
