package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
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
var simGateAnswers = map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes"}

// runSimulate is the "simulate" subcommand: fill a database with realistic
// finalized interviews, deterministically for a seed.
func runSimulate(ctx context.Context, env *Env, args []string) (err error) {
	fl := flag.NewFlagSet("sira simulate", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", "", "database `path` (required: simulated interviews never go into an enumerator's real database)")
	formFile := fl.String("form", "", "XLSForm (.xlsx, .xls, .csv, .md) or compiled form (.json) `file`, or a built-in form id: returnee, flow_count (default: the built-in returnee survey)")
	n := fl.Int("n", 0, "number of interviews (required)")
	seed := fl.Uint64("seed", 1, "random seed: the same seed gives the same interviews")
	enumerator := fl.String("enumerator", "sim", "enumerator `id` recorded in the interviews")
	pin := addPINFlags(fl, enumerator)
	deviceFlag := fl.String("device", "", "device `id` recorded in the interviews (default: the database's own, which differs between databases)")
	uniform := fl.Bool("uniform", false, "draw every answer uniformly within its constraints (edge cases); by default the built-in forms get plausible answers")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "Usage: sira simulate -n N --db PATH [--form FILE] [--seed S] [--enumerator E] [--pin-stdin] [--device D] [--uniform]\n\nStores N finalized interviews with realistic, valid answers, sealed under the enumerator's key:\nthe PIN comes from --pin-stdin, $SIRA_PIN or a prompt; on a new database it creates the enumerator's local account.")
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
		return usageErrorf("-n must be a positive number of interviews (try sira simulate -n 100 --db demo.db)")
	}
	if *db == "" {
		// The default database is the enumerator's own: fake finalized
		// interviews there would go with the next sync.
		return usageErrorf("--db is required: simulate writes finalized interviews that sync would send (try sira simulate -n 100 --db demo.db)")
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
	holder, err := simStoreMedia(ctx, st, f, *enumerator, device)
	if err != nil {
		return err
	}
	if holder != "" {
		defer func() {
			// By now the contents' keys are held by the interviews that cite them.
			if derr := st.Delete(context.WithoutCancel(ctx), holder); derr != nil && err == nil {
				err = derr
			}
		}()
	}
	opts := survey.SimOptions{Plan: plan, Enumerator: *enumerator, DeviceID: device, Files: survey.PlaceholderFiles(f), Media: true}
	if len(f.Missing) > 0 {
		fmt.Fprintf(env.Stderr, "simulate: placeholder choices for the files not beside the form: %s\n", strings.Join(f.Missing, ", "))
	}
	prepare := simPrepare(f, *formFile, *uniform, *seed)

	// Generation allocates a short-lived engine per interview: collecting
	// less often cuts a fifth of the CPU time, for a few tens of MB more.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	start := time.Now()
	genCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocked := &simBlocked{}
	batches, errc := simulateBatches(genCtx, f, opts, prepare, *seed, *n, blocked)
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
	if blocked.n > 0 {
		blocked.report(env.Stderr)
		if done == 0 {
			return fmt.Errorf("simulate: none of the %d interviews could be completed", *n)
		}
	}
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
	if f, ok, err := builtinByID(ctx, file); ok {
		return f, err
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
	// The form's files need not exist yet: placeholders stand in for them.
	return forms.CompileFileWith(ctx, file, forms.CompileOptions{})
}

// simStoreMedia stores the contents of the sample files that simulated
// interviews attach to media questions, before the interviews that refer
// to them, through a draft that holds them; it returns that draft's id, to
// delete once the interviews cite the contents (a content's key is sealed
// in the rows that cite it, so it must stay cited). "" when the form has
// no media question.
func simStoreMedia(ctx context.Context, st *sqlite.Store, f *forms.Form, enumerator, device string) (holder string, err error) {
	field := ""
	for _, n := range f.Nodes() {
		if survey.SampleMediaFor(n) != nil {
			field = n.Path
			break
		}
	}
	if field == "" {
		return "", nil
	}
	iv, err := survey.NewInterview(f, enumerator, device, time.Now())
	if err != nil {
		return "", err
	}
	if err := st.Create(ctx, iv); err != nil {
		return "", err
	}
	for _, m := range survey.SampleMediaFiles() {
		if _, err := st.PutAttachment(ctx, iv.ID, survey.Attachment{Field: field, Name: m.Name, Type: m.Type}, bytes.NewReader(m.Data)); err != nil {
			return "", err
		}
	}
	return iv.ID, nil
}

// simBlocked collects the interviews simulate could not complete, by
// blocking question and reason: the batch carries on without them.
type simBlocked struct {
	mu      sync.Mutex
	n       int
	reasons map[string]int
	first   map[string]int // reason → first interview number
}

func (b *simBlocked) add(i int, err error) {
	msg := err.Error()
	var inc *survey.IncompleteError
	if errors.As(err, &inc) {
		msg = survey.Blocking(inc)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.reasons == nil {
		b.reasons, b.first = map[string]int{}, map[string]int{}
	}
	b.n++
	if _, ok := b.reasons[msg]; !ok {
		b.first[msg] = i
	}
	b.reasons[msg]++
}

// report prints each reason once with its count, most frequent first.
func (b *simBlocked) report(w io.Writer) {
	keys := make([]string, 0, len(b.reasons))
	for k := range b.reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if b.reasons[keys[i]] != b.reasons[keys[j]] {
			return b.reasons[keys[i]] > b.reasons[keys[j]]
		}
		return keys[i] < keys[j]
	})
	fmt.Fprintf(w, "simulate: %d interview(s) could not be completed and were left out:\n", b.n)
	for _, k := range keys {
		fmt.Fprintf(w, "  %d× %s (first: interview %d)\n", b.reasons[k], k, b.first[k])
	}
}

// simulateBatches generates n interviews on every core, in batches of
// simBatch, while the caller inserts the previous batch. Interview i draws
// from its own generator seeded with (seed, i), so the output does not depend
// on scheduling. The error channel yields one value after batches closes.
func simulateBatches(ctx context.Context, f *forms.Form, opts survey.SimOptions, prepare func(i int, o *survey.SimOptions), seed uint64, n int, blocked *simBlocked) (<-chan []*survey.Interview, <-chan error) {
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
						if prepare != nil {
							prepare(i, &o)
						}
						iv, err := survey.Simulate(f, rand.New(rand.NewPCG(seed, uint64(i))), o)
						var inc *survey.IncompleteError
						if errors.As(err, &inc) && blocked != nil {
							blocked.add(i, err) // one interview: the others go on
							continue
						}
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
			batch = slices.DeleteFunc(batch, func(iv *survey.Interview) bool { return iv == nil })
			if len(batch) == 0 {
				continue
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

// simPrepare returns what adjusts interview i's options, or nil. The
// built-in forms (current versions) get plausible answers from
// forms/builtin, drawn from their own generator seeded with (seed, i), so
// a seed still fixes the output. With uniform (or for an earlier returnee
// version) most interviews of the built-in survey only get past the gates.
func simPrepare(f *forms.Form, file string, uniform bool, seed uint64) func(int, *survey.SimOptions) {
	isBuiltin := file == "" || file == builtin.ReturneeID || file == builtin.FlowCountID
	if !isBuiltin {
		return nil
	}
	if !uniform {
		switch f.ID {
		case builtin.ReturneeID:
			return func(i int, o *survey.SimOptions) {
				p := builtin.PlausibleReturnee(rand.New(rand.NewPCG(seed^0x5eed, uint64(i))))
				o.Answers, o.Start = p.Answers, p.Start
			}
		case builtin.FlowCountID:
			return func(i int, o *survey.SimOptions) {
				p := builtin.PlausibleFlowCount(rand.New(rand.NewPCG(seed^0x5eed, uint64(i))), i)
				o.Answers, o.Start = p.Answers, p.Start
			}
		}
	}
	if f.ID != builtin.ReturneeID {
		return nil
	}
	return func(i int, o *survey.SimOptions) {
		if i%10 != 0 {
			o.Answers = simGateAnswers
		}
	}
}
