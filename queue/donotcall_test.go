package queue_test

import (
	"context"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

func TestDoNotCall(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	a, b := mustOrganisation(t, s, "a"), mustOrganisation(t, s, "b")
	isListed := func(t *testing.T, orgID int64, e164 string, want bool) {
		t.Helper()
		if got, err := s.IsDoNotCall(ctx, orgID, e164); err != nil || got != want {
			t.Fatalf("IsDoNotCall(%d, %s) = %v, %v; want %v", orgID, e164, got, err, want)
		}
	}
	t.Run("Add", func(t *testing.T) {
		d, err := s.AddDoNotCall(ctx, a.ID, "020 7946 0000", " asked not to be called ")
		if err != nil || d.Phone != "+442079460000" || d.Reason != "asked not to be called" || !d.AddedAt.Equal(fixedStoreTime) {
			t.Fatalf("got %+v, %v", d, err)
		}
		isListed(t, a.ID, "+442079460000", true)
		isListed(t, b.ID, "+442079460000", false) // another organisation's list
	})
	t.Run("AddAgainKeepsTheFirstReason", func(t *testing.T) {
		d, err := s.AddDoNotCall(ctx, a.ID, "+44 20 7946 0000", "second reason")
		if err != nil || d.Reason != "asked not to be called" {
			t.Fatalf("got %+v, %v", d, err)
		}
	})
	bad := []struct{ name, phone, reason, field string }{
		{"ErrPhoneEmpty", "", "rude", "phone"},
		{"ErrPhoneInvalid", "12345", "rude", "phone"},
		{"ErrReasonEmpty", "+442079460001", "  ", "reason"},
		{"ErrReasonTooLong", "+442079460001", strings.Repeat("r", queue.MaxDoNotCallReasonLen+1), "reason"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AddDoNotCall(ctx, a.ID, tc.phone, tc.reason)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want invalid %s", err, queue.ErrorField(err), tc.field)
			}
		})
	}
	isListed(t, a.ID, "+442079460001", false)
	t.Run("ErrRemoveByAnotherOrganisation", func(t *testing.T) {
		err := s.RemoveDoNotCall(ctx, b.ID, "+442079460000")
		if queue.ErrorCode(err) != queue.ENOTFOUND || queue.ErrorField(err) != "phone" {
			t.Fatalf("got %v, want not found phone", err)
		}
		isListed(t, a.ID, "+442079460000", true)
	})
	t.Run("Remove", func(t *testing.T) {
		if err := s.RemoveDoNotCall(ctx, a.ID, "02079460000"); err != nil {
			t.Fatal(err)
		}
		isListed(t, a.ID, "+442079460000", false)
		if err := s.RemoveDoNotCall(ctx, a.ID, "02079460000"); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("second remove: %v, want not found", err)
		}
	})
	t.Run("ErrNoSuchOrganisation", func(t *testing.T) {
		if _, err := s.AddDoNotCall(ctx, b.ID+1000, "+442079460000", "x"); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})
}
