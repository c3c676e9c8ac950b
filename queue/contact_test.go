package queue_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// mustAnswer claims the session's next supporter, who answers and hangs up.
func mustAnswer(tb testing.TB, w *world, sessionID int64) queue.Claim {
	tb.Helper()
	cl := w.mustClaim(tb, sessionID)
	if _, err := w.s.CallAnswered(context.Background(), w.org.ID, cl.Call.ID); err != nil {
		tb.Fatal(err)
	}
	w.mustEnd(tb, cl.Call.ID, queue.OutcomeAnswered)
	return cl
}

func mustLog(tb testing.TB, w *world, actor queue.User, sessionID int64, in queue.ContactInput) queue.Contact {
	tb.Helper()
	c, err := w.s.LogContact(context.Background(), actor, sessionID, in)
	if err != nil {
		tb.Fatalf("log contact: %v", err)
	}
	return c
}

// mustNext is who the session would call now, 0 when nobody.
func mustNext(tb testing.TB, w *world, sessionID int64) int64 {
	tb.Helper()
	sp, ok, err := w.s.Next(context.Background(), w.org.ID, sessionID)
	if err != nil {
		tb.Fatal(err)
	}
	if !ok {
		return 0
	}
	return sp.ID
}

// newCaptain is a captain (not an admin) of the world's group with a mobile.
func newCaptain(tb testing.TB, w *world, name string) queue.User {
	tb.Helper()
	ctx := context.Background()
	u, err := w.s.CreateUser(ctx, w.org.ID, queue.UserInput{FirstName: name, Email: name + "@example.org",
		Password: "a long enough secret", Mobile: "+447400123458"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.s.SetGroupRole(ctx, w.org.ID, u.ID, w.group.ID, queue.RoleCaptain); err != nil {
		tb.Fatal(err)
	}
	if u, err = w.s.User(ctx, w.org.ID, u.ID); err != nil {
		tb.Fatal(err)
	}
	return u
}

// contactState is everything logging a contact may change, to show that a
// refused request changed nothing.
func contactState(tb testing.TB, w *world) string {
	tb.Helper()
	var state string
	err := w.s.Pool().QueryRow(context.Background(), `SELECT concat_ws(' | ',
		(SELECT string_agg(concat_ws(',', id, contacted, rsvp, method, length(notes), tags_added, updated_at, updated_by), ';' ORDER BY id) FROM contacts),
		(SELECT count(*) FROM contact_history),
		(SELECT string_agg(concat_ws(',', session_id, supporter_id, completed_at, completed_by), ';' ORDER BY session_id, supporter_id)
			FROM session_supporters WHERE completed_at IS NOT NULL),
		(SELECT string_agg(concat_ws(',', id, tags, updated_at), ';' ORDER BY id) FROM supporters),
		(SELECT string_agg(concat_ws(',', id, last_activity_at), ';' ORDER BY id) FROM calling_sessions))`).Scan(&state)
	if err != nil {
		tb.Fatal(err)
	}
	return state
}

func countContacts(tb testing.TB, w *world) int {
	tb.Helper()
	var n int
	if err := w.s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM contacts`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// R5.2: contacted after an answered call, the supporter leaves this
// session's queue for good, gets a green tick, and is still called by
// another leader's session once the cool-down passes.
func TestLogContact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	mine := w.mustSession(t, w.leader)
	other := w.mustSession(t, w.mustLeader(t, "other"))

	cl := mustAnswer(t, w, mine.ID)
	w.clock.Advance(time.Minute)
	loggedAt := w.clock.Now()
	c := mustLog(t, w, w.leader, mine.ID, queue.ContactInput{CallID: cl.Call.ID, SupporterID: cl.Supporter.ID,
		Contacted: true, Notes: "Will come on Saturday", IdempotencyKey: "form-1"})
	want := queue.Contact{ID: c.ID, OrganisationID: w.org.ID, SessionID: mine.ID, Cycle: 1, SupporterID: w.supporters[0],
		CallID: cl.Call.ID, AuthorID: w.leader.ID, AuthorName: "leader", Contacted: true, Method: queue.MethodPhone,
		Notes: "Will come on Saturday", TagsAdded: []string{}, TagsRemoved: []string{}, IdempotencyKey: "form-1",
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, UpdatedBy: w.leader.ID}
	if fmt.Sprint(c) != fmt.Sprint(want) || !c.CreatedAt.Equal(loggedAt) || !c.UpdatedAt.Equal(loggedAt) {
		t.Fatalf("logged %+v\nwant %+v", c, want)
	}
	if sess, err := w.s.Session(ctx, w.org.ID, mine.ID); err != nil || !sess.LastActivityAt.Equal(loggedAt) {
		t.Fatalf("session activity %v (%v), want %v", sess.LastActivityAt, err, loggedAt)
	}

	// Contacted is per session: the other session waits out the cool-down only.
	if next := mustNext(t, w, other.ID); next != w.supporters[1] {
		t.Fatalf("other session's next inside the cool-down: %d, want %d", next, w.supporters[1])
	}
	w.clock.Advance(20 * time.Minute)
	if next := mustNext(t, w, other.ID); next != w.supporters[0] {
		t.Fatalf("other session's next after the cool-down: %d, want %d", next, w.supporters[0])
	}

	// In this session they stay out, also when a new cycle clears
	// "attempted" (R8.3) and the cool-down is over.
	if _, err := w.s.Pool().Exec(ctx, `UPDATE session_supporters SET attempted = false WHERE session_id = $1`, mine.ID); err != nil {
		t.Fatal(err)
	}
	if next := mustNext(t, w, mine.ID); next != w.supporters[1] {
		t.Fatalf("next after contacted: %d, want %d", next, w.supporters[1])
	}
	second := w.mustClaim(t, mine.ID)
	if second.Supporter.ID != w.supporters[1] {
		t.Fatalf("claimed %d, want %d", second.Supporter.ID, w.supporters[1])
	}
	w.mustEnd(t, second.Call.ID, queue.OutcomeNoAnswer)

	tick, ok, err := w.s.ContactStatus(ctx, w.org.ID, w.supporters[0])
	wantTick := queue.Tick{ContactID: c.ID, AuthorID: w.leader.ID, AuthorName: "leader", At: tick.At,
		SessionID: mine.ID, SessionName: "leader - Everyone"}
	if err != nil || !ok || tick != wantTick || !tick.At.Equal(loggedAt) {
		t.Fatalf("green tick %+v ok %v %v, want %+v at %v", tick, ok, err, wantTick, loggedAt)
	}
	if _, ok, err := w.s.ContactStatus(ctx, w.org.ID, w.supporters[1]); ok || err != nil {
		t.Fatalf("green tick without a contact: ok %v %v", ok, err)
	}

	got, ok, err := w.s.ContactForCall(ctx, w.org.ID, cl.Call.ID)
	if err != nil || !ok || got.ID != c.ID || got.Existing {
		t.Fatalf("contact for call: %+v ok %v %v", got, ok, err)
	}
	if _, ok, err := w.s.ContactForCall(ctx, w.org.ID, second.Call.ID); ok || err != nil {
		t.Fatalf("contact for a call with none: ok %v %v", ok, err)
	}
}

// R5.2: a contact logged without a call (met in person) also takes the
// supporter out of the queue, though they were never dialled.
func TestLogContactWithoutCall(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	c := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[0], Contacted: true,
		Method: queue.MethodInPerson, IdempotencyKey: "met-at-stall"})
	if c.CallID != 0 || c.Method != queue.MethodInPerson || c.Existing {
		t.Fatalf("logged %+v", c)
	}
	if next := mustNext(t, w, sess.ID); next != w.supporters[1] {
		t.Fatalf("next %d, want %d", next, w.supporters[1])
	}
	if got := w.status(t, sess.ID); got != queue.StatusNotStarted {
		t.Fatalf("status %s: a contact is neither a call nor a skip", got)
	}
}

// R5.3, R4.3: a retry, a double submit with the same key, or the keypad
// after the panel on the same call return the first log and change nothing.
func TestLogContactOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	cl := mustAnswer(t, w, sess.ID)
	panel := queue.ContactInput{CallID: cl.Call.ID, SupporterID: cl.Supporter.ID, Contacted: true,
		Notes: "Wants a yard sign", TagsAdd: []string{"sign"}, IdempotencyKey: "panel-1"}
	first := mustLog(t, w, w.leader, sess.ID, panel)
	before := contactState(t, w)
	w.clock.Advance(time.Second)

	cases := []struct {
		name string
		in   queue.ContactInput
	}{
		{"Retry", panel},
		{"SameKeyOtherContent", queue.ContactInput{CallID: cl.Call.ID, SupporterID: cl.Supporter.ID,
			Notes: "edited before the retry", TagsRemove: []string{"sign"}, IdempotencyKey: "panel-1"}},
		{"KeypadAfterPanel", queue.ContactInput{CallID: cl.Call.ID, SupporterID: cl.Supporter.ID,
			Contacted: false, IdempotencyKey: fmt.Sprintf("keypad-%d", cl.Call.ID)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			again := mustLog(t, w, w.leader, sess.ID, tc.in)
			if !again.Existing || again.ID != first.ID || !again.Contacted || again.Notes != first.Notes {
				t.Fatalf("second log returned %+v, want the first (%d) marked existing", again, first.ID)
			}
			if after := contactState(t, w); after != before {
				t.Fatalf("second log changed state:\n%s\n%s", before, after)
			}
		})
	}
	if c, ok, err := w.s.ContactForCall(ctx, w.org.ID, cl.Call.ID); err != nil || !ok || c.ID != first.ID {
		t.Fatalf("contact for call: %+v %v %v", c, ok, err)
	}

	// A key is the organisation's: reused for another supporter it is refused.
	_, err := w.s.LogContact(ctx, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[1], IdempotencyKey: "panel-1"})
	if queue.ErrorCode(err) != queue.ECONFLICT || queue.ErrorField(err) != "idempotency_key" {
		t.Fatalf("key reused for another supporter: %v", err)
	}
	if after := contactState(t, w); after != before {
		t.Fatalf("refused log changed state:\n%s\n%s", before, after)
	}
}

// R5.3 under races: ten submits of one log, or ten logs of one call with
// different keys (two tabs and the keypad), store exactly one contact.
func TestLogContactConcurrently(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		key  func(i int) string
	}{
		{"SameKey", func(int) string { return "double-click" }},
		{"SameCallOtherKeys", func(i int) string { return fmt.Sprintf("tab-%d", i) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2)
			sess := w.mustSession(t, w.leader)
			cl := mustAnswer(t, w, sess.ID)
			var wg sync.WaitGroup
			got := make([]queue.Contact, 10)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := w.s.LogContact(context.Background(), w.leader, sess.ID, queue.ContactInput{
						CallID: cl.Call.ID, SupporterID: cl.Supporter.ID, Contacted: true,
						TagsAdd: []string{fmt.Sprintf("tag-%d", i)}, IdempotencyKey: tc.key(i)})
					if err != nil {
						t.Error(err)
					}
					got[i] = c
				}()
			}
			wg.Wait()
			created := 0
			for _, c := range got {
				if c.ID != got[0].ID {
					t.Fatalf("concurrent logs returned contacts %d and %d", got[0].ID, c.ID)
				}
				if !c.Existing {
					created++
				}
			}
			if n := countContacts(t, w); created != 1 || n != 1 {
				t.Fatalf("%d logs say they created the contact, %d rows; want 1 and 1", created, n)
			}
			sp, err := w.s.Supporter(context.Background(), w.org.ID, cl.Supporter.ID)
			if err != nil || fmt.Sprint(sp.Tags) != fmt.Sprint(got[0].TagsAdded) {
				t.Fatalf("supporter tags %v (%v), want only the stored log's %v", sp.Tags, err, got[0].TagsAdded)
			}
		})
	}
}

// R5.4: the author or an admin corrects a log; every version is kept.
func TestCorrectContact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	author := newCaptain(t, w, "author")
	otherCaptain := newCaptain(t, w, "othercaptain")
	sess := w.mustSession(t, author)
	cl := mustAnswer(t, w, sess.ID)
	c := mustLog(t, w, author, sess.ID, queue.ContactInput{CallID: cl.Call.ID, SupporterID: cl.Supporter.ID,
		Contacted: true, Notes: "first", IdempotencyKey: "k"})
	loggedAt := w.clock.Now()

	w.clock.Advance(time.Minute)
	byAuthor, err := w.s.CorrectContact(ctx, author, c.ID, queue.ContactInput{Contacted: true,
		Method: queue.MethodSMS, Notes: "second", IdempotencyKey: "ignored", SupporterID: 999, CallID: 999})
	if err != nil {
		t.Fatal(err)
	}
	if byAuthor.Notes != "second" || byAuthor.Method != queue.MethodSMS || byAuthor.IdempotencyKey != "k" ||
		byAuthor.CallID != cl.Call.ID || byAuthor.SupporterID != cl.Supporter.ID || byAuthor.AuthorID != author.ID ||
		!byAuthor.UpdatedAt.Equal(w.clock.Now()) || !byAuthor.CreatedAt.Equal(loggedAt) {
		t.Fatalf("corrected by author: %+v", byAuthor)
	}
	correctedAt := w.clock.Now()
	history, err := w.s.ContactHistory(ctx, w.org.ID, c.ID)
	if err != nil || len(history) != 2 {
		t.Fatalf("history after one correction: %+v %v", history, err)
	}
	if h := history[0]; h.Notes != "first" || h.Method != queue.MethodPhone || h.WrittenBy != author.ID ||
		h.WrittenByName != "author" || !h.WrittenAt.Equal(loggedAt) || h.ReplacedAt == nil || !h.ReplacedAt.Equal(correctedAt) {
		t.Fatalf("first version: %+v", h)
	}
	if h := history[1]; h.Notes != "second" || h.WrittenBy != author.ID || h.ReplacedAt != nil {
		t.Fatalf("current version: %+v", h)
	}

	before := contactState(t, w)
	if _, err := w.s.CorrectContact(ctx, otherCaptain, c.ID, queue.ContactInput{Notes: "hijack"}); queue.ErrorCode(err) != queue.EFORBIDDEN {
		t.Fatalf("correction by another captain: %v, want forbidden", err)
	}
	if after := contactState(t, w); after != before {
		t.Fatalf("refused correction changed state:\n%s\n%s", before, after)
	}

	w.clock.Advance(time.Minute)
	byAdmin, err := w.s.CorrectContact(ctx, w.leader, c.ID, queue.ContactInput{Contacted: true, Notes: "third"})
	if err != nil || byAdmin.UpdatedBy != w.leader.ID || byAdmin.AuthorID != author.ID || byAdmin.Notes != "third" {
		t.Fatalf("corrected by admin: %+v %v", byAdmin, err)
	}
	history, err = w.s.ContactHistory(ctx, w.org.ID, c.ID)
	if err != nil || len(history) != 3 || history[1].Notes != "second" || !history[1].WrittenAt.Equal(correctedAt) ||
		history[2].WrittenBy != w.leader.ID || history[2].WrittenByName != "leader" {
		t.Fatalf("history after two corrections: %+v %v", history, err)
	}
	// The card's read of many contacts at once: the same earlier versions,
	// and nothing for another organisation.
	earlier, err := w.s.EarlierVersions(ctx, w.org.ID, []int64{c.ID})
	if err != nil || !reflect.DeepEqual(earlier[c.ID], history[:2]) {
		t.Fatalf("earlier versions %+v %v, want %+v", earlier[c.ID], err, history[:2])
	}
	if other, err := w.s.EarlierVersions(ctx, w.stranger(t).OrganisationID, []int64{c.ID}); err != nil || len(other) != 0 {
		t.Fatalf("another organisation read %+v %v", other, err)
	}
}

func TestCorrectContactRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	c := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[0], IdempotencyKey: "k"})
	cases := []struct {
		name    string
		actor   queue.User
		contact int64
		in      queue.ContactInput
		code    string
		field   string
	}{
		{"ErrNotesTooLong", w.leader, c.ID, queue.ContactInput{Notes: strings.Repeat("x", queue.MaxNotesLen+1)}, queue.EINVALID, "notes"},
		{"ErrMethod", w.leader, c.ID, queue.ContactInput{Method: "pigeon"}, queue.EINVALID, "method"},
		{"ErrRSVPWithoutEvent", w.leader, c.ID, queue.ContactInput{RSVP: queue.RSVPYes}, queue.EINVALID, "rsvp"},
		{"ErrNoContact", w.leader, 999999, queue.ContactInput{}, queue.ENOTFOUND, ""},
		{"ErrOtherOrganisation", w.stranger(t), c.ID, queue.ContactInput{}, queue.ENOTFOUND, ""},
	}
	before := contactState(t, w)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.s.CorrectContact(ctx, tc.actor, tc.contact, tc.in)
			if queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v, want %s on %q", err, tc.code, tc.field)
			}
		})
	}
	if after := contactState(t, w); after != before {
		t.Fatalf("refused corrections changed state:\n%s\n%s", before, after)
	}
	if _, err := w.s.ContactHistory(ctx, w.stranger(t).OrganisationID, c.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("history of another organisation's contact: %v", err)
	}
}

// R5.4 with R5.2: correcting "contacted" moves the supporter in and out of
// the queue; one attempted in this cycle stays out until the next cycle.
func TestCorrectContactMovesQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	met := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[0], Contacted: true,
		Method: queue.MethodInPerson, IdempotencyKey: "met"})
	steps := []struct {
		name      string
		contacted bool
		next      int64
	}{
		{"NotContacted", false, w.supporters[0]},
		{"ContactedAgain", true, w.supporters[1]},
	}
	for _, st := range steps {
		if _, err := w.s.CorrectContact(ctx, w.leader, met.ID, queue.ContactInput{Contacted: st.contacted, Method: queue.MethodInPerson}); err != nil {
			t.Fatal(err)
		}
		if next := mustNext(t, w, sess.ID); next != st.next {
			t.Fatalf("after %s: next %d, want %d", st.name, next, st.next)
		}
		if _, ok, err := w.s.ContactStatus(ctx, w.org.ID, w.supporters[0]); ok != st.contacted || err != nil {
			t.Fatalf("after %s: green tick %v %v", st.name, ok, err)
		}
	}

	cl := mustAnswer(t, w, sess.ID) // supporter 1
	called := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{CallID: cl.Call.ID, SupporterID: cl.Supporter.ID,
		Contacted: true, IdempotencyKey: "called"})
	if _, err := w.s.CorrectContact(ctx, w.leader, called.ID, queue.ContactInput{Contacted: false}); err != nil {
		t.Fatal(err)
	}
	if next := mustNext(t, w, sess.ID); next != w.supporters[2] {
		t.Fatalf("attempted this cycle yet next again: next %d, want %d", next, w.supporters[2])
	}
	var completed int
	if err := w.s.Pool().QueryRow(ctx, `SELECT count(*) FROM session_supporters
		WHERE session_id = $1 AND completed_at IS NOT NULL`, sess.ID).Scan(&completed); err != nil || completed != 1 {
		t.Fatalf("%d completed (%v), want 1 (supporter 0)", completed, err)
	}
}

// R5.1: tags are added and removed on the supporter, case-insensitively,
// by logs and by corrections.
func TestContactTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 1)
	sess := w.mustSession(t, w.leader)
	id := w.supporters[0]
	if _, err := w.s.Pool().Exec(ctx, `UPDATE supporters SET tags = '{Donor,volunteer}' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	tags := func() []string {
		t.Helper()
		sp, err := w.s.Supporter(ctx, w.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if !sp.UpdatedAt.Equal(w.clock.Now()) {
			t.Fatalf("supporter updated at %v, want %v", sp.UpdatedAt, w.clock.Now())
		}
		return sp.Tags
	}
	c := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{SupporterID: id, IdempotencyKey: "k",
		TagsAdd: []string{" member ", "DONOR", "member"}, TagsRemove: []string{"VOLUNTEER"}})
	if got := tags(); !slices.Equal(got, []string{"Donor", "member"}) {
		t.Fatalf("tags after log: %v", got)
	}
	if !slices.Equal(c.TagsAdded, []string{"DONOR", "member"}) || !slices.Equal(c.TagsRemoved, []string{"VOLUNTEER"}) {
		t.Fatalf("log keeps tags %v / %v", c.TagsAdded, c.TagsRemoved)
	}
	w.clock.Advance(time.Minute)
	if _, err := w.s.CorrectContact(ctx, w.leader, c.ID, queue.ContactInput{TagsAdd: []string{"vip"}, TagsRemove: []string{"Member"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); !slices.Equal(got, []string{"Donor", "vip"}) {
		t.Fatalf("tags after correction: %v", got)
	}

	before := contactState(t, w)
	many := make([]string, queue.MaxTags)
	for i := range many {
		many[i] = fmt.Sprintf("t%03d", i)
	}
	_, err := w.s.LogContact(ctx, w.leader, sess.ID, queue.ContactInput{SupporterID: id, IdempotencyKey: "k2", TagsAdd: many})
	if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "tags" {
		t.Fatalf("log taking the supporter past %d tags: %v", queue.MaxTags, err)
	}
	if after := contactState(t, w); after != before {
		t.Fatalf("refused log changed state:\n%s\n%s", before, after)
	}
}

// R5.1, R1.4: RSVP only when the session's list is tied to an event.
func TestContactRSVP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	_, err := w.s.LogContact(ctx, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[0],
		Contacted: true, RSVP: queue.RSVPYes, IdempotencyKey: "k"})
	if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "rsvp" {
		t.Fatalf("RSVP on a list without an event: %v", err)
	}
	if n := countContacts(t, w); n != 0 {
		t.Fatalf("%d contacts after a refused log", n)
	}
	agm := mustEvent(t, w.s, w.org.ID, w.group.ID, "AGM")
	if _, err := w.s.UpdateList(ctx, w.org.ID, w.list.ID, w.list.Name, agm.ID); err != nil {
		t.Fatal(err)
	}
	c := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[0],
		Contacted: true, RSVP: queue.RSVPMaybe, IdempotencyKey: "k"})
	if c.RSVP != queue.RSVPMaybe || c.Existing {
		t.Fatalf("logged %+v", c)
	}
	if c, err = w.s.CorrectContact(ctx, w.leader, c.ID, queue.ContactInput{Contacted: true, RSVP: queue.RSVPYes}); err != nil || c.RSVP != queue.RSVPYes {
		t.Fatalf("corrected RSVP: %+v %v", c, err)
	}
	history, err := w.s.ContactHistory(ctx, w.org.ID, c.ID)
	if err != nil || len(history) != 2 || history[0].RSVP != queue.RSVPMaybe || history[1].RSVP != queue.RSVPYes {
		t.Fatalf("RSVP history: %+v %v", history, err)
	}
}

