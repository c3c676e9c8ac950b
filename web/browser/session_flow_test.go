package browser

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestSessionFlow is an evening of calling as a leader lives it, in one
// tab, step by step (issue 11's list): every step asserts what the page
// shows, and the simulated phones play the leader and the supporters.
//
// The steps after AddMobile use pages being built (the list page, the
// dashboard, the sheet): each starts with requirePage and fails with "page
// not built yet" until its page lands; a step after a failed one fails
// with "not run". While the leader's phone is live the steps never load
// another page by hand: leaving the dashboard other than by a link or a
// form of the panel pauses the session (R4.4), as closing it does.
//
// The list holds 8 supporters, s[0]..s[7] in queue order. The evening:
// s[0] answers and is logged contacted; s[1] is next; s[2] is skipped for
// 15 minutes and s[3] for this cycle; s[4] is then next, and s[7] is
// prioritised behind it, so s[1] → s[4] → s[7]; the skip of s[2] is
// removed; the page is closed during s[7]'s call (cut: called again
// first on resume); the cycle ends with s[7], s[2], s[5], s[6]; a new
// cycle returns s[3].
func TestSessionFlow(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := &flow{h: tb.h, tb: tb, tm: newTeam(t, tb.h, teamOptions{Supporters: 8, LeaderNoMobile: true})}
	s := f.tm.Supporters
	f.tm.Leader.Mobile = fmt.Sprintf("+4479128%05d", tb.h.uniq()) // saved in AddMobile
	leader := f.tm.Leader

	f.step(t, "LogIn", func(t *testing.T, tb *tab) {
		tb.login(leader.Email, testPassword)
		tb.shot("landing")
	})
	f.step(t, "StartHiddenWithoutMobile", func(t *testing.T, tb *tab) {
		tb.requirePage(pathList(f.tm.ListID))
		tb.open(pathList(f.tm.ListID))
		tb.waitVisible(selProfileHint)
		if tb.visible(selStartButton) || tb.count(selStartSession) > 0 {
			t.Fatal("Start a calling session shows to a leader without a mobile (R2.2)")
		}
		tb.shot("list_no_mobile")
	})
	f.always(t, "AddMobile", func(t *testing.T, tb *tab) {
		tb.open(pathProfile)
		tb.fill(selProfileMobile, leader.Mobile)
		tb.clickAndLoad(selProfileSubmit)
		tb.waitText(selAlertSuccess, "Your profile is saved.", waitTimeout)
	})
	f.step(t, "StartShown", func(t *testing.T, tb *tab) {
		tb.requirePage(pathList(f.tm.ListID))
		tb.open(pathList(f.tm.ListID))
		tb.click(selStartButton)
		tb.waitVisible(selStartSession)
		if got, want := tb.attr(selStartSessionName, "value"), leader.FirstName+" - "+f.tm.List; got != want {
			t.Errorf("session name pre-filled %q, want %q (R2.1)", got, want)
		}
		tb.shot("list")
	})
	f.step(t, "StartSession", func(t *testing.T, tb *tab) {
		tb.clickAndLoad(selStartSubmit)
		m := regexp.MustCompile(`^/sessions/(\d+)`).FindStringSubmatch(tb.path())
		if m == nil {
			t.Fatalf("Create leads to %s, want a session's dashboard", tb.path())
		}
		f.sessionID, _ = strconv.ParseInt(m[1], 10, 64)
		tb.waitVisible(selAlertSuccess)
		tb.waitText(selCycleAction, "Start calling session", waitTimeout)
		tb.waitText(selProgressText, "0 of 8", waitTimeout)
		tb.shot("dashboard_new")

		// The index lists it, not started yet (R2.4, R2.5).
		tb.open(pathSessions)
		tb.waitText(selSessions, leader.FirstName+" - "+f.tm.List, waitTimeout)
		tb.waitText(sessionRow(f.sessionID), "Not started", waitTimeout)
		tb.shot("sessions_index")
		tb.clickAndLoad(sessionRow(f.sessionID) + ` a[href="` + pathSession(f.sessionID) + `"]`)
		tb.waitText(selCycleAction, "Start calling session", waitTimeout)
	})
	f.step(t, "LeaderAnswers", func(t *testing.T, tb *tab) {
		tb.clickAndLoad(selCycleAction)
		// The simulated phone answers after two rings and presses # a
		// second later: a person, not a voicemail (R4.1).
		eventually(t, "the leader's phone to ring and answer", callTimeout, func() bool {
			c, ok := f.h.sim.channelOf(t, leader.Mobile)
			return ok && c.State == "Up"
		})
		if inv := f.h.sim.invites(t); len(inv) == 0 || inv[len(inv)-1].FromNum != "+442079460001" {
			t.Errorf("the leader's phone was shown %+v, want the organisation's caller ID (R10.2)", inv)
		}
	})
	f.step(t, "CurrentSupporterLive", func(t *testing.T, tb *tab) {
		mark := tb.markDocument()
		tb.waitText(selCallSupporter, s[0].Name(), callTimeout)
		f.waitConnected(t, s[0])
		tb.waitText(selCallStage, "Connected", waitTimeout)
		if !tb.sameDocument(mark) {
			t.Error("the dashboard reloaded to show the call; it must change live")
		}
		tb.shot("calling")
	})
	f.step(t, "LogContact", func(t *testing.T, tb *tab) {
		tb.waitVisible(selContactForm)
		tb.click(selContacted)
		tb.fill(selNotes, "Coming to the rally, bringing two friends.")
		tb.clickAndLoad(selContactSave)
		tb.waitVisible(selAlertSuccess)
		tb.waitVisible(selContactLogged)
		tb.waitText(selProgressText, "1 of 8", waitTimeout)
		tb.shot("contact_logged")
	})
	f.step(t, "NextSupporterOnKey", func(t *testing.T, tb *tab) {
		mark := tb.markDocument()
		f.next(t, s[0])
		tb.waitText(selCallSupporter, s[1].Name(), callTimeout)
		if !tb.sameDocument(mark) {
			t.Error("the dashboard reloaded to show the next call")
		}
	})
	f.step(t, "SkipFor15Minutes", func(t *testing.T, tb *tab) {
		f.toSheet(t)
		f.skip(t, s[2], skip15m)
		tb.waitFor("s[2]'s Skipped badge to say 15 minutes", badgeTitleJS(s[2].ID, "Skipped for 15 minutes"), waitTimeout)
		tb.shot("skipped_15m")
	})
	f.step(t, "SkipThisCycle", func(t *testing.T, tb *tab) {
		f.skip(t, s[3], skipThisCycle)
		tb.waitFor("s[3]'s Skipped badge to say this cycle", badgeTitleJS(s[3].ID, "Skipped for this cycle"), waitTimeout)
	})
	f.step(t, "Prioritise", func(t *testing.T, tb *tab) {
		// s[4] is next: Prioritise is greyed out for them, with why (R8.1).
		tb.waitFor("s[4] marked next", `!!document.querySelector(`+js(selRow(s[4].ID)+`[data-next]`)+`)`, waitTimeout)
		f.openRowMenu(t, s[4])
		if !mustEval[bool](tb, disabledJS(selRowAction(s[4].ID, "prioritise"))) {
			t.Error("Prioritise is offered for the supporter already next")
		}
		if tb.attr(selRowAction(s[4].ID, "prioritise"), "title") == "" {
			t.Error("the greyed-out Prioritise does not say why")
		}
		f.openRowMenu(t, s[7])
		tb.clickAndLoad(selRowAction(s[7].ID, "prioritise"))
		tb.waitVisible(selAlertSuccess)
		order := mustEval[[]string](tb, `[...document.querySelectorAll(`+js(selSheetRows+` [data-supporter-id]`)+`)].map((r) => r.dataset.supporterId)`)
		if i := slices.Index(order, itoa(s[4].ID)); i < 0 || i+1 >= len(order) || order[i+1] != itoa(s[7].ID) {
			t.Errorf("queue order %v: want s[7] (%d) right after s[4] (%d), the next to call", order, s[7].ID, s[4].ID)
		}
		tb.shot("prioritised")
	})
	f.step(t, "PrioritisedComesAfterNext", func(t *testing.T, tb *tab) {
		f.toDashboard(t)
		f.next(t, s[1])
		tb.waitText(selCallSupporter, s[4].Name(), callTimeout)
		f.next(t, s[4])
		tb.waitText(selCallSupporter, s[7].Name(), callTimeout)
	})
	f.step(t, "RemoveSkip", func(t *testing.T, tb *tab) {
		f.toSheet(t)
		f.openRowMenu(t, s[2])
		tb.clickAndLoad(selRowAction(s[2].ID, "unskip"))
		tb.waitText(selAlertSuccess, "Skip removed", waitTimeout)
		tb.waitHidden(selRow(s[2].ID) + " " + selBadgeSkipped)
		tb.shot("skip_removed")
	})
	f.step(t, "ClosePagePauses", func(t *testing.T, tb *tab) {
		f.toDashboard(t)
		f.waitConnected(t, s[7])
		tb.closeAndReopen()
		eventually(t, "the leader's and s[7]'s legs to hang up", callTimeout, func() bool {
			_, leaderUp := f.h.sim.channelOf(t, leader.Mobile)
			_, supporterUp := f.h.sim.channelOf(t, s[7].Phone)
			return !leaderUp && !supporterUp
		})
		tb.open(pathSession(f.sessionID))
		tb.waitText(selCycleAction, "Resume calling session", waitTimeout)
		if tb.visible(selPauseReason) {
			t.Logf("pause reason shown: %q", tb.text(selPauseReason))
		}
		tb.shot("paused")
	})
	f.step(t, "Resume", func(t *testing.T, tb *tab) {
		tb.clickAndLoad(selCycleAction)
		// s[7]'s call was cut with nothing logged: called again first (R4.4).
		tb.waitText(selCallSupporter, s[7].Name(), callTimeout)
		f.waitConnected(t, s[7])
	})
	f.step(t, "FinishCycle", func(t *testing.T, tb *tab) {
		for _, sup := range []supporter{s[7], s[2], s[5], s[6]} {
			tb.waitText(selCallSupporter, sup.Name(), callTimeout)
			f.next(t, sup)
		}
		tb.waitText(selCycleAction, "Start a new cycle", callTimeout)
		eventually(t, "the leader's call to end with the cycle (R4.5)", callTimeout, func() bool {
			_, up := f.h.sim.channelOf(t, leader.Mobile)
			return !up
		})
		tb.shot("cycle_complete")
	})
	f.step(t, "StartNewCycle", func(t *testing.T, tb *tab) {
		tb.clickAndLoad(selCycleAction)
		tb.waitText(selCycleHeading, "Cycle 2", waitTimeout)
		tb.waitVisible(journeyCycle(1))
		tb.shot("new_cycle")
		f.toSheet(t)
		tb.waitHidden(selRow(s[3].ID) + " " + selBadgeSkipped) // "this cycle" skips expire (R8.3)
	})
}

