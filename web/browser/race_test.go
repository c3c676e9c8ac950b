//go:build race

package browser

// raceEnabled: this test binary was built with -race, so callingd is too.
// It then reuses the packages `go test -race ./...` compiled already, and
// the race detector watches the server through every browser test.
const raceEnabled = true
