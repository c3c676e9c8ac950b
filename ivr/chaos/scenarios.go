package chaos

import (
	"context"
	"fmt"
	"time"
)

// progressWithin bounds how long a session whose leader is on the phone
// pressing keys may go without dialling once a fault is over.
const progressWithin = 10 * time.Second

// KillRestart: `callingd serve` is SIGKILLed mid-call and started again
// under the same --instance name (R10.5). Live calls are adopted or ended
// with a clear cause, and no leader is left in silence: each leader still
// on the line is talking to a supporter, hears a prompt or ringback from
// the new process, or is hung up.
var KillRestart = Scenario{Name: "kill_restart", strike: killRestart}

// downFor is how long a killed server stays down before it is started
// again (by systemd, say): long enough for calls to change unseen.
const downFor = time.Second

func killRestart(ctx context.Context, d *drill) error {
	if err := d.soloMidCall(ctx); err != nil {
		return err
	}
	leaders := d.leaderChannels()
	d.sim.ResetTranscript() // from now on, every request is the new process's
	d.lastInstance().kill()
	d.logf("SIGKILLed solo with %d supporters talking and %d leaders on the line", d.supportersTalking(), len(leaders))
	if err := d.noteFaultLegs(ctx); err != nil {
		return err
	}
	if err := sleepUntil(ctx, time.Now().Add(downFor)); err != nil {
		return err
	}
	if _, err := d.serve(ctx, "solo"); err != nil {
		return err
	}
	recovered, err := d.recordMark(ctx)
	if err != nil {
		return err
	}
	d.awaitNoSilence(ctx, leaders)
	if err := d.awaitProgress(ctx, recovered, "the restart"); err != nil {
		return err
	}
	return sleepUntil(ctx, d.eveningEnd())
}

// TwoInstances: two servers share the database, each with its own Stasis
// application on one Asterisk; the one holding more sessions is SIGKILLed
// and the other takes them over once their leases run out: it ends what
// the dead one left and rings each leader again. Result.Takeover is the
// time from the kill until every one of those sessions is driven again.
var TwoInstances = Scenario{Name: "two_instances", strike: twoInstances}

func twoInstances(ctx context.Context, d *drill) error {
	a, err := d.serve(ctx, "a")
	if err != nil {
		return err
	}
	b, err := d.serve(ctx, "b")
	if err != nil {
		return err
	}
	if err := d.startEvening(ctx); err != nil {
		return err
	}
	if err := d.awaitMidCall(ctx); err != nil {
		return err
	}
	victim, survivor, sessions, err := d.pickVictim(ctx, a, b)
	if err != nil {
		return err
	}
	killed := time.Now()
	victim.kill()
	d.logf("SIGKILLed %s, which drove %d sessions; %s takes over", victim.name, len(sessions), survivor.name)
	if err := d.noteFaultLegs(ctx); err != nil {
		return err
	}
	if err := d.awaitTakeover(ctx, killed, survivor, sessions); err != nil {
		return err
	}
	recovered, err := d.recordMark(ctx)
	if err != nil {
		return err
	}
	if err := d.awaitProgress(ctx, recovered, "the takeover"); err != nil {
		return err
	}
	return sleepUntil(ctx, d.eveningEnd())
}

// PostgresRestart: PostgreSQL restarts (`pg_ctl restart -m immediate`, a
// crash and a start) mid-evening. Calls in flight end cleanly or go on,
// writes that failed are retried or reconciled (the panel's are checked),
// and every session whose leader is on the phone dials again once the
// database is back.
var PostgresRestart = Scenario{Name: "postgres_restart", OwnCluster: true, strike: postgresRestart}

func postgresRestart(ctx context.Context, d *drill) error {
	if err := d.soloMidCall(ctx); err != nil {
		return err
	}
	if err := d.noteFaultLegs(ctx); err != nil {
		return err
	}
	began := time.Now()
	if err := d.cluster.restart(ctx); err != nil {
		return err
	}
	d.logf("PostgreSQL restarted (immediate) in %v", time.Since(began).Round(time.Millisecond))
	recovered, err := d.recordMark(ctx)
	if err != nil {
		return err
	}
	if err := d.awaitProgress(ctx, recovered, "PostgreSQL's restart"); err != nil {
		return err
	}
	return sleepUntil(ctx, d.eveningEnd())
}

// AsteriskRestart: the events websocket drops, then Asterisk restarts and
// every channel is gone without an event, mid-call. Sessions pause (their
// phone requests are released, R10.1), every record ends with a cause,
// and Resume works (checked for every drill after the evening).
var AsteriskRestart = Scenario{Name: "asterisk_restart", strike: asteriskRestart}

// pauseWithin bounds how long the server may take to notice Asterisk came
// back empty: its websocket reconnect backoff (at most 5 s) and a
// reconciliation.
const pauseWithin = 15 * time.Second

func asteriskRestart(ctx context.Context, d *drill) error {
	if err := d.soloMidCall(ctx); err != nil {
		return err
	}
	d.sim.DropWebsockets()
	if err := d.noteFaultLegs(ctx); err != nil {
		return err
	}
	if err := sleepUntil(ctx, time.Now().Add(300*time.Millisecond)); err != nil {
		return err
	}
	d.sim.Restart()
	d.logf("websockets dropped, then Asterisk restarted: every channel gone")
	return d.awaitPaused(ctx)
}

// soloMidCall starts one server and the evening, and waits until calls
// are in progress.
func (d *drill) soloMidCall(ctx context.Context) error {
	if _, err := d.serve(ctx, "solo"); err != nil {
		return err
	}
	if err := d.startEvening(ctx); err != nil {
		return err
	}
	return d.awaitMidCall(ctx)
}

// lastInstance is the instance started last.
func (d *drill) lastInstance() *instance {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.instances[len(d.instances)-1]
}

// recordMark is the largest call record id: records after a fault have
// larger ones, whichever server's clock wrote their times.
func (d *drill) recordMark(ctx context.Context) (int64, error) {
	var mark int64
	err := poll(ctx, 30*time.Second, 100*time.Millisecond, func() (bool, error) {
		return d.store.Pool().QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM call_records`).Scan(&mark) == nil, nil
	}, "the database to answer")
	if err != nil {
		return 0, fmt.Errorf("record mark: %w", err)
	}
	return mark, nil
}
