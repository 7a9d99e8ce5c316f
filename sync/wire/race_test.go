//go:build race

package wire_test

// raceEnabled is set when tests run under the race detector, which changes
// what escapes to the heap, and so what TestDecodeBodiesMemory counts.
const raceEnabled = true
