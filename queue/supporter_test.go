package queue_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// fixedStoreTime is the time mustStore's clock shows.
var fixedStoreTime = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func mustSupporter(tb testing.TB, s *queue.Store, orgID, groupID int64, phone string) queue.Supporter {
	tb.Helper()
	sp, err := s.CreateSupporter(context.Background(), orgID, groupID, queue.SupporterInput{FirstName: "Sam", LastName: "Lee", Phone: phone})
	if err != nil {
		tb.Fatalf("create supporter %s: %v", phone, err)
	}
	return sp
}

func TestSupporterTimezone(t *testing.T) {
	t.Parallel()
	org := queue.NewOrganisation("tz", "TZ")
	org.Timezone = "America/Chicago"
	tests := []struct{ name, phone, timezone, want, wantExplicit string }{
		{"ExplicitWins", "+442079460000", "Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo"},
		{"FromPhone", "+442079460000", "", "Europe/London", ""},
		{"FromPhoneAbroad", "+61 2 9999 0000", " ", "Australia/Sydney", ""},
		{"OrganisationWhenPhoneSpansZones", "+1 800 555 0199", "", "America/Chicago", ""},
		{"OrganisationWhenPhoneInvalid", "12345", "", "America/Chicago", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp, err := queue.SupporterInput{Phone: tc.phone, Timezone: tc.timezone}.Normalise(org)
			if err != nil || sp.Timezone != tc.want || sp.TimezoneExplicit != tc.wantExplicit {
				t.Fatalf("got %q (explicit %q), %v; want %q (explicit %q)", sp.Timezone, sp.TimezoneExplicit, err, tc.want, tc.wantExplicit)
			}
		})
	}
}

func TestCreateSupporter(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	t.Run("OK", func(t *testing.T) {
		in := queue.SupporterInput{FirstName: " Ada ", LastName: "Lovelace", Phone: "020 7946 0001",
			Email: "ada@example.org", Tags: []string{"donor", "Volunteer", "DONOR", " "}}
		sp, err := s.CreateSupporter(ctx, org.ID, g.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		want := queue.Supporter{ID: sp.ID, OrganisationID: org.ID, GroupID: g.ID, FirstName: "Ada", LastName: "Lovelace",
			Phone: queue.Phone{Raw: "020 7946 0001", E164: "+442079460001", Key: "+442079460001", Valid: true},
			Email: "ada@example.org", Tags: []string{"Volunteer", "donor"}, Timezone: "Europe/London",
			CreatedAt: sp.CreatedAt, UpdatedAt: sp.UpdatedAt}
		if !reflect.DeepEqual(sp, want) || !sp.CreatedAt.Equal(fixedStoreTime) || !sp.UpdatedAt.Equal(fixedStoreTime) {
			t.Fatalf("got %+v\nwant %+v", sp, want)
		}
		again, err := s.Supporter(ctx, org.ID, sp.ID)
		if err != nil || !reflect.DeepEqual(again, sp) {
			t.Fatalf("read back %+v, %v", again, err)
		}
	})
	t.Run("InvalidPhoneKeptAndFlagged", func(t *testing.T) {
		sp, err := s.CreateSupporter(ctx, org.ID, g.ID, queue.SupporterInput{Phone: "555-1234"})
		if err != nil || sp.Phone.Valid || sp.Phone.E164 != "" || sp.Phone.Key != "5551234" || sp.Timezone != org.Timezone {
			t.Fatalf("got %+v, %v", sp, err)
		}
	})
	bad := []struct {
		name, field string
		in          queue.SupporterInput
	}{
		{"ErrPhoneRequired", "phone", queue.SupporterInput{FirstName: "No"}},
		{"ErrPhoneNoDigits", "phone", queue.SupporterInput{Phone: "unknown"}},
		{"ErrFirstNameTooLong", "first_name", queue.SupporterInput{Phone: "+442079460002", FirstName: strings.Repeat("é", queue.MaxNameLen+1)}},
		{"ErrLastNameTooLong", "last_name", queue.SupporterInput{Phone: "+442079460002", LastName: strings.Repeat("x", queue.MaxNameLen+1)}},
		{"ErrEmail", "email", queue.SupporterInput{Phone: "+442079460002", Email: "not an email"}},
		{"ErrEmailWithName", "email", queue.SupporterInput{Phone: "+442079460002", Email: "Ada <ada@example.org>"}},
		{"ErrEmailTooLong", "email", queue.SupporterInput{Phone: "+442079460002", Email: strings.Repeat("a", 250) + "@example.org"}},
		{"ErrTooManyTags", "tags", queue.SupporterInput{Phone: "+442079460002", Tags: manyTags(queue.MaxTags + 1)}},
		{"ErrTagTooLong", "tags", queue.SupporterInput{Phone: "+442079460002", Tags: []string{strings.Repeat("t", queue.MaxTagLen+1)}}},
		{"ErrTimezone", "timezone", queue.SupporterInput{Phone: "+442079460002", Timezone: "Mars/Olympus"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateSupporter(ctx, org.ID, g.ID, tc.in)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want invalid %s", err, queue.ErrorField(err), tc.field)
			}
		})
	}
	t.Run("ErrDuplicatePhoneInGroup", func(t *testing.T) {
		mustSupporter(t, s, org.ID, g.ID, "+442079460003")
		// Written differently, the same number.
		_, err := s.CreateSupporter(ctx, org.ID, g.ID, queue.SupporterInput{Phone: "020 7946 0003"})
		if queue.ErrorCode(err) != queue.ECONFLICT || queue.ErrorField(err) != "phone" {
			t.Fatalf("got %v, want conflict on phone", err)
		}
	})
	t.Run("SamePhoneInAnotherGroup", func(t *testing.T) {
		other := mustGroup(t, s, org.ID, "South")
		mustSupporter(t, s, org.ID, g.ID, "+442079460004")
		mustSupporter(t, s, org.ID, other.ID, "+442079460004")
	})
	t.Run("ErrNoSuchGroup", func(t *testing.T) {
		_, err := s.CreateSupporter(ctx, org.ID, g.ID+1000, queue.SupporterInput{Phone: "+442079460005"})
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})
}

