package queue_test

import (
	"context"
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
		again, err := s.OrganisationBySlug(ctx, "GREENS")
		if err != nil || again.ID != got.ID {
			t.Fatalf("by slug: %+v %v", again, err)
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

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	applied, err := queue.Migrate(context.Background(), s.Pool())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", applied, err)
	}
}