// flow is the state TestSessionFlow's steps share.
type flow struct {
	h         *harness
	tb        *tab
	tm        team
	sessionID int64
	failed    string // the first step that failed: the steps after it need it
}

// step runs a step that needs every step before it.
func (f *flow) step(t *testing.T, name string, fn func(t *testing.T, tb *tab)) {
	t.Helper()
	f.run(t, name, true, fn)
}

// always runs a step whatever failed before it.
func (f *flow) always(t *testing.T, name string, fn func(t *testing.T, tb *tab)) {
	t.Helper()
	f.run(t, name, false, fn)
}

func (f *flow) run(t *testing.T, name string, needsAll bool, fn func(t *testing.T, tb *tab)) {
	t.Helper()
	failed := f.failed
	ok := t.Run(name, func(t *testing.T) {
		if needsAll && failed != "" {
			t.Fatalf("not run: it needs step %s, which failed", failed)
		}
		fn(t, f.tb.step(t))
		f.tb.checkConsole()
	})
	if !ok && f.failed == "" {
		f.failed = name
	}
}

// waitConnected waits for the supporter's phone to be answered and bridged.
func (f *flow) waitConnected(t *testing.T, s supporter) {
	t.Helper()
	eventually(t, s.Name()+"'s phone to be answered", callTimeout, func() bool {
		c, ok := f.h.sim.channelOf(t, s.Phone)
		return ok && c.State == "Up" && c.Bridge != ""
	})
}

