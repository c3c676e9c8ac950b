package ivr

import "github.com/supporterbase/callingsessions/queue"

// Prompts the leader hears, by name. Their words are in
// asterisk-config/prompts.txt, from which `make prompts` generates 8 kHz
// audio for Asterisk (asterisk-config/check.sh checks every name here has
// words); the simulator accepts any name.
const (
	promptConnecting       = "sound:callingd/connecting"
	promptBusy             = "sound:callingd/busy"
	promptNoAnswer         = "sound:callingd/no-answer"
	promptFailed           = "sound:callingd/call-failed"
	promptWrapUp           = "sound:callingd/wrap-up"
	promptCycleComplete    = "sound:callingd/cycle-complete"
	promptLinesBusy        = "sound:callingd/lines-busy"
	promptTechnicalProblem = "sound:callingd/technical-problem"

	// mediaRingback is what the leader hears while a supporter rings (R4.2).
	mediaRingback = "tone:ring"
)

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
