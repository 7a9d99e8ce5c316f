package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sira/survey"
	"sira/survey/sqlite"
)

// simulated returns the interviews stored at path, by id.
func simulated(t *testing.T, path string) map[string]*survey.Interview {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unlockAll(t, s)
	list, err := s.List(ctx, survey.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]string{}
	for _, p := range pending {
		hashes[p.ID] = p.Hash
	}
	out := map[string]*survey.Interview{}
	for _, m := range list {
		iv, err := s.Get(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if iv.Status != survey.StatusFinalized || iv.Enumerator != "E7" {
			t.Errorf("%s: status %s, enumerator %q; want finalized by E7", iv.ID, iv.Status, iv.Enumerator)
		}
		if hashes[iv.ID] != iv.ContentHash() {
			t.Errorf("%s: stored hash %s, ContentHash %s", iv.ID, hashes[iv.ID], iv.ContentHash())
		}
		out[iv.ID] = iv
	}
	return out
}

func TestSimulateDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, path := range []string{a, b} {
		code, stdout, stderr := runMain(t, "simulate", "--db", path, "-n", "25", "--seed", "11", "--enumerator", "E7", "--device", "sim-1")
		if code != 0 {
			t.Fatalf("simulate: exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, "simulated 25 finalized interviews of returnee") {
			t.Errorf("stdout = %q", stdout)
		}
	}
	ivA, ivB := simulated(t, a), simulated(t, b)
	if len(ivA) != 25 || len(ivB) != 25 {
		t.Fatalf("stored %d and %d interviews, want 25", len(ivA), len(ivB))
	}
	for id, x := range ivA {
		y, ok := ivB[id]
		if !ok {
			t.Errorf("%s simulated into a.db only: not deterministic", id)
			continue
		}
		if !reflect.DeepEqual(x.Data, y.Data) || !x.Started.Equal(y.Started) {
			t.Errorf("%s differs between runs with one seed", id)
		}
	}
	// The answers are the form's, not empty shells.
	answered := 0
	for _, iv := range ivA {
		if len(iv.Data.Values) > 10 {
			answered++
		}
	}
	if answered < 15 {
		t.Errorf("only %d of 25 interviews have more than 10 answers", answered)
	}

	// The same seed again would duplicate ids: refused, nothing added.
	code, _, stderr := runMain(t, "simulate", "--db", a, "-n", "5", "--seed", "11", "--enumerator", "E7")
	if code != 1 || !strings.Contains(stderr, "another --seed") {
		t.Errorf("re-simulating a seed: exit %d, stderr %q", code, stderr)
	}
	code, stdout, _ := runMain(t, "status", "--db", a, "--json")
	var rows []statusRow
	if err := json.Unmarshal([]byte(stdout), &rows); code != 0 || err != nil {
		t.Fatalf("status: exit %d, %v", code, err)
	}
	if want := []statusRow{{FormID: "returnee", Finalized: 25}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("status after simulate = %+v, want %+v", rows, want)
	}
}

func TestSimulateForm(t *testing.T) {
	tests := []struct {
		name, form string
	}{
		{"XLSForm", "../../forms/testdata/small.md"},
		{"Compiled", "../../forms/testdata/small.golden.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.db")
			code, _, stderr := runMain(t, "simulate", "--db", path, "--form", tt.form, "-n", "12", "--enumerator", "E7")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			ivs := simulated(t, path)
			if len(ivs) != 12 {
				t.Fatalf("%d interviews, want 12", len(ivs))
			}
			for _, iv := range ivs {
				if iv.FormID != "small" {
					t.Errorf("%s: form %q, want small", iv.ID, iv.FormID)
				}
			}
			s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			device, err := s.DeviceID(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, iv := range ivs {
				if iv.DeviceID != device {
					t.Errorf("%s: device %q, want the database's %q", iv.ID, iv.DeviceID, device)
				}
			}
			fs, err := s.Forms(context.Background())
			if err != nil || len(fs) != 1 || fs[0].FormID != "small" {
				t.Errorf("stored forms = %+v, %v; want the small form", fs, err)
			}
		})
	}
}

func TestSimulateUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"NoN", []string{"simulate", "--db", filepath.Join(t.TempDir(), "x.db")}, 2, "-n must be"},
		{"BadN", []string{"simulate", "-n", "many"}, 2, "invalid value"},
		{"ErrNoDB", []string{"simulate", "-n", "1"}, 2, "--db is required"},
		{"MissingForm", []string{"simulate", "--db", filepath.Join(t.TempDir(), "x.db"), "-n", "1", "--form", "nope.xlsx"}, 1, "nope.xlsx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runMain(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

// BenchmarkInsertSimulated measures the storing half of sira simulate on
// real simulated interviews of the built-in form (generated once, outside
// the timing), in transactions of simBatch.
func BenchmarkInsertSimulated(b *testing.B) {
	ctx := context.Background()
	f, err := simForm(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		b.Fatal(err)
	}
	opts := survey.SimOptions{Plan: plan, Enumerator: "E7", DeviceID: "sim-1"}
	batches, errc := simulateBatches(ctx, f, opts, simPrepare(f, "", true, 1), 1, 500, nil)
	var proto []*survey.Interview
	for bt := range batches {
		proto = append(proto, bt...)
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "b.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	mustUnlock(b, s, "E7")
	n := 0
	for b.Loop() {
		b.StopTimer()
		batch := make([]*survey.Interview, simBatch)
		for i := range batch {
			iv := *proto[n%len(proto)]
			iv.ID = fmt.Sprintf("uuid:bench-%d", n)
			batch[i] = &iv
			n++
		}
		b.StartTimer()
		if err := s.Insert(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "interviews/s")
}

// BenchmarkSimulateCommand measures sira simulate end to end, as a user runs
// it: the built-in form, generation on every core, into a real SQLite file.
// Each iteration simulates 5,000 interviews into a fresh database; the
// figure that matters is interviews/s (the target: 5,000).
func BenchmarkSimulateCommand(b *testing.B) {
	ctx := context.Background()
	const n = 5000
	dir := b.TempDir()
	i := 0
	for b.Loop() {
		path := filepath.Join(dir, fmt.Sprintf("sim%d.db", i))
		i++
		var out, errb strings.Builder
		env := &Env{Stdout: &out, Stderr: &errb, Getenv: testGetenv}
		if err := runSimulate(ctx, env, []string{"--db", path, "-n", fmt.Sprint(n), "--seed", "7"}); err != nil {
			b.Fatalf("%v\n%s", err, errb.String())
		}
	}
	b.ReportMetric(float64(n*i)/b.Elapsed().Seconds(), "interviews/s")
}
