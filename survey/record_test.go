package survey

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRecordRepeats(t *testing.T) {
	r := NewRecord()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Put(Ref{Path: "/data/name"}, "Awa"))
	for i := 1; i <= 3; i++ {
		_, idx, err := r.AddInstance(nil, "/data/legs")
		must(err)
		if idx != i {
			t.Fatalf("AddInstance index = %d, want %d", idx, i)
		}
		must(r.Put(Ref{Path: "/data/legs/country", Repeats: []Step{{"/data/legs", i}}}, fmt.Sprint("c", i)))
	}
	_, _, err := r.AddInstance([]Step{{"/data/legs", 2}}, "/data/legs/stops")
	must(err)
	must(r.Put(Ref{Path: "/data/legs/stops/town", Repeats: []Step{{"/data/legs", 2}, {"/data/legs/stops", 1}}}, "Gao"))

	if got := r.Get(Ref{Path: "/data/legs/country", Repeats: []Step{{"/data/legs", 3}}}); got != "c3" {
		t.Errorf("Get legs[3]/country = %q", got)
	}
	if got := r.Count(nil, "/data/legs"); got != 3 {
		t.Errorf("Count = %d, want 3", got)
	}
	if err := r.Put(Ref{Path: "/data/legs/country", Repeats: []Step{{"/data/legs", 4}}}, "x"); !errors.Is(err, ErrNoInstance) {
		t.Errorf("Put into missing instance: %v, want ErrNoInstance", err)
	}

	c := r.Clone()
	must(r.RemoveInstance(nil, "/data/legs", 1))
	if got := r.Get(Ref{Path: "/data/legs/country", Repeats: []Step{{"/data/legs", 1}}}); got != "c2" {
		t.Errorf("after removing instance 1, legs[1]/country = %q, want c2", got)
	}
	if got := c.Get(Ref{Path: "/data/legs/country", Repeats: []Step{{"/data/legs", 1}}}); got != "c1" {
		t.Errorf("clone changed: %q", got)
	}
	if err := r.RemoveInstance(nil, "/data/legs", 3); !errors.Is(err, ErrNoInstance) {
		t.Errorf("RemoveInstance(3) of 2: %v", err)
	}

	var b strings.Builder
	must(r.Walk(func(ref Ref, v string) error { fmt.Fprintf(&b, "%s=%s;", ref, v); return nil }))
	want := "/data/name=Awa;/data/legs[1]/country=c2;/data/legs[1]/stops[1]/town=Gao;/data/legs[2]/country=c3;"
	if b.String() != want {
		t.Errorf("Walk = %s\nwant   %s", b.String(), want)
	}
	must(r.Put(Ref{Path: "/data/name"}, ""))
	if _, ok := r.Values["/data/name"]; ok {
		t.Error("empty Put kept the key")
	}
}