// R12: every bad log is refused naming the field and changes nothing.
func TestLogContactBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	mine := w.mustSession(t, w.leader)
	theirs := w.mustSession(t, w.mustLeader(t, "other"))
	myCall := mustAnswer(t, w, mine.ID)    // supporter 0
	theirCall := w.mustClaim(t, theirs.ID) // supporter 1: 0 is cooling down
	leaderLeg, err := w.s.StartLeaderCall(ctx, w.org.ID, mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	member := w.mustLeader(t, "member")
	member.Admin, member.Roles = false, map[int64]queue.Role{w.group.ID: queue.RoleMember}
	ok := queue.ContactInput{CallID: myCall.Call.ID, SupporterID: w.supporters[0], Contacted: true, IdempotencyKey: "k"}
	with := func(change func(*queue.ContactInput)) queue.ContactInput {
		in := ok
		change(&in)
		return in
	}
	cases := []struct {
		name    string
		actor   queue.User
		session int64
		in      queue.ContactInput
		code    string
		field   string
	}{
		{"ErrNotesTooLong", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.Notes = strings.Repeat("é", queue.MaxNotesLen+1) }), queue.EINVALID, "notes"},
		{"ErrNotesNotText", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.Notes = "a\x00b" }), queue.EINVALID, "notes"},
		{"ErrNoKey", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.IdempotencyKey = " " }), queue.EINVALID, "idempotency_key"},
		{"ErrKeyTooLong", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.IdempotencyKey = strings.Repeat("k", 201) }), queue.EINVALID, "idempotency_key"},
		{"ErrMethod", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.Method = "Phone Call" }), queue.EINVALID, "method"},
		{"ErrRSVP", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.RSVP = "perhaps" }), queue.EINVALID, "rsvp"},
		{"ErrTagTooLong", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.TagsAdd = []string{strings.Repeat("t", 51)} }), queue.EINVALID, "tags"},
		{"ErrCallOfAnotherSession", w.leader, mine.ID, with(func(in *queue.ContactInput) {
			in.CallID, in.SupporterID = theirCall.Call.ID, theirCall.Supporter.ID
		}), queue.ENOTFOUND, "call_id"},
		{"ErrCallOfAnotherSupporter", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.SupporterID = w.supporters[2] }), queue.ENOTFOUND, "call_id"},
		{"ErrLeaderLeg", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.CallID = leaderLeg.ID }), queue.ENOTFOUND, "call_id"},
		{"ErrNoCall", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.CallID = 999999 }), queue.ENOTFOUND, "call_id"},
		{"ErrSupporterOfAnotherSession", w.leader, mine.ID, with(func(in *queue.ContactInput) { in.CallID, in.SupporterID = 0, w.outsider(t) }), queue.ENOTFOUND, "supporter_id"},
		{"ErrSessionOfAnotherOrganisation", w.stranger(t), mine.ID, ok, queue.ENOTFOUND, ""},
		{"ErrNoSession", w.leader, 999999, ok, queue.ENOTFOUND, ""},
		{"ErrMember", member, mine.ID, ok, queue.EFORBIDDEN, ""},
	}
	before := contactState(t, w)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.s.LogContact(ctx, tc.actor, tc.session, tc.in)
			if queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v, want %s on %q", err, tc.code, tc.field)
			}
		})
	}
	if after := contactState(t, w); after != before {
		t.Fatalf("refused logs changed state:\n%s\n%s", before, after)
	}
	// The longest notes allowed, counted in characters, are fine.
	c := mustLog(t, w, w.leader, mine.ID, with(func(in *queue.ContactInput) { in.Notes = strings.Repeat("é", queue.MaxNotesLen) }))
	if len([]rune(c.Notes)) != queue.MaxNotesLen {
		t.Fatalf("stored %d characters of notes", len([]rune(c.Notes)))
	}
}

