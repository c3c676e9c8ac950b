package ivr

import "github.com/supporterbase/callingsessions/queue"

// Prompts the leader hears, by name (exported for the benchmark that
// listens for them). Their words are in
// asterisk-config/prompts.txt, from which `make prompts` generates 8 kHz
// audio for Asterisk (asterisk-config/check.sh checks every name here has
// words); the simulator accepts any name.
const (
	PromptConnecting       = "sound:callingd/connecting"
	PromptBusy             = "sound:callingd/busy"
	PromptNoAnswer         = "sound:callingd/no-answer"
	PromptFailed           = "sound:callingd/call-failed"
	PromptWrapUp           = "sound:callingd/wrap-up"
	PromptCycleComplete    = "sound:callingd/cycle-complete"
	PromptLinesBusy        = "sound:callingd/lines-busy"
	PromptTechnicalProblem = "sound:callingd/technical-problem"

	// mediaRingback is what the leader hears while a supporter rings (R4.2).
	mediaRingback = "tone:ring"
)

// outcomePrompt tells the leader how a supporter's leg ended (R4.2).
var outcomePrompt = map[queue.Outcome]string{
	queue.OutcomeAnswered: PromptWrapUp,
	queue.OutcomeCut:      PromptWrapUp,
	queue.OutcomeBusy:     PromptBusy,
	queue.OutcomeNoAnswer: PromptNoAnswer,
	queue.OutcomeRejected: PromptFailed,
	queue.OutcomeFailed:   PromptFailed,
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
