package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

// silenceWithin bounds how long a restarted server may leave a leader who
// stayed on the line without a supporter, a prompt or ringback (R10.5).
const silenceWithin = 5 * time.Second

// leaderChannels are the leaders' answered channels now.
func (d *drill) leaderChannels() []arisim.ChannelInfo {
	var out []arisim.ChannelInfo
	for _, c := range d.sim.Channels() {
		if _, ok := d.world.leaderOf[c.Number]; ok && c.State == "Up" {
			out = append(out, c)
		}
	}
	return out
}

// awaitNoSilence checks each leader channel that was up when the server
// died: within silenceWithin of the new process being ready it has been
// hung up, bridged with a supporter, or has heard a playback the new
// process asked for start (the simulator's transcript was reset at the
// kill, so every request in it is the new process's). A leader the new
// process asked nothing for is left in silence: the session is stuck.
// One it asked prompts for that never started is counted by
// silencedPrompts.
func (d *drill) awaitNoSilence(ctx context.Context, leaders []arisim.ChannelInfo) {
	heard := map[string]bool{}
	_ = poll(ctx, silenceWithin, 200*time.Millisecond, func() (bool, error) {
		d.noteHeard(leaders, heard)
		return len(heard) == len(leaders), nil
	}, "every leader to hear something")
	m := readMedia(d.sim.Transcript())
	for _, c := range leaders {
		if !heard[c.ID] && len(m.asked[c.ID]) == 0 {
			s := d.world.sessions[d.world.leaderOf[c.Number]]
			d.stuckSession(s.id, fmt.Sprintf("leader %s left in silence: channel %s still up %v after the restart, never bridged with a supporter since, and the new process played nothing to it",
				c.Number, c.ID, silenceWithin))
		}
	}
	d.silencedPrompts(leaders, heard, m)
}

// noteHeard adds to heard the leaders that are gone, talking to a
// supporter, or have heard the new process's media start.
func (d *drill) noteHeard(leaders []arisim.ChannelInfo, heard map[string]bool) {
	now := map[string]arisim.ChannelInfo{}
	inBridge := map[string]int{}
	for _, c := range d.sim.Channels() {
		now[c.ID] = c
		if c.Bridge != "" {
			inBridge[c.Bridge]++
		}
	}
	m := readMedia(d.sim.Transcript())
	for _, l := range leaders {
		c, alive := now[l.ID]
		switch {
		case !alive, c.Bridge != "" && inBridge[c.Bridge] > 1:
			heard[l.ID] = true
		default:
			for _, pb := range m.asked[l.ID] {
				if m.started[pb] {
					heard[l.ID] = true
				}
			}
		}
	}
}

// silencedPrompts counts the leaders some of whose new playbacks never
// started, though finished (stopped while queued) or asked for a second
// before the end of the transcript: prompts (busy, no answer, wrap-up)
// and ringback they never heard, queued behind media the killed process
// left playing.
func (d *drill) silencedPrompts(leaders []arisim.ChannelInfo, heard map[string]bool, m media) {
	for _, l := range leaders {
		var silenced []string
		for _, pb := range m.asked[l.ID] {
			if !m.started[pb] && (m.finished[pb] || m.askedAt[pb] < m.last-1000) {
				silenced = append(silenced, pb+" ("+m.media[pb]+")")
			}
		}
		if len(silenced) == 0 {
			continue
		}
		s := d.world.sessions[d.world.leaderOf[l.Number]]
		also := ""
		if !heard[l.ID] {
			also = fmt.Sprintf("; nor was it bridged with a supporter within %v", silenceWithin)
		}
		d.mu.Lock()
		d.res.SilencedPrompts++
		d.res.Problems = append(d.res.Problems, fmt.Sprintf("session %d: %d playbacks the new process asked for on leader channel %s never started, queued behind media the killed process left playing%s: %s",
			s.id, len(silenced), l.ID, also, strings.Join(silenced, ", ")))
		d.mu.Unlock()
	}
}

// media is what a transcript says of playbacks: which the application
// asked for on which channel, and which started and finished.
type media struct {
	asked             map[string][]string // channel → playback ids, in order
	media             map[string]string   // playback id → media
	askedAt           map[string]int64    // playback id → the request's t_ms
	started, finished map[string]bool
	last              int64 // t_ms of the last entry
}

