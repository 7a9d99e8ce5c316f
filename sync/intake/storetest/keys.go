package storetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"sira/sync/intake"
)

// testOfficeKeys: the first use creates generation 1 exactly once, even
// from many goroutines at once; a rotation adds a generation and keeps the
// older ones.
func testOfficeKeys(t *testing.T, open Open) {
	st := open(t)
	ctx := context.Background()
	if keys, err := st.OfficeKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("new store: %d keys, %v", len(keys), err)
	}
	ConcurrentFirstKey(t, []intake.Store{st, st, st, st})
	k1, err := intake.CurrentOfficeKey(ctx, st, received)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := intake.RotateOfficeKey(ctx, st, received.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if k2.Generation != 2 || k2.Recipient == k1.Recipient {
		t.Errorf("rotation: generation %d recipient %s, want 2 and a new one", k2.Generation, k2.Recipient)
	}
	keys, err := intake.OfficeKeys(ctx, st, received)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != k2 || keys[1] != k1 {
		t.Errorf("after rotation: %+v, want generations 2 then 1", keys)
	}
	if ok, err := st.AddOfficeKey(ctx, intake.OfficeKey{Generation: 2, Identity: "x", Recipient: "y", Created: received}); ok || err != nil {
		t.Errorf("adding generation 2 again: inserted %v, %v; want false, nil", ok, err)
	}
	if got, want := intake.OfficeID(keys), intake.OfficeID([]intake.OfficeKey{k1}); got != want {
		t.Errorf("office id changed with the rotation: %s, was %s", got, want)
	}
}

// ConcurrentFirstKey starts intake.OfficeKeys on every store at once (one
// goroutine each; the stores may be several handles on one database, as
// servers starting together) and checks that all see the same single
// generation 1.
func ConcurrentFirstKey(t *testing.T, stores []intake.Store) {
	t.Helper()
	ctx := context.Background()
	got := make([]string, len(stores))
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys, err := intake.OfficeKeys(ctx, st, received)
			if err == nil && len(keys) != 1 {
				err = errors.New("not exactly one generation")
			}
			if err == nil {
				got[i] = keys[0].Recipient
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
		if got[i] != got[0] {
			t.Fatalf("store %d sees office recipient %s, store 0 %s", i, got[i], got[0])
		}
	}
	keys, err := stores[0].OfficeKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Generation != 1 {
		t.Fatalf("after concurrent first use: %+v, %v; want generation 1 alone", keys, err)
	}
}

func testDevices(t *testing.T, open Open) {
	st := open(t)
	ctx := context.Background()
	key1, key2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	if _, err := st.Device(ctx, "dev1"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("unknown device: %v, want ErrNotFound", err)
	}
	d, err := st.RegisterDevice(ctx, "dev1", key1, []string{"awa"}, received)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "dev1" || !bytes.Equal(d.Key, key1) || !slices.Equal(d.Enumerators, []string{"awa"}) || !d.FirstSeen.Equal(received) || !d.Revoked.IsZero() {
		t.Errorf("registered: %+v", d)
	}
	later := received.Add(time.Minute)
	d, err = st.RegisterDevice(ctx, "dev1", key1, []string{"bob", "AWA"}, later)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Enumerators, []string{"awa", "bob"}) || !d.LastSeen.Equal(later) || !d.FirstSeen.Equal(received) {
		t.Errorf("second token on the device: %+v, want awa and bob, last seen %v", d, later)
	}
	if !d.Enrolled("Bob") || d.Enrolled("eve") {
		t.Errorf("Enrolled: Bob %v eve %v", d.Enrolled("Bob"), d.Enrolled("eve"))
	}
	if _, err := st.RegisterDevice(ctx, "dev1", key2, []string{"eve"}, later); !errors.Is(err, intake.ErrKeyConflict) {
		t.Errorf("another key for dev1: %v, want ErrKeyConflict", err)
	}
	if d, _ := st.Device(ctx, "dev1"); d == nil || !bytes.Equal(d.Key, key1) || d.Enrolled("eve") {
		t.Errorf("after the refused key: %+v", d)
	}
	touch := later.Add(time.Hour)
	if err := st.TouchDevice(ctx, "dev1", touch); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RegisterDevice(ctx, "dev2", key2, nil, later); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].ID != "dev1" || !ds[0].LastSeen.Equal(touch) || ds[1].ID != "dev2" || len(ds[1].Enumerators) != 0 {
		t.Errorf("devices: %+v", ds)
	}
	if ok, err := st.RevokeDevice(ctx, "dev1", touch); !ok || err != nil {
		t.Fatalf("revoke: %v, %v", ok, err)
	}
	if ok, _ := st.RevokeDevice(ctx, "dev1", touch); ok {
		t.Error("revoked twice")
	}
	d, err = st.RegisterDevice(ctx, "dev1", key2, []string{"eve"}, touch)
	if err != nil {
		t.Fatalf("new key after revocation: %v", err)
	}
	if !bytes.Equal(d.Key, key2) || !slices.Equal(d.Enumerators, []string{"eve"}) || !d.Revoked.IsZero() {
		t.Errorf("re-enrolled after revocation: %+v", d)
	}
}

