package queue

import (
	"context"
	"encoding/json"
	"fmt"
)

// NotifyChannel is the PostgreSQL channel on which the schema's triggers
// announce every change a dashboard or the phone flow must react to, from
// the changing statement itself, so only committed changes are announced.
const NotifyChannel = "calling_session"

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
