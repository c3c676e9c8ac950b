package ivr

import "github.com/supporterbase/callingsessions/queue"

// Prompts the leader hears, by name (exported for the benchmark that
// listens for them). Their words are in
// asterisk-config/prompts.txt, from which `make prompts` generates 8 kHz
// audio for Asterisk (asterisk-config/check.sh checks every name here has
// words); the simulator accepts any name.
const (
	PromptConnecting       = "sound:callingd/connecting"
	PromptPressToStart     = "sound:callingd/press-to-start"
	PromptBusy             = "sound:callingd/busy"
	PromptNoAnswer         = "sound:callingd/no-answer"
	PromptFailed           = "sound:callingd/call-failed"
	PromptWrapUp           = "sound:callingd/wrap-up"
	PromptCycleComplete    = "sound:callingd/cycle-complete"
	PromptLinesBusy        = "sound:callingd/lines-busy"
	PromptTechnicalProblem = "sound:callingd/technical-problem"

	// mediaRingback is what the leader hears while a supporter rings (R4.2):
	// a tone of a zone that asterisk-config/indications.conf ships (without
	// one Asterisk fails the playback and the leader hears silence).
	mediaRingback = "tone:ring"
)

// ringbackIn is the ringback of a tone zone.
func ringbackIn(zone string) string {
	if zone == "" {
		return mediaRingback
	}
	return mediaRingback + ";tonezone=" + zone
}

// confirmPrompts is how many times the leader is asked for a key (R4.1).
const confirmPrompts = 2

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
