//go:build !race

package wire_test

// raceEnabled is set when tests run under the race detector.
const raceEnabled = false
