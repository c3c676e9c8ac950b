package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
	"github.com/supporterbase/callingsessions/web/live"
)

// listWorld is a supporter group with one call list of members, for the
// pages of groups, lists and sessions.
type listWorld struct {
	group   queue.Group
	list    queue.List
	members []queue.Supporter
}

// mustListWorld adds group name with a list "Everyone" of n supporters
// (Member1 Surname, +447911123001 …).
func (p *panel) mustListWorld(t *testing.T, name string, n int) listWorld {
	t.Helper()
	ctx := context.Background()
	var lw listWorld
	var err error
	if lw.group, err = p.store.CreateGroup(ctx, p.org.ID, name); err != nil {
		t.Fatal(err)
	}
	if lw.list, err = p.store.CreateList(ctx, p.org.ID, lw.group.ID, "Everyone", 0); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		sp, err := p.store.CreateSupporter(ctx, p.org.ID, lw.group.ID, queue.SupporterInput{
			FirstName: fmt.Sprintf("Member%d", i), LastName: "Surname", Phone: fmt.Sprintf("+44791112%04d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.store.AddListMember(ctx, p.org.ID, lw.list.ID, sp.ID); err != nil {
			t.Fatal(err)
		}
		lw.members = append(lw.members, sp)
	}
	return lw
}

// mustPerson adds a user of the panel's organisation (password
// leaderPassword), an admin or with role in group, with mobile if not "".
func (p *panel) mustPerson(t *testing.T, first, email string, admin bool, mobile string, group int64, role queue.Role) queue.User {
	t.Helper()
	ctx := context.Background()
	u, err := p.store.CreateUser(ctx, p.org.ID, queue.UserInput{FirstName: first, LastName: "Tester", Email: email,
		Password: leaderPassword, Mobile: mobile, Admin: admin})
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		if err := p.store.SetGroupRole(ctx, p.org.ID, u.ID, group, role); err != nil {
			t.Fatal(err)
		}
	}
	if u, err = p.store.User(ctx, p.org.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	return u
}

// as returns a browser logged in as u.
func (p *panel) as(t *testing.T, u queue.User) *browser {
	t.Helper()
	b := p.browser(t)
	b.logIn(u.Email, leaderPassword)
	b.get("/groups") // a page, for its CSRF token
	return b
}

// upload posts a multipart form with a CSV file as "file"; with the page's
// token in the "csrf" field, or with csrf in X-Csrf-Token (the API) when
// csrf is not "".
func (b *browser) upload(path, content, csrf string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf == "" {
		_ = mw.WriteField("csrf", b.csrf)
	}
	fw, err := mw.CreateFormFile("file", "supporters.csv")
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if csrf != "" {
		req.Header.Set("X-Csrf-Token", csrf)
	}
	return b.do(req)
}

// sessionsOf counts the sessions on a list, whoever leads them.
func (p *panel) sessionsOf(t *testing.T, listID int64) []int64 {
	t.Helper()
	rows, err := p.store.Pool().Query(context.Background(), `SELECT id FROM calling_sessions WHERE list_id = $1`, listID)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// onList reports whether sp is a current member of the list.
func (p *panel) onList(t *testing.T, listID int64, sp queue.Supporter) bool {
	t.Helper()
	page, err := p.store.SearchListMembers(context.Background(), p.org.ID, listID, queue.ListMemberQuery{Search: sp.Phone.E164})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Members) == 1
}

func wantNoBody(t *testing.T, what string, pg page, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if strings.Contains(pg.body, part) {
			t.Fatalf("%s: the page shows %q\n%s", what, part, pg.body)
		}
	}
}

