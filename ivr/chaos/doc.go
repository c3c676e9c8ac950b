// Package chaos runs fault drills against real `callingd serve` processes:
// twenty leaders work an evening on a real PostgreSQL through the ARI
// simulator (reached by the real ari/v5 client), a fault strikes mid-call
// (the server SIGKILLed and restarted, the lease holder of two instances
// killed, PostgreSQL restarted, Asterisk restarted), and the evening's
// invariants are then read from the database and the simulator (issue 12):
// no supporter rung twice at once, no call record live once the evening
// settles, every contact and skip the panel saw succeed stored exactly once,
// and every session resumable with the supporter the rules say is next.
//
// The simulator runs in the calling process, so it outlives a killed
// server as Asterisk does. Each scenario is bounded: deadlines everywhere,
// no unbounded waits. chaos_test.go asserts every count is zero;
// cmd/callingbench prints them as BENCH lines.
package chaos