// next ends the call with s from the leader's keypad (*), then asks for
// the next supporter (#, any key in wrap-up: R4.3).
func (f *flow) next(t *testing.T, s supporter) {
	t.Helper()
	f.waitConnected(t, s)
	f.h.sim.press(t, f.tm.Leader.Mobile, "*")
	eventually(t, s.Name()+"'s leg to end", callTimeout, func() bool {
		_, up := f.h.sim.channelOf(t, s.Phone)
		return !up
	})
	f.h.sim.press(t, f.tm.Leader.Mobile, "#")
}

// toSheet follows the dashboard's View all supporters link, unless the
// sheet is shown; toDashboard closes it. Both are links of the panel, so
// leaving the dashboard by them does not pause the session (live.js).
func (f *flow) toSheet(t *testing.T) {
	t.Helper()
	if f.tb.path() != pathSheet(f.sessionID) {
		f.tb.clickAndLoad(selOpenSheet)
	}
	f.tb.waitVisible(selRow(f.tm.Supporters[0].ID))
}

func (f *flow) toDashboard(t *testing.T) {
	t.Helper()
	if f.tb.path() != pathSession(f.sessionID) {
		f.tb.clickAndLoad(selCloseSheet)
	}
	f.tb.waitVisible(selCycleHeading)
}

