package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// The views benchmark's shape: one session on a list of 100,000 members with
// an evening's history, read the way the dashboard and the View all
// supporters sheet read it. 49 other leaders have sessions on the list, so
// the session's rows are a fiftieth of their table, as when an organisation
// works one list together.
const (
	viewsListSize  = 100_000
	viewsListMates = 49
	viewsAttempted = 2_000 // the first supporters in queue order were dialled
	viewsContacted = 500   // of them, answered and logged contacted
	viewsSkipped   = 300   // further down the queue, skipped by the leader
	viewsRuns      = 200   // timed runs of each read
	viewsDeepRow   = 80_000
)

// benchViews measures SessionStats and one 50-row page of SessionSupporters
// (the first page, a page 80,000 rows in reached by its cursor, a search by
// surname, a search by a full phone number matching one supporter near the
// end of the queue, and the completed filter).
func benchViews(ctx context.Context, b *bench) ([]figure, error) {
	_, store, drop, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	store = queue.NewStore(store.Pool(), fixedClock(claimNow))
	store.PasswordCost = 4
	start := time.Now()
	orgID, sessionID, err := loadViewsSession(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if _, err := store.Pool().Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return nil, err
	}
	// Flush the load's dirty pages now, so the checkpointer does not write
	// them while we measure. Only a superuser (or pg_checkpoint) may.
	if _, err := store.Pool().Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintf(b.log, "callingbench views: no checkpoint before measuring: %v\n", err)
	}
	fmt.Fprintf(b.log, "callingbench views: data loaded in %v\n", time.Since(start).Round(time.Millisecond))

	stats := func(ctx context.Context) (time.Duration, error) {
		t := time.Now()
		st, err := store.SessionStats(ctx, orgID, sessionID)
		if err == nil && st.Progress.Total != viewsListSize {
			err = fmt.Errorf("stats count %d supporters, want %d", st.Progress.Total, viewsListSize)
		}
		return time.Since(t), err
	}
	deep, err := cursorAt(ctx, store, orgID, sessionID, viewsDeepRow)
	if err != nil {
		return nil, err
	}
	page := func(q queue.SupporterQuery, want int) func(context.Context) (time.Duration, error) {
		return func(ctx context.Context) (time.Duration, error) {
			t := time.Now()
			p, err := store.SessionSupporters(ctx, orgID, sessionID, q)
			if err == nil && len(p.Supporters) != want {
				err = fmt.Errorf("page %+v has %d rows, want %d", q, len(p.Supporters), want)
			}
			return time.Since(t), err
		}
	}
	cases := []struct {
		name string
		op   func(context.Context) (time.Duration, error)
	}{
		{"stats", stats},
		{"first", page(queue.SupporterQuery{}, 50)},
		{"deep", page(queue.SupporterQuery{After: deep}, 50)},
		{"search_name", page(queue.SupporterQuery{Search: "okafor"}, 50)},
		{"search_phone", page(queue.SupporterQuery{Search: "020 0009 9990"}, 1)},
		{"completed", page(queue.SupporterQuery{Status: queue.SupporterCompleted}, 50)},
	}
	timings := map[string][]time.Duration{}
	for _, c := range cases {
		if _, err := repeat(ctx, 10, c.op); err != nil { // warm up and prepare
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if timings[c.name], err = repeat(ctx, viewsRuns, c.op); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	fmt.Fprintf(b.log, "callingbench views: done in %v\n", time.Since(start).Round(time.Millisecond))
	pages := slices.Concat(timings["first"], timings["deep"], timings["search_name"])
	figures := slices.Concat(latency("stats_p%d_ms", timings["stats"]), latency("supporters_page_p%d_ms", pages))
	for _, c := range cases[1:] {
		figures = append(figures, latency("supporters_"+c.name+"_p%d_ms", timings[c.name])...)
	}
	return figures, nil
}

// loadViewsSession makes the organisation, the list and the session, then
// writes its history straight into the tables: calls for the first 2,000
// supporters (answered, no answer, busy, failed in turn), contacts for 500
// answered ones, and 300 skips of every kind further down.
func loadViewsSession(ctx context.Context, store *queue.Store) (orgID, sessionID int64, err error) {
	o := queue.NewOrganisation("bench", "Bench")
	o.AllowedPrefixes = []string{"+44"}
	o.Timezone = "Europe/London"
	org, err := store.CreateOrganisation(ctx, o)
	if err != nil {
		return 0, 0, err
	}
	group, err := store.CreateGroup(ctx, org.ID, "Bench supporters")
	if err != nil {
		return 0, 0, err
	}
	leader, err := store.CreateUser(ctx, org.ID, queue.UserInput{FirstName: "Leader", Email: "leader@bench.example.org",
		Password: "a long enough secret", Mobile: "+447400123456", Admin: true})
	if err != nil {
		return 0, 0, err
	}
	list, err := store.CreateList(ctx, org.ID, group.ID, "Everyone", 0)
	if err != nil {
		return 0, 0, err
	}
	_, err = store.Pool().Exec(ctx, `
		WITH made AS (
			INSERT INTO supporters (organisation_id, group_id, first_name, last_name, phone_raw, phone, phone_key,
				tags, timezone, created_at, updated_at)
			SELECT $1, $2, (ARRAY['Ada','Bo','Chidi','Dana','Émile','Farah','Grace','Hiro','Ines','José','Kofi','Lena'])[i % 12 + 1],
				(ARRAY['Lovelace','O''Brien','Nguyen','Smith','García','Kowalski','Okafor','Jones','Müller','Patel','Williams','Zhang','Brown','MacLeod'])[(i / 12) % 14 + 1],
				p, p, p, CASE WHEN i % 3 = 0 THEN ARRAY['volunteer'] ELSE '{}' END, 'Europe/London', $4, $4
			FROM generate_series(1, $5::bigint) i, LATERAL (SELECT '+4420' || lpad(i::text, 8, '0')) n(p)
			RETURNING id, group_id
		)
		INSERT INTO list_members (group_id, list_id, supporter_id, added_at)
		SELECT group_id, $3, id, $4 FROM made ORDER BY id`,
		org.ID, group.ID, list.ID, claimNow, viewsListSize)
	if err != nil {
		return 0, 0, err
	}
	sess, _, err := store.StartSession(ctx, leader, list.ID, "")
	if err != nil {
		return 0, 0, err
	}
	_, err = store.Pool().Exec(ctx, viewsHistory, org.ID, sess.ID, leader.ID, claimNow,
		viewsAttempted, viewsContacted, viewsSkipped)
	if err != nil {
		return 0, 0, err
	}
	for i := range viewsListMates {
		mate, err := store.CreateUser(ctx, org.ID, queue.UserInput{FirstName: fmt.Sprintf("Mate%d", i),
			Email: fmt.Sprintf("mate%d@bench.example.org", i), Password: "a long enough secret",
			Mobile: "+447400123456", Admin: true})
		if err != nil {
			return 0, 0, err
		}
		if _, _, err := store.StartSession(ctx, mate, list.ID, ""); err != nil {
			return 0, 0, err
		}
	}
	return org.ID, sess.ID, nil
}

// viewsHistory writes the evening: one call a minute up to now, the 500
// answered calls logged contacted, and skips of every kind from the 10,000th
// supporter on, one every 30.
const viewsHistory = `
	WITH queue AS (
		SELECT ss.supporter_id, sp.phone, row_number() OVER (ORDER BY ss.sort_key) AS n
		FROM session_supporters ss JOIN supporters sp ON sp.id = ss.supporter_id
		WHERE ss.session_id = $2
	), calls AS (
		INSERT INTO call_records (organisation_id, session_id, cycle, leg, supporter_id, leader_id, dialled_number,
			state, originated_at, answered_at, ended_at, outcome)
		SELECT $1, $2, 1, 'supporter', q.supporter_id, $3, q.phone, 'ended', t.at,
			CASE WHEN q.n % 4 = 0 THEN t.at + interval '5 seconds' END,
			t.at + interval '40 seconds',
			(ARRAY['answered', 'no_answer', 'busy', 'failed'])[(q.n % 4)::int + 1]::call_outcome
		FROM queue q, LATERAL (SELECT $4::timestamptz - ($5 - q.n) * interval '1 minute' - interval '1 minute') t(at)
		WHERE q.n <= $5
		RETURNING id, supporter_id, outcome, ended_at
	), logged AS (
		SELECT * FROM calls WHERE outcome = 'answered' ORDER BY id LIMIT $6
	), contacts AS (
		INSERT INTO contacts (organisation_id, session_id, cycle, supporter_id, call_id, author_id, contacted,
			idempotency_key, created_at, updated_at, updated_by)
		SELECT $1, $2, 1, supporter_id, id, $3, true, 'bench-' || id, ended_at, ended_at, $3 FROM logged
	), called AS (
		UPDATE supporters sp SET last_call_at = calls.ended_at FROM calls WHERE sp.id = calls.supporter_id
	), attempted AS (
		UPDATE session_supporters ss SET attempted = true,
			completed_at = logged.ended_at, completed_by = CASE WHEN logged.id IS NOT NULL THEN $3 END
		FROM calls LEFT JOIN logged ON logged.id = calls.id
		WHERE ss.session_id = $2 AND ss.supporter_id = calls.supporter_id
	), skipped AS (
		UPDATE session_supporters ss SET skip_type = k.type::skip_type,
			skip_until = CASE k.type WHEN '2h' THEN $4 + interval '2 hours' WHEN 'date' THEN $4 + interval '3 days' END,
			skip_reason = CASE WHEN k.type = 'remove' THEN 'wrong number' END, skipped_by = $3, skipped_at = $4
		FROM queue q, LATERAL (SELECT (ARRAY['2h', 'date', 'cycle', 'remove'])[(q.n % 4)::int + 1]) k(type)
		WHERE ss.session_id = $2 AND ss.supporter_id = q.supporter_id
			AND q.n >= 10000 AND q.n % 30 = 0 AND q.n < 10000 + $7 * 30
	)
	UPDATE calling_sessions SET started_at = $4 - $5 * interval '1 minute', last_activity_at = $4 WHERE id = $2`

// cursorAt pages through the sheet, 200 rows at a time, to the cursor of
// the page that starts after row n.
func cursorAt(ctx context.Context, store *queue.Store, orgID, sessionID int64, n int) (string, error) {
	cursor := ""
	for read := 0; read < n; read += 200 {
		p, err := store.SessionSupporters(ctx, orgID, sessionID, queue.SupporterQuery{PageSize: 200, After: cursor})
		if err != nil {
			return "", err
		}
		if p.NextCursor == "" {
			return "", fmt.Errorf("the sheet ended after %d rows", read+len(p.Supporters))
		}
		cursor = p.NextCursor
	}
	return cursor, nil
}
