package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
	"sira/survey/sqlite"
)

// simBatch is how many interviews go into one transaction: large enough
// that the per-commit fsync disappears, small enough to show progress.
const simBatch = 1000

// simGateAnswers lets most simulated interviews of the built-in form past
// its eligibility and consent questions; random answers would end nine in
// ten of them at the gate. One in ten goes through the gates at random.
var simGateAnswers = map[string]string{"already_interviewed": "no", "consent": "yes"}

// runSimulate is the "simulate" subcommand: fill a database with realistic
// finalized interviews, deterministically for a seed.
func runSimulate(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira simulate", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", "", "database `path` (default: the user's data directory, sira/sira.db)")
	formFile := fl.String("form", "", "XLSForm (.xlsx, .xls, .csv, .md) or compiled form (.json) `file` (default: the built-in returnee survey)")
	n := fl.Int("n", 0, "number of interviews (required)")
	seed := fl.Uint64("seed", 1, "random seed: the same seed gives the same interviews")
	enumerator := fl.String("enumerator", "sim", "enumerator `id` recorded in the interviews")
	pin := addPINFlags(fl, enumerator)
	deviceFlag := fl.String("device", "", "device `id` recorded in the interviews (default: the database's own, which differs between databases)")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "Usage: sira simulate -n N [--db PATH] [--form FILE] [--seed S] [--enumerator E] [--pin-stdin] [--device D]\n\nStores N finalized interviews with realistic, valid answers, sealed under the enumerator's key:\nthe PIN comes from --pin-stdin, $SIRA_PIN or a prompt; on a new database it creates the enumerator's local account.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v (try sira simulate -h)", err)
	}
	if fl.NArg() > 0 {
		return usageErrorf("unexpected argument %q (try sira simulate -h)", fl.Arg(0))
	}
	if *n <= 0 {
		return usageErrorf("-n must be a positive number of interviews (try sira simulate -n 100)")
	}
	path, err := resolveDBPath(env, *db)
	if err != nil {
		return err
	}
	f, err := simForm(ctx, *formFile)
	if err != nil {
		return err
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		return fmt.Errorf("form %s: %w", f.ID, err)
	}
	compiled, err := f.MarshalCanonical()
	if err != nil {
		return fmt.Errorf("form %s: %w", f.ID, err)
	}

	// Simulated interviews can be generated again: a power cut may lose the
	// last batches, never corrupt the database (WAL).
	st, err := sqlite.Open(ctx, path, sqlite.Options{BulkLoad: true})
	if err != nil {
		return err
	}
	defer st.Close()
	if *enumerator, err = pin.signIn(ctx, env, st, true); err != nil {
		return err
	}
	if err := st.PutForm(ctx, f.ID, f.Version, f.Hash, compiled); err != nil {
		return err
	}
	device := *deviceFlag
	if device == "" {
		if device, err = st.DeviceID(ctx); err != nil {
			return err
		}
	}
	opts := survey.SimOptions{Plan: plan, Enumerator: *enumerator, DeviceID: device}
	var gates map[string]string
	if *formFile == "" {
		gates = simGateAnswers
	}

	// Generation allocates a short-lived engine per interview: collecting
	// less often cuts a fifth of the CPU time, for a few tens of MB more.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	start := time.Now()
	genCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches, errc := simulateBatches(genCtx, f, opts, gates, *seed, *n)
	done := 0
	var storing time.Duration
	for b := range batches {
		t0 := time.Now()
		err := st.Insert(ctx, b)
		storing += time.Since(t0)
		if err != nil {
			// Stop the producer and let it finish.
			cancel()
			for range batches {
			}
			if errors.Is(err, survey.ErrExists) {
				return fmt.Errorf("%w (this seed was already simulated into %s: use another --seed)", err, path)
			}
			return err
		}
		done += len(b)
	}
	if err := <-errc; err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(env.Stdout, "simulated %d finalized interviews of %s %s into %s in %s (%.0f interviews/s; storing %s, %.0f interviews/s)\n",
		done, f.ID, f.Version, path, el.Round(time.Millisecond), float64(done)/el.Seconds(),
		storing.Round(time.Millisecond), float64(done)/storing.Seconds())
	return nil
}

// simForm loads the form to simulate.
func simForm(ctx context.Context, file string) (*forms.Form, error) {
	if file == "" {
		return builtin.Form(ctx)
	}
	if strings.EqualFold(filepath.Ext(file), ".json") {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read form: %w", err)
		}
		f, err := forms.Load(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return f, nil
	}
	return forms.CompileFile(ctx, file)
}

// simulateBatches generates n interviews on every core, in batches of
// simBatch, while the caller inserts the previous batch. Interview i draws
// from its own generator seeded with (seed, i), so the output does not depend
// on scheduling. The error channel yields one value after batches closes.
func simulateBatches(ctx context.Context, f *forms.Form, opts survey.SimOptions, gates map[string]string, seed uint64, n int) (<-chan []*survey.Interview, <-chan error) {
	out := make(chan []*survey.Interview, 1)
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		defer close(out)
		workers := runtime.GOMAXPROCS(0)
		for lo := 0; lo < n; lo += simBatch {
			if err := ctx.Err(); err != nil {
				errc <- err
				return
			}
			batch := make([]*survey.Interview, min(simBatch, n-lo))
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := w; j < len(batch); j += workers {
						i := lo + j
						o := opts
						if gates != nil && i%10 != 0 {
							o.Answers = gates
						}
						iv, err := survey.Simulate(f, rand.New(rand.NewPCG(seed, uint64(i))), o)
						if err != nil {
							errs[w] = fmt.Errorf("simulate interview %d (seed %d): %w", i, seed, err)
							return
						}
						batch[j] = iv
					}
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				errc <- err
				return
			}
			select {
			case out <- batch:
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
	}()
	return out, errc
}
