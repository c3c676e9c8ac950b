//go:build !race

package browser

// raceEnabled: see race_test.go.
const raceEnabled = false