func manyTags(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%d", i)
	}
	return tags
}

func TestUpdateSupporter(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	sp, err := s.CreateSupporter(ctx, org.ID, g.ID, queue.SupporterInput{Phone: "+442079460000", Timezone: "Asia/Tokyo"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, err := s.UpdateSupporter(ctx, org.ID, sp.ID, queue.SupporterInput{FirstName: "Bo", Phone: "+61 2 9999 0000", Tags: []string{"x"}})
		if err != nil {
			t.Fatal(err)
		}
		// The explicit timezone was dropped: derived again from the new number.
		if got.FirstName != "Bo" || got.Phone.E164 != "+61299990000" || got.Timezone != "Australia/Sydney" ||
			got.TimezoneExplicit != "" || got.GroupID != g.ID || !reflect.DeepEqual(got.Tags, []string{"x"}) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := s.UpdateSupporter(ctx, org.ID, sp.ID, queue.SupporterInput{Phone: "+61299990000", Email: "@"})
		if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "email" {
			t.Fatalf("got %v, want invalid email", err)
		}
	})
	t.Run("ErrDuplicatePhone", func(t *testing.T) {
		mustSupporter(t, s, org.ID, g.ID, "+442079460009")
		_, err := s.UpdateSupporter(ctx, org.ID, sp.ID, queue.SupporterInput{Phone: "020 7946 0009"})
		if queue.ErrorCode(err) != queue.ECONFLICT || queue.ErrorField(err) != "phone" {
			t.Fatalf("got %v, want conflict on phone", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.UpdateSupporter(ctx, org.ID, sp.ID+1000, queue.SupporterInput{Phone: "+442079460010"})
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})
}

func TestDeleteSupporter(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	sp := mustSupporter(t, s, org.ID, g.ID, "+442079460000")
	l := mustList(t, s, org.ID, g.ID, "Everyone")
	if err := s.AddListMember(ctx, org.ID, l.ID, sp.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSupporter(ctx, org.ID, sp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Supporter(ctx, org.ID, sp.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("deleted supporter still found: %v", err)
	}
	if got := mustMemberIDs(t, s, org.ID, l.ID); len(got) != 0 {
		t.Fatalf("deleted supporter still on the list: %v", got)
	}
	if err := s.DeleteSupporter(ctx, org.ID, sp.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("second delete: %v, want not found", err)
	}
}

func TestSupportersByGroup(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	empty := mustGroup(t, s, org.ID, "Empty")
	var want []int64
	for i := range 5 {
		want = append(want, mustSupporter(t, s, org.ID, g.ID, fmt.Sprintf("+44207946000%d", i)).ID)
	}
	var got []int64
	for after := int64(0); ; {
		page, err := s.SupportersByGroup(ctx, org.ID, g.ID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, sp := range page {
			got = append(got, sp.ID)
		}
		after = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
	if page, err := s.SupportersByGroup(ctx, org.ID, empty.ID, 0, 10); err != nil || len(page) != 0 {
		t.Fatalf("empty group: %v, %v", page, err)
	}
	for _, limit := range []int{0, -1, queue.MaxSupportersPage + 1} {
		if _, err := s.SupportersByGroup(ctx, org.ID, g.ID, 0, limit); queue.ErrorField(err) != "limit" {
			t.Fatalf("limit %d: %v, want invalid limit", limit, err)
		}
	}
}

// TestSupporterIsolation: another organisation cannot see or touch a
// supporter, nor learn that it exists (R1.1).
func TestSupporterIsolation(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	a, b := mustOrganisation(t, s, "a"), mustOrganisation(t, s, "b")
	ga := mustGroup(t, s, a.ID, "North")
	mustGroup(t, s, b.ID, "North")
	sp := mustSupporter(t, s, a.ID, ga.ID, "+442079460000")
	tests := []struct {
		name string
		do   func() error
	}{
		{"Supporter", func() error { _, err := s.Supporter(ctx, b.ID, sp.ID); return err }},
		{"UpdateSupporter", func() error {
			_, err := s.UpdateSupporter(ctx, b.ID, sp.ID, queue.SupporterInput{FirstName: "Mallory", Phone: "+442079460001"})
			return err
		}},
		{"DeleteSupporter", func() error { return s.DeleteSupporter(ctx, b.ID, sp.ID) }},
		{"CreateSupporterInForeignGroup", func() error {
			_, err := s.CreateSupporter(ctx, b.ID, ga.ID, queue.SupporterInput{Phone: "+442079460002"})
			return err
		}},
		{"SupportersByGroup", func() error { _, err := s.SupportersByGroup(ctx, b.ID, ga.ID, 0, 10); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Fatalf("got %v, want not found", err)
			}
		})
	}
	after, err := s.Supporter(ctx, a.ID, sp.ID)
	if err != nil || !reflect.DeepEqual(after, sp) {
		t.Fatalf("supporter changed: %+v, %v", after, err)
	}
	if page, _ := s.SupportersByGroup(ctx, a.ID, ga.ID, 0, 10); len(page) != 1 {
		t.Fatalf("group of A has %d supporters, want 1", len(page))
	}
}
