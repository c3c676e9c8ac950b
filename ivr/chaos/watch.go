package chaos

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/queue"
)

// sampleEvery is how often the watcher looks at the phone network and the
// live call records for a supporter rung twice at once (R7.2).
const sampleEvery = 50 * time.Millisecond

// watcher samples, through the whole drill, the simulator's live channels
// and the database's live call records, noting every supporter with two
// live legs at one moment: a double dial.
type watcher struct {
	sim   *arisim.Sim
	store *queue.Store
	world *world

	mu      sync.Mutex
	doubles map[string]string // a pair of legs (see pairKey) → what was seen
	stop    context.CancelFunc
	done    chan struct{}
}

func startWatcher(ctx context.Context, sim *arisim.Sim, store *queue.Store, w *world) *watcher {
	ctx, cancel := context.WithCancel(ctx)
	wt := &watcher{sim: sim, store: store, world: w, doubles: map[string]string{}, stop: cancel, done: make(chan struct{})}
	go wt.run(ctx)
	return wt
}

func (wt *watcher) run(ctx context.Context) {
	defer close(wt.done)
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		wt.sampleChannels()
		wt.sampleRecords(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sampleChannels: two live channels to one supporter's number are two
// phones ringing (or talking) at once, whatever the records say.
func (wt *watcher) sampleChannels() {
	byNumber := map[string][]string{}
	for _, c := range wt.sim.Channels() {
		if _, ok := wt.world.supporterOf[c.Number]; ok {
			byNumber[c.Number] = append(byNumber[c.Number], c.ID+" ("+c.App+", "+c.State+")")
		}
	}
	at := time.Now().Format("15:04:05.000")
	for number, chans := range byNumber {
		if len(chans) > 1 {
			wt.note(pairKey(chans), fmt.Sprintf("supporter %d (%s) has %d live channels at %s: %s",
				wt.world.supporterOf[number], number, len(chans), at, strings.Join(chans, ", ")))
		}
	}
}

// sampleRecords: two live supporter records of one supporter. The schema's
// unique index should make this impossible; the sample checks it holds
// under faults. A failed query (PostgreSQL restarting) is skipped.
func (wt *watcher) sampleRecords(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	rows, _ := wt.store.Pool().Query(qctx, `SELECT supporter_id, array_agg(id ORDER BY id), array_agg(session_id ORDER BY id)
		FROM call_records WHERE leg = 'supporter' AND state <> 'ended' GROUP BY supporter_id HAVING count(*) > 1`)
	type live struct {
		supporter int64
		calls     []int64
		sessions  []int64
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (live, error) {
		var l live
		err := row.Scan(&l.supporter, &l.calls, &l.sessions)
		return l, err
	})
	if err != nil {
		return
	}
	at := time.Now().Format("15:04:05.000")
	for _, l := range found {
		var chans []string
		for _, id := range l.calls {
			chans = append(chans, channelOf(id))
		}
		wt.note(pairKey(chans), fmt.Sprintf("supporter %d has live call records %v (sessions %v) at %s",
			l.supporter, l.calls, l.sessions, at))
	}
}

func (wt *watcher) note(key, what string) {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if _, seen := wt.doubles[key]; !seen {
		wt.doubles[key] = what
	}
}

// finish stops sampling and returns what it saw, by pair of legs.
func (wt *watcher) finish() map[string]string {
	wt.stop()
	<-wt.done
	wt.mu.Lock()
	defer wt.mu.Unlock()
	return wt.doubles
}

// channelOf is the channel callingd names after a call record (ivr's
// channelFor: "callingd-<record id>"), so channels and records of one leg
// share a key.
func channelOf(callID int64) string { return fmt.Sprintf("callingd-%d", callID) }

// pairKey identifies a set of legs by their channel ids (the part before a
// space), so one double dial seen many times, or by the simulator and the
// records both, counts once.
func pairKey(chans []string) string {
	ids := make([]string, len(chans))
	for i, c := range chans {
		ids[i], _, _ = strings.Cut(c, " ")
	}
	slices.Sort(ids)
	return strings.Join(ids, "+")
}
