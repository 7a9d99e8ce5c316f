//go:build !race

package forms_test

// raceEnabled is set when tests run under the race detector.
const raceEnabled = false
