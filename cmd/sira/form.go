package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sira/forms"
	"sira/forms/builtin"
)

const formUsage = `Usage:
  sira form check [--json] FILE        check an XLSForm (.xlsx, .xls, .csv, .md); exit 1 if invalid
  sira form compile FILE -o OUT.json   write the compiled form (canonical JSON)
  sira form template [-o FILE.xlsx]    write the built-in returnee survey as .xlsx
                                       (to standard output unless -o is given)
  sira form test FILE [-n N] [--seed S] run N simulated interviews in memory: per question
                                       how often shown, answered and refused, constraints
                                       never satisfied, interviews that could not finish
`

// runForm is the "form" subcommand: check, compile and template.
func runForm(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		io.WriteString(env.Stderr, formUsage)
		return usageErrorf("form: missing subcommand (check, compile, template, test)")
	}
	switch args[0] {
	case "check":
		return runFormCheck(ctx, env, args[1:])
	case "compile":
		return runFormCompile(ctx, env, args[1:])
	case "template":
		return runFormTemplate(ctx, env, args[1:])
	case "test":
		return runFormTest(ctx, env, args[1:])
	case "help", "-h", "--help":
		io.WriteString(env.Stdout, formUsage)
		return nil
	}
	io.WriteString(env.Stderr, formUsage)
	return usageErrorf("form: unknown subcommand %q", args[0])
}

// formParseArgs parses flags that may come before or after positional
// arguments ("compile FILE -o OUT"), returning the positional ones.
func formParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageErrorf("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// formExitError carries an exit code without a usage message.
type formExitError struct {
	code int
	msg  string
}

func (e *formExitError) Error() string { return e.msg }
func (e *formExitError) ExitCode() int { return e.code }

func runFormCheck(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("form check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := formParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("form check: want one FILE, got %d arguments", len(pos))
	}
	// Files the form reads need not exist yet: a warning names each one
	// (form compile and intake form publish require them).
	f, err := forms.CompileFileWith(ctx, pos[0], forms.CompileOptions{})
	var problems forms.Problems
	if err != nil && !errors.As(err, &problems) {
		if *asJSON {
			formWriteCheckJSON(env.Stdout, nil, forms.Problems{{File: filepath.Base(pos[0]), Message: err.Error()}})
		}
		return err
	}
	if *asJSON {
		if err := formWriteCheckJSON(env.Stdout, f, problems); err != nil {
			return err
		}
	} else if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(env.Stdout, p.Error())
		}
	} else {
		formWriteSummary(env.Stdout, f)
	}
	if len(problems) > 0 {
		return &formExitError{code: 1, msg: fmt.Sprintf("%s: %d problem(s)", filepath.Base(pos[0]), len(problems))}
	}
	return nil
}

// formCheckResult is the --json output of "sira form check".
type formCheckResult struct {
	Valid     bool              `json:"valid"`
	FormID    string            `json:"form_id,omitempty"`
	Version   string            `json:"version,omitempty"`
	Title     string            `json:"title,omitempty"`
	Languages []string          `json:"languages,omitempty"`
	Hash      string            `json:"hash,omitempty"`
	Types     map[string]int    `json:"types,omitempty"`
	Groups    int               `json:"groups"`
	Repeats   int               `json:"repeats"`
	Problems  []formJSONProblem `json:"problems"`
	Warnings  []formJSONProblem `json:"warnings"`
	// Translations counts per language the labels, hints and messages
	// translated, out of those written in any language.
	Translations []translationCoverage `json:"translations,omitempty"`
}

