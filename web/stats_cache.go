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

// statsCache keeps each session's dashboard figures (queue.SessionStats)
// between its changes. They are the dashboard's costliest read: the cycle
// card counts up to 500 available supporters, one availability probe
// each, and callingbench's web benchmark measured the database at 8.4 ms
// of CPU per dashboard, most of it there. Every instance hears every
// change (web/live), which drops the session's figures before any page is
// told to refresh; a version per session keeps a read that overlapped a
// change from being stored; and figures live at most statsTTL, because
// time alone changes some (a cool-down ends, calling hours open) and no
// change is announced for that. Concurrent misses of one session share one
// read.
type statsCache struct {
	mu       sync.Mutex
	entries  map[int64]statsEntry
	versions map[int64]uint64 // bumped by every change of the session
	epoch    uint64           // bumped when anything may have changed
	reads    singleflight.Group
	now      func() time.Time // wall time: how old an entry is, not the domain's "now"
}

type statsEntry struct {
	stats   queue.SessionStats
	version uint64
	epoch   uint64
	at      time.Time
}

const (
	// statsTTL bounds how stale time-driven figures may be.
	statsTTL = 2 * time.Second
	// maxStatsEntries bounds the cache; past it, old entries go.
	maxStatsEntries = 10_000
)

func newStatsCache() *statsCache {
	return &statsCache{entries: map[int64]statsEntry{}, versions: map[int64]uint64{}, now: time.Now}
}

// changed drops a session's figures; 0 drops everyone's.
func (c *statsCache) changed(sessionID int64) {
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

// get returns the session's figures, from the cache while they are fresh,
// otherwise from read.
func (c *statsCache) get(ctx context.Context, sessionID int64, read func(context.Context) (queue.SessionStats, error)) (queue.SessionStats, error) {
	c.mu.Lock()
	version, epoch := c.versions[sessionID], c.epoch
	e, ok := c.entries[sessionID]
	c.mu.Unlock()
	if ok && e.version == version && e.epoch == epoch && c.now().Sub(e.at) < statsTTL {
		return e.stats, nil
	}
	key := strconv.FormatInt(sessionID, 10) + "/" + strconv.FormatUint(version, 10) + "/" + strconv.FormatUint(epoch, 10)
	v, err, _ := c.reads.Do(key, func() (any, error) {
		started := c.now()
		st, err := read(context.WithoutCancel(ctx))
		if err == nil {
			c.store(sessionID, statsEntry{stats: st, version: version, epoch: epoch, at: started})
		}
		return st, err
	})
	if err != nil {
		return queue.SessionStats{}, err
	}
	return v.(queue.SessionStats), nil
}

// store keeps e unless the session changed since its read began.
func (c *statsCache) store(sessionID int64, e statsEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.versions[sessionID] != e.version || c.epoch != e.epoch {
		return
	}
	if len(c.entries) >= maxStatsEntries {
		c.dropOld()
	}
	c.entries[sessionID] = e
}

// dropOld removes expired entries, or all when none has expired. Called
// with c.mu held.
func (c *statsCache) dropOld() {
	now := c.now()
	for id, e := range c.entries {
		if now.Sub(e.at) >= statsTTL {
			delete(c.entries, id)
		}
	}
	if len(c.entries) >= maxStatsEntries {
		clear(c.entries)
	}
}

// sessionStats returns the dashboard figures of sess: cached when the live
// hub keeps the cache honest, read every time otherwise.
func (s *Server) sessionStats(ctx context.Context, sess queue.Session) (queue.SessionStats, error) {
	read := func(ctx context.Context) (queue.SessionStats, error) {
		return s.store.SessionStats(ctx, sess.OrganisationID, sess.ID)
	}
	if s.stats == nil {
		return read(ctx)
	}
	return s.stats.get(ctx, sess.ID, read)
}

// dropStatsOnChange drops a session's figures once a request that may have
// changed it (any method but GET and HEAD, on /sessions/{id}/... or
// /api/v1/sessions/{id}/...) is served, so the page it redirects to shows
// the change at once instead of after its announcement.
func (s *Server) dropStatsOnChange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if s.stats == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/api/v1")
		if !strings.HasPrefix(path, "/sessions/") {
			return
		}
		idText, _, _ := strings.Cut(strings.TrimPrefix(path, "/sessions/"), "/")
		if id, err := strconv.ParseInt(idText, 10, 64); err == nil && id > 0 {
			s.stats.changed(id)
		}
	})
}