// R1.2, R1.1: who sees which groups and lists, and what they may do there.
func TestGroupAndListPages(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	north := p.mustListWorld(t, "North", 3)
	south := p.mustListWorld(t, "South", 1)
	ev, err := p.store.CreateEvent(t.Context(), p.org.ID, north.group.ID, "Spring rally", nil)
	if err != nil {
		t.Fatal(err)
	}
	rally, err := p.store.CreateList(t.Context(), p.org.ID, north.group.ID, "Rally RSVPs", ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	const mobile = "+447911123456"
	admin := p.mustPerson(t, "Ada", "admin@example.org", true, mobile, 0, "")
	captain := p.mustPerson(t, "Cleo", "captain@example.org", false, mobile, north.group.ID, queue.RoleCaptain)
	vice := p.mustPerson(t, "Vic", "vice@example.org", false, mobile, north.group.ID, queue.RoleViceCaptain)
	member := p.mustPerson(t, "Mo", "member@example.org", false, mobile, north.group.ID, queue.RoleMember)

	// Ids nobody has answer as another organisation's do (404); see
	// OtherOrganisation below for those of a real one.
	missingList, missingGroup := rally.ID+1000, south.group.ID+1000

	cases := []struct {
		name                string
		u                   queue.User
		groups              []string // group names the index shows
		northStatus         int
		southStatus         int
		start, manage, mask bool // on North's list page
	}{
		{"Admin", admin, []string{"North", "South"}, 200, 200, true, true, false},
		{"Captain", captain, []string{"North"}, 200, 403, true, true, false},
		{"ViceCaptain", vice, []string{"North"}, 200, 403, true, true, false},
		{"Member", member, []string{"North"}, 200, 403, false, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := p.as(t, tc.u)
			pg := b.get("/groups")
			wantStatus(t, "groups", pg, http.StatusOK)
			for _, g := range []listWorld{north, south} {
				shown := strings.Contains(pg.body, fmt.Sprintf(`href="/groups/%d"`, g.group.ID))
				if shown != strings.Contains(strings.Join(tc.groups, ","), g.group.Name) {
					t.Fatalf("groups index shows %s: %v\n%s", g.group.Name, shown, pg.body)
				}
			}
			pg = b.get(fmt.Sprintf("/groups/%d", north.group.ID))
			wantStatus(t, "group page", pg, tc.northStatus)
			wantBody(t, "group page", pg, `id="call-lists"`, fmt.Sprintf(`href="/lists/%d"`, north.list.ID),
				"Rally RSVPs", "Spring rally", `<td class="num">3</td>`)
			wantStatus(t, "other group's page", b.get(fmt.Sprintf("/groups/%d", south.group.ID)), tc.southStatus)
			wantStatus(t, "other group's list", b.get(fmt.Sprintf("/lists/%d", south.list.ID)), tc.southStatus)

			pg = b.get(fmt.Sprintf("/lists/%d", north.list.ID))
			wantStatus(t, "list page", pg, http.StatusOK)
			wantBody(t, "list page", pg, `id="members"`, "Member1 Surname", `id="tab-sessions"`, "3 members")
			if got := strings.Contains(pg.body, `id="start-session"`); got != tc.start {
				t.Fatalf("start form shown: %v, want %v", got, tc.start)
			}
			if got := strings.Contains(pg.body, `id="add-member"`); got != tc.manage {
				t.Fatalf("add member shown: %v, want %v", got, tc.manage)
			}
			if got := strings.Contains(pg.body, "••• "); got != tc.mask {
				t.Fatalf("phones masked: %v, want %v", got, tc.mask)
			}
			if tc.start {
				wantBody(t, "start form", pg, `value="`+tc.u.FirstName+` - Everyone"`, `action="/lists/`)
			}
			manageStatus := map[bool]int{true: 200, false: 403}[tc.manage]
			wantStatus(t, "add member page", b.get(fmt.Sprintf("/lists/%d/members/new", north.list.ID)), manageStatus)
			wantStatus(t, "import page", b.get(fmt.Sprintf("/lists/%d/import", north.list.ID)), manageStatus)
			wantStatus(t, "remove page", b.get(fmt.Sprintf("/lists/%d/members/%d/remove", north.list.ID, north.members[0].ID)), manageStatus)
			wantStatus(t, "sessions tab", b.get(fmt.Sprintf("/lists/%d/sessions", north.list.ID)), http.StatusOK)

			// Another organisation's ids, and ids nobody has: 404, never 403.
			for _, path := range []string{
				fmt.Sprintf("/groups/%d", missingGroup),
				fmt.Sprintf("/lists/%d", missingList),
				fmt.Sprintf("/lists/%d/sessions", missingList),
				fmt.Sprintf("/lists/%d/members/new", missingList),
				"/lists/abc", "/groups/0",
			} {
				wantStatus(t, path, b.get(path), http.StatusNotFound)
			}
		})
	}

	t.Run("OtherOrganisation", func(t *testing.T) {
		t.Parallel()
		// A user of another organisation in the same database asks for
		// this organisation's ids.
		stranger := otherOrgUser(t, p)
		b := p.as(t, stranger)
		for _, path := range []string{
			fmt.Sprintf("/groups/%d", north.group.ID),
			fmt.Sprintf("/lists/%d", north.list.ID),
			fmt.Sprintf("/lists/%d/sessions", north.list.ID),
			fmt.Sprintf("/lists/%d/import", north.list.ID),
			fmt.Sprintf("/lists/%d/members/%d/remove", north.list.ID, north.members[0].ID),
		} {
			pg := b.get(path)
			wantStatus(t, path, pg, http.StatusNotFound)
			wantNoBody(t, path, pg, "Member1", "Everyone")
		}
		pg := b.post(fmt.Sprintf("/lists/%d/sessions", north.list.ID), url.Values{"name": {"Mine now"}})
		wantStatus(t, "start on another organisation's list", pg, http.StatusNotFound)
		pg = b.get("/groups")
		wantNoBody(t, "groups of another organisation", pg, "North", "South")
	})
}

