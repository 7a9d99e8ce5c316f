package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"

	"sira/forms"
	"sira/survey"
)

// maxFormTest bounds -n of sira form test: the interviews stay in memory
// only as counts, but each costs an engine run.
const maxFormTest = 100000

// runFormTest is "sira form test FILE [-n N]": N interviews simulated
// through the engine, in memory, and per question how often it was shown,
// answered and refused, which constraints no answer satisfied, which
// questions were never shown, and why interviews could not be finished, so
// that a designer sees dead skip logic and impossible constraints before
// fieldwork. Files missing beside the form get placeholder choices.
func runFormTest(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("form test", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	n := fs.Int("n", 100, "number of simulated interviews")
	seed := fs.Uint64("seed", 1, "random seed")
	pos, err := formParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("form test: want one FILE, got %d arguments", len(pos))
	}
	if *n <= 0 || *n > maxFormTest {
		return usageErrorf("form test: -n must be between 1 and %d", maxFormTest)
	}
	f, err := simForm(ctx, pos[0])
	if err != nil {
		return err
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		return fmt.Errorf("form %s: %w", f.ID, err)
	}
	if len(f.Missing) > 0 {
		fmt.Fprintf(env.Stderr, "form test: placeholder choices for the files not beside the form: %s\n", strings.Join(f.Missing, ", "))
	}
	st := &survey.SimStats{}
	opts := survey.SimOptions{Plan: plan, Enumerator: "test", DeviceID: "form-test", Files: survey.PlaceholderFiles(f), Stats: st}
	for i := 0; i < *n; i++ {
		if i%64 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		iv, err := survey.Simulate(f, rand.New(rand.NewPCG(*seed, uint64(i))), opts)
		if err == nil {
			opts.LastSaved = iv.Data
		}
	}
	formTestReport(env.Stdout, f, st)
	return nil
}

// formTestReport prints the statistics of sira form test.
func formTestReport(w io.Writer, f *forms.Form, st *survey.SimStats) {
	fmt.Fprintf(w, "form %s %s: %d interviews simulated, %d completed\n\n", f.ID, f.Version, st.Interviews, st.Completed)
	fmt.Fprintf(w, "%-40s %5s %7s %9s %8s\n", "question", "row", "shown", "answered", "refused")
	var never []*forms.Node
	for _, n := range f.Nodes() {
		if !formTestQuestion(n) {
			continue
		}
		q := st.Questions[n.Path]
		if q == nil {
			q = &survey.QuestionStats{}
		}
		if q.Shown == 0 {
			never = append(never, n)
		}
		fmt.Fprintf(w, "%-40s %5d %7d %9d %8d\n", n.Name, n.Row, q.Shown, q.Answered, q.Refused)
	}
	if len(never) > 0 {
		fmt.Fprintf(w, "\nnever shown (check their relevance and their groups'):\n")
		for _, n := range never {
			fmt.Fprintf(w, "  %s (row %d)", n.Name, n.Row)
			if n.Relevant != "" {
				fmt.Fprintf(w, ": relevant %s", n.Relevant)
			}
			fmt.Fprintln(w)
		}
	}
	if paths := st.Never(); len(paths) > 0 {
		fmt.Fprintf(w, "\nconstraints never satisfied by any answer tried:\n")
		for _, p := range paths {
			n := f.Node(p)
			fmt.Fprintf(w, "  %s (row %d): %s (%d answers refused)\n", n.Name, n.Row, n.Constraint, st.Questions[p].Refused)
		}
	}
	if len(st.Blocked) > 0 {
		keys := make([]string, 0, len(st.Blocked))
		for k := range st.Blocked {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if st.Blocked[keys[i]] != st.Blocked[keys[j]] {
				return st.Blocked[keys[i]] > st.Blocked[keys[j]]
			}
			return keys[i] < keys[j]
		})
		fmt.Fprintf(w, "\ninterviews that could not be completed, by the question that blocked them:\n")
		for _, k := range keys {
			fmt.Fprintf(w, "  %d× %s\n", st.Blocked[k], k)
		}
	}
}

// formTestQuestion reports whether n is listed: a question an enumerator
// sees (not a group, calculation or metadata).
func formTestQuestion(n *forms.Node) bool {
	switch n.Type {
	case forms.TypeGroup, forms.TypeRepeat, forms.TypeCalculate, forms.TypeHidden, forms.TypeNote,
		forms.TypeStart, forms.TypeEnd, forms.TypeToday, forms.TypeDeviceID, forms.TypeUsername,
		forms.TypeEmail, forms.TypePhoneNumber, forms.TypeAudit, forms.TypeCSVExternal, forms.TypeXMLExternal:
		return false
	}
	return true
}
