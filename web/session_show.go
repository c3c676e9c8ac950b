package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// sessionDashboard is everything a session's dashboard shows (R3.1-R3.4,
// R3.6), read for the page, for its live parts and for the API alike.
type sessionDashboard struct {
	Session    queue.Session
	LeaderName string
	Stats      queue.SessionStats
	Journey    []queue.CycleStats
	Call       queue.CurrentCall
	// IsLeader: the viewer leads the session. Only they start and stop its
	// phone call (it rings their mobile) and see supporters' full numbers.
	IsLeader bool
	// CanRun: the viewer may log contacts and start a new cycle (the
	// leader, an admin, a captain or vice-captain of the group).
	CanRun bool
	viewer queue.User
	loc    *time.Location // the viewer's timezone, for the times shown
}

// errNoSessionRole: a session of the user's organisation in a group where
// they have no role (R1.2), as the group pages answer.
var errNoSessionRole = queue.Errorf(queue.EFORBIDDEN, "you have no role in this session's supporter group")

// visibleSession returns the session of the route's {id} if the user may
// see it: their own, or one in a group where they have a role (any role:
// members watch). Another organisation's is ENOTFOUND (R1.1).
func (s *Server) visibleSession(r *http.Request) (queue.Session, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return queue.Session{}, err
	}
	u := currentUser(r)
	sess, err := s.session(r.Context(), u.OrganisationID, id)
	if err != nil {
		return queue.Session{}, err
	}
	if !u.CanSee(sess) {
		return queue.Session{}, errNoSessionRole
	}
	return sess, nil
}

// loadDashboard reads the dashboard of sess for user u.
func (s *Server) loadDashboard(ctx context.Context, u queue.User, sess queue.Session) (*sessionDashboard, error) {
	d := &sessionDashboard{Session: sess, IsLeader: sess.LeaderID == u.ID,
		CanRun: u.CanRun(sess), viewer: u, loc: viewerLocation(u)}
	var err error
	if d.Stats, err = s.sessionStats(ctx, sess); err != nil {
		return nil, err
	}
	if d.Journey, err = s.journey(ctx, sess); err != nil {
		return nil, err
	}
	if d.Call, err = s.currentCall(ctx, sess); err != nil {
		return nil, err
	}
	if d.IsLeader {
		d.LeaderName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	} else {
		leader, err := s.store.User(ctx, sess.OrganisationID, sess.LeaderID)
		if err != nil {
			return nil, err
		}
		d.LeaderName = strings.TrimSpace(leader.FirstName + " " + leader.LastName)
	}
	return d, nil
}

// sessionShow is the session dashboard.
func (s *Server) sessionShow(w http.ResponseWriter, r *http.Request) {
	s.dashboardView(w, r, nil, func(v *view) { v.Render() })
}

