package browser

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// team is what a test of the calling flow needs of its own, so tests run
// in parallel without sharing a supporter, a session or a phone: a
// supporter group of the tests' organisation with one call list, its
// captain (the leader) and its supporters, in queue order.
type team struct {
	Group      string
	List       string
	ListID     int64
	Leader     user
	Member     user // a member of the group: may not start sessions (R1.2)
	Supporters []supporter
}

type user struct {
	Email     string
	FirstName string
	LastName  string
	Mobile    string // E.164; "" for none
}

type supporter struct {
	ID        int64
	FirstName string
	LastName  string
	Phone     string
}

// Name is how pages show a supporter.
func (s supporter) Name() string { return s.FirstName + " " + s.LastName }

// teamOptions shape newTeam's fixtures.
type teamOptions struct {
	Supporters     int  // on the list; 6 when zero
	LeaderNoMobile bool // the captain has no mobile yet (R2.2)
}

// newTeam adds a group, its list of supporters, its captain and a member to
// the tests' organisation, through the queue as callingd's own commands do
// (`group add`, `user add`, `import`), without a process for each.
func newTeam(t *testing.T, h *harness, opts teamOptions) team {
	t.Helper()
	n := h.uniq()
	if opts.Supporters == 0 {
		opts.Supporters = 6
	}
	tm := team{Group: fmt.Sprintf("Team %d", n), List: fmt.Sprintf("Evening calls %d", n)}
	tm.Leader = user{Email: fmt.Sprintf("leader%d@browser.example", n), FirstName: fmt.Sprintf("Lee%d", n),
		LastName: "Leader", Mobile: fmt.Sprintf("+4479129%05d", n)}
	if opts.LeaderNoMobile {
		tm.Leader.Mobile = ""
	}
	tm.Member = user{Email: fmt.Sprintf("member%d@browser.example", n), FirstName: fmt.Sprintf("Mo%d", n), LastName: "Member"}

	ctx := context.Background()
	store := h.store()
	group, err := store.CreateGroup(ctx, h.orgID, tm.Group)
	if err != nil {
		t.Fatalf("group %s: %v", tm.Group, err)
	}
	addUser(t, h, tm.Leader, false, group.ID, queue.RoleCaptain)
	addUser(t, h, tm.Member, false, group.ID, queue.RoleMember)

	// Supporters in the order the list (and so the queue) holds them:
	// distinct names, so a page showing one is unambiguous.
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	_ = w.Write([]string{"first_name", "last_name", "phone", "tags"})
	for i := range opts.Supporters {
		s := supporter{FirstName: supporterNames[i%len(supporterNames)], LastName: fmt.Sprintf("T%dS%d", n, i+1),
			Phone: fmt.Sprintf("+447913%03d%03d", n%1000, i)}
		tm.Supporters = append(tm.Supporters, s)
		_ = w.Write([]string{s.FirstName, s.LastName, s.Phone, "browser"})
	}
	w.Flush()
	report, err := store.Import(ctx, h.orgID, group.ID, tm.List, &file, queue.ImportOptions{})
	if err != nil || len(report.Rejected) > 0 {
		t.Fatalf("import %s: %v %+v", tm.List, err, report.Rejected)
	}
	tm.ListID = report.ListID
	for i := range tm.Supporters {
		if err := h.pool.QueryRow(ctx, `SELECT id FROM supporters WHERE organisation_id = $1 AND phone = $2`,
			h.orgID, tm.Supporters[i].Phone).Scan(&tm.Supporters[i].ID); err != nil {
			t.Fatalf("supporter %s: %v", tm.Supporters[i].Phone, err)
		}
	}
	return tm
}

var supporterNames = []string{"Ada", "Bilal", "Cora", "Dmitri", "Esme", "Farid", "Greta", "Hamza", "Ines", "Jonah"}

