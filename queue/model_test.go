package queue_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// The model-based test: random sequences of operations on two sessions of
// one list, checked after every step against a small in-memory model of the
// rules (R4.4, R5.2, R6, R7.1–R7.3, R8.1–R8.4).

type modelRow struct {
	onList, attempted, completed bool
	skip                         queue.SkipType
	until                        time.Time
}

type modelSession struct {
	id       int64
	leader   queue.User
	order    []int64 // every row, on the list or not, in queue order
	rows     map[int64]*modelRow
	live     int64 // call id of the live supporter leg, 0 if none
	liveWho  int64
	lastCall int64 // the last supporter leg that ended, for logging
	lastWho  int64
	lastCut  *time.Time // when lastCall ended, if it ended cut
}

type model struct {
	now      time.Time
	london   *time.Location
	liveCall map[int64]bool      // supporter on a call, any session
	lastCall map[int64]time.Time // when the supporter's last counted call ended
	logged   map[int64]bool      // calls with a contact
	sessions []*modelSession
}

const modelCooldown = 20 * time.Minute

func (m *model) skipActive(r *modelRow) bool {
	switch r.skip {
	case "":
		return false
	case queue.SkipCycle, queue.SkipRemove:
		return true
	}
	return r.until.After(m.now)
}

func (m *model) available(ms *modelSession, id int64) bool {
	r := ms.rows[id]
	if !r.onList || r.attempted || r.completed || m.skipActive(r) || m.liveCall[id] {
		return false
	}
	if last, ok := m.lastCall[id]; ok && last.After(m.now.Add(-modelCooldown)) {
		return false
	}
	local := m.now.In(m.london)
	minutes := local.Hour()*60 + local.Minute()
	return minutes >= 9*60 && minutes < 20*60
}

func (m *model) next(ms *modelSession) int64 {
	for _, id := range ms.order {
		if m.available(ms, id) {
			return id
		}
	}
	return 0
}

// moveTo puts id at index at of the order without it.
func (ms *modelSession) moveTo(id int64, at int) {
	ms.order = slices.DeleteFunc(ms.order, func(x int64) bool { return x == id })
	ms.order = slices.Insert(ms.order, at, id)
}

// cycleChanged: someone was attempted or skipped for the cycle, so a new
// cycle would change something.
func (ms *modelSession) cycleChanged() bool {
	for _, row := range ms.rows {
		if row.attempted || row.skip == queue.SkipCycle {
			return true
		}
	}
	return false
}

func (ms *modelSession) visible() []int64 {
	var ids []int64
	for _, id := range ms.order {
		if ms.rows[id].onList {
			ids = append(ids, id)
		}
	}
	return ids
}

// modelRun drives one random evening and checks the store against the model.
type modelRun struct {
	t   *testing.T
	w   *world
	m   *model
	rnd *rand.Rand
	log []string
}

func (r *modelRun) fail(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("after steps:\n  %s\n%s\nstore:\n%s", joinLines(r.log), fmt.Sprintf(format, args...), r.dump())
}

// dump lists every session row as the store holds it, for failure reports.
func (r *modelRun) dump() string {
	rows, err := r.w.s.Pool().Query(context.Background(), `
		SELECT ss.session_id, ss.supporter_id, ss.sort_key::text, ss.on_list, ss.attempted, ss.completed_at IS NOT NULL,
			coalesce(ss.skip_type::text, ''), coalesce(to_char(ss.skip_until, 'HH24:MI'), ''),
			coalesce(sp.live_call_id, 0), coalesce(to_char(sp.last_call_at, 'HH24:MI'), '')
		FROM session_supporters ss JOIN supporters sp ON sp.id = ss.supporter_id
		ORDER BY ss.session_id, ss.sort_key`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	out := "session supporter sort_key on_list attempted completed skip until live_call last_call\n"
	for rows.Next() {
		var session, supporter, live int64
		var key, skip, until, last string
		var onList, attempted, completed bool
		if err := rows.Scan(&session, &supporter, &key, &onList, &attempted, &completed, &skip, &until, &live, &last); err != nil {
			return err.Error()
		}
		out += fmt.Sprintln(session, supporter, key, onList, attempted, completed, skip, until, live, last)
	}
	return out
}

func joinLines(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "\n  "
		}
		out += s
	}
	return out
}