// openRowMenu opens a row's three-dot menu in the sheet.
func (f *flow) openRowMenu(t *testing.T, s supporter) {
	t.Helper()
	if !f.tb.visible(selRowAction(s.ID, "prioritise")) {
		f.tb.click(selRowMenu(s.ID))
	}
	f.tb.waitVisible(selRowAction(s.ID, "prioritise"))
}

// skip skips a supporter from the sheet's Skip for… dialog; the sheet
// shows again with the badge.
func (f *flow) skip(t *testing.T, s supporter, skipType string) {
	t.Helper()
	openSkipDialog(f.tb, s)
	f.tb.choose(selSkipType, skipType)
	f.tb.clickAndLoad(selSkipSubmit)
	f.tb.waitVisible(selAlertSuccess)
	f.tb.waitVisible(selRow(s.ID) + " " + selBadgeSkipped)
}

// badgeTitleJS: the supporter's Skipped badge has a tooltip saying want.
func badgeTitleJS(supporterID int64, want string) string {
	return `(() => {
	  const b = document.querySelector(` + js(selRow(supporterID)+" "+selBadgeSkipped) + `);
	  return !!b && (b.getAttribute('title') || '').includes(` + js(want) + `);
	})()`
}

// sessionRow is a session's row of the Calling Sessions index.
func sessionRow(id int64) string {
	return fmt.Sprintf(`#sessions [data-session-id="%d"]`, id)
}

// disabledJS: sel is greyed out (disabled, or aria-disabled).
func disabledJS(sel string) string {
	return `(() => {
	  const el = document.querySelector(` + js(sel) + `);
	  return !!el && (el.disabled === true || el.getAttribute('aria-disabled') === 'true');
	})()`
}

// choose picks value in a select, or the radio button of that value.
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	tb.waitFor(sel+" to show", `!!document.querySelector(`+js(sel)+`)`, waitTimeout)
	ok := mustEval[bool](tb, `(() => {
	  const el = document.querySelector(`+js(sel)+`);
	  if (el.tagName === 'SELECT') {
	    el.value = `+js(value)+`;
	    el.dispatchEvent(new Event('change', {bubbles: true}));
	    return el.value === `+js(value)+`;
	  }
	  const radio = [...document.querySelectorAll(`+js(sel)+`)].find((r) => r.value === `+js(value)+`);
	  if (!radio) return false;
	  radio.click();
	  return radio.checked;
	})()`)
	if !ok {
		tb.fatalf("%s has no choice %q", sel, value)
	}
}