// addUser adds u to the tests' organisation with testPassword: an admin,
// or with a role in groupID.
func addUser(t *testing.T, h *harness, u user, admin bool, groupID int64, role queue.Role) {
	t.Helper()
	ctx := context.Background()
	store := h.store()
	qu, err := store.CreateUser(ctx, h.orgID, queue.UserInput{FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, Password: testPassword, Mobile: u.Mobile, Admin: admin})
	if err != nil {
		t.Fatalf("user %s: %v", u.Email, err)
	}
	if groupID != 0 {
		if err := store.SetGroupRole(ctx, h.orgID, qu.ID, groupID, role); err != nil {
			t.Fatalf("role of %s: %v", u.Email, err)
		}
	}
}

// newAdmin adds an admin of the tests' organisation, with a mobile unless
// noMobile.
func newAdmin(t *testing.T, h *harness, noMobile bool) user {
	t.Helper()
	n := h.uniq()
	u := user{Email: fmt.Sprintf("admin%d@browser.example", n), FirstName: fmt.Sprintf("Ari%d", n), LastName: "Admin",
		Mobile: fmt.Sprintf("+4479129%05d", n)}
	if noMobile {
		u.Mobile = ""
	}
	addUser(t, h, u, true, 0, "")
	return u
}

// otherOrg is another organisation's list, supporter and session: ids a
// user of the tests' organisation must get 404 for, never 403 and never
// their data (R1.1).
type otherOrg struct {
	ListID, SupporterID, SessionID int64
	SupporterName                  string
}

// seedOther fills the other organisation, once per run: a group, a list
// of two supporters, an admin and their session.
func (h *harness) seedOther() error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	store := h.store()
	group, err := store.CreateGroup(ctx, h.otherOrgID, "Far Away")
	if err != nil {
		return fmt.Errorf("the other organisation's group: %w", err)
	}
	report, err := store.Import(ctx, h.otherOrgID, group.ID, "Their list",
		strings.NewReader("first_name,last_name,phone\nOtto,Outsider,+447914000001\nOlga,Outsider,+447914000002\n"), queue.ImportOptions{})
	if err != nil {
		return fmt.Errorf("the other organisation's list: %w", err)
	}
	boss, err := store.CreateUser(ctx, h.otherOrgID, queue.UserInput{FirstName: "Bo", Email: "boss@elsewhere.example",
		Password: testPassword, Mobile: "+447914999999", Admin: true})
	if err != nil {
		return fmt.Errorf("the other organisation's admin: %w", err)
	}
	sess, _, err := store.StartSession(ctx, boss, report.ListID, "")
	if err != nil {
		return fmt.Errorf("the other organisation's session: %w", err)
	}
	h.other = otherOrg{ListID: report.ListID, SessionID: sess.ID}
	return h.pool.QueryRow(ctx, `SELECT id, first_name || ' ' || last_name FROM supporters
		WHERE organisation_id = $1 ORDER BY id LIMIT 1`, h.otherOrgID).Scan(&h.other.SupporterID, &h.other.SupporterName)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// store is the queue over the tests' database: for fixtures the panel has
// no command for (a session started without its page) and for changes a
// page must show live. Assertions go through pages.
func (h *harness) store() *queue.Store {
	s := queue.NewStore(h.pool, queue.SystemClock{})
	s.PasswordCost = 4 // bcrypt's least: these tests are not about hashing time
	return s
}

// queueUser is the tests' organisation's user of email, as the queue
// knows them.
func queueUser(t *testing.T, h *harness, email string) queue.User {
	t.Helper()
	u, err := h.store().UserByEmail(context.Background(), h.orgID, email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// startSession starts the team leader's session on the team's list, as
// the list page's Create does, and returns its id.
func startSession(t *testing.T, h *harness, tm team) int64 {
	t.Helper()
	sess, _, err := h.store().StartSession(context.Background(), queueUser(t, h, tm.Leader.Email), tm.ListID, "")
	if err != nil {
		t.Fatalf("start session: %v", err)
	}
	return sess.ID
}
