package wire_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"sira/sync/wire"
)

// TestDecodeBodiesMemory: the bodies' shared buffer is sized after the
// first interview, and a sender chooses that one: a small interview first
// and long free text after it must not make DecodeBodies allocate many
// times what the bodies take.
func TestDecodeBodiesMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes what is allocated; run without -race")
	}
	_, c, ivs := builtinBatch(t, 40)
	for i, iv := range ivs[1:] {
		iv.Data.Values["/data/interview/intentions/enumerator_comments"] = strings.Repeat(fmt.Sprintf("route %d, ", i), 30000)
	}
	frame, err := c.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	f, err := wire.ParseFrame(frame, wire.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	var ds []wire.Decoded
	alloc := func(fn func()) uint64 {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		fn()
		runtime.ReadMemStats(&m1)
		return m1.TotalAlloc - m0.TotalAlloc
	}
	plain := alloc(func() { ds, err = c.Decode(f, wire.DefaultLimits) })
	if err != nil {
		t.Fatal(err)
	}
	withBodies := alloc(func() { ds, err = c.DecodeBodies(f, wire.DefaultLimits) })
	if err != nil {
		t.Fatal(err)
	}
	bodies := 0
	for _, d := range ds {
		bodies += len(d.Body)
	}
	// The bodies, and append's growth past the first estimate: at most
	// twice the payload left, then doubling.
	if extra := withBodies - min(withBodies, plain); extra > uint64(3*bodies) {
		t.Errorf("DecodeBodies allocated %d MB more than Decode for %d MB of bodies", extra>>20, bodies>>20)
	}
}
