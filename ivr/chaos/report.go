package chaos

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// What a failed drill tells its reader beyond the counts: the servers'
// last words, each stuck session's records and log lines, what Asterisk
// refused, and the simulator's transcript on disk.

// tails are the last lines of every server's log.
func (d *drill) tails() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	for _, in := range d.instances {
		b.WriteString(in.tail(40))
	}
	if d.cluster != nil && !d.res.Clean() {
		b.WriteString(d.cluster.log())
	}
	return b.String()
}

// describeChannels lists the live channels, for failure messages.
func (d *drill) describeChannels() string {
	var parts []string
	for _, c := range d.sim.Channels() {
		who := "?"
		if i, ok := d.world.leaderOf[c.Number]; ok {
			who = fmt.Sprintf("leader of session %d", d.world.sessions[i].id)
		} else if id, ok := d.world.supporterOf[c.Number]; ok {
			who = fmt.Sprintf("supporter %d", id)
		}
		parts = append(parts, fmt.Sprintf("%s %s %s app=%s bridge=%q", c.ID, who, c.State, c.App, c.Bridge))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// explainStuck gives, for each stuck session, its call records and every
// server's log lines about it: what a reader needs to see why it stopped.
func (d *drill) explainStuck() string {
	if d.store == nil {
		return ""
	}
	d.mu.Lock()
	ids := slices.Sorted(maps.Keys(d.stuck))
	instances := slices.Clone(d.instances)
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "--- stuck session %d: its call records ---\n%s", id, d.sessionRecords(ctx, id))
		words := []string{fmt.Sprintf("session_id=%d ", id)}
		for _, ch := range d.sessionChannels(ctx, id) {
			// Events of its legs no driver took (the adapter's "event for
			// no session") name the channel, not the session.
			words = append(words, "channel_id="+ch+" ")
		}
		for _, in := range instances {
			fmt.Fprintf(&b, "--- stuck session %d: %s about it or its channels ---\n%s\n", id, in.logPath,
				headAndTail(in.grep(words...), 30, 15))
		}
	}
	return b.String()
}

// sessionChannels are the channels of a session's call records.
func (d *drill) sessionChannels(ctx context.Context, sessionID int64) []string {
	var chans []string
	_ = d.store.Pool().QueryRow(ctx, `SELECT coalesce(array_agg(channel_id ORDER BY id), '{}') FROM call_records
		WHERE session_id = $1 AND channel_id IS NOT NULL`, sessionID).Scan(&chans)
	return chans
}

// sessionRecords lists a session's call records, one a line.
func (d *drill) sessionRecords(ctx context.Context, sessionID int64) string {
	rows, _ := d.store.Pool().Query(ctx, `SELECT concat_ws(' ', id, leg, 'supporter=' || supporter_id, channel_id, state,
		'outcome=' || outcome, 'cause=' || hangup_cause, quote_literal(hangup_cause_text),
		'originated=' || to_char(originated_at, 'HH24:MI:SS.MS'), 'answered=' || to_char(answered_at, 'HH24:MI:SS.MS'),
		'ended=' || to_char(ended_at, 'HH24:MI:SS.MS'))
		FROM call_records WHERE session_id = $1 ORDER BY id`, sessionID)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Sprintf("(could not read them: %v)\n", err)
	}
	return strings.Join(lines, "\n") + "\n"
}

// headAndTail keeps the first head and last tail lines: how a session
// started with a process, and where it stopped.
func headAndTail(lines []string, head, tail int) string {
	if len(lines) <= head+tail {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:head], "\n") + fmt.Sprintf("\n... %d lines ...\n", len(lines)-head-tail) +
		strings.Join(lines[len(lines)-tail:], "\n")
}

// idInPath matches the ids in an ARI path, so refusals group by route.
var idInPath = regexp.MustCompile(`callingd-[0-9a-z-]+|[0-9]+\.[0-9]+`)

// refusedRequests sums up the requests Asterisk refused (status 400 and
// above) in the part of the evening its transcript still holds, by route,
// status and message: a server talking past Asterisk shows here first.
func (d *drill) refusedRequests() string {
	if d.sim == nil {
		return ""
	}
	counts := map[string]int{}
	for _, e := range d.sim.Transcript() {
		if e.Kind != "response" || e.Status < 400 {
			continue
		}
		var body struct{ Message string }
		_ = json.Unmarshal(e.Body, &body)
		path, _, _ := strings.Cut(e.Path, "?")
		counts[fmt.Sprintf("%s %s -> %d %s", e.Method, idInPath.ReplaceAllString(path, "ID"), e.Status, body.Message)]++
	}
	if len(counts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("--- requests Asterisk refused ---\n")
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "%5d  %s\n", counts[k], k)
	}
	return b.String()
}

// saveTranscript writes what the simulator still holds of the evening
// (every request, response and event, JSON a line) beside the servers'
// logs, and says where.
func (d *drill) saveTranscript() string {
	if d.sim == nil || d.cfg.Dir == "" {
		return ""
	}
	path := filepath.Join(d.cfg.Dir, "asterisk-transcript.jsonl")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Sprintf("(transcript not saved: %v)\n", err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, e := range d.sim.Transcript() {
		_ = enc.Encode(e)
	}
	if err := w.Flush(); err != nil {
		return fmt.Sprintf("(transcript not saved: %v)\n", err)
	}
	return fmt.Sprintf("--- the simulator's transcript (from its start, or from the kill for kill_restart) is in %s ---\n", path)
}