// dashboardView reads the dashboard and hands its view to render; f, when
// not nil, is a contact form to show again as it was sent. The live cursor
// is read before the data, so a change in between is replayed to the page.
func (s *Server) dashboardView(w http.ResponseWriter, r *http.Request, f *form.ContactForm, render func(*view)) {
	cursor := ""
	if s.opts.Live != nil {
		cursor = s.opts.Live.Cursor()
	}
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.loadDashboard(r.Context(), currentUser(r), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f == nil {
		f = d.newContactForm()
	}
	render(s.view(w, r, "session_show").Set("D", d).Set("Form", f).Set("LiveCursor", cursor).
		Set("Live", s.opts.Live != nil).Set("Methods", queue.ContactMethods))
}

// newContactForm is a blank log for the card's call, with a key of its own.
func (d *sessionDashboard) newContactForm() *form.ContactForm {
	f := &form.ContactForm{Method: string(queue.MethodPhone)}
	if c := d.Call.Call; c != nil {
		f.CallID, f.SupporterID = c.ID, c.SupporterID
		f.IdempotencyKey = form.NewContactKey(c.ID, randomToken(9))
	}
	return f
}

// The dashboard's parts, for templates.

// Path is the dashboard's URL; its actions are under it.
func (d *sessionDashboard) Path() string { return dashboardPath(d.Session.ID) }

// ProgressMax is the progress bar's maximum: a bar of nothing is empty,
// not undefined.
func (d *sessionDashboard) ProgressMax() int { return max(1, d.Stats.Progress.Total) }

// Calling reports whether the leader's phone is wanted or live: the card
// then offers Stop instead of Start or Resume.
func (d *sessionDashboard) Calling() bool {
	return d.Call.PhoneWanted || d.Call.Stage.Live()
}

// ShowForm reports whether the card offers the contact form: there is a
// call to log, nothing is logged for it yet, and the viewer may log.
func (d *sessionDashboard) ShowForm() bool {
	return d.CanRun && d.Call.Call != nil && d.Call.Contact == nil && d.Call.Supporter != nil
}

// FormKey changes when the contact form must be drawn again: another call,
// or a log for it arrived (dashboard.js keeps a form being typed in).
func (d *sessionDashboard) FormKey() string {
	var call, logged int64
	if d.Call.Call != nil {
		call = d.Call.Call.ID
	}
	if d.Call.Contact != nil {
		logged = d.Call.Contact.ID
	}
	return fmt.Sprintf("%d:%d", call, logged)
}

// CorrectPath is where the viewer corrects a contact log (R5.4), "" when
// they may not: only its author or an admin may.
func (d *sessionDashboard) CorrectPath(c queue.Contact) string {
	if c.AuthorID != d.viewer.ID && !d.viewer.Admin {
		return ""
	}
	return fmt.Sprintf("/contacts/%d/edit?back=%s", c.ID, url.QueryEscape(d.Path()))
}

// CardPath is the supporter detail card of the current call's supporter.
func (d *sessionDashboard) CardPath() string {
	if d.Call.Supporter == nil {
		return ""
	}
	return fmt.Sprintf("%s/supporters/%d", d.Path(), d.Call.Supporter.ID)
}

// SupporterName is the card's supporter as the page names them.
func (d *sessionDashboard) SupporterName() string {
	sp := d.Call.Supporter
	if sp == nil {
		return ""
	}
	if name := strings.TrimSpace(sp.FirstName + " " + sp.LastName); name != "" {
		return name
	}
	return "Supporter without a name"
}

// Number is the card supporter's number: whole for the session's leader,
// who is talking to them, else masked to its last 3 digits (R3.6).
func (d *sessionDashboard) Number() string {
	sp := d.Call.Supporter
	if sp == nil {
		return ""
	}
	number := sp.Phone.E164
	if number == "" {
		number = sp.Phone.Raw
	}
	if d.IsLeader {
		return number
	}
	return maskNumber(number)
}

// maskNumber hides every digit of a phone number but the last 3.
func maskNumber(number string) string {
	digits := 0
	for _, r := range number {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	var b strings.Builder
	for _, r := range number {
		if r >= '0' && r <= '9' {
			if digits > 3 {
				r = '•'
			}
			digits--
		}
		b.WriteRune(r)
	}
	return b.String()
}

// When writes t in the viewer's timezone: the time today, else the date too.
func (d *sessionDashboard) When(t time.Time) string {
	t = t.In(d.loc)
	return t.Format("2 Jan 15:04")
}

// Duration writes a talk time: "1h 02m", "4m 05s", "12s".
func (d *sessionDashboard) Duration(seconds int64) string {
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// statsBlock is a set of call figures as the "call-stats" template draws
// them: the impact panel's, or one cycle's of the journey.
type statsBlock struct {
	D     *sessionDashboard
	S     queue.CallStats
	Event bool // the list has an event: show the RSVPs
}

// StatsOf hands call figures to the "call-stats" template.
func (d *sessionDashboard) StatsOf(cs queue.CallStats) statsBlock {
	return statsBlock{D: d, S: cs, Event: d.Stats.HasEvent}
}

// CallLength is how long the card's call talked, "" if it never did.
func (d *sessionDashboard) CallLength() string {
	if c := d.Call.Call; c != nil && c.DurationSeconds > 0 {
		return d.Duration(int64(c.DurationSeconds))
	}
	return ""
}

// OutcomeLabel writes how a call leg ended.
func (d *sessionDashboard) OutcomeLabel(o queue.Outcome) string {
	switch o {
	case queue.OutcomeAnswered:
		return "Answered"
	case queue.OutcomeNoAnswer:
		return "No answer"
	case queue.OutcomeBusy:
		return "Busy"
	case queue.OutcomeRejected:
		return "Rejected"
	case queue.OutcomeFailed:
		return "Failed"
	case queue.OutcomeCut:
		return "Cut off before an outcome"
	case queue.OutcomeRefused:
		return "Not dialled"
	}
	return string(o)
}

// RSVPLabel writes an RSVP.
func (d *sessionDashboard) RSVPLabel(r queue.RSVP) string {
	switch r {
	case queue.RSVPYes:
		return "Yes"
	case queue.RSVPNo:
		return "No"
	case queue.RSVPMaybe:
		return "Maybe"
	}
	return "None given"
}