func (r *modelRun) expectCode(op string, err error, want string) {
	r.t.Helper()
	if queue.ErrorCode(err) != want {
		r.fail("%s: got %v, want code %q", op, err, want)
	}
}

// modelSeeds: go test ./queue -run TestModel -model.seeds 200 for a deeper run.
var modelSeeds = flag.Int("model.seeds", 6, "random evenings the model-based test plays")
var modelFrom = flag.Int("model.from", 0, "first seed of the model-based test")

func TestModel(t *testing.T) {
	t.Parallel()
	for seed := range *modelSeeds + *modelFrom {
		if seed < *modelFrom {
			continue
		}
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			runModel(t, uint64(seed), 160)
		})
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	w := newWorld(t, 8)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	m := &model{now: w.clock.Now(), london: london, liveCall: map[int64]bool{},
		lastCall: map[int64]time.Time{}, logged: map[int64]bool{}}
	for i := range 2 {
		leader := w.mustLeader(t, fmt.Sprint("leader", i))
		sess := w.mustSession(t, leader)
		ms := &modelSession{id: sess.ID, leader: leader, order: slices.Clone(w.supporters), rows: map[int64]*modelRow{}}
		for _, id := range w.supporters {
			ms.rows[id] = &modelRow{onList: true}
		}
		m.sessions = append(m.sessions, ms)
	}
	r := &modelRun{t: t, w: w, m: m, rnd: rand.New(rand.NewPCG(seed, 42))}
	ops := []struct {
		weight int
		run    func(*modelSession)
	}{
		{6, r.claim}, {6, r.end}, {3, r.logContact}, {3, r.skip}, {2, r.unskip}, {2, r.prioritise},
		{2, r.advance}, {1, r.addToList}, {1, r.removeFromList}, {2, r.newCycle},
	}
	total := 0
	for _, op := range ops {
		total += op.weight
	}
	for range steps {
		ms := m.sessions[r.rnd.IntN(len(m.sessions))]
		pick := r.rnd.IntN(total)
		for _, op := range ops {
			if pick < op.weight {
				op.run(ms)
				break
			}
			pick -= op.weight
		}
		r.check()
	}
}

// check compares every session's queue order and next supporter, and its
// progress counts (kept by triggers, migration 0006) with a recount.
func (r *modelRun) check() {
	r.t.Helper()
	if diff := progressDrift(r.w); diff != "" {
		r.fail("progress counts: %s", diff)
	}
	for _, ms := range r.m.sessions {
		if got, want := queueOrder(r.t, r.w, ms.id), ms.visible(); fmt.Sprint(got) != fmt.Sprint(want) {
			r.fail("session %d order %v, model %v", ms.id, got, want)
		}
		sp, ok, err := r.w.s.Next(context.Background(), r.w.org.ID, ms.id)
		if err != nil {
			r.fail("next: %v", err)
		}
		if want := r.m.next(ms); (want != 0) != ok || (ok && sp.ID != want) {
			r.fail("session %d next %d (ok %v), model %d", ms.id, sp.ID, ok, want)
		}
	}
}

func (r *modelRun) step(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf("%s ", r.m.now.Format("15:04"))+fmt.Sprintf(format, args...))
}

func (r *modelRun) claim(ms *modelSession) {
	r.step("claim s%d", ms.id)
	cl, ok, err := r.w.s.Claim(context.Background(), r.w.org.ID, ms.id)
	want := r.m.next(ms)
	if ms.live != 0 && want != 0 {
		r.expectCode("claim with a live leg", err, queue.ECONFLICT)
		return
	}
	if err != nil || ok != (want != 0) || (ok && cl.Supporter.ID != want) {
		r.fail("claim: %d ok %v err %v, model %d", cl.Supporter.ID, ok, err, want)
	}
	if ok {
		ms.live, ms.liveWho = cl.Call.ID, want
		ms.rows[want].attempted = true
		r.m.liveCall[want] = true
	}
}

