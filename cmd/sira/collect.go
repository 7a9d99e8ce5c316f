package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey/sqlite"
	"sira/survey/tui"
)

// runCollect is the "collect" subcommand: the enumerator's terminal app on a
// local SQLite database.
func runCollect(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	db := fs.String("db", "", "database `path` (default: sira/sira.db in the user's data directory)")
	formPath := fs.String("form", "", "form `file`: an XLSForm (.xlsx, .xls, .csv, .md) or a compiled form (.json), or a built-in form id (returnee, flow_count); default the built-in returnee survey")
	lang := fs.String("lang", "", "`language` to start in: fr or en (default the form's)")
	logPath := fs.String("log", "", "write operator logs to `file` (never answers)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sira collect [--db PATH] [--form FILE] [--lang fr|en]\n\nThe enumerator's terminal app.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("collect takes no arguments (got %q); try sira collect -h", fs.Args())
	}
	path := *db
	if path == "" {
		p, err := sqlite.DefaultPath(env.Getenv)
		if err != nil {
			return err
		}
		path = p
	}
	logger := slog.New(slog.DiscardHandler)
	if *logPath != "" {
		lf, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open log: %w", err)
		}
		defer lf.Close()
		logger = slog.New(slog.NewTextHandler(lf, nil))
	}
	f, err := collectForm(ctx, *formPath)
	if err != nil {
		return err
	}
	language := ""
	if *lang != "" {
		if language = f.Lang(*lang); language == "" || !strings.Contains(strings.ToLower(language), strings.ToLower(*lang)) {
			return usageErrorf("form %s has no language %q (it has %q)", f.ID, *lang, f.Languages)
		}
	}
	// One collector per database: a second window would overwrite the
	// first one's answers.
	st, err := sqlite.Open(ctx, path, sqlite.Options{Logger: logger, Exclusive: true})
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := tui.NewBackend(ctx, st, []*forms.Form{f}, tui.BackendOptions{Language: language})
	if err != nil {
		return err
	}
	ui := language
	if ui == "" {
		ui = f.DefaultLanguage
	}
	french := strings.Contains(strings.ToLower(ui), "fr")
	return tui.New(ctx, tui.Options{Backend: b, Logger: logger, Language: ui, Sync: collectSync(st, french)}).Run()
}

// collectForm loads the form to collect: the built-in survey, a compiled
// form (.json) or an XLSForm compiled on the spot.
func collectForm(ctx context.Context, path string) (*forms.Form, error) {
	if path == "" {
		return builtin.Form(ctx)
	}
	if f, ok, err := builtinByID(ctx, path); ok {
		return f, err
	}
	switch {
	case strings.EqualFold(filepath.Ext(path), ".json"):
		fh, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read form: %w", err)
		}
		defer fh.Close()
		data, err := io.ReadAll(io.LimitReader(fh, forms.MaxFileSize))
		if err != nil {
			return nil, fmt.Errorf("read form %s: %w", path, err)
		}
		return forms.Load(data)
	default:
		return forms.CompileFile(ctx, path)
	}
}
