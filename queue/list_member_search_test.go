package queue_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// memberNames is a page's members as "first last" in order.
func memberNames(page queue.ListMemberPage) string {
	var out string
	for _, m := range page.Members {
		out += m.FirstName + " " + m.LastName + ";"
	}
	return out
}

// R1.4, R3.5's search rules on a call list: by name or phone digits, in
// queue order, keyset-paged, other organisations' lists not found.
func TestSearchListMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 0)
	people := []queue.SupporterInput{
		{FirstName: "Ada", LastName: "Lovelace", Phone: "+447911123123"},
		{FirstName: "Alan", LastName: "Turing", Phone: "07911 123456"},
		{FirstName: "Grace", LastName: "Hopper", Phone: "+447911123789"},
		{FirstName: "Adam", LastName: "Smith_x", Phone: "+447911123111"},
	}
	for _, in := range people {
		sp, err := w.s.CreateSupporter(ctx, w.org.ID, w.group.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.AddListMember(ctx, w.org.ID, w.list.ID, sp.ID); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, search, want string
	}{
		{"All", "", "Ada Lovelace;Alan Turing;Grace Hopper;Adam Smith_x;"},
		{"ByName", "ada", "Ada Lovelace;Adam Smith_x;"},
		{"ByFullName", "grace hop", "Grace Hopper;"},
		{"ByPhoneE164", "+44 7911 123456", "Alan Turing;"},
		{"ByPhoneNational", "07911 123789", "Grace Hopper;"},
		{"ByDigits", "123 1", "Ada Lovelace;Adam Smith_x;"},
		{"WildcardIsLiteral", "h_x", "Adam Smith_x;"},
		{"PercentIsLiteral", "%", ""},
		{"Nobody", "Zed", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			page, err := w.s.SearchListMembers(ctx, w.org.ID, w.list.ID, queue.ListMemberQuery{Search: tc.search})
			if err != nil {
				t.Fatal(err)
			}
			if got := memberNames(page); got != tc.want || page.NextAfter != 0 {
				t.Fatalf("search %q = %q (next %d), want %q", tc.search, got, page.NextAfter, tc.want)
			}
		})
	}

	t.Run("Paged", func(t *testing.T) {
		t.Parallel()
		var got string
		q := queue.ListMemberQuery{Limit: 3}
		pages := 0
		for {
			page, err := w.s.SearchListMembers(ctx, w.org.ID, w.list.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			got += memberNames(page)
			if page.NextAfter == 0 {
				break
			}
			q.AfterPosition = page.NextAfter
		}
		if pages != 2 || got != cases[0].want {
			t.Fatalf("%d pages: %q", pages, got)
		}
	})

	errs := []struct {
		name  string
		q     queue.ListMemberQuery
		field string
	}{
		{"ErrLimit", queue.ListMemberQuery{Limit: queue.MaxSupportersPage + 1}, "limit"},
		{"ErrSearchTooLong", queue.ListMemberQuery{Search: fmt.Sprintf("%0201d", 0)}, "search"},
		{"ErrAfter", queue.ListMemberQuery{AfterPosition: -1}, "after"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := w.s.SearchListMembers(ctx, w.org.ID, w.list.ID, tc.q)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("err %v, want invalid %s", err, tc.field)
			}
		})
	}
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		t.Parallel()
		stranger := w.stranger(t)
		_, err := w.s.SearchListMembers(ctx, stranger.OrganisationID, w.list.ID, queue.ListMemberQuery{})
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("err %v, want not found", err)
		}
	})
}

