package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sira/forms/builtin"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/sqlite"
)

// TestIntakeBackup: a copy taken while batches keep arriving opens as an
// intake with a whole number of batches (never half of one), and the
// database itself as a target is refused.
func TestIntakeBackup(t *testing.T) {
	ctx := context.Background()
	db, _, _ := intakeFixture(t, 20)
	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base, err := st.CountSubmissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := survey.NewPlan(f)
	rng := rand.New(rand.NewPCG(3, 4))
	const batch = 25
	var batches [][]intake.Incoming
	for range 8 {
		var in []intake.Incoming
		for range batch {
			iv, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "enq02", DeviceID: "laptop-02"})
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, incoming(t, iv))
		}
		batches = append(batches, in)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the server keeps receiving during the backups
		defer wg.Done()
		for _, in := range batches {
			if _, err := st.Ingest(ctx, intake.BatchMeta{Source: "import", Received: time.Now()}, in); err != nil {
				t.Error(err)
			}
		}
	}()
	dir := t.TempDir()
	for i := range 3 {
		out := filepath.Join(dir, fmt.Sprintf("copy%d.db", i))
		if code, _, stderr := runMain(t, "intake", "backup", "--db", db, "--out", out); code != 0 {
			t.Fatalf("backup: exit %d: %s", code, stderr)
		}
		cp, err := sqlite.Open(ctx, out)
		if err != nil {
			t.Fatalf("the copy does not open: %v", err)
		}
		n, err := cp.CountSubmissions(ctx)
		cp.Close()
		if err != nil {
			t.Fatal(err)
		}
		if (n-base)%batch != 0 || n < base {
			t.Errorf("copy %d holds %d submissions: not the %d of the fixture plus whole batches of %d", i, n, base, batch)
		}
	}
	wg.Wait()
	if code, _, stderr := runMain(t, "intake", "backup", "--db", db, "--out", db); code == 0 || !strings.Contains(stderr, "database itself") {
		t.Errorf("backing up onto itself: exit %d, %s", code, stderr)
	}
	if code, _, _ := runMain(t, "intake", "backup", "--db", db); code == 0 {
		t.Errorf("backup without --out succeeded")
	}
}
