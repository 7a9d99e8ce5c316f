// Command sira is Sira's single binary: form tools, the enumerator's
// collector, sync, the intake server, exports and reports. main only parses
// flags and wires packages together; each subcommand lives in its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
)

// command is one subcommand: its one-line summary and its entry point.
// run receives the arguments after the subcommand's name.
type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// Env is what a subcommand may touch of the process, so tests can run the
// same code with buffers in place of the terminal.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads environment variables (os.Getenv in production).
	Getenv func(string) string
}

// commands lists the subcommands; it is built per call, never mutated.
func commands() map[string]command {
	return map[string]command{
		"form":     {"check, compile or export XLSForms (sira form help)", runForm},
		"collect":  {"the enumerator's terminal app", runCollect},
		"simulate": {"fill a database with realistic finalized interviews", runSimulate},
		"status":   {"interview counts per form and status", runStatus},
		"sync":     {"send interviews to the intake server or to a file", runSync},
		"intake":   {"the central intake server and its administration", runIntake},
		"export":   {"export interviews as CSV (and XLSX) with a codebook", runExport},
		"report":   {"migration statistics tables", runReport},
		"enrol":    {"enrol this laptop from an office's enrolment file", runEnrol},
		"recover":  {"open a laptop's file with the office key and export its interviews", runRecover},
	}
}

// errUsage marks an error whose message is already a usage hint: exit code 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	code := Main(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main runs sira with args (without the program name) and returns the exit
// code: 0 success, 1 failure, 2 usage error.
func Main(ctx context.Context, env *Env, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "sira: unknown command %q\n", args[0])
		usage(env.Stderr, cmds)
		return 2
	}
	if err := c.run(ctx, env, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "sira %s: %v\n", args[0], err)
		var ce interface{ ExitCode() int }
		if errors.As(err, &ce) {
			return ce.ExitCode()
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Usage: sira <command> [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-9s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'sira <command> -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}

// usageErrorf returns an error that makes sira exit 2 with msg.
func usageErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}