func testRecovery(t *testing.T, open Open) {
	st := open(t)
	ctx := context.Background()
	put := func(dev, enum, data string, at time.Time) {
		t.Helper()
		if err := st.PutRecovery(ctx, []intake.RecoveryCopy{{Device: dev, Enumerator: enum, Copy: []byte(data), Updated: at}}); err != nil {
			t.Fatal(err)
		}
	}
	put("dev1", "awa", "one", received)
	put("dev2", "Awa", "two", received.Add(time.Minute))
	put("dev1", "bob", "bob's", received)
	put("dev1", "AWA", "three", received.Add(2*time.Minute))
	cs, err := st.Recovery(ctx, "aWa")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || string(cs[0].Copy) != "three" || cs[0].Device != "dev1" || string(cs[1].Copy) != "two" {
		t.Errorf("recovery copies of awa: %+v", cs)
	}
	if cs, _ := st.Recovery(ctx, "eve"); len(cs) != 0 {
		t.Errorf("eve has %d copies", len(cs))
	}
}

func testEnrolments(t *testing.T, open Open) {
	st := open(t)
	ctx := context.Background()
	e := intake.Enrolment{ID: "enr1", CodeHash: "abc", Enumerators: []string{"awa", "bob"}, Created: received}
	if err := st.CreateEnrolment(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateEnrolment(ctx, e); err == nil {
		t.Error("the same enrolment id twice was accepted")
	}
	got, err := st.Enrolment(ctx, "enr1")
	if err != nil {
		t.Fatal(err)
	}
	if got.CodeHash != "abc" || !slices.Equal(got.Enumerators, e.Enumerators) || !got.Created.Equal(received) || !got.Used.IsZero() {
		t.Errorf("enrolment: %+v", got)
	}
	if _, err := st.Enrolment(ctx, "nope"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("unknown enrolment: %v", err)
	}
	if err := st.UseEnrolment(ctx, "nope", "dev1", received); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("using an unknown enrolment: %v", err)
	}
	if err := st.UseEnrolment(ctx, "enr1", "dev1", received); err != nil {
		t.Fatal(err)
	}
	if err := st.UseEnrolment(ctx, "enr1", "dev1", received.Add(time.Hour)); err != nil {
		t.Errorf("the same device again: %v", err)
	}
	if err := st.UseEnrolment(ctx, "enr1", "dev2", received); !errors.Is(err, intake.ErrEnrolmentUsed) {
		t.Errorf("another device: %v, want ErrEnrolmentUsed", err)
	}
	if got, _ := st.Enrolment(ctx, "enr1"); got == nil || got.Device != "dev1" || !got.Used.Equal(received) {
		t.Errorf("used enrolment: %+v", got)
	}
}

func testPINResets(t *testing.T, open Open) {
	st := open(t)
	ctx := context.Background()
	var seqs []int64
	for i, enum := range []string{"awa", "bob", "AWA"} {
		seq, err := st.AddPINReset(ctx, intake.PINReset{Enumerator: enum, Device: "dev1", Package: []byte{byte(i)}, Created: received})
		if err != nil {
			t.Fatal(err)
		}
		if len(seqs) > 0 && seq <= seqs[len(seqs)-1] {
			t.Errorf("seq %d after %d", seq, seqs[len(seqs)-1])
		}
		seqs = append(seqs, seq)
	}
	rs, err := st.PINResets(ctx, "Awa", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Seq != seqs[0] || rs[1].Seq != seqs[2] || !bytes.Equal(rs[1].Package, []byte{2}) || rs[0].Device != "dev1" || !rs[0].Created.Equal(received) {
		t.Errorf("resets of awa: %+v", rs)
	}
	if rs, _ := st.PINResets(ctx, "awa", seqs[0]); len(rs) != 1 || rs[0].Seq != seqs[2] {
		t.Errorf("resets of awa after %d: %+v", seqs[0], rs)
	}
}

func testKeyEvents(t *testing.T, open Open) {
	st := open(t)
	ctx := context.Background()
	for i, a := range []string{"key.secret", "key.rotate", "pin.reset"} {
		if err := st.RecordKeyEvent(ctx, intake.KeyEvent{At: received.Add(time.Duration(i) * time.Second), Who: "cli:ops", Action: a, Detail: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := st.KeyEvents(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Action != "pin.reset" || es[1].Action != "key.rotate" || es[0].Who != "cli:ops" || !es[1].At.Equal(received.Add(time.Second)) {
		t.Errorf("key events: %+v", es)
	}
}
