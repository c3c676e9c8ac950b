package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func mustEvent(tb testing.TB, s *queue.Store, orgID, groupID int64, name string) queue.Event {
	tb.Helper()
	e, err := s.CreateEvent(context.Background(), orgID, groupID, name, nil)
	if err != nil {
		tb.Fatalf("create event: %v", err)
	}
	return e
}

func TestCreateEvent(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	t.Run("OK", func(t *testing.T) {
		starts := time.Date(2026, 4, 1, 18, 30, 0, 0, time.UTC)
		e, err := s.CreateEvent(ctx, org.ID, g.ID, " Rally ", &starts)
		if err != nil {
			t.Fatal(err)
		}
		if e.Name != "Rally" || e.GroupID != g.ID || e.OrganisationID != org.ID || e.StartsAt == nil ||
			!e.StartsAt.Equal(starts) || !e.CreatedAt.Equal(fixedStoreTime) {
			t.Fatalf("got %+v", e)
		}
		got, err := s.Event(ctx, org.ID, e.ID)
		if err != nil || got.ID != e.ID || !got.StartsAt.Equal(starts) {
			t.Fatalf("read back %+v, %v", got, err)
		}
	})
	t.Run("Unscheduled", func(t *testing.T) {
		if e := mustEvent(t, s, org.ID, g.ID, "Someday"); e.StartsAt != nil {
			t.Fatalf("starts at %v, want nil", e.StartsAt)
		}
		es, err := s.Events(ctx, org.ID, g.ID)
		if err != nil || len(es) != 2 || es[0].Name != "Rally" || es[1].Name != "Someday" {
			t.Fatalf("events %+v, %v; want the scheduled one first", es, err)
		}
	})
	bad := []struct {
		name, eventName, field, code string
		groupID                      int64
	}{
		{"ErrNameEmpty", " ", "name", queue.EINVALID, g.ID},
		{"ErrNameTooLong", strings.Repeat("x", queue.MaxEventNameLen+1), "name", queue.EINVALID, g.ID},
		{"ErrNoSuchGroup", "Rally", "group_id", queue.ENOTFOUND, g.ID + 1000},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateEvent(ctx, org.ID, tc.groupID, tc.eventName, nil)
			if queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %s %s", err, queue.ErrorField(err), tc.code, tc.field)
			}
		})
	}
}

func TestEventIsolation(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	a, b := mustOrganisation(t, s, "a"), mustOrganisation(t, s, "b")
	ga := mustGroup(t, s, a.ID, "North")
	e := mustEvent(t, s, a.ID, ga.ID, "Rally")
	tests := []struct {
		name string
		do   func() error
	}{
		{"Event", func() error { _, err := s.Event(ctx, b.ID, e.ID); return err }},
		{"Events", func() error { _, err := s.Events(ctx, b.ID, ga.ID); return err }},
		{"CreateEventInForeignGroup", func() error { _, err := s.CreateEvent(ctx, b.ID, ga.ID, "Mine", nil); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Fatalf("got %v, want not found", err)
			}
		})
	}
	if es, err := s.Events(ctx, a.ID, ga.ID); err != nil || len(es) != 1 {
		t.Fatalf("A's events: %+v, %v", es, err)
	}
}

// TestListEvent: a list may be tied to an event of its own group only (R1.4).
func TestListEvent(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	a, b := mustOrganisation(t, s, "a"), mustOrganisation(t, s, "b")
	g, other := mustGroup(t, s, a.ID, "North"), mustGroup(t, s, a.ID, "South")
	own := mustEvent(t, s, a.ID, g.ID, "Rally")
	otherGroups := mustEvent(t, s, a.ID, other.ID, "Picnic")
	otherOrgs := mustEvent(t, s, b.ID, mustGroup(t, s, b.ID, "North").ID, "Gala")
	t.Run("OwnGroupsEvent", func(t *testing.T) {
		l, err := s.CreateList(ctx, a.ID, g.ID, "RSVP", own.ID)
		if err != nil || l.EventID != own.ID {
			t.Fatalf("got %+v, %v", l, err)
		}
		if l, err = s.UpdateList(ctx, a.ID, l.ID, "RSVP", 0); err != nil || l.EventID != 0 {
			t.Fatalf("untie: %+v, %v", l, err)
		}
		if l, err = s.UpdateList(ctx, a.ID, l.ID, "RSVP", own.ID); err != nil || l.EventID != own.ID {
			t.Fatalf("tie again: %+v, %v", l, err)
		}
	})
	refused := []struct {
		name    string
		eventID int64
	}{
		{"OtherGroupsEvent", otherGroups.ID},
		{"OtherOrganisationsEvent", otherOrgs.ID},
		{"NoSuchEvent", otherOrgs.ID + 1000},
	}
	plain := mustList(t, s, a.ID, g.ID, "Plain")
	for _, tc := range refused {
		t.Run("Err"+tc.name, func(t *testing.T) {
			_, err := s.CreateList(ctx, a.ID, g.ID, tc.name, tc.eventID)
			if queue.ErrorCode(err) != queue.ENOTFOUND || queue.ErrorField(err) != "event_id" {
				t.Fatalf("create: got %v, want not found event_id", err)
			}
			_, err = s.UpdateList(ctx, a.ID, plain.ID, "Plain", tc.eventID)
			if queue.ErrorCode(err) != queue.ENOTFOUND || queue.ErrorField(err) != "event_id" {
				t.Fatalf("update: got %v, want not found event_id", err)
			}
			if _, err := s.ListByName(ctx, a.ID, g.ID, tc.name); queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Fatalf("refused list was created: %v", err)
			}
		})
	}
	if l, err := s.List(ctx, a.ID, plain.ID); err != nil || l.EventID != 0 {
		t.Fatalf("refused update changed the list: %+v, %v", l, err)
	}
	t.Run("DeletingTheEventUntiesTheList", func(t *testing.T) {
		l, err := s.CreateList(ctx, a.ID, g.ID, "Tied", own.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool().Exec(ctx, `DELETE FROM events WHERE id = $1`, own.ID); err != nil {
			t.Fatal(err)
		}
		if l, err = s.List(ctx, a.ID, l.ID); err != nil || l.EventID != 0 {
			t.Fatalf("got %+v, %v; want the list kept, untied", l, err)
		}
	})
}
