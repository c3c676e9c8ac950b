package queue_test

import (
	"context"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// The card's row is the sheet's row: same status, skip, next and
// prioritise, and a 404 for anything the session does not have.
func TestSessionSupporter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 4)
	sess := w.mustSession(t, w.leader)
	mustSkip(t, w, w.leader, sess.ID, w.supporters[2], queue.SkipInput{Type: queue.Skip15Minutes, Reason: "driving"})
	page, err := w.s.SessionSupporters(ctx, w.org.ID, sess.ID, queue.SupporterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range page.Supporters {
		got, err := w.s.SessionSupporter(ctx, w.org.ID, sess.ID, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.Status != want.Status || got.Next != want.Next ||
			got.CanPrioritise != want.CanPrioritise || (got.Skip == nil) != (want.Skip == nil) {
			t.Fatalf("card %+v, sheet %+v", got, want)
		}
	}
	first, _ := w.s.SessionSupporter(ctx, w.org.ID, sess.ID, w.supporters[0])
	skipped, _ := w.s.SessionSupporter(ctx, w.org.ID, sess.ID, w.supporters[2])
	if !first.Next || first.CanPrioritise || skipped.Status != queue.SupporterSkipped ||
		skipped.Skip.Kind != queue.SkipKindLeader || skipped.Skip.Reason != "driving" || !skipped.CanPrioritise {
		t.Fatalf("first %+v, skipped %+v", first, skipped)
	}

	other := w.stranger(t)
	cases := []struct {
		name               string
		org, session, supp int64
		field              string
	}{
		{"ErrOtherOrganisation", other.OrganisationID, sess.ID, w.supporters[0], ""},
		{"ErrNoSession", w.org.ID, sess.ID + 1000, w.supporters[0], ""},
		{"ErrNotOnList", w.org.ID, sess.ID, w.outsider(t), "supporter_id"},
		{"ErrNoSupporter", w.org.ID, sess.ID, 0, "supporter_id"},
	}
	for _, tc := range cases {
		_, err := w.s.SessionSupporter(ctx, tc.org, tc.session, tc.supp)
		if queue.ErrorCode(err) != queue.ENOTFOUND || queue.ErrorField(err) != tc.field {
			t.Errorf("%s: %v, want not found on %q", tc.name, err, tc.field)
		}
	}
}

func TestUserCanSeeAndRun(t *testing.T) {
	t.Parallel()
	sess := queue.Session{ID: 1, OrganisationID: 7, GroupID: 3, LeaderID: 10}
	cases := []struct {
		name     string
		u        queue.User
		see, run bool
	}{
		{"Leader", queue.User{ID: 10, OrganisationID: 7}, true, true},
		{"Admin", queue.User{ID: 11, OrganisationID: 7, Admin: true}, true, true},
		{"Captain", queue.User{ID: 12, OrganisationID: 7, Roles: map[int64]queue.Role{3: queue.RoleCaptain}}, true, true},
		{"ViceCaptain", queue.User{ID: 13, OrganisationID: 7, Roles: map[int64]queue.Role{3: queue.RoleViceCaptain}}, true, true},
		{"Member", queue.User{ID: 14, OrganisationID: 7, Roles: map[int64]queue.Role{3: queue.RoleMember}}, true, false},
		{"CaptainElsewhere", queue.User{ID: 15, OrganisationID: 7, Roles: map[int64]queue.Role{4: queue.RoleCaptain}}, false, false},
		{"OtherOrganisationAdmin", queue.User{ID: 10, OrganisationID: 8, Admin: true}, false, false},
	}
	for _, tc := range cases {
		if see, run := tc.u.CanSee(sess), tc.u.CanRun(sess); see != tc.see || run != tc.run {
			t.Errorf("%s: see %v run %v, want %v %v", tc.name, see, run, tc.see, tc.run)
		}
	}
}

func TestPhoneMasked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		phone queue.Phone
		want  string
	}{
		{queue.Phone{Raw: "07700 900123", E164: "+447700900123", Valid: true}, "••• 123"},
		{queue.Phone{Raw: "020 7946 0999 ext"}, "••• 999"},
		{queue.Phone{Raw: "+12"}, "•••"},
		{queue.Phone{}, "•••"},
	}
	for _, tc := range cases {
		if got := tc.phone.Masked(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.phone, got, tc.want)
		}
	}
}
