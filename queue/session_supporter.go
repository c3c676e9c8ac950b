package queue

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SessionSupporter returns one supporter of the session as the View all
// supporters sheet shows them (R3.5), for the supporter card: their status,
// the skip holding them out, whether they are next and may be prioritised.
// It is the sheet's own statement narrowed to the supporter, so the card and
// the sheet never disagree.
//
// ENOTFOUND if the organisation has no such session, or (field
// "supporter_id") the session does not have the supporter on its list.
func (s *Store) SessionSupporter(ctx context.Context, orgID, sessionID, supporterID int64) (SessionSupporter, error) {
	sql := strings.Replace(sessionSupportersPage, "FILTERS", " AND ss.supporter_id = @supporter", 1)
	r, _, err := scanSessionSupporter(s.pool.QueryRow(ctx, sql, pgx.NamedArgs{
		"org": orgID, "session": sessionID, "supporter": supporterID, "now": s.clock.Now(), "limit": 1,
	}))
	if errors.Is(err, pgx.ErrNoRows) {
		if err := s.checkSession(ctx, orgID, sessionID); err != nil {
			return SessionSupporter{}, err
		}
		return SessionSupporter{}, notInSession()
	}
	if err != nil {
		return SessionSupporter{}, Internal("session supporter", err)
	}
	return r, nil
}

// CanSee reports whether u may see the session's pages: an admin every
// session of the organisation, anyone else their own sessions and those of
// the groups where they have a role, whichever (the rule of the Calling
// Sessions index, Sessions). Changing the session is sessionFor's rule.
func (u User) CanSee(sess Session) bool {
	return u.OrganisationID == sess.OrganisationID && (sess.LeaderID == u.ID || u.CanView(sess.GroupID))
}

// CanRun reports whether u may change the session: skip, prioritise, log
// (the rule sessionFor enforces): its leader, an admin, or a captain or
// vice-captain of its group.
func (u User) CanRun(sess Session) bool {
	return u.OrganisationID == sess.OrganisationID && (sess.LeaderID == u.ID || u.CanLead(sess.GroupID))
}

// Masked is the number as the panel shows it to anyone but the session's
// leader: every digit hidden but the last three ("••• 123"). The mask has
// one length whatever the number's, so it gives away nothing more.
func (p Phone) Masked() string {
	digits := phoneDigits(p.Raw)
	if p.E164 != "" {
		digits = phoneDigits(p.E164)
	}
	if len(strings.TrimPrefix(digits, "+")) <= 3 {
		return "•••"
	}
	return "••• " + digits[len(digits)-3:]
}