func readMedia(entries []arisim.Entry) media {
	m := media{asked: map[string][]string{}, media: map[string]string{}, askedAt: map[string]int64{},
		started: map[string]bool{}, finished: map[string]bool{}}
	for _, e := range entries {
		m.last = e.TMS
		switch e.Kind {
		case "request":
			m.noteRequest(e)
		case "event":
			var ev struct {
				Type     string `json:"type"`
				Playback struct {
					ID string `json:"id"`
				} `json:"playback"`
			}
			if json.Unmarshal(e.Body, &ev) != nil {
				continue
			}
			switch ev.Type {
			case "PlaybackStarted":
				m.started[ev.Playback.ID] = true
			case "PlaybackFinished":
				m.finished[ev.Playback.ID] = true
			}
		}
	}
	return m
}

// noteRequest records POST /channels/{id}/play[/{playback}].
func (m *media) noteRequest(e arisim.Entry) {
	path, query, _ := strings.Cut(e.Path, "?")
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if e.Method != "POST" || len(parts) < 3 || parts[0] != "channels" || parts[2] != "play" {
		return
	}
	var body struct {
		PlaybackID string `json:"playbackId"`
		Media      string `json:"media"`
	}
	_ = json.Unmarshal(e.Body, &body)
	if len(parts) == 4 {
		body.PlaybackID = parts[3]
	}
	if q, err := url.ParseQuery(query); err == nil && body.Media == "" {
		body.Media = q.Get("media")
	}
	if body.PlaybackID != "" {
		m.asked[parts[1]] = append(m.asked[parts[1]], body.PlaybackID)
		m.media[body.PlaybackID] = body.Media
		m.askedAt[body.PlaybackID] = e.TMS
	}
}

// phoneState is a session's phone request as the database holds it.
type phoneState struct {
	wanted bool
	driver string
	lease  string
}

func (d *drill) phones(ctx context.Context) (map[int64]phoneState, error) {
	rows, _ := d.store.Pool().Query(ctx, `SELECT session_id, coalesce(driver, ''), coalesce(lease_until::text, '')
		FROM session_phones`)
	out := map[int64]phoneState{}
	_, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		var id int64
		var p phoneState
		err := row.Scan(&id, &p.driver, &p.lease)
		p.wanted = true
		out[id] = p
		return struct{}{}, err
	})
	return out, err
}

// awaitProgress checks that after a fault every session whose leader still
// wants the phone dials a supporter (a record after mark) within
// progressWithin; sessions paused or complete have nothing to do.
func (d *drill) awaitProgress(ctx context.Context, mark int64, after string) error {
	pending := map[int64]bool{}
	for _, s := range d.world.sessions {
		pending[s.id] = true
	}
	var phones map[int64]phoneState
	err := poll(ctx, progressWithin, 100*time.Millisecond, func() (bool, error) {
		var err error
		if phones, err = d.phones(ctx); err != nil {
			return false, nil
		}
		dialled, err := d.sessionsDialledAfter(ctx, mark)
		if err != nil {
			return false, nil
		}
		for id := range pending {
			if !phones[id].wanted || dialled[id] {
				delete(pending, id)
			}
		}
		return len(pending) == 0, nil
	}, "every session on the phone to dial again")
	if err != nil && !errors.Is(err, errTimeout) {
		return err
	}
	ids := slices.Sorted(maps.Keys(pending))
	for _, id := range ids {
		p := phones[id]
		d.stuckSession(id, fmt.Sprintf("no supporter dialled within %v after %s though the leader wants the phone (driver %q, lease until %s); channels: %s",
			progressWithin, after, p.driver, p.lease, d.describeChannels()))
	}
	d.logf("after %s: %d of %d sessions dialled again or paused", after, len(d.world.sessions)-len(ids), len(d.world.sessions))
	return nil
}

