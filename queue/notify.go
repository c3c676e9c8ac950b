package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// NotifyChannel is the PostgreSQL channel on which every change a dashboard
// or the phone flow must react to is announced.
//
// Announcements are debounced: a changing statement marks its sessions in
// the same transaction (migration 0003 says why), and AnnounceChanges, run
// by every instance a few times a second, clears the marks and sends the
// notifications in one statement. So only committed changes are announced,
// none is lost, and a busy session costs one notification a pass.
const NotifyChannel = "calling_session"

// AnnounceEvery is how often an instance announces changes by default: the
// most a dashboard lags behind the database. The issue wants a change on
// all of 500 open pages within 200 ms (p99), which a 250 ms interval cannot
// give; callingbench's web benchmark (2 cores, load average about 10)
// measured p50 154 ms, p99 377 ms at 250 ms and p50 73 ms, p90 115 ms at
// 100 ms. A pass with nothing to announce is an index scan costing about
// 0.15 ms, so ten a second cost the database little.
const AnnounceEvery = 100 * time.Millisecond

// announceChanges clears the marks of sessions changed since the last pass
// and notifies one message per session and kind. SKIP LOCKED: a session in
// the middle of a change is announced by the next pass rather than waited
// for, and instances announcing at once share the work.
const announceChanges = `
	WITH changed AS (
		SELECT id, organisation_id, unannounced FROM calling_sessions
		WHERE unannounced <> 0
		ORDER BY id LIMIT 5000
		FOR UPDATE SKIP LOCKED
	), cleared AS (
		UPDATE calling_sessions s SET unannounced = 0 FROM changed c WHERE s.id = c.id
	)
	SELECT count(pg_notify('` + NotifyChannel + `', json_build_object(
		'organisation_id', c.organisation_id, 'session_id', c.id, 'kind', k.kind)::text))
	FROM changed c
	JOIN (VALUES (1, 'queue'), (2, 'call'), (4, 'contact'), (8, 'session')) AS k (bit, kind)
		ON c.unannounced & k.bit <> 0`

// AnnounceChanges notifies listeners of every session changed since the last
// pass, and returns how many notifications it sent.
func (s *Store) AnnounceChanges(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, announceChanges).Scan(&n); err != nil {
		return 0, Internal("announce changes", err)
	}
	return n, nil
}

// Announce runs AnnounceChanges every interval until ctx ends. A failed pass
// is reported to onError and retried at the next tick: the marks stay, so
// nothing is lost while the database is away.
func (s *Store) Announce(ctx context.Context, every time.Duration, onError func(error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := s.AnnounceChanges(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}

// Notification says that something of a session changed. Kind is "queue"
// (its supporters: claims, skips, prioritise, list sync, contacts marking
// them completed), "call" (a call record), "contact" or "session" (the
// session row: created, renamed, new cycle). Listeners reload what they
// show; the payload stays small on purpose.
type Notification struct {
	OrganisationID int64  `json:"organisation_id"`
	SessionID      int64  `json:"session_id"`
	Kind           string `json:"kind"`
}

// Notify sends n on NotifyChannel now, outside any change: the live hub
// sends itself one to prove its LISTEN is in place (web/live's Probe).
func (s *Store) Notify(ctx context.Context, n Notification) error {
	payload, err := json.Marshal(n)
	if err != nil {
		return Internal("notify", err)
	}
	_, err = s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, NotifyChannel, string(payload))
	return Internal("notify", err)
}

// Listen calls fn with every notification until ctx ends or the connection
// fails, holding one connection of the pool. fn runs on the listening
// goroutine: it must hand work off rather than block. A caller that gets an
// error back has missed notifications while it was gone and should reload
// what it shows before listening again.
func (s *Store) Listen(ctx context.Context, fn func(Notification)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return Internal("listen: connect", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return Internal("listen", err)
	}
	defer func() {
		// A connection going back to the pool must not keep listening: if it
		// cannot say UNLISTEN, it is closed so the pool drops it.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "UNLISTEN *"); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) //nolint:errcheck // already failing; the pool discards it
		}
	}()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return Internal("listen: wait", err)
		}
		var note Notification
		if err := json.Unmarshal([]byte(n.Payload), &note); err != nil {
			return Internal("listen", fmt.Errorf("payload %q: %w", n.Payload, err))
		}
		fn(note)
	}
}