// The readers refuse other organisations' ids and bad page sizes.
func TestContactReadsBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	first := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[0], Notes: "busy, try later", IdempotencyKey: "a"})
	w.clock.Advance(time.Hour)
	second := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{SupporterID: w.supporters[0], Contacted: true, Notes: "done", IdempotencyKey: "b"})
	got, err := w.s.ContactsOf(ctx, w.org.ID, w.supporters[0], 10)
	if err != nil || len(got) != 2 || got[0].ID != second.ID || got[1].ID != first.ID {
		t.Fatalf("contacts of supporter, newest first: %+v %v", got, err)
	}
	if got, err := w.s.ContactsOf(ctx, w.org.ID, w.supporters[1], 10); err != nil || len(got) != 0 {
		t.Fatalf("contacts of a supporter with none: %+v %v", got, err)
	}
	other := w.stranger(t).OrganisationID
	cases := []struct {
		name  string
		call  func() error
		code  string
		field string
	}{
		{"ContactsOfLimitZero", func() error { _, err := w.s.ContactsOf(ctx, w.org.ID, w.supporters[0], 0); return err }, queue.EINVALID, "limit"},
		{"ContactsOfLimitTooBig", func() error {
			_, err := w.s.ContactsOf(ctx, w.org.ID, w.supporters[0], queue.MaxContactsPage+1)
			return err
		}, queue.EINVALID, "limit"},
		{"ContactsOfOtherOrganisation", func() error { _, err := w.s.ContactsOf(ctx, other, w.supporters[0], 10); return err }, queue.ENOTFOUND, ""},
		{"StatusOfOtherOrganisation", func() error { _, _, err := w.s.ContactStatus(ctx, other, w.supporters[0]); return err }, queue.ENOTFOUND, ""},
		{"ForCallOfOtherOrganisation", func() error { _, _, err := w.s.ContactForCall(ctx, other, 999999); return err }, queue.ENOTFOUND, ""},
		{"HistoryOfNoContact", func() error { _, err := w.s.ContactHistory(ctx, w.org.ID, 999999); return err }, queue.ENOTFOUND, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v, want %s on %q", err, tc.code, tc.field)
			}
		})
	}
}