func (d *drill) sessionsDialledAfter(ctx context.Context, mark int64) (map[int64]bool, error) {
	var ids []int64
	err := d.store.Pool().QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT session_id), '{}') FROM call_records
		WHERE leg = 'supporter' AND id > $1`, mark).Scan(&ids)
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// pickVictim names the instance holding more phone leases (the one whose
// death matters most), the survivor, and the sessions the victim drives.
func (d *drill) pickVictim(ctx context.Context, a, b *instance) (victim, survivor *instance, sessions []int64, err error) {
	phones, err := d.phones(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("pick the instance to kill: %w", err)
	}
	byDriver := map[string][]int64{}
	for id, p := range phones {
		byDriver[p.driver] = append(byDriver[p.driver], id)
	}
	victim, survivor = a, b
	if len(byDriver[b.name]) > len(byDriver[a.name]) {
		victim, survivor = b, a
	}
	sessions = byDriver[victim.name]
	if len(sessions) == 0 {
		return nil, nil, nil, fmt.Errorf("pick the instance to kill: neither drives a session: %v", byDriver)
	}
	slices.Sort(sessions)
	return victim, survivor, sessions, nil
}

// awaitTakeover measures, from the kill, when each of the dead instance's
// sessions is driven again by the survivor: the survivor holds its lease
// and the leader's phone has a channel in the survivor's application
// (rung again, or adopted). Sessions whose phone request ended meanwhile
// need no takeover. Result.Takeover is the slowest; a session never taken
// over is stuck, and the figure is then the whole wait.
func (d *drill) awaitTakeover(ctx context.Context, killed time.Time, survivor *instance, sessions []int64) error {
	within := d.cfg.Lease + TakeoverMargin(d.cfg.Lease) + 10*time.Second
	pending := map[int64]bool{}
	for _, id := range sessions {
		pending[id] = true
	}
	var last time.Time
	var phones map[int64]phoneState
	err := poll(ctx, within, 50*time.Millisecond, func() (bool, error) {
		var err error
		if phones, err = d.phones(ctx); err != nil {
			return false, nil
		}
		inApp := map[string]bool{}
		for _, c := range d.sim.Channels() {
			if c.App == survivor.app {
				inApp[c.Number] = true
			}
		}
		for id := range pending {
			p := phones[id]
			if !p.wanted || p.driver == survivor.name && inApp[d.leaderOfSession(id)] {
				delete(pending, id)
				last = time.Now()
			}
		}
		return len(pending) == 0, nil
	}, "the survivor to drive every session of the dead instance")
	if err != nil && !errors.Is(err, errTimeout) {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(pending)) {
		p := phones[id]
		d.stuckSession(id, fmt.Sprintf("not driven again within %v of its driver's SIGKILL: driver %q, lease until %s; channels: %s",
			within, p.driver, p.lease, d.describeChannels()))
		last = time.Now()
	}
	d.res.Takeover = last.Sub(killed)
	d.logf("takeover of %d sessions by %s took %.2f s (lease %v)", len(sessions), survivor.name, d.res.Takeover.Seconds(), d.cfg.Lease)
	return nil
}

func (d *drill) leaderOfSession(id int64) string {
	for _, s := range d.world.sessions {
		if s.id == id {
			return s.leader.Mobile
		}
	}
	return ""
}

// awaitPaused checks that, after Asterisk came back empty, every session
// either paused (its phone request released) or rang its leader again:
// none may go on holding the phone with nobody on it.
func (d *drill) awaitPaused(ctx context.Context) error {
	var held []int64
	var phones map[int64]phoneState
	err := poll(ctx, pauseWithin, 100*time.Millisecond, func() (bool, error) {
		var err error
		if phones, err = d.phones(ctx); err != nil {
			return false, nil
		}
		rung := map[string]bool{}
		for _, c := range d.sim.Channels() {
			rung[c.Number] = true
		}
		held = held[:0]
		for id, p := range phones {
			if p.wanted && !rung[d.leaderOfSession(id)] {
				held = append(held, id)
			}
		}
		return len(held) == 0, nil
	}, "every session to pause after Asterisk's restart")
	if err != nil && !errors.Is(err, errTimeout) {
		return err
	}
	slices.Sort(held)
	for _, id := range held {
		p := phones[id]
		d.stuckSession(id, fmt.Sprintf("%v after Asterisk restarted its phone request is still held (driver %q, lease until %s) with no call in Asterisk: nobody is on the phone, yet the session is not paused",
			pauseWithin, p.driver, p.lease))
	}
	d.logf("after Asterisk's restart: %d sessions still held their phone with nobody on it; %d phone requests in all",
		len(held), len(phones))
	return nil
}
