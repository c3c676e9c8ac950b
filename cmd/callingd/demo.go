package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// The demo organisation: what `make run` shows a newcomer.
const (
	demoSlug     = "demo"
	demoPassword = "calling-demo-2026"
)

type demoUser struct {
	email, first, last, mobile string
	admin                      bool
	group                      string
	role                       queue.Role
}

var demoUsers = []demoUser{
	{email: "admin@demo.example", first: "Alex", last: "Admin", mobile: "+447911000001", admin: true},
	{email: "captain@demo.example", first: "Casey", last: "Captain", mobile: "+447911000002", group: "North Branch", role: queue.RoleCaptain},
}

// demoLists are the call lists, each with how many supporters it holds; the
// supporters of a group's lists overlap, as real lists do.
var demoLists = []struct {
	group, list string
	first, n    int    // supporters first..first+n-1 of the group
	event       string // the event the list collects RSVPs for, if any
}{
	{"North Branch", "Spring rally RSVPs", 0, 80, "Spring rally"},
	{"North Branch", "Lapsed donors", 60, 60, ""},
	{"South Branch", "New members", 0, 80, ""},
}

var demoGroupSize = map[string]int{"North Branch": 120, "South Branch": 80}

func runDemo(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "demo", "demo [flags]", `
Create the demo organisation ("demo": two groups, three call lists, 200
supporters with valid numbers, an admin and a captain with mobiles), or bring
it back to that state. Safe to run again: nothing is duplicated. Prints the
logins. The database must be migrated.`)
	dbURL := databaseFlag(env, fs)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, env, *dbURL)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	if err := seedDemo(ctx, store); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Demo organisation %q ready. Log in as:\n", demoSlug)
	for _, u := range demoUsers {
		fmt.Fprintf(env.stdout, "  %s / %s\n", u.email, demoPassword)
	}
	return nil
}

func seedDemo(ctx context.Context, store *queue.Store) error {
	org, err := demoOrganisation(ctx, store)
	if err != nil {
		return err
	}
	groups := map[string]queue.Group{}
	for name := range demoGroupSize {
		if groups[name], err = findOrCreateGroup(ctx, store, org.ID, name); err != nil {
			return err
		}
	}
	for _, l := range demoLists {
		csvFile, err := demoSupportersCSV(l.group, l.first, l.n)
		if err != nil {
			return fmt.Errorf("demo list %s: %w", l.list, err)
		}
		report, err := store.Import(ctx, org.ID, groups[l.group].ID, l.list, bytes.NewReader(csvFile), queue.ImportOptions{})
		if err != nil {
			return fmt.Errorf("demo list %s: %w", l.list, err)
		}
		if l.event != "" {
			if err := demoEvent(ctx, store, org.ID, groups[l.group].ID, report.ListID, l.list, l.event); err != nil {
				return fmt.Errorf("demo event %s: %w", l.event, err)
			}
		}
	}
	for _, du := range demoUsers {
		if err := demoAccount(ctx, store, org, groups, du); err != nil {
			return fmt.Errorf("demo user %s: %w", du.email, err)
		}
	}
	return nil
}

func demoOrganisation(ctx context.Context, store *queue.Store) (queue.Organisation, error) {
	org, err := store.OrganisationBySlug(ctx, demoSlug)
	if queue.ErrorCode(err) != queue.ENOTFOUND {
		return org, err
	}
	o := queue.NewOrganisation(demoSlug, "Demo Organisers")
	o.Timezone = "Europe/London"
	o.CallerID, o.CallerName = "+442079460000", "Demo Organisers"
	o.AllowedPrefixes = []string{"+44"}
	return store.CreateOrganisation(ctx, o)
}

func findOrCreateGroup(ctx context.Context, store *queue.Store, orgID int64, name string) (queue.Group, error) {
	g, err := store.GroupByName(ctx, orgID, name)
	if queue.ErrorCode(err) != queue.ENOTFOUND {
		return g, err
	}
	return store.CreateGroup(ctx, orgID, name)
}

// demoEvent ties the list to the named event of the group, creating it once.
func demoEvent(ctx context.Context, store *queue.Store, orgID, groupID, listID int64, list, name string) error {
	events, err := store.Events(ctx, orgID, groupID)
	if err != nil {
		return err
	}
	var ev queue.Event
	for _, e := range events {
		if e.Name == name {
			ev = e
		}
	}
	if ev.ID == 0 {
		if ev, err = store.CreateEvent(ctx, orgID, groupID, name, nil); err != nil {
			return err
		}
	}
	_, err = store.UpdateList(ctx, orgID, listID, list, ev.ID)
	return err
}

// demoAccount creates the user, or resets the password of an existing one so
// the printed login always works.
func demoAccount(ctx context.Context, store *queue.Store, org queue.Organisation, groups map[string]queue.Group, du demoUser) error {
	u, err := store.UserByEmail(ctx, org.ID, du.email)
	switch queue.ErrorCode(err) {
	case queue.ENOTFOUND:
		u, err = store.CreateUser(ctx, org.ID, queue.UserInput{FirstName: du.first, LastName: du.last,
			Email: du.email, Password: demoPassword, Mobile: du.mobile, Admin: du.admin})
	case "":
		err = store.SetPassword(ctx, org.ID, u.ID, demoPassword)
	}
	if err != nil || du.group == "" {
		return err
	}
	return store.SetGroupRole(ctx, org.ID, u.ID, groups[du.group].ID, du.role)
}

var demoFirstNames = []string{"Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hari", "Isla", "Jack",
	"Kiran", "Leah", "Milo", "Nia", "Oscar", "Priya", "Quinn", "Rosa", "Sam", "Tariq"}
var demoLastNames = []string{"Adams", "Begum", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes",
	"Iqbal", "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Owen", "Patel"}

// demoSupportersCSV writes supporters first..first+n-1 of a group as CSV.
// Numbers are UK mobiles, distinct per group, all valid.
func demoSupportersCSV(group string, first, n int) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"first_name", "last_name", "phone", "email", "tags"}) //nolint:errcheck // w.Error below
	base := 7911100000
	if group == "South Branch" {
		base = 7911200000
	}
	for i := first; i < first+n; i++ {
		fn, ln := demoFirstNames[i%len(demoFirstNames)], demoLastNames[(i/len(demoFirstNames)+i)%len(demoLastNames)]
		tags := []string{"demo", "member", "donor", "volunteer"}[i%4]
		w.Write([]string{fn, ln, "+44" + strconv.Itoa(base+i),
			fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(fn), strings.ToLower(ln), i), tags}) //nolint:errcheck // w.Error below
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
