package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/supporterbase/callingsessions/queue"
)

// sessionCache keeps one read of each session (its dashboard figures, its
// journey, its current call) between the session's changes. The
// dashboard's figures are its costliest read: the cycle card counts up to
// 500 available supporters, one availability probe each, and
// callingbench's web benchmark measured the database at 8.4 ms of CPU per
// dashboard, most of it there. Every instance hears every change
// (web/live), which drops the session's entry before any page is told to
// refresh; a version per session keeps a read that overlapped a change
// from being stored; and entries live at most cacheTTL, because time alone
// changes some figures (a cool-down ends, calling hours open) and no
// change is announced for that. Concurrent misses of one session share one
// read.
type sessionCache[T any] struct {
	mu       sync.Mutex
	entries  map[int64]cacheEntry[T]
	versions map[int64]uint64 // bumped by every change of the session
	epoch    uint64           // bumped when anything may have changed
	reads    singleflight.Group
	now      func() time.Time // wall time: how old an entry is, not the domain's "now"
}

type cacheEntry[T any] struct {
	value   T
	version uint64
	epoch   uint64
	at      time.Time
}

const (
	// cacheTTL bounds how stale time-driven figures may be.
	cacheTTL = 2 * time.Second
	// maxCacheEntries bounds the cache; past it, old entries go.
	maxCacheEntries = 10_000
)

func newSessionCache[T any]() *sessionCache[T] {
	return &sessionCache[T]{entries: map[int64]cacheEntry[T]{}, versions: map[int64]uint64{}, now: time.Now}
}

// changed drops a session's entry; 0 drops everyone's.
func (c *sessionCache[T]) changed(sessionID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sessionID == 0 {
		c.epoch++
		clear(c.entries)
		return
	}
	c.versions[sessionID]++
	delete(c.entries, sessionID)
}

// get returns the session's value, from the cache while it is fresh,
// otherwise from read.
func (c *sessionCache[T]) get(ctx context.Context, sessionID int64, read func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	version, epoch := c.versions[sessionID], c.epoch
	e, ok := c.entries[sessionID]
	c.mu.Unlock()
	if ok && e.version == version && e.epoch == epoch && c.now().Sub(e.at) < cacheTTL {
		return e.value, nil
	}
	key := strconv.FormatInt(sessionID, 10) + "/" + strconv.FormatUint(version, 10) + "/" + strconv.FormatUint(epoch, 10)
	v, err, _ := c.reads.Do(key, func() (any, error) {
		started := c.now()
		value, err := read(context.WithoutCancel(ctx))
		if err == nil {
			c.store(sessionID, cacheEntry[T]{value: value, version: version, epoch: epoch, at: started})
		}
		return value, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// store keeps e unless the session changed since its read began.
func (c *sessionCache[T]) store(sessionID int64, e cacheEntry[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.versions[sessionID] != e.version || c.epoch != e.epoch {
		return
	}
	if len(c.entries) >= maxCacheEntries {
		c.dropOld()
	}
	c.entries[sessionID] = e
}

// dropOld removes expired entries, or all when none has expired. Called
// with c.mu held.
func (c *sessionCache[T]) dropOld() {
	now := c.now()
	for id, e := range c.entries {
		if now.Sub(e.at) >= cacheTTL {
			delete(c.entries, id)
		}
	}
	if len(c.entries) >= maxCacheEntries {
		clear(c.entries)
	}
}

// sessionReads are the reads of a session the dashboard makes on every
// load and live refresh, each cached between the session's changes.
type sessionReads struct {
	session *sessionCache[queue.Session]
	stats   *sessionCache[queue.SessionStats]
	journey *sessionCache[[]queue.CycleStats]
	call    *sessionCache[queue.CurrentCall]
}

func newSessionReads() *sessionReads {
	return &sessionReads{session: newSessionCache[queue.Session](), stats: newSessionCache[queue.SessionStats](),
		journey: newSessionCache[[]queue.CycleStats](), call: newSessionCache[queue.CurrentCall]()}
}

// changed drops a session's reads; 0 drops everyone's.
func (sr *sessionReads) changed(sessionID int64) {
	sr.session.changed(sessionID)
	sr.stats.changed(sessionID)
	sr.journey.changed(sessionID)
	sr.call.changed(sessionID)
}

// cached reads through c when the live hub keeps the caches honest, and
// straight from the store otherwise.
func cached[T any](ctx context.Context, s *Server, pick func(*sessionReads) *sessionCache[T], sessionID int64, read func(context.Context) (T, error)) (T, error) {
	if s.reads == nil {
		return read(ctx)
	}
	return pick(s.reads).get(ctx, sessionID, read)
}

// session returns the organisation's session id with its status (R2.5):
// ENOTFOUND for another organisation's (R1.1), which is never cached.
func (s *Server) session(ctx context.Context, orgID, id int64) (queue.Session, error) {
	sess, err := cached(ctx, s, func(sr *sessionReads) *sessionCache[queue.Session] { return sr.session }, id,
		func(ctx context.Context) (queue.Session, error) { return s.store.Session(ctx, orgID, id) })
	if err == nil && sess.OrganisationID != orgID {
		return queue.Session{}, queue.Errorf(queue.ENOTFOUND, "session not found")
	}
	return sess, err
}

// sessionStats returns the dashboard figures of sess (R3.1-R3.3).
func (s *Server) sessionStats(ctx context.Context, sess queue.Session) (queue.SessionStats, error) {
	return cached(ctx, s, func(sr *sessionReads) *sessionCache[queue.SessionStats] { return sr.stats }, sess.ID,
		func(ctx context.Context) (queue.SessionStats, error) {
			return s.store.SessionStats(ctx, sess.OrganisationID, sess.ID)
		})
}

// journey returns the calling journey of sess (R3.4).
func (s *Server) journey(ctx context.Context, sess queue.Session) ([]queue.CycleStats, error) {
	return cached(ctx, s, func(sr *sessionReads) *sessionCache[[]queue.CycleStats] { return sr.journey }, sess.ID,
		func(ctx context.Context) ([]queue.CycleStats, error) {
			return s.store.Journey(ctx, sess.OrganisationID, sess.ID)
		})
}

// currentCall returns the current call card of sess (R3.6).
func (s *Server) currentCall(ctx context.Context, sess queue.Session) (queue.CurrentCall, error) {
	return cached(ctx, s, func(sr *sessionReads) *sessionCache[queue.CurrentCall] { return sr.call }, sess.ID,
		func(ctx context.Context) (queue.CurrentCall, error) {
			return s.store.CurrentCall(ctx, sess.OrganisationID, sess.ID)
		})
}

// dropReadsOnChange drops a session's cached reads once a request that may have
// changed it (any method but GET and HEAD, on /sessions/{id}/... or
// /api/v1/sessions/{id}/...) is served, so the page it redirects to shows
// the change at once instead of after its announcement.
func (s *Server) dropReadsOnChange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if s.reads == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/api/v1")
		if !strings.HasPrefix(path, "/sessions/") {
			return
		}
		idText, _, _ := strings.Cut(strings.TrimPrefix(path, "/sessions/"), "/")
		if id, err := strconv.ParseInt(idText, 10, 64); err == nil && id > 0 {
			s.reads.changed(id)
		}
	})
}