var modelOutcomes = []queue.Outcome{queue.OutcomeAnswered, queue.OutcomeNoAnswer, queue.OutcomeBusy, queue.OutcomeFailed, queue.OutcomeCut}

func (r *modelRun) end(ms *modelSession) {
	if ms.live == 0 {
		return
	}
	outcome := modelOutcomes[r.rnd.IntN(len(modelOutcomes))]
	r.step("end s%d call %d (supporter %d) %s", ms.id, ms.live, ms.liveWho, outcome)
	if _, err := r.w.s.CallEnded(context.Background(), r.w.org.ID, ms.live, outcome, 16, ""); err != nil {
		r.fail("end: %v", err)
	}
	id := ms.liveWho
	r.m.liveCall[id] = false
	if outcome == queue.OutcomeCut {
		if !ms.rows[id].completed && !r.m.logged[ms.live] {
			ms.rows[id].attempted = false
			ms.moveTo(id, 0)
		}
	} else {
		r.m.lastCall[id] = r.m.now
	}
	ms.lastCut = nil
	if outcome == queue.OutcomeCut {
		ended := r.m.now
		ms.lastCut = &ended
	}
	ms.lastCall, ms.lastWho, ms.live, ms.liveWho = ms.live, id, 0, 0
}

func (r *modelRun) logContact(ms *modelSession) {
	if ms.lastCall == 0 || r.m.logged[ms.lastCall] {
		return
	}
	contacted := r.rnd.IntN(2) == 0
	r.step("log s%d call %d contacted %v", ms.id, ms.lastCall, contacted)
	_, err := r.w.s.LogContact(context.Background(), ms.leader, ms.id, queue.ContactInput{
		CallID: ms.lastCall, SupporterID: ms.lastWho, Contacted: contacted, Method: queue.MethodPhone,
		IdempotencyKey: fmt.Sprint("call-", ms.lastCall)})
	if err != nil {
		r.fail("log contact: %v", err)
	}
	r.m.logged[ms.lastCall] = true
	if contacted {
		ms.rows[ms.lastWho].completed = true
	}
	if ms.lastCut != nil {
		// Logged after the cut: the call was answered after all (R4.4), so
		// the supporter is done with for the cycle and cools down.
		if !contacted {
			ms.rows[ms.lastWho].attempted = true
		}
		if ms.lastCut.After(r.m.lastCall[ms.lastWho]) {
			r.m.lastCall[ms.lastWho] = *ms.lastCut
		}
		ms.lastCut = nil
	}
}

var modelSkipTypes = []queue.SkipType{queue.Skip15Minutes, queue.Skip30Minutes, queue.Skip1Hour, queue.Skip2Hours,
	queue.SkipToday, queue.SkipCycle, queue.SkipRemove}

func (r *modelRun) onListSupporter(ms *modelSession) int64 {
	ids := ms.visible()
	if len(ids) == 0 {
		return 0
	}
	return ids[r.rnd.IntN(len(ids))]
}

func (r *modelRun) skip(ms *modelSession) {
	id := r.onListSupporter(ms)
	if id == 0 {
		return
	}
	typ := modelSkipTypes[r.rnd.IntN(len(modelSkipTypes))]
	r.step("skip s%d supporter %d %s", ms.id, id, typ)
	_, err := r.w.s.Skip(context.Background(), ms.leader, ms.id, id, queue.SkipInput{Type: typ, Reason: "model"})
	row := ms.rows[id]
	if ms.liveWho == id || row.completed {
		r.expectCode("skip", err, queue.ECONFLICT)
		return
	}
	if err != nil {
		r.fail("skip: %v", err)
	}
	row.skip, row.until = typ, time.Time{}
	switch typ {
	case queue.Skip15Minutes, queue.Skip30Minutes, queue.Skip1Hour, queue.Skip2Hours:
		d := map[queue.SkipType]time.Duration{queue.Skip15Minutes: 15 * time.Minute, queue.Skip30Minutes: 30 * time.Minute,
			queue.Skip1Hour: time.Hour, queue.Skip2Hours: 2 * time.Hour}[typ]
		row.until = r.m.now.Add(d)
	case queue.SkipToday:
		l := r.m.now.In(r.m.london)
		row.until = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, r.m.london)
	}
}

