package chaos

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/queue"
)

// Leaders is how many leaders work the evening at once (issue 12).
const Leaders = 20

// The lists of the evening: some shared by four sessions, as on a real
// evening, some a leader has alone, and one so short its cycle completes
// during the evening (R4.5). Lists have supporters of their own, so the
// sessions of different lists never compete for one.
var listPlan = []struct {
	supporters, sessions int
}{
	{60, 4}, {60, 4}, {60, 4}, {60, 4},
	{25, 1}, {25, 1}, {25, 1},
	{4, 1},
}

// world is the evening's population.
type world struct {
	org      queue.Organisation
	sessions []session
	// supporterOf maps a supporter's number to their id; leaderOf a
	// leader's mobile to their session's index.
	supporterOf map[string]int64
	leaderOf    map[string]int
}

// session is one leader's calling session.
type session struct {
	id     int64
	listID int64
	leader queue.User
	// wave orders resumes: sessions of one list resume one wave apart, so
	// the supporter each is expected to dial is read after the previous
	// session of its list has dialled its own (resume.go).
	wave int
}

const (
	callerID      = "+442035550100"
	ariUser       = "callingd"
	ariSecret     = "chaos-drill-secret"
	keyEvery      = 400 * time.Millisecond
	ringTime      = 5 * time.Second // the shortest ring timeout an organisation may set
	leaderFrom    = "+447400"
	supporterFrom = "+447911"
)

// populate creates the organisation (calling all day, so the drill runs at
// any hour; the leader confirms with a key, as by default), its lists and
// supporters, the leaders and their sessions.
func populate(ctx context.Context, store *queue.Store) (*world, error) {
	o := queue.NewOrganisation("chaos", "Chaos Drill")
	o.Timezone, o.AllowedPrefixes, o.CallerID, o.CallerName = "Europe/London", []string{"+44"}, callerID, "Chaos Drill"
	// 24:00 itself is refused by the schema (organisations_check: the
	// window's end casts to 00:00), though Validate allows it.
	o.CallingWindowStart, o.CallingWindowEnd = 0, 24*time.Hour-time.Second
	o.RingTimeout = ringTime
	org, err := store.CreateOrganisation(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("populate: %w", err)
	}
	group, err := store.CreateGroup(ctx, org.ID, "Everyone")
	if err != nil {
		return nil, fmt.Errorf("populate: %w", err)
	}
	w := &world{org: org, supporterOf: map[string]int64{}, leaderOf: map[string]int{}}
	for i, plan := range listPlan {
		list, err := w.addList(ctx, store, group.ID, i, plan.supporters)
		if err != nil {
			return nil, err
		}
		for wave := range plan.sessions {
			if err := w.addSession(ctx, store, list, wave); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

func (w *world) addList(ctx context.Context, store *queue.Store, groupID int64, n, supporters int) (queue.List, error) {
	list, err := store.CreateList(ctx, w.org.ID, groupID, fmt.Sprintf("List %d", n), 0)
	if err != nil {
		return list, fmt.Errorf("populate: %w", err)
	}
	var ids []int64
	for range supporters {
		phone := fmt.Sprintf("%s%06d", supporterFrom, len(w.supporterOf))
		sp, err := store.CreateSupporter(ctx, w.org.ID, groupID, queue.SupporterInput{
			FirstName: fmt.Sprintf("Supporter %d", len(w.supporterOf)), Phone: phone})
		if err != nil {
			return list, fmt.Errorf("populate: %w", err)
		}
		w.supporterOf[sp.Phone.E164] = sp.ID
		ids = append(ids, sp.ID)
	}
	if _, err := store.AddListMembers(ctx, w.org.ID, list.ID, ids); err != nil {
		return list, fmt.Errorf("populate: %w", err)
	}
	return list, nil
}

func (w *world) addSession(ctx context.Context, store *queue.Store, list queue.List, wave int) error {
	n := len(w.sessions)
	leader, err := store.CreateUser(ctx, w.org.ID, queue.UserInput{FirstName: fmt.Sprintf("Leader %d", n),
		Email: fmt.Sprintf("leader%d@chaos.example.org", n), Password: "a long enough secret",
		Mobile: fmt.Sprintf("%s%06d", leaderFrom, n), Admin: true})
	if err != nil {
		return fmt.Errorf("populate: %w", err)
	}
	sess, _, err := store.StartSession(ctx, leader, list.ID, "")
	if err != nil {
		return fmt.Errorf("populate: %w", err)
	}
	w.sessions = append(w.sessions, session{id: sess.ID, listID: list.ID, leader: leader, wave: wave})
	w.leaderOf[leader.Mobile] = n
	return nil
}

// scriptPhones gives every phone its part for the evening: leaders answer,
// confirm and keep pressing keys; supporters answer and talk, answer and
// wait for the leader's *, are busy, ring out, or cannot be reached.
func (w *world) scriptPhones(sim *arisim.Sim, seed uint64, evening time.Duration) {
	rng := rand.New(rand.NewPCG(seed, 12))
	for _, mobile := range slices.Sorted(maps.Keys(w.leaderOf)) {
		sim.SetScript(mobile, eveningLeader(rng, evening))
	}
	for _, number := range slices.Sorted(maps.Keys(w.supporterOf)) {
		sim.SetScript(number, eveningSupporter(rng))
	}
}

// eveningLeader answers at once, confirms with # (R4.1), then presses a
// key every keyEvery for longer than the evening lasts. Every third key is
// *, so a supporter who never hangs up is let go within about a second and
// a session can always move on; the others are 1 and 2 (log and next), 5
// (just next), and now and then 9 (wrong number) or another *.
func eveningLeader(rng *rand.Rand, evening time.Duration) arisim.Script {
	sc := arisim.Script{Keys: []arisim.KeyPress{{After: 300 * time.Millisecond, Digit: "#"}}}
	next := []string{"1", "2", "5"}
	anyKey := []string{"1", "2", "5", "5", "9", "*"}
	for i, at := 0, 300*time.Millisecond+keyEvery; at < evening+30*time.Second; i, at = i+1, at+keyEvery {
		digit := "*"
		switch i % 3 {
		case 1:
			digit = next[rng.IntN(len(next))]
		case 2:
			digit = anyKey[rng.IntN(len(anyKey))]
		}
		sc.Keys = append(sc.Keys, arisim.KeyPress{After: at, Digit: digit})
	}
	return sc
}

// resumingLeader answers and confirms, then presses nothing: the session
// dials its first supporter and waits, so the next session of its list
// can be checked against a queue that stands still (resume.go).
var resumingLeader = arisim.Script{Keys: []arisim.KeyPress{{After: 300 * time.Millisecond, Digit: "#"}}}

// goneLeader is a leader whose evening is over: a ring finds them busy.
var goneLeader = arisim.Script{Outcome: arisim.Busy}

func eveningSupporter(rng *rand.Rand) arisim.Script {
	ring := time.Duration(200+rng.IntN(1000)) * time.Millisecond
	switch p := rng.IntN(100); {
	case p < 55:
		return arisim.Script{RingFor: ring, HangupAfter: time.Duration(1000+rng.IntN(2500)) * time.Millisecond}
	case p < 72:
		return arisim.Script{RingFor: ring} // talks until the leader presses *
	case p < 84:
		return arisim.Script{Outcome: arisim.Busy, RingFor: ring}
	case p < 94:
		return arisim.Script{Outcome: arisim.NoAnswer}
	default:
		return arisim.Script{Outcome: arisim.Unreachable, RingFor: ring}
	}
}
