package browser

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// TestLiveUpdatesSurvive: an open dashboard keeps showing changes without
// a reload after its connection drops (a phone losing signal) and after
// PostgreSQL goes away and comes back: it says it is offline meanwhile,
// reconnects by itself and catches up.
//
// Not parallel: the outage is of the harness's whole database (every
// connection of callingd's cut, new ones refused), which the other tests'
// pages would see; Go runs the parallel tests only after this one. The
// other packages' tests share the cluster, so the cluster itself is not
// restarted: a restart is, to callingd, every connection cut and none
// taken for a while, which is what this does to its database alone.
//
// Waiting on the dashboard and its sheet (being built).
func TestLiveUpdatesSurvive(t *testing.T) {
	tb := newTab(t)
	h := tb.h
	tm := newTeam(t, h, teamOptions{})
	sessionID := startSession(t, h, tm)
	leader := queueUser(t, h, tm.Leader.Email)
	s := tm.Supporters
	tb.login(tm.Leader.Email, testPassword)
	tb.requirePage(pathSession(sessionID))
	tb.open(pathSession(sessionID))
	tb.click(selOpenSheet)
	tb.waitVisible(selRow(s[1].ID))
	mark := tb.markDocument()

	// skip changes the queue behind the page's back, retrying while the
	// database comes back.
	skip := func(t *testing.T, sup supporter) {
		t.Helper()
		var err error
		eventually(t, "the database to take a skip", waitTimeout, func() bool {
			_, err = h.store().Skip(context.Background(), leader, sessionID, sup.ID, queue.SkipInput{Type: queue.Skip15Minutes})
			return err == nil
		})
	}

	t.Run("DroppedConnection", func(t *testing.T) {
		tb := tb.step(t)
		// The stream's and the page's connections end mid-response.
		tb.allowConsole(`net::ERR_|status of 50[23]`)
		if n := h.proxy.dropAll(); n == 0 {
			t.Fatal("no connection to drop: the page holds no stream open")
		}
		skip(t, s[1])
		tb.waitVisible(selRow(s[1].ID) + " " + selBadgeSkipped)
		tb.waitHidden(selLiveStatus)
		if !tb.sameDocument(mark) {
			t.Error("the page reloaded to catch up")
		}
	})

	t.Run("PostgreSQLRestart", func(t *testing.T) {
		tb := tb.step(t)
		tb.allowConsole(`net::ERR_|status of 50[023]`)
		restore := databaseOutage(t, h)
		tb.waitText(selLiveStatus, "Offline", waitTimeout)
		tb.shot("offline")
		restore()
		tb.waitHidden(selLiveStatus)
		skip(t, s[2])
		tb.waitVisible(selRow(s[2].ID) + " " + selBadgeSkipped)
		if !tb.sameDocument(mark) {
			t.Error("the page reloaded to catch up")
		}
		tb.shot("back")
	})
}

// databaseOutage cuts every connection to the harness's database and
// refuses new ones until the returned func (also run at the end of t)
// lets them in again.
func databaseOutage(t *testing.T, h *harness) (restore func()) {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		if _, err := admin.Exec(ctx, sql, args...); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
	exec(fmt.Sprintf(`ALTER DATABASE %s WITH ALLOW_CONNECTIONS false`, h.dbName))
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, h.dbName)
	done := false
	restore = func() {
		if done {
			return
		}
		done = true
		exec(fmt.Sprintf(`ALTER DATABASE %s WITH ALLOW_CONNECTIONS true`, h.dbName))
		admin.Close(ctx)
	}
	t.Cleanup(restore)
	return restore
}
