package ivr

import "github.com/supporterbase/callingsessions/queue"

// Prompts the leader hears, by name. asterisk-config/ generates each as
// 8 kHz audio under sounds/callingd/ (make prompts); the simulator accepts
// any name.
const (
	promptConnecting       = "sound:callingd/connecting"        // "Connecting you to your first supporter."
	promptBusy             = "sound:callingd/busy"              // "The line was busy. Press any key for the next supporter."
	promptNoAnswer         = "sound:callingd/no-answer"         // "No answer. Press any key for the next supporter."
	promptFailed           = "sound:callingd/call-failed"       // "The call could not be connected. Press any key for the next supporter."
	promptWrapUp           = "sound:callingd/wrap-up"           // "Press 1 if you made contact, 2 if not, 9 for a wrong number, or any key for the next supporter."
	promptCycleComplete    = "sound:callingd/cycle-complete"    // "This cycle is complete. Goodbye."
	promptLinesBusy        = "sound:callingd/lines-busy"        // "All lines are busy. Press any key to try again."
	promptTechnicalProblem = "sound:callingd/technical-problem" // "Sorry, something went wrong. Press any key to try again."

	// mediaRingback is what the leader hears while a supporter rings (R4.2).
	mediaRingback = "tone:ring"
)

// Prompts lists every prompt the flow plays, for asterisk-config.
var Prompts = []string{promptConnecting, promptBusy, promptNoAnswer, promptFailed, promptWrapUp,
	promptCycleComplete, promptLinesBusy, promptTechnicalProblem}

// outcomePrompt tells the leader how a supporter's leg ended (R4.2).
var outcomePrompt = map[queue.Outcome]string{
	queue.OutcomeAnswered: promptWrapUp,
	queue.OutcomeCut:      promptWrapUp,
	queue.OutcomeBusy:     promptBusy,
	queue.OutcomeNoAnswer: promptNoAnswer,
	queue.OutcomeRejected: promptFailed,
	queue.OutcomeFailed:   promptFailed,
}

// outcomeOf reads the Q.850 cause of a leg that ended unanswered, as
// Asterisk reports them (../shared/asterisk-ari/README.md): 17 busy, 19 no
// answer (the ring timeout), 18 no reply, 21 rejected; 16 for a leg we
// hung up while it rang. Anything else (1 unallocated number, 34
// congestion, ...) failed.
func outcomeOf(cause int) queue.Outcome {
	switch cause {
	case 17:
		return queue.OutcomeBusy
	case 16, 18, 19:
		return queue.OutcomeNoAnswer
	case 21:
		return queue.OutcomeRejected
	}
	return queue.OutcomeFailed
}
