package queue

import "context"

// Summary counts what the whole installation holds, for the operator's
// home page of a fresh install. It names no organisation: the page is open
// to anyone who reaches the server, and tenants see nothing of each other
// (R1.1).
type Summary struct {
	Organisations, Users, Groups, Lists, Supporters, Sessions int64
}

// Summary counts organisations, users, groups, lists, supporters and
// sessions.
func (s *Store) Summary(ctx context.Context) (Summary, error) {
	var sum Summary
	err := s.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM organisations), (SELECT count(*) FROM users),
			(SELECT count(*) FROM supporter_groups), (SELECT count(*) FROM call_lists),
			(SELECT count(*) FROM supporters), (SELECT count(*) FROM calling_sessions)`).
		Scan(&sum.Organisations, &sum.Users, &sum.Groups, &sum.Lists, &sum.Supporters, &sum.Sessions)
	return sum, Internal("summarise installation", err)
}
