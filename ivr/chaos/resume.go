package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// A wave of resumes (the leader rung, answering, confirming, the first
// supporter dialled) takes about a second; each may take resumeWithin, and
// all of them resumeBudget, so a product that never dials still has its
// drill end in bounded time.
const (
	resumeWithin = 8 * time.Second
	resumeBudget = 20 * time.Second
	resumeLeast  = 2 * time.Second
)

// resumeCheck is one session's Resume click and what the rules say it
// should dial first.
type resumeCheck struct {
	s        session
	next     queue.Supporter
	hasNext  bool  // false: nobody is available, so the cycle is complete
	after    int64 // records of the resume have larger ids
	verdict  string
	finished bool
}

// resumeAll resumes every session after the evening settled (every session
// must be resumable) and checks the first supporter each dials is the one
// queue.Next named just before the click: a supporter cut off by the fault
// first again (R4.4), else the next in line. Sessions of one list resume in
// waves, each once the previous session of its list has dialled, and
// resumed leaders press no key after confirming, so the queue a check read
// stands still until its session claims.
func (d *drill) resumeAll(ctx context.Context) error {
	for mobile := range d.world.leaderOf {
		d.sim.SetScript(mobile, resumingLeader)
	}
	waves := 0
	for _, s := range d.world.sessions {
		waves = max(waves, s.wave+1)
	}
	end := time.Now().Add(resumeBudget)
	for wave := range waves {
		within := max(resumeLeast, min(resumeWithin, time.Until(end)/time.Duration(waves-wave)))
		if err := d.resumeWave(ctx, wave, within); err != nil {
			return err
		}
	}
	return nil
}

func (d *drill) resumeWave(ctx context.Context, wave int, within time.Duration) error {
	var checks []*resumeCheck
	for _, s := range d.world.sessions {
		if s.wave != wave {
			continue
		}
		c, err := d.resume(ctx, s)
		if err != nil {
			return err
		}
		checks = append(checks, c)
	}
	err := poll(ctx, within, 50*time.Millisecond, func() (bool, error) {
		all := true
		for _, c := range checks {
			if !c.finished {
				if err := d.judge(ctx, c); err != nil {
					return false, err
				}
			}
			all = all && c.finished
		}
		return all, nil
	}, fmt.Sprintf("wave %d of resumes", wave))
	if err != nil && !errors.Is(err, errTimeout) {
		return err
	}
	for _, c := range checks {
		switch {
		case !c.finished:
			d.stuckSession(c.s.id, fmt.Sprintf("resumed, but within %v %s; channels: %s", within, c.verdict, d.describeChannels()))
		case c.verdict != "":
			d.stuckSession(c.s.id, c.verdict)
		}
	}
	dialled, complete := 0, 0
	for _, c := range checks {
		if c.finished && c.verdict == "" {
			if c.hasNext {
				dialled++
			} else {
				complete++
			}
		}
	}
	d.logf("resume wave %d: of %d sessions, %d dialled the supporter queue.Next named and %d ended their complete cycle",
		wave, len(checks), dialled, complete)
	return nil
}

// resume reads who is next, then clicks Resume.
func (d *drill) resume(ctx context.Context, s session) (*resumeCheck, error) {
	c := &resumeCheck{s: s}
	if err := d.store.Pool().QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM call_records`).Scan(&c.after); err != nil {
		return nil, fmt.Errorf("resume session %d: %w", s.id, err)
	}
	var err error
	if c.next, c.hasNext, err = d.store.Next(ctx, d.world.org.ID, s.id); err != nil {
		return nil, fmt.Errorf("resume session %d: next supporter: %w", s.id, err)
	}
	if _, err := d.store.RequestPhone(ctx, s.leader, s.id); err != nil {
		c.finished, c.verdict = true, fmt.Sprintf("Resume refused: %v", err)
	}
	return c, nil
}

// judge looks at what the resume has done so far. It finishes the check
// when the leader was rung and either the first supporter was dialled or,
// with nobody available, the call ended; verdict says what went wrong
// (or, unfinished, what has not happened yet).
func (d *drill) judge(ctx context.Context, c *resumeCheck) error {
	var leaderCall, firstCall, firstSupporter int64
	var wanted bool
	err := d.store.Pool().QueryRow(ctx, `SELECT
		coalesce((SELECT min(id) FROM call_records WHERE session_id = $1 AND leg = 'leader' AND id > $2), 0),
		coalesce((SELECT min(id) FROM call_records WHERE session_id = $1 AND leg = 'supporter' AND id > $2), 0),
		coalesce((SELECT supporter_id FROM call_records WHERE session_id = $1 AND leg = 'supporter' AND id > $2 ORDER BY id LIMIT 1), 0),
		EXISTS (SELECT FROM session_phones WHERE session_id = $1)`, c.s.id, c.after).Scan(&leaderCall, &firstCall, &firstSupporter, &wanted)
	if err != nil {
		return fmt.Errorf("judge the resume of session %d: %w", c.s.id, err)
	}
	expected := "nobody (the cycle is complete)"
	if c.hasNext {
		expected = fmt.Sprintf("supporter %d (%s)", c.next.ID, c.next.Phone.E164)
	}
	switch {
	case leaderCall == 0:
		c.verdict = fmt.Sprintf("the leader (%s) was never rung (phone wanted: %v; %s was next)", c.s.leader.Mobile, wanted, expected)
	case firstCall == 0 && c.hasNext:
		c.verdict = fmt.Sprintf("the leader was rung (record %d) but no supporter was dialled; %s was next (phone wanted: %v)", leaderCall, expected, wanted)
		if !wanted {
			c.finished = true // the call ended without dialling: it never will
		}
	case firstCall == 0:
		c.finished = !wanted
		c.verdict = ""
		if wanted {
			c.verdict = fmt.Sprintf("nobody was available, yet the phone request is still held after the leader was rung (record %d)", leaderCall)
		}
	case !c.hasNext:
		c.finished = true
		c.verdict = fmt.Sprintf("resumed and dialled supporter %d (record %d) though queue.Next said nobody was available", firstSupporter, firstCall)
	case firstSupporter != c.next.ID:
		c.finished = true
		c.verdict = fmt.Sprintf("resumed and dialled supporter %d first (record %d), but queue.Next said %s was next", firstSupporter, firstCall, expected)
	default:
		c.finished, c.verdict = true, ""
	}
	return nil
}
