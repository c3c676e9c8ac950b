package browser

import "fmt"

// The pages' DOM hooks and routes the tests rely on, in one place, as the
// templates under web/templates/views write them: when a template changes
// a hook, change it here. A step on a page that may not be served yet
// starts with requirePage (or requireAPI) and fails with "page not built
// yet" until it is.

// Routes of the panel (web/routes.go).
const (
	pathLogin    = "/login"
	pathProfile  = "/profile"
	pathSessions = "/sessions" // the Calling Sessions index (R2.4)
	pathLanding  = pathSessions
	apiPrefix    = "/api/v1"
)

// pathList is a call list's page, with Start a calling session (R2.1, R2.2).
func pathList(id int64) string { return fmt.Sprintf("/lists/%d", id) }

// pathSession is a session's dashboard (R3).
func pathSession(id int64) string { return fmt.Sprintf("/sessions/%d", id) }

// pathSheet is a session's View all supporters sheet (R3.5): a page of its
// own, opened from the dashboard's #open-sheet link.
func pathSheet(id int64) string { return fmt.Sprintf("/sessions/%d/supporters", id) }

// API routes as openapi.json spells their templates; apiPath fills them.
const (
	apiMe           = "/me"
	apiListSessions = "/lists/{id}/sessions"                               // POST: start (or resume) a session on a list
	apiSession      = "/sessions/{id}"                                     // GET: a session's dashboard
	apiContacts     = "/sessions/{id}/contacts"                            // POST: log a contact (ContactLogRequest)
	apiSkip         = "/sessions/{id}/supporters/{supporterID}/skip"       // POST: skip (SkipRequest); DELETE: remove skip
	apiPrioritise   = "/sessions/{id}/supporters/{supporterID}/prioritise" // POST
)

// The frame of every page (templates/common/layout.html).
const (
	selNav          = `nav.sidebar`
	selNavLinks     = `nav.sidebar .nav-links a`
	selNavUser      = `nav.sidebar .nav-user-name`
	selNavProfile   = `nav.sidebar a[href="/profile"]`
	selNavToggle    = `nav.sidebar .nav-toggle`
	selLogout       = `nav.sidebar form[action="/logout"] button[type="submit"]`
	selAlertSuccess = `main .alert-success`
	selAlertError   = `main .alert-error`
)

// Log in (views/login.html).
const (
	selLoginEmail    = `#email`
	selLoginPassword = `#password`
	selLoginSubmit   = `form[action="/login"] button[type="submit"]`
)

// Edit My Profile (views/profile_edit.html).
const (
	selProfileMobile = `#mobile`
	selProfileSubmit = `form[action="/profile"] button[type="submit"]`
	selMobileError   = `#mobile-error`
)

// A call list's page (views/list_show.html, common/lists.html's
// "list-start"): the Start button opens the form with the name box.
const (
	selStartButton      = `#start-session-button`             // "Start a calling session"
	selStartSession     = `#start-session`                    // the form it opens
	selStartSessionName = `#start-session input[name="name"]` // pre-filled "<first name> - <list name>"
	selStartSubmit      = `#start-session-create`             // Create
	selProfileHint      = `#start-session-profile`            // the link to /profile shown instead (R2.2)
)

// The Calling Sessions index (views/session_index.html).
const (
	selSessions = `#sessions`
)

// A session's dashboard (views/session_show.html).
const (
	selCurrentCall   = `#current-call`   // the current call card
	selCallSupporter = `#call-supporter` // who is called now (or last)
	selCallStage     = `#call-stage`     // ringing the leader, connected, wrap-up…
	selContactForm   = `#contact-form`
	selContacted     = `#contacted-yes`
	selNotes         = `#notes`
	selContactSave   = `#log-contact`
	selContactLogged = `#contact-logged`
	selCycleHeading  = `#cycle-heading` // "Cycle 2"
	selCycleAction   = `#cycle-action`  // Start calling session / Resume calling session / Start a new cycle
	selProgress      = `#progress`
	selProgressText  = `#progress-text` // "1 of 8 supporters completed"
	selLiveStatus    = `#live-status`   // "Offline — reconnecting…" while the stream is down
	selStopCalling   = `#stop-calling`
	selPauseReason   = `#pause-reason`
	selOpenSheet     = `#open-sheet` // View all supporters
)

// journeyCycle is a completed cycle in the calling journey (R3.4).
func journeyCycle(n int) string { return fmt.Sprintf("#journey-cycle-%d", n) }

// The View all supporters sheet (views/supporter_list.html,
// common/supporter_sheet.html) and its Skip for… dialog
// (views/skip_edit.html, shown over the sheet by sheet.js).
const (
	selSheetRows    = `#sheet-rows`
	selCloseSheet   = `#close-sheet`
	selSkipDialog   = `#skip-dialog`
	selSkipForm     = `#skip-form`
	selSkipType     = `#skip-form [name="type"]`
	selSkipReason   = `#skip-form [name="reason"]`
	selSkipDate     = `#skip-form [name="date"]`
	selSkipSubmit   = `#skip-submit`
	selBadgeSkipped = `.badge-skipped` // its title is the tooltip (R7)
)

// selRow is a supporter's row of the sheet; it has data-next when they
// are next to call.
func selRow(supporterID int64) string {
	return fmt.Sprintf(`#sheet-rows [data-supporter-id="%d"]`, supporterID)
}

// selRowMenu is a row's three-dot menu button.
func selRowMenu(supporterID int64) string {
	return selRow(supporterID) + ` [data-action="menu"]`
}

// selRowAction is a row's menu action: "skip" (a link opening the dialog),
// "unskip" or "prioritise" (buttons posting a form).
func selRowAction(supporterID int64, action string) string {
	return selRow(supporterID) + fmt.Sprintf(` [data-action="%s"]`, action)
}

// Skip types as the skip form names them: queue.SkipType's values (R6).
const (
	skip15m       = "15m"
	skipThisCycle = "cycle"
	skipCustom    = "date"
	skipRemove    = "remove"
)