type formJSONProblem struct {
	File    string `json:"file"`
	Sheet   string `json:"sheet,omitempty"`
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

func formJSONProblems(ps forms.Problems) []formJSONProblem {
	out := []formJSONProblem{}
	for _, p := range ps {
		out = append(out, formJSONProblem{p.File, p.Sheet, p.Row, p.Column, p.Message, p.Error()})
	}
	return out
}

func formWriteCheckJSON(w io.Writer, f *forms.Form, problems forms.Problems) error {
	res := formCheckResult{Valid: f != nil && len(problems) == 0, Problems: formJSONProblems(problems), Warnings: []formJSONProblem{}}
	if f != nil {
		st := formStats(f)
		res.FormID, res.Version, res.Title = f.ID, f.Version, f.Title.In(f.Lang(f.DefaultLanguage), "")
		res.Languages, res.Hash = f.Languages, f.Hash
		res.Types, res.Groups, res.Repeats = st.types, st.groups, st.repeats
		res.Warnings = formJSONProblems(f.Warnings)
		res.Translations = formTranslations(f)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

type formStatsT struct {
	types           map[string]int
	groups, repeats int
}

func formStats(f *forms.Form) formStatsT {
	st := formStatsT{types: map[string]int{}}
	for _, n := range f.Nodes()[1:] {
		switch n.Type {
		case forms.TypeGroup:
			st.groups++
		case forms.TypeRepeat:
			st.repeats++
		default:
			st.types[string(n.Type)]++
		}
	}
	return st
}

func formWriteSummary(w io.Writer, f *forms.Form) {
	st := formStats(f)
	langs := "(untranslated)"
	if len(f.Languages) > 0 {
		quoted := make([]string, len(f.Languages))
		for i, l := range f.Languages {
			if l == "" {
				l = "(default)"
			}
			quoted[i] = l
		}
		langs = strings.Join(quoted, ", ")
	}
	fmt.Fprintf(w, "form_id:   %s\nversion:   %s\ntitle:     %s\nlanguages: %s\n", f.ID, f.Version, f.Title.In(f.Lang(f.DefaultLanguage), ""), langs)
	total := 0
	names := make([]string, 0, len(st.types))
	for t, n := range st.types {
		names = append(names, t)
		total += n
	}
	sort.Strings(names)
	fmt.Fprintf(w, "questions: %d (", total)
	for i, t := range names {
		if i > 0 {
			io.WriteString(w, ", ")
		}
		fmt.Fprintf(w, "%s %d", t, st.types[t])
	}
	fmt.Fprintf(w, ")\ngroups:    %d\nrepeats:   %d\nhash:      %s\n", st.groups, st.repeats, f.Hash)
	for _, m := range f.Missing {
		fmt.Fprintf(w, "missing:   %s (not beside the form: form compile and intake form publish need it)\n", m)
	}
	writeTranslations(w, f)
	if len(f.Warnings) > 0 {
		fmt.Fprintf(w, "warnings:  %d\n", len(f.Warnings))
		for _, p := range f.Warnings {
			fmt.Fprintf(w, "  %s\n", p.Error())
		}
	}
}

func runFormCompile(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("form compile", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	out := fs.String("o", "", "output file (compiled form JSON)")
	pos, err := formParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageErrorf("form compile: want FILE -o OUT.json")
	}
	f, err := forms.CompileFile(ctx, pos[0])
	var problems forms.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(env.Stdout, p.Error())
		}
		return &formExitError{code: 1, msg: fmt.Sprintf("%s: %d problem(s)", filepath.Base(pos[0]), len(problems))}
	}
	if err != nil {
		return err
	}
	data, err := f.MarshalCanonical()
	if err != nil {
		return err
	}
	if err := formWriteAtomic(*out, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s %s %s\n", f.ID, f.Hash, *out)
	return nil
}

func runFormTemplate(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("form template", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	out := fs.String("o", "", "output file (.xlsx); standard output when absent or -")
	pos, err := formParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("form template: unexpected argument %q", pos[0])
	}
	if (*out == "" || *out == "-") && formIsTerminal(env.Stdout) {
		// A zip archive on a terminal is noise and can upset it.
		return usageErrorf("form template: standard output is a terminal; redirect it (sira form template > returnee.xlsx) or use -o FILE.xlsx")
	}
	wb, err := builtin.Workbook(ctx)
	if err != nil {
		return err
	}
	wb.Name = strings.TrimSuffix(builtin.FileName, filepath.Ext(builtin.FileName)) + ".xlsx"
	if *out == "" || *out == "-" {
		// Buffered, so that a failure leaves nothing half-written downstream.
		var b bytes.Buffer
		if err := wb.WriteXLSX(&b); err != nil {
			return err
		}
		if _, err := env.Stdout.Write(b.Bytes()); err != nil {
			return fmt.Errorf("write template to standard output: %w", err)
		}
		return nil
	}
	if err := formWriteAtomic(*out, wb.WriteXLSX); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "wrote %s\n", *out)
	return nil
}

// formIsTerminal reports whether w is a character device such as a console.
func formIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// formWriteAtomic writes path through a temporary file in the same
// directory, fsynced and renamed, so a crash never leaves half a file.
func formWriteAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
