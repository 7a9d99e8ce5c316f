//go:build race

package forms_test

// raceEnabled is set when tests run under the race detector, which makes
// excelize's XML decoding about ten times slower.
const raceEnabled = true