func TestContactMethodLabels(t *testing.T) {
	t.Parallel()
	var got []string
	for _, m := range queue.ContactMethods {
		got = append(got, m.Label())
	}
	if want := "Phone Call, SMS, Email, In person, Other"; strings.Join(got, ", ") != want {
		t.Fatalf("labels %q, want %q", strings.Join(got, ", "), want)
	}
}

// A log racing the end of its call, and in-person logs racing claims,
// skips and prioritises in the same session, all succeed (no deadlock), no
// call stays live, and every contacted supporter is out of the queue.
func TestLogContactRacingCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 40)
	sess := w.mustSession(t, w.leader)
	for i := range 10 {
		cl := w.mustClaim(t, sess.ID)
		if _, err := w.s.CallAnswered(ctx, w.org.ID, cl.Call.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := w.s.CallEnded(ctx, w.org.ID, cl.Call.ID, queue.OutcomeCut, 16, ""); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := w.s.LogContact(ctx, w.leader, sess.ID, queue.ContactInput{CallID: cl.Call.ID,
				SupporterID: cl.Supporter.ID, Contacted: true, IdempotencyKey: fmt.Sprint("call-", i)}); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
	}
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		for _, id := range slices.Backward(w.supporters[10:]) {
			err := w.s.Prioritise(ctx, w.leader, sess.ID, id)
			if code := queue.ErrorCode(err); code != "" && code != queue.ECONFLICT {
				t.Errorf("prioritise: %v", err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range 10 {
			cl, ok, err := w.s.Claim(ctx, w.org.ID, sess.ID)
			if err != nil {
				t.Errorf("claim: %v", err)
			}
			if !ok {
				return
			}
			w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
		}
	}()
	go func() {
		defer wg.Done()
		for _, id := range w.supporters[10:] {
			_, err := w.s.LogContact(ctx, w.leader, sess.ID, queue.ContactInput{SupporterID: id, Contacted: true,
				Method: queue.MethodInPerson, IdempotencyKey: fmt.Sprint("met-", id)})
			if err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for _, id := range w.supporters[10:] {
			_, err := w.s.Skip(ctx, w.leader, sess.ID, id, queue.SkipInput{Type: queue.Skip15Minutes})
			if code := queue.ErrorCode(err); code != "" && code != queue.ECONFLICT {
				t.Errorf("skip: %v", err)
			}
		}
	}()
	wg.Wait()
	var completed, live int
	if err := w.s.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM session_supporters WHERE session_id = $1 AND completed_at IS NOT NULL),
		(SELECT count(*) FROM call_records WHERE state <> 'ended')`, sess.ID).Scan(&completed, &live); err != nil {
		t.Fatal(err)
	}
	if completed != 40 || live != 0 {
		t.Fatalf("%d supporters completed and %d calls live, want 40 and 0", completed, live)
	}
}

// A supporter leg cut while (or after) a "not contacted" outcome is logged
// for it ends answered, and its supporter is done with for the cycle, not
// put first in the queue again (R4.4) — whichever of the log and the end
// reaches the database first. The rule is decided by the two statements,
// so no caller can read "nothing logged" just before a log lands.
func TestCutCallWithALogEndsAnswered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, order := range []string{"log first", "end first", "together"} {
		t.Run(order, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 20)
			sess := w.mustSession(t, w.leader)
			for i := range 6 {
				cl := w.mustClaim(t, sess.ID)
				if _, err := w.s.CallAnswered(ctx, w.org.ID, cl.Call.ID); err != nil {
					t.Fatal(err)
				}
				end := func() {
					if _, err := w.s.CallEnded(ctx, w.org.ID, cl.Call.ID, queue.OutcomeCut, 16, "leader hung up"); err != nil {
						t.Error(err)
					}
				}
				log := func() {
					if _, err := w.s.LogContact(ctx, w.leader, sess.ID, queue.ContactInput{CallID: cl.Call.ID,
						SupporterID: cl.Supporter.ID, Contacted: false, IdempotencyKey: fmt.Sprint("cut-", i)}); err != nil {
						t.Error(err)
					}
				}
				switch order {
				case "log first":
					log()
					end()
				case "end first":
					end()
					log()
				default:
					var wg sync.WaitGroup
					wg.Go(end)
					wg.Go(log)
					wg.Wait()
				}
				var outcome string
				var attempted bool
				if err := w.s.Pool().QueryRow(ctx, `SELECT c.outcome::text, ss.attempted FROM call_records c
					JOIN session_supporters ss ON ss.session_id = c.session_id AND ss.supporter_id = c.supporter_id
					WHERE c.id = $1`, cl.Call.ID).Scan(&outcome, &attempted); err != nil {
					t.Fatal(err)
				}
				if outcome != "answered" || !attempted {
					t.Fatalf("call %d: outcome %s, attempted %v; want answered and attempted (not called first again)", i, outcome, attempted)
				}
			}
		})
	}
}

// TestRecordTimesWithSkewedClocks: instances' clocks disagree (one runs 2
// minutes ahead); a call begun by one and answered and ended by another
// still has times in order, and the supporter's next call in another
// session begins after the last one ended, so one supporter's records
// never overlap (R4.6, R7.2). Before, the end broke the schema's order
// check and the record stayed live for ever.
func TestRecordTimesWithSkewedClocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 1)
	ahead := queue.NewStore(w.s.Pool(), &testClock{t: w.clock.Now().Add(2 * time.Minute)})
	first := w.mustSession(t, w.leader)
	cl, ok, err := ahead.Claim(ctx, w.org.ID, first.ID)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := w.s.CallAnswered(ctx, w.org.ID, cl.Call.ID); err != nil {
		t.Fatalf("answered by the instance behind: %v", err)
	}
	ended, err := w.s.CallEnded(ctx, w.org.ID, cl.Call.ID, queue.OutcomeCut, 16, "")
	if err != nil {
		t.Fatalf("ended by the instance behind: %v", err)
	}
	if ended.EndedAt.Before(*ended.AnsweredAt) || ended.AnsweredAt.Before(ended.OriginatedAt) {
		t.Fatalf("times out of order: originated %v, answered %v, ended %v", ended.OriginatedAt, ended.AnsweredAt, ended.EndedAt)
	}
	again, ok, err := w.s.Claim(ctx, w.org.ID, first.ID) // cut: called again first, no cool-down
	if err != nil || !ok {
		t.Fatalf("claim again: %v %v", ok, err)
	}
	if again.Call.OriginatedAt.Before(*ended.EndedAt) {
		t.Fatalf("the next call began at %v, before the last ended at %v", again.Call.OriginatedAt, *ended.EndedAt)
	}
}