func TestFindGroupSupporter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 0)
	south := mustGroup(t, w.s, w.org.ID, "South")
	ada, err := w.s.CreateSupporter(ctx, w.org.ID, w.group.ID, queue.SupporterInput{FirstName: "Ada", Phone: "+447911123123"})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := w.s.CreateSupporter(ctx, w.org.ID, south.ID, queue.SupporterInput{FirstName: "Bea", Phone: "+447911123999"})
	if err != nil {
		t.Fatal(err)
	}
	found := []struct{ name, ref string }{
		{"E164", "+447911123123"},
		{"National", "07911 123123"},
		{"HashID", fmt.Sprintf("#%d", ada.ID)},
		{"BareID", fmt.Sprint(ada.ID)},
	}
	for _, tc := range found {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp, err := w.s.FindGroupSupporter(ctx, w.org.ID, w.group.ID, tc.ref)
			if err != nil || sp.ID != ada.ID {
				t.Fatalf("find %q = %d, %v", tc.ref, sp.ID, err)
			}
		})
	}
	missing := []struct{ name, ref string }{
		{"ErrEmpty", "  "},
		{"ErrUnknownPhone", "+447911123555"},
		{"ErrOtherGroupPhone", "+447911123999"},
		{"ErrOtherGroupID", fmt.Sprintf("#%d", elsewhere.ID)},
		{"ErrWords", "Ada"},
	}
	for _, tc := range missing {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := w.s.FindGroupSupporter(ctx, w.org.ID, w.group.ID, tc.ref)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "supporter" {
				t.Fatalf("find %q: %v, want invalid supporter", tc.ref, err)
			}
		})
	}
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		t.Parallel()
		stranger := w.stranger(t)
		_, err := w.s.FindGroupSupporter(ctx, stranger.OrganisationID, w.group.ID, "+447911123123")
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("err %v, want not found", err)
		}
	})
}

// R1.2: who sees a group and who changes its lists.
func TestGroupAccess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 0)
	south := mustGroup(t, w.s, w.org.ID, "South")
	captain := userWithRole(t, w, "captain", w.group.ID, queue.RoleCaptain)
	vice := userWithRole(t, w, "vice", w.group.ID, queue.RoleViceCaptain)
	member := userWithRole(t, w, "member", w.group.ID, queue.RoleMember)
	stranger := w.stranger(t)
	cases := []struct {
		name         string
		actor        queue.User
		groups       string
		view, manage string // error codes of ListFor and ListToManage on w.list
	}{
		{"Admin", w.leader, "North;South;", "", ""},
		{"Captain", captain, "North;", "", ""},
		{"ViceCaptain", vice, "North;", "", ""},
		{"Member", member, "North;", "", queue.EFORBIDDEN},
		{"OtherOrganisation", stranger, "", queue.ENOTFOUND, queue.ENOTFOUND},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			groups, err := w.s.VisibleGroups(ctx, tc.actor)
			if err != nil {
				t.Fatal(err)
			}
			var names string
			for _, g := range groups {
				names += g.Name + ";"
			}
			if names != tc.groups {
				t.Fatalf("groups %q, want %q", names, tc.groups)
			}
			if _, err := w.s.ListFor(ctx, tc.actor, w.list.ID); queue.ErrorCode(err) != tc.view {
				t.Fatalf("ListFor: %v, want %q", err, tc.view)
			}
			if _, err := w.s.ListToManage(ctx, tc.actor, w.list.ID); queue.ErrorCode(err) != tc.manage {
				t.Fatalf("ListToManage: %v, want %q", err, tc.manage)
			}
		})
	}
	t.Run("ErrNoRoleInGroup", func(t *testing.T) {
		t.Parallel()
		if _, err := w.s.GroupFor(ctx, captain, south.ID); queue.ErrorCode(err) != queue.EFORBIDDEN {
			t.Fatalf("GroupFor another group: %v", err)
		}
		if _, err := w.s.GroupFor(ctx, stranger, south.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("GroupFor another organisation's: %v", err)
		}
	})
}

// A list's Calling Sessions tab: SessionFilter.ListID keeps that list's
// sessions, every leader's.
func TestSessionsOfList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	other := listOf(t, w, w.group.ID, "Other", 1)
	captain := userWithRole(t, w, "captain", w.group.ID, queue.RoleCaptain)
	startOn(t, w, w.leader, w.list.ID)
	startOn(t, w, captain, w.list.ID)
	startOn(t, w, w.leader, other.ID)
	got, err := w.s.Sessions(ctx, captain, queue.SessionFilter{ListID: w.list.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("sessions of the list:\n%s", summaryRows(got))
	}
	for _, ss := range got {
		if ss.ListID != w.list.ID || ss.Total != 2 {
			t.Fatalf("sessions of the list:\n%s", summaryRows(got))
		}
	}
}