func (r *modelRun) unskip(ms *modelSession) {
	id := r.onListSupporter(ms)
	if id == 0 {
		return
	}
	r.step("unskip s%d supporter %d", ms.id, id)
	err := r.w.s.Unskip(context.Background(), ms.leader, ms.id, id)
	row := ms.rows[id]
	if !r.m.skipActive(row) {
		r.expectCode("unskip", err, queue.ECONFLICT)
		return
	}
	if err != nil {
		r.fail("unskip: %v", err)
	}
	row.skip, row.until = "", time.Time{}
}

func (r *modelRun) prioritise(ms *modelSession) {
	id := ms.order[r.rnd.IntN(len(ms.order))]
	r.step("prioritise s%d supporter %d", ms.id, id)
	err := r.w.s.Prioritise(context.Background(), ms.leader, ms.id, id)
	row, next := ms.rows[id], r.m.next(ms)
	switch {
	case !row.onList:
		r.expectCode("prioritise off the list", err, queue.ENOTFOUND)
	case row.completed || id == next:
		r.expectCode("prioritise", err, queue.ECONFLICT)
	case err != nil:
		r.fail("prioritise: %v", err)
	case next == 0:
		ms.moveTo(id, 0)
	default:
		ms.moveTo(id, slices.Index(slices.DeleteFunc(slices.Clone(ms.order), func(x int64) bool { return x == id }), next)+1)
	}
}

func (r *modelRun) advance(*modelSession) {
	d := time.Duration(1+r.rnd.IntN(40)) * time.Minute
	r.step("advance %s", d)
	r.w.clock.Advance(d)
	r.m.now = r.w.clock.Now()
}

func (r *modelRun) addToList(*modelSession) {
	ctx := context.Background()
	var id int64
	if off := r.offList(); off != 0 && r.rnd.IntN(2) == 0 {
		id = off
	} else {
		id = r.w.outsider(r.t)
		for _, ms := range r.m.sessions {
			ms.rows[id] = &modelRow{}
		}
	}
	r.step("add supporter %d to the list", id)
	if err := r.w.s.AddListMember(ctx, r.w.org.ID, r.w.list.ID, id); err != nil {
		r.fail("add: %v", err)
	}
	for _, ms := range r.m.sessions {
		if ms.rows[id].onList {
			continue // already a member: nothing moves
		}
		ms.rows[id].onList = true
		ms.order = append(slices.DeleteFunc(ms.order, func(x int64) bool { return x == id }), id)
	}
}

func (r *modelRun) offList() int64 {
	for id, row := range r.m.sessions[0].rows {
		if !row.onList {
			return id
		}
	}
	return 0
}

func (r *modelRun) removeFromList(ms *modelSession) {
	id := r.onListSupporter(ms)
	if id == 0 {
		return
	}
	r.step("remove supporter %d from the list", id)
	if err := r.w.s.RemoveListMember(context.Background(), r.w.org.ID, r.w.list.ID, id); err != nil {
		r.fail("remove: %v", err)
	}
	for _, ms := range r.m.sessions {
		ms.rows[id].onList = false
	}
}

func (r *modelRun) newCycle(ms *modelSession) {
	r.step("new cycle s%d", ms.id)
	_, err := r.w.s.StartNewCycle(context.Background(), ms.leader, ms.id)
	if ms.live != 0 || r.m.next(ms) != 0 || !ms.cycleChanged() {
		r.expectCode("new cycle", err, queue.ECONFLICT)
		return
	}
	if err != nil {
		r.fail("new cycle: %v", err)
	}
	for _, row := range ms.rows {
		row.attempted = false
		if row.skip == queue.SkipCycle {
			row.skip = ""
		}
	}
}