// otherOrgUser is an admin, with a mobile, of a second organisation in the
// panel's database.
func otherOrgUser(t *testing.T, p *panel) queue.User {
	t.Helper()
	ctx := context.Background()
	o := queue.NewOrganisation("other", "Other Org")
	org, err := p.store.CreateOrganisation(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.store.CreateUser(ctx, org.ID, queue.UserInput{FirstName: "Stranger", Email: "stranger@example.org",
		Password: leaderPassword, Mobile: "+447911123999", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// R2.1-R2.3, R12: Start a calling session from the list page.
func TestStartSession(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	lw := p.mustListWorld(t, "North", 2)
	listPath := fmt.Sprintf("/lists/%d", lw.list.ID)
	captain := p.mustPerson(t, "Cleo", "captain@example.org", false, "", lw.group.ID, queue.RoleCaptain)

	t.Run("HiddenWithoutMobile", func(t *testing.T) {
		b := p.as(t, captain)
		pg := b.get(listPath)
		wantNoBody(t, "list page without a mobile", pg, `id="start-session"`)
		wantBody(t, "list page without a mobile", pg, `id="start-session-hint"`,
			"If Start a calling session isn't visible, it's almost always because you haven't saved a mobile number",
			`href="/profile"`)
		pg = b.post(listPath+"/sessions", url.Values{"name": {"Cleo - Everyone"}})
		wantStatus(t, "start without a mobile", pg, http.StatusUnprocessableEntity)
		wantBody(t, "start without a mobile", pg, "Save a mobile number in Edit My Profile first")
		if n := len(p.sessionsOf(t, lw.list.ID)); n != 0 {
			t.Fatalf("%d sessions after a refused start", n)
		}
		// Saved on Edit My Profile: the button appears, the name pre-filled.
		wantStatus(t, "save mobile", b.post("/profile", url.Values{"first_name": {"Cleo"}, "last_name": {"Tester"},
			"mobile": {"07911 123456"}, "timezone": {"Europe/London"}}), http.StatusSeeOther)
		pg = b.get(listPath)
		wantBody(t, "list page with a mobile", pg, `id="start-session"`, `value="Cleo - Everyone"`, "Start a calling session", ">Create</button>")
		wantNoBody(t, "list page with a mobile", pg, `id="start-session-hint"`)
	})

	t.Run("BadName", func(t *testing.T) {
		b := p.as(t, p.mustPerson(t, "Bea", "bea@example.org", true, "+447911123457", 0, ""))
		b.get(listPath)
		for _, name := range []string{"", "   ", strings.Repeat("é", queue.MaxSessionNameLen+1)} {
			pg := b.post(listPath+"/sessions", url.Values{"name": {name}})
			wantStatus(t, fmt.Sprintf("name of %d characters", len([]rune(name))), pg, http.StatusUnprocessableEntity)
			wantBody(t, "bad name", pg, `id="name-error"`, "must be 1-200 characters", `aria-invalid="true"`, `id="members"`)
			if n := len(p.sessionsOf(t, lw.list.ID)); n != 0 {
				t.Fatalf("%d sessions after a bad name", n)
			}
		}
		// 200 characters is fine.
		pg := b.post(listPath+"/sessions", url.Values{"name": {strings.Repeat("é", queue.MaxSessionNameLen)}})
		wantStatus(t, "name of 200 characters", pg, http.StatusSeeOther)
	})

	t.Run("CreateThenResume", func(t *testing.T) {
		vice := p.mustPerson(t, "Vic", "vice@example.org", false, "+447911123458", lw.group.ID, queue.RoleViceCaptain)
		b := p.as(t, vice)
		b.get(listPath)
		pg := b.post(listPath+"/sessions", url.Values{"name": {"Vic - 15 Apr - Event RSVPs"}})
		wantStatus(t, "start", pg, http.StatusSeeOther)
		if !regexp.MustCompile(`^/sessions/\d+$`).MatchString(pg.location()) {
			t.Fatalf("start goes to %q", pg.location())
		}
		wantBody(t, "after start", b.get("/sessions"), "Session created", "Vic - 15 Apr - Event RSVPs")
		again := b.post(listPath+"/sessions", url.Values{"name": {"Another name"}})
		wantStatus(t, "start again", again, http.StatusSeeOther)
		if again.location() != pg.location() {
			t.Fatalf("start again goes to %q, want the same session %q", again.location(), pg.location())
		}
		wantBody(t, "after start again", b.get("/sessions"), "You already have a session on this list: resumed")
		tab := b.get(listPath + "/sessions")
		wantBody(t, "sessions tab", tab, `id="list-sessions"`, "Vic - 15 Apr - Event RSVPs", "Vic Tester", "Not started", "0/2")
	})

	t.Run("ErrMember", func(t *testing.T) {
		member := p.mustPerson(t, "Mo", "member@example.org", false, "+447911123459", lw.group.ID, queue.RoleMember)
		b := p.as(t, member)
		before := len(p.sessionsOf(t, lw.list.ID))
		wantNoBody(t, "member's list page", b.get(listPath), `id="start-session"`, `id="start-session-hint"`)
		for _, name := range []string{"Mo - Everyone", ""} {
			pg := b.post(listPath+"/sessions", url.Values{"name": {name}})
			wantStatus(t, "member starts", pg, http.StatusForbidden)
		}
		me := decode[apiMe](t, b.api(http.MethodGet, "/api/v1/me", "", ""))
		wantStatus(t, "member starts by the API", b.api(http.MethodPost, listPath2API(listPath)+"/sessions", `{}`, me.CSRFToken), http.StatusForbidden)
		if n := len(p.sessionsOf(t, lw.list.ID)); n != before {
			t.Fatalf("a member's start made a session: %d, was %d", n, before)
		}
	})

	t.Run("ErrCaptainOfAnotherGroup", func(t *testing.T) {
		south := p.mustListWorld(t, "South", 1)
		southCaptain := p.mustPerson(t, "Sol", "sol@example.org", false, "+447911123460", south.group.ID, queue.RoleCaptain)
		b := p.as(t, southCaptain)
		wantStatus(t, "own group's list", b.get(fmt.Sprintf("/lists/%d", south.list.ID)), http.StatusOK)
		pg := b.post(listPath+"/sessions", url.Values{"name": {"Sol - Everyone"}})
		wantStatus(t, "start on another group's list", pg, http.StatusForbidden)
		wantStatus(t, "start on own group's list", b.post(fmt.Sprintf("/lists/%d/sessions", south.list.ID),
			url.Values{"name": {"Sol - Everyone"}}), http.StatusSeeOther)
	})
}

func listPath2API(path string) string { return "/api/v1" + path }

// R2.3: two Start clicks at once (a double submit) make one session.
func TestStartSessionDoubleSubmit(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	lw := p.mustListWorld(t, "North", 2)
	leader := p.mustPerson(t, "Ada", "ada@example.org", true, "+447911123456", 0, "")
	b := p.as(t, leader)
	b.get(fmt.Sprintf("/lists/%d", lw.list.ID))
	form := url.Values{"csrf": {b.csrf}, "name": {"Ada - Everyone"}}.Encode()
	const clicks = 4
	locations := make([]string, clicks)
	statuses := make([]int, clicks)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/lists/%d/sessions", b.base, lw.list.ID), strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			resp, err := b.client.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i], locations[i] = resp.StatusCode, resp.Header.Get("Location")
		}()
	}
	close(start)
	wg.Wait()
	for i := range clicks {
		if statuses[i] != http.StatusSeeOther || locations[i] != locations[0] {
			t.Fatalf("click %d: %d to %q; first went to %q", i, statuses[i], locations[i], locations[0])
		}
	}
	if n := len(p.sessionsOf(t, lw.list.ID)); n != 1 {
		t.Fatalf("%d sessions after a double submit, want 1", n)
	}
}

// R1.4: the members of a list, searched, paged, added and removed.
func TestListMembers(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	lw := p.mustListWorld(t, "North", 55)
	listPath := fmt.Sprintf("/lists/%d", lw.list.ID)
	admin := p.mustPerson(t, "Ada", "ada@example.org", true, "+447911123456", 0, "")
	b := p.as(t, admin)
	rows := regexp.MustCompile(`<tr data-supporter-id="`)

	t.Run("Paged", func(t *testing.T) {
		pg := b.get(listPath)
		if n := len(rows.FindAllString(pg.body, -1)); n != 50 {
			t.Fatalf("first page: %d rows", n)
		}
		next := regexp.MustCompile(`id="members-next" href="([^"]+)"|href="([^"]+)" id="members-next"`).FindStringSubmatch(pg.body)
		if next == nil {
			t.Fatalf("no next page link\n%s", pg.body)
		}
		link := strings.ReplaceAll(next[1]+next[2], "&amp;", "&")
		pg = b.get(listPath + link)
		if n := len(rows.FindAllString(pg.body, -1)); n != 5 {
			t.Fatalf("second page: %d rows", n)
		}
		wantBody(t, "second page", pg, "Member55 Surname", `id="members-first"`)
		wantNoBody(t, "second page", pg, `id="members-next"`, "Member50 Surname<")
	})

	t.Run("Search", func(t *testing.T) {
		cases := []struct{ search, want string }{
			{"member12", "Member12 Surname"},
			{"MEMBER7 sur", "Member7 Surname"},
			{lw.members[8].Phone.E164, "Member9 Surname"},
			{"0" + strings.TrimPrefix(lw.members[10].Phone.E164, "+44"), "Member11 Surname"},
		}
		for _, tc := range cases {
			pg := b.get(listPath + "?q=" + url.QueryEscape(tc.search))
			wantStatus(t, "search "+tc.search, pg, http.StatusOK)
			if n := len(rows.FindAllString(pg.body, -1)); n != 1 {
				t.Fatalf("search %q: %d rows\n%s", tc.search, n, pg.body)
			}
			wantBody(t, "search "+tc.search, pg, tc.want)
		}
		wantBody(t, "search for nobody", b.get(listPath+"?q=Zed"), `id="members-empty"`, "No member matches")
		pg := b.get(listPath + "?q=" + strings.Repeat("x", 201))
		wantStatus(t, "search too long", pg, http.StatusOK)
		wantBody(t, "search too long", pg, `id="q-error"`, "at most 200 characters")
	})

	t.Run("AddExisting", func(t *testing.T) {
		sp, err := p.store.CreateSupporter(t.Context(), p.org.ID, lw.group.ID, queue.SupporterInput{FirstName: "Grace", LastName: "Hopper", Phone: "+447911124001"})
		if err != nil {
			t.Fatal(err)
		}
		b.get(listPath + "/members/new")
		pg := b.post(listPath+"/members", url.Values{"supporter": {"07911 124001"}})
		wantStatus(t, "add by phone", pg, http.StatusSeeOther)
		wantBody(t, "after add", b.get(listPath+"?q=grace"), "Grace Hopper added to the list", "Grace Hopper")
		pg = b.post(listPath+"/members", url.Values{"supporter": {fmt.Sprintf("#%d", sp.ID)}})
		wantStatus(t, "add again by id", pg, http.StatusSeeOther)
		wantBody(t, "after add again", b.get(listPath), "Grace Hopper is on the list already")
		pg = b.post(listPath+"/members", url.Values{"supporter": {"+447911129999"}})
		wantStatus(t, "add nobody", pg, http.StatusUnprocessableEntity)
		wantBody(t, "add nobody", pg, `id="supporter-error"`, "No supporter of this group")
	})

	t.Run("AddNew", func(t *testing.T) {
		pg := b.post(listPath+"/members/create", url.Values{"first_name": {"Alan"}, "last_name": {"Turing"}, "phone": {"07911 124002"}})
		wantStatus(t, "add new", pg, http.StatusSeeOther)
		wantBody(t, "after add new", b.get(listPath+"?q=turing"), "Alan Turing added to the list", "Alan Turing", "07911 124002")
		bad := []struct {
			name  string
			form  url.Values
			field string
			code  int
		}{
			{"ErrNoFirstName", url.Values{"first_name": {" "}, "phone": {"07911 124003"}}, "first_name", 422},
			{"ErrNoPhone", url.Values{"first_name": {"Kay"}, "phone": {""}}, "phone", 422},
			{"ErrPhoneTaken", url.Values{"first_name": {"Kay"}, "phone": {"+447911124002"}}, "phone", 409},
		}
		for _, tc := range bad {
			pg := b.post(listPath+"/members/create", tc.form)
			wantStatus(t, tc.name, pg, tc.code)
			wantBody(t, tc.name, pg, `id="`+tc.field+`-error"`, `value="`+tc.form.Get("first_name")+`"`)
		}
		if pg := b.get(listPath + "?q=kay"); strings.Contains(pg.body, "Kay") && !strings.Contains(pg.body, "No member matches") {
			t.Fatal("a refused add changed the list")
		}
	})

	t.Run("Remove", func(t *testing.T) {
		victim := lw.members[2]
		confirm := fmt.Sprintf("%s/members/%d/remove", listPath, victim.ID)
		pg := b.get(confirm)
		wantStatus(t, "confirm", pg, http.StatusOK)
		wantBody(t, "confirm", pg, "Remove Member3 Surname from Everyone?", `id="remove-member-confirm"`)
		if !p.onList(t, lw.list.ID, victim) {
			t.Fatal("the confirmation page removed already")
		}
		wantStatus(t, "remove", b.post(confirm, nil), http.StatusSeeOther)
		wantBody(t, "after remove", b.get(listPath), "Member3 Surname removed from the list")
		if p.onList(t, lw.list.ID, victim) {
			t.Fatal("still on the list")
		}
		wantStatus(t, "remove without the token", b.postWithout(confirm, nil), http.StatusForbidden)
	})

	t.Run("ErrMemberRole", func(t *testing.T) {
		member := p.mustPerson(t, "Mo", "mo@example.org", false, "", lw.group.ID, queue.RoleMember)
		mb := p.as(t, member)
		victim := lw.members[4]
		wantStatus(t, "member removes", mb.post(fmt.Sprintf("%s/members/%d/remove", listPath, victim.ID), nil), http.StatusForbidden)
		wantStatus(t, "member adds", mb.post(listPath+"/members/create", url.Values{"first_name": {"X"}, "phone": {"07911 124009"}}), http.StatusForbidden)
		wantStatus(t, "member imports", mb.upload(listPath+"/import", "phone\n07911124010\n", ""), http.StatusForbidden)
		if !p.onList(t, lw.list.ID, victim) {
			t.Fatal("a member's remove took effect")
		}
	})
}

// R1.5: CSV import into a list, with its per-row report.
func TestListImport(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	lw := p.mustListWorld(t, "North", 1)
	listPath := fmt.Sprintf("/lists/%d", lw.list.ID)
	captain := p.mustPerson(t, "Cleo", "cleo@example.org", false, "", lw.group.ID, queue.RoleCaptain)
	b := p.as(t, captain)
	wantBody(t, "import form", b.get(listPath+"/import"), `id="import-form"`, `enctype="multipart/form-data"`, "<code>phone</code>")

	csv := "\ufeffFirst name,Last name,Phone,Email\n" +
		"Ada,Lovelace,07911 125001,ada@example.org\n" +
		"Bad,Email,07911 125002,not-an-email\n" +
		"Alan,Turing,+447911125003,\n"
	pg := b.upload(listPath+"/import", csv, "")
	wantStatus(t, "import", pg, http.StatusOK)
	wantBody(t, "import report", pg, `id="import-report"`, `<dd data-test="inserted">2</dd>`,
		`<dd data-test="members-added">2</dd>`, `<dd data-test="rejected">1</dd>`, `id="import-rejected"`,
		`<td class="num">3</td><td>email</td>`)
	page, err := p.store.SearchListMembers(t.Context(), p.org.ID, lw.list.ID, queue.ListMemberQuery{})
	if err != nil || len(page.Members) != 3 {
		t.Fatalf("members after the import: %d %v", len(page.Members), err)
	}
	// Again: nothing changes.
	pg = b.upload(listPath+"/import", csv, "")
	wantBody(t, "import again", pg, `<dd data-test="inserted">0</dd>`, `<dd data-test="unchanged">2</dd>`, `<dd data-test="members-added">0</dd>`)

	bad := []struct{ name, csv, want string }{
		{"ErrNotUTF8", "first_name,phone\nJos\xe9,07911125009\n", "UTF-8"},
		{"ErrUnknownColumn", "shoe size,phone\n9,07911125009\n", "header"},
		{"ErrEmpty", "", ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			pg := b.upload(listPath+"/import", tc.csv, "")
			wantStatus(t, tc.name, pg, http.StatusUnprocessableEntity)
			wantBody(t, tc.name, pg, `id="file-error"`, tc.want)
			page, _ := p.store.SearchListMembers(t.Context(), p.org.ID, lw.list.ID, queue.ListMemberQuery{})
			if len(page.Members) != 3 {
				t.Fatalf("a refused file changed the list: %d members", len(page.Members))
			}
		})
	}
	pg = b.post(listPath+"/import", url.Values{})
	wantStatus(t, "no file", pg, http.StatusUnprocessableEntity)
	wantBody(t, "no file", pg, `id="file-error"`, "Choose a CSV file")
}

// R2.4: the Calling Sessions index, its filters and paging, and its live
// stream.
func TestSessionIndex(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	ctx := context.Background()
	north := p.mustListWorld(t, "North", 1)
	south := p.mustListWorld(t, "South", 2)
	admin := p.mustPerson(t, "Ada", "ada@example.org", true, "+447911123456", 0, "")
	captain := p.mustPerson(t, "Cleo", "cleo@example.org", false, "+447911123457", north.group.ID, queue.RoleCaptain)
	// Completed: the one supporter of North skipped for the cycle.
	done, _, err := p.store.StartSession(ctx, captain, north.list.ID, "Cleo - North done")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.store.Skip(ctx, captain, done.ID, north.members[0].ID, queue.SkipInput{Type: queue.SkipCycle}); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(5 * time.Minute)
	if _, _, err := p.store.StartSession(ctx, admin, south.list.ID, "Ada - South fresh"); err != nil {
		t.Fatal(err)
	}

	b := p.as(t, admin)
	cases := []struct {
		view       string
		status     int
		shown, not []string
	}{
		{"", 200, []string{"Cleo - North done", "Ada - South fresh", "Completed", "Not started", "5 minutes ago", "just now"}, nil},
		{"completed", 200, []string{"Cleo - North done", "0/1"}, []string{"Ada - South fresh"}},
		{"paused", 200, []string{"Ada - South fresh", "0/2"}, []string{"Cleo - North done"}},
		{"active", 200, []string{`id="sessions-empty"`}, []string{"Cleo - North done", "Ada - South fresh"}},
		{"bogus", 404, nil, []string{"Cleo - North done"}},
	}
	for _, tc := range cases {
		pg := b.get("/sessions?view=" + tc.view)
		wantStatus(t, "view "+tc.view, pg, tc.status)
		wantBody(t, "view "+tc.view, pg, tc.shown...)
		wantNoBody(t, "view "+tc.view, pg, tc.not...)
	}
	pg := b.get("/sessions")
	wantBody(t, "index", pg, `id="sessions"`, `id="sessions-filter"`, `aria-current="page">All</a>`,
		fmt.Sprintf(`href="/lists/%d"`, south.list.ID), "Ada Tester")
	wantNoBody(t, "index without live updates", pg, "data-live", "sessions.js")

	// A captain of North sees North's sessions, not South's.
	cb := p.as(t, captain)
	pg = cb.get("/sessions")
	wantBody(t, "captain's index", pg, "Cleo - North done")
	wantNoBody(t, "captain's index", pg, "Ada - South fresh")

	if pg := p.browser(t).get("/sessions"); pg.status != http.StatusSeeOther || !strings.HasPrefix(pg.location(), "/login") {
		t.Fatalf("a visitor's index: %d to %q", pg.status, pg.location())
	}
	wantStatus(t, "stream with live updates off", b.get("/sessions/events"), http.StatusNotFound)
}

// Paging of the index: 50 a page, older ones behind a link.
func TestSessionIndexPaged(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	ctx := context.Background()
	lw := p.mustListWorld(t, "North", 0)
	var lists []queue.List
	for i := range 52 {
		l, err := p.store.CreateList(ctx, p.org.ID, lw.group.ID, fmt.Sprintf("List %02d", i), 0)
		if err != nil {
			t.Fatal(err)
		}
		lists = append(lists, l)
	}
	admin := p.mustPerson(t, "Ada", "ada@example.org", true, "+447911123456", 0, "")
	for _, l := range lists {
		p.clock.Advance(time.Minute)
		if _, _, err := p.store.StartSession(ctx, admin, l.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	b := p.as(t, admin)
	rows := regexp.MustCompile(`<tr data-session-id=`)
	pg := b.get("/sessions")
	if n := len(rows.FindAllString(pg.body, -1)); n != 50 {
		t.Fatalf("first page: %d rows", n)
	}
	more := regexp.MustCompile(`href="([^"]+)" id="sessions-more"`).FindStringSubmatch(pg.body)
	if more == nil {
		t.Fatalf("no link to older sessions\n%s", pg.body)
	}
	pg = b.get("/sessions" + strings.ReplaceAll(more[1], "&amp;", "&"))
	if n := len(rows.FindAllString(pg.body, -1)); n != 2 {
		t.Fatalf("second page: %d rows", n)
	}
	wantBody(t, "second page", pg, "Ada - List 00", "Ada - List 01", `id="sessions-first"`)
}

// The index's live stream: every session of the organisation, as
// server-sent events, for logged-in users only.
func TestSessionEvents(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	hub := live.New(p.store, slog.New(slog.DiscardHandler), live.Config{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Run(ctx)
	}()
	srv := httptest.NewServer(web.New(p.store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), web.Options{Live: hub}).Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
	})
	lp := *p
	lp.srv = srv
	admin := p.mustPerson(t, "Ada", "ada@example.org", true, "+447911123456", 0, "")
	b := lp.as(t, admin)

	pg := b.get("/sessions")
	m := regexp.MustCompile(`<section id="sessions-live" data-live="(/sessions/events\?since=[^"]+)">`).FindStringSubmatch(pg.body)
	if m == nil {
		t.Fatalf("the index does not opt in to live updates\n%s", pg.body)
	}
	wantBody(t, "index", pg, "/sessions.js", "/live.js", `id="live-status"`)
	for _, tag := range scriptTag.FindAllString(pg.body, -1) {
		if !strings.Contains(tag, `nonce="`+pg.nonce()+`"`) {
			t.Fatalf("script %s without the request's nonce", tag)
		}
	}

	streamCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	req, _ := http.NewRequestWithContext(streamCtx, http.MethodGet, srv.URL+strings.ReplaceAll(m[1], "&amp;", "&"), nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	stop()

	visitor := lp.browser(t)
	if pg := visitor.get("/sessions/events"); pg.status != http.StatusSeeOther || !strings.HasPrefix(pg.location(), "/login") {
		t.Fatalf("a visitor's stream: %d to %q", pg.status, pg.location())
	}
}

// listPages are the pages of groups, lists and the sessions index, with
// and without errors, for TestNoInlineScriptOrStyle.
func listPages(t *testing.T, p *panel) map[string]func() page {
	t.Helper()
	lw := p.mustListWorld(t, "CSP group", 2)
	admin := p.as(t, p.mustPerson(t, "Csp", "csp-admin@example.org", true, "+447911123456", 0, ""))
	noMobile := p.as(t, p.mustPerson(t, "Nom", "csp-nomobile@example.org", false, "", lw.group.ID, queue.RoleCaptain))
	list := fmt.Sprintf("/lists/%d", lw.list.ID)
	remove := fmt.Sprintf("%s/members/%d/remove", list, lw.members[0].ID)
	return map[string]func() page{
		"groups":              func() page { return admin.get("/groups") },
		"group":               func() page { return admin.get(fmt.Sprintf("/groups/%d", lw.group.ID)) },
		"list":                func() page { return admin.get(list + "?q=member") },
		"list search error":   func() page { return admin.get(list + "?q=" + strings.Repeat("x", 201)) },
		"list without mobile": func() page { return noMobile.get(list) },
		"list start error":    func() page { return admin.post(list+"/sessions", url.Values{"name": {""}}) },
		"list sessions":       func() page { return admin.get(list + "/sessions") },
		"member new":          func() page { return admin.get(list + "/members/new") },
		"member error":        func() page { return admin.post(list+"/members", url.Values{"supporter": {"nobody"}}) },
		"member remove":       func() page { return admin.get(remove) },
		"import":              func() page { return admin.get(list + "/import") },
		"import report":       func() page { return admin.upload(list+"/import", "phone\n07911125101\nnot a number at all\n", "") },
		"import error":        func() page { return admin.upload(list+"/import", "shoe size\n9\n", "") },
		"sessions filtered":   func() page { return admin.get("/sessions?view=paused") },
	}
}
