package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
)

type apiListsBody struct {
	Lists []struct {
		ID              int64  `json:"id"`
		Name            string `json:"name"`
		EventName       string `json:"event_name"`
		MemberCount     int    `json:"member_count"`
		CanManage       bool   `json:"can_manage"`
		CanStartSession bool   `json:"can_start_session"`
	} `json:"lists"`
}

type apiMembersBody struct {
	Members []struct {
		ID        int64  `json:"id"`
		FirstName string `json:"first_name"`
		Phone     string `json:"phone"`
	} `json:"members"`
	NextAfter int64 `json:"next_after"`
}

type apiSessionsBody struct {
	Sessions []struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		Status      string `json:"status"`
		StatusLabel string `json:"status_label"`
		Total       int    `json:"total"`
		URL         string `json:"url"`
	} `json:"sessions"`
	NextAfter string `json:"next_after"`
}

type apiStartBody struct {
	Created bool `json:"created"`
	Session struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"session"`
}

// The API of groups, lists, members, import and sessions: the pages'
// rules, as JSON (R1.1, R1.2, R2, R12).
func TestListsAPI(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	north := p.mustListWorld(t, "North", 3)
	south := p.mustListWorld(t, "South", 1)
	captain := p.mustPerson(t, "Cleo", "cleo@example.org", false, "+447911123456", north.group.ID, queue.RoleCaptain)
	member := p.mustPerson(t, "Mo", "mo@example.org", false, "+447911123457", north.group.ID, queue.RoleMember)
	b := p.as(t, captain)
	csrf := decode[apiMe](t, b.api(http.MethodGet, "/api/v1/me", "", "")).CSRFToken
	lists := fmt.Sprintf("/api/v1/lists/%d", north.list.ID)

	t.Run("ErrNotLoggedIn", func(t *testing.T) {
		visitor := p.browser(t)
		for _, path := range []string{"/api/v1/groups", lists, lists + "/members", "/api/v1/sessions"} {
			pg := visitor.api(http.MethodGet, path, "", "")
			wantStatus(t, path, pg, http.StatusUnauthorized)
			if e := decode[apiErr](t, pg); e.Error.Code != "unauthorized" {
				t.Fatalf("%s: %+v", path, e)
			}
		}
	})

	t.Run("Groups", func(t *testing.T) {
		pg := b.api(http.MethodGet, "/api/v1/groups", "", "")
		wantStatus(t, "groups", pg, http.StatusOK)
		body := decode[struct {
			Groups []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
				Role string `json:"role"`
			} `json:"groups"`
		}](t, pg)
		if len(body.Groups) != 1 || body.Groups[0].ID != north.group.ID || body.Groups[0].Role != "captain" {
			t.Fatalf("groups %+v", body)
		}
		pg = b.api(http.MethodGet, fmt.Sprintf("/api/v1/groups/%d/lists", north.group.ID), "", "")
		wantStatus(t, "lists", pg, http.StatusOK)
		ls := decode[apiListsBody](t, pg)
		if len(ls.Lists) != 1 || ls.Lists[0].MemberCount != 3 || !ls.Lists[0].CanManage || !ls.Lists[0].CanStartSession {
			t.Fatalf("lists %+v", ls)
		}
		wantStatus(t, "another group's lists", b.api(http.MethodGet, fmt.Sprintf("/api/v1/groups/%d/lists", south.group.ID), "", ""), http.StatusForbidden)
		wantStatus(t, "no such group", b.api(http.MethodGet, fmt.Sprintf("/api/v1/groups/%d/lists", south.group.ID+100), "", ""), http.StatusNotFound)
		wantStatus(t, "list", b.api(http.MethodGet, lists, "", ""), http.StatusOK)
	})

	t.Run("Members", func(t *testing.T) {
		pg := b.api(http.MethodGet, lists+"/members?limit=2", "", "")
		wantStatus(t, "members", pg, http.StatusOK)
		page := decode[apiMembersBody](t, pg)
		if len(page.Members) != 2 || page.NextAfter == 0 {
			t.Fatalf("first page %+v", page)
		}
		page = decode[apiMembersBody](t, b.api(http.MethodGet, fmt.Sprintf("%s/members?limit=2&after=%d", lists, page.NextAfter), "", ""))
		if len(page.Members) != 1 || page.NextAfter != 0 || page.Members[0].FirstName != "Member3" {
			t.Fatalf("second page %+v", page)
		}
		page = decode[apiMembersBody](t, b.api(http.MethodGet, lists+"/members?search=0791112"+"0002", "", ""))
		if len(page.Members) != 1 || page.Members[0].FirstName != "Member2" || page.Members[0].Phone != "+447911120002" {
			t.Fatalf("search by phone %+v", page)
		}
		for _, q := range []string{"limit=0x", "after=x", "limit=5000", "search=" + strings.Repeat("y", 201)} {
			pg := b.api(http.MethodGet, lists+"/members?"+q, "", "")
			wantStatus(t, q, pg, http.StatusUnprocessableEntity)
			if e := decode[apiErr](t, pg); e.Error.Field == "" {
				t.Fatalf("%s: no field in %+v", q, e)
			}
		}
		// A member (the role) sees the numbers masked.
		mb := p.as(t, member)
		page = decode[apiMembersBody](t, mb.api(http.MethodGet, lists+"/members", "", ""))
		if len(page.Members) != 3 || !strings.HasPrefix(page.Members[0].Phone, "•••") {
			t.Fatalf("member's view %+v", page)
		}
		mcsrf := decode[apiMe](t, mb.api(http.MethodGet, "/api/v1/me", "", "")).CSRFToken
		wantStatus(t, "member adds", mb.api(http.MethodPost, lists+"/members", `{"supporter":"07911120001"}`, mcsrf), http.StatusForbidden)
		wantStatus(t, "member removes", mb.api(http.MethodDelete, fmt.Sprintf("%s/members/%d", lists, north.members[0].ID), "", mcsrf), http.StatusForbidden)
	})

	t.Run("AddRemove", func(t *testing.T) {
		pg := b.api(http.MethodPost, lists+"/members", `{"new_supporter":{"first_name":"Grace","last_name":"Hopper","phone":"07911 126001"}}`, csrf)
		wantStatus(t, "add new", pg, http.StatusCreated)
		added := decode[struct {
			Member struct {
				ID int64 `json:"id"`
			} `json:"member"`
			Joined bool `json:"joined"`
		}](t, pg)
		if !added.Joined || added.Member.ID == 0 {
			t.Fatalf("added %+v", added)
		}
		wantStatus(t, "add again by id", b.api(http.MethodPost, lists+"/members", fmt.Sprintf(`{"supporter_id":%d}`, added.Member.ID), csrf), http.StatusOK)
		wantStatus(t, "remove", b.api(http.MethodDelete, fmt.Sprintf("%s/members/%d", lists, added.Member.ID), "", csrf), http.StatusNoContent)
		wantStatus(t, "add back by phone", b.api(http.MethodPost, lists+"/members", `{"supporter":"+447911126001"}`, csrf), http.StatusCreated)
		bad := []struct {
			name, body, field string
			status            int
		}{
			{"ErrNothing", `{}`, "", 422},
			{"ErrTwo", `{"supporter":"07911126001","supporter_id":1}`, "", 422},
			{"ErrUnknown", `{"supporter":"07911126999"}`, "supporter", 422},
			{"ErrNoFirstName", `{"new_supporter":{"phone":"07911126002"}}`, "first_name", 422},
			{"ErrPhoneTaken", `{"new_supporter":{"first_name":"G","phone":"07911126001"}}`, "phone", 409},
			{"ErrOtherGroupID", fmt.Sprintf(`{"supporter_id":%d}`, south.members[0].ID), "supporter", 422},
		}
		for _, tc := range bad {
			pg := b.api(http.MethodPost, lists+"/members", tc.body, csrf)
			wantStatus(t, tc.name, pg, tc.status)
			if e := decode[apiErr](t, pg); e.Error.Field != tc.field {
				t.Fatalf("%s: %+v, want field %q", tc.name, e, tc.field)
			}
		}
		wantStatus(t, "remove another group's supporter", b.api(http.MethodDelete, fmt.Sprintf("%s/members/%d", lists, south.members[0].ID), "", csrf), http.StatusNotFound)
		wantStatus(t, "without the CSRF header", b.api(http.MethodPost, lists+"/members", `{"supporter":"07911120001"}`, ""), http.StatusForbidden)
	})

	t.Run("Import", func(t *testing.T) {
		pg := b.upload(lists+"/import", "phone,first_name\n07911126101,Kay\nnot a phone,Lou\n", csrf)
		wantStatus(t, "import", pg, http.StatusOK)
		report := decode[struct {
			Inserted     int `json:"inserted"`
			MembersAdded int `json:"members_added"`
			Rejected     []struct {
				Line  int    `json:"line"`
				Field string `json:"field"`
			} `json:"rejected"`
		}](t, pg)
		if report.Inserted != 1 || report.MembersAdded != 1 || len(report.Rejected) != 1 || report.Rejected[0].Line != 3 {
			t.Fatalf("report %+v", report)
		}
		pg = b.upload(lists+"/import", "colour\nred\n", csrf)
		wantStatus(t, "bad header", pg, http.StatusUnprocessableEntity)
		if e := decode[apiErr](t, pg); e.Error.Field != "file" {
			t.Fatalf("bad header: %+v", e)
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		pg := b.api(http.MethodPost, lists+"/sessions", `{}`, csrf)
		wantStatus(t, "start", pg, http.StatusCreated)
		started := decode[apiStartBody](t, pg)
		if !started.Created || started.Session.Name != "Cleo - Everyone" || started.Session.URL != fmt.Sprintf("/sessions/%d", started.Session.ID) {
			t.Fatalf("started %+v", started)
		}
		pg = b.api(http.MethodPost, lists+"/sessions", `{"name":"Other"}`, csrf)
		wantStatus(t, "start again", pg, http.StatusOK)
		if again := decode[apiStartBody](t, pg); again.Created || again.Session.ID != started.Session.ID {
			t.Fatalf("again %+v", again)
		}
		for _, body := range []string{`{"name":""}`, `{"name":"` + strings.Repeat("x", 201) + `"}`, `{"name":7}`} {
			pg := b.api(http.MethodPost, fmt.Sprintf("/api/v1/lists/%d/sessions", north.list.ID), body, csrf)
			wantStatus(t, body, pg, http.StatusUnprocessableEntity)
			if e := decode[apiErr](t, pg); e.Error.Field != "name" {
				t.Fatalf("%s: %+v", body, e)
			}
		}
		wantStatus(t, "start on another group's list", b.api(http.MethodPost, fmt.Sprintf("/api/v1/lists/%d/sessions", south.list.ID), `{}`, csrf), http.StatusForbidden)
		wantStatus(t, "start on no list", b.api(http.MethodPost, "/api/v1/lists/999999/sessions", `{}`, csrf), http.StatusNotFound)

		ss := decode[apiSessionsBody](t, b.api(http.MethodGet, lists+"/sessions", "", ""))
		if len(ss.Sessions) != 1 || ss.Sessions[0].ID != started.Session.ID || ss.Sessions[0].StatusLabel != "Not started" {
			t.Fatalf("list's sessions %+v", ss)
		}
		ss = decode[apiSessionsBody](t, b.api(http.MethodGet, "/api/v1/sessions?view=paused&limit=1", "", ""))
		if len(ss.Sessions) != 1 || ss.NextAfter == "" {
			t.Fatalf("index %+v", ss)
		}
		ss = decode[apiSessionsBody](t, b.api(http.MethodGet, "/api/v1/sessions?view=paused&limit=1&after="+ss.NextAfter, "", ""))
		if len(ss.Sessions) != 0 {
			t.Fatalf("second page %+v", ss)
		}
		if ss := decode[apiSessionsBody](t, b.api(http.MethodGet, "/api/v1/sessions?view=completed", "", "")); len(ss.Sessions) != 0 {
			t.Fatalf("completed %+v", ss)
		}
		for _, q := range []string{"view=bogus", "limit=501", "after=not-a-cursor!", "limit=x"} {
			wantStatus(t, q, b.api(http.MethodGet, "/api/v1/sessions?"+q, "", ""), http.StatusUnprocessableEntity)
		}
	})

	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		sb := p.as(t, otherOrgUser(t, p))
		scsrf := decode[apiMe](t, sb.api(http.MethodGet, "/api/v1/me", "", "")).CSRFToken
		for _, tc := range []struct{ method, path, body string }{
			{http.MethodGet, fmt.Sprintf("/api/v1/groups/%d/lists", north.group.ID), ""},
			{http.MethodGet, lists, ""},
			{http.MethodGet, lists + "/members", ""},
			{http.MethodGet, lists + "/sessions", ""},
			{http.MethodPost, lists + "/sessions", `{}`},
			{http.MethodPost, lists + "/members", `{"supporter":"07911120001"}`},
			{http.MethodDelete, fmt.Sprintf("%s/members/%d", lists, north.members[0].ID), ""},
		} {
			pg := sb.api(tc.method, tc.path, tc.body, scsrf)
			wantStatus(t, tc.method+" "+tc.path, pg, http.StatusNotFound)
			if strings.Contains(pg.body, "Member1") || strings.Contains(pg.body, "Everyone") {
				t.Fatalf("%s leaks: %s", tc.path, pg.body)
			}
		}
		if gs := sb.api(http.MethodGet, "/api/v1/groups", "", ""); strings.Contains(gs.body, "North") {
			t.Fatalf("groups leak: %s", gs.body)
		}
	})
}
