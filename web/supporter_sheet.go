package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// What the View all supporters sheet (R3.5), the supporter card and their
// actions share: the session as the current user may see it, each
// supporter as a row shows them, and where an action goes back to.

// sheetSession is the session of the route's {id} with what the current
// user may do in it.
type sheetSession struct {
	queue.Session
	CanRun   bool           // skip, remove skip, prioritise, log (the queue refuses others too)
	IsLeader bool           // sees numbers whole
	loc      *time.Location // the viewer's timezone, for the times shown
}

// viewerSession is sess as u sees it.
func viewerSession(u queue.User, sess queue.Session) sheetSession {
	return sheetSession{Session: sess, CanRun: u.CanRun(sess), IsLeader: sess.LeaderID == u.ID,
		loc: viewerLocation(u)}
}

// viewerLocation is the timezone the user reads times in, UTC when theirs
// cannot be loaded.
func viewerLocation(u queue.User) *time.Location {
	if loc, err := queue.LoadLocation(u.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// loadSheetSession finds the route's session for the current user, as the
// dashboard does (visibleSession).
func (s *Server) loadSheetSession(r *http.Request) (sheetSession, error) {
	sess, err := s.visibleSession(r)
	if err != nil {
		return sheetSession{}, err
	}
	return viewerSession(currentUser(r), sess), nil
}

// loadSheetSupporter finds the route's session and its supporter {sid}:
// ENOTFOUND (field "supporter_id") for a supporter the session does not
// have, another session's or organisation's (R12).
func (s *Server) loadSheetSupporter(r *http.Request) (sheetSession, queue.SessionSupporter, error) {
	ss, err := s.loadSheetSession(r)
	if err != nil {
		return ss, queue.SessionSupporter{}, err
	}
	sid, err := pathID(r, "supporterID")
	if err != nil {
		return ss, queue.SessionSupporter{}, err
	}
	sp, err := s.store.SessionSupporter(r.Context(), ss.OrganisationID, ss.ID, sid)
	return ss, sp, err
}

// sheetRow is a supporter as a row of the sheet and the card show them.
type sheetRow struct {
	queue.SessionSupporter
	Name    string
	Phone   string // whole for the session's leader, else masked
	Tooltip string // the Skipped badge's: leader skip or system skip, and time left
	// NoPrioritise says why Prioritise is greyed out, "" when it is not (R8.1).
	NoPrioritise string
	Audit        []sheetAuditLine
	Completed    string // when they were marked contacted
	StatusLabel  string
	LeaderSkip   bool // Remove skip is offered (R6.3)
	CanSkip      bool // Skip for… is offered: not completed, not already skipped by a leader
	Menu         sheetMenu
}

// sheetMenu is what a row's three-dot menu needs of its page.
type sheetMenu struct {
	CanRun bool
	Path   string // the supporter's card; its actions are under it
	CSRF   string
	Back   string // the page the actions return to
}

var statusLabels = map[queue.SupporterStatus]string{
	queue.SupporterAvailable: "Available", queue.SupporterSkipped: "Skipped",
	queue.SupporterUnavailable: "Unavailable", queue.SupporterCompleted: "Completed",
}

// sheetAuditLine is one entry of a row's skip audit (R6.2), in words.
type sheetAuditLine struct {
	At   string
	Text string
}

func (ss sheetSession) row(sp queue.SessionSupporter, now time.Time, audit []queue.SkipAuditEntry) sheetRow {
	row := sheetRow{SessionSupporter: sp, Name: supporterName(sp.Supporter), Phone: sp.Phone.Masked(),
		StatusLabel: statusLabels[sp.Status], LeaderSkip: sp.Skip != nil && sp.Skip.Kind == queue.SkipKindLeader,
		Menu: sheetMenu{CanRun: ss.CanRun, Path: supporterPath(ss.ID, sp.ID)}}
	row.CanSkip = sp.Status != queue.SupporterCompleted && !row.LeaderSkip
	if ss.IsLeader {
		row.Phone = sp.Phone.Raw
	}
	if sp.Skip != nil {
		row.Tooltip = sp.Skip.Describe(now)
		if sp.Skip.Kind == queue.SkipKindSystem {
			row.Tooltip = "System skip: " + row.Tooltip
		}
	}
	switch {
	case sp.Status == queue.SupporterCompleted:
		row.NoPrioritise = "Already contacted: completed supporters are not called again"
	case sp.Next:
		row.NoPrioritise = "Already next in the queue"
	}
	if sp.CompletedAt != nil {
		row.Completed = ss.when(*sp.CompletedAt)
	}
	for _, e := range audit {
		row.Audit = append(row.Audit, sheetAuditLine{At: ss.when(e.At), Text: auditText(e, ss.when)})
	}
	return row
}

// when is t as the viewer reads it: "Tue 10 Mar 12:05".
func (ss sheetSession) when(t time.Time) string {
	loc := ss.loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 15:04")
}

// auditText is an audit entry in words: "Casey Leader skipped: 15 minutes,
// until Tue 10 Mar 12:15 (driving)".
func auditText(e queue.SkipAuditEntry, when func(time.Time) string) string {
	who := e.ActorName
	if who == "" {
		who = "The server"
	}
	var b strings.Builder
	switch e.Action {
	case queue.SkipActionSkip:
		b.WriteString(who + " skipped: " + strings.ToLower(e.Type.Label()))
	case queue.SkipActionUnskip:
		b.WriteString(who + " removed the skip (" + strings.ToLower(e.Type.Label()) + ")")
	default:
		b.WriteString(who + " ended the skip (" + strings.ToLower(e.Type.Label()) + ")")
	}
	if e.Until != nil {
		b.WriteString(", until " + when(*e.Until))
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

// sheetPath is the sheet of a session, and supporterPath a supporter's card.
func sheetPath(sessionID int64) string { return fmt.Sprintf("/sessions/%d/supporters", sessionID) }

func supporterPath(sessionID, supporterID int64) string {
	return fmt.Sprintf("/sessions/%d/supporters/%d", sessionID, supporterID)
}

// backTo is where an action of the sheet or the card returns: the page it
// came from (the form's "back", a path of this site under the session),
// else the sheet.
func backTo(back string, sessionID int64) string {
	prefix := fmt.Sprintf("/sessions/%d", sessionID)
	if p := localPath(back); p == prefix || strings.HasPrefix(p, prefix+"/") || strings.HasPrefix(p, prefix+"?") {
		return p
	}
	return sheetPath(sessionID)
}

// withQuery is path with the query v, if any.
func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// withMenus gives the rows' menus the page's CSRF token and the page their
// actions return to.
func (s *Server) withMenus(w http.ResponseWriter, r *http.Request, rows []sheetRow, back string) {
	token := s.csrfToken(w, r)
	for i := range rows {
		rows[i].Menu.CSRF, rows[i].Menu.Back = token, back
	}
}
