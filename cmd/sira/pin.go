package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"sira/survey"
	"sira/survey/sqlite"
)

// pinEnv is the environment variable a non-interactive command reads the
// enumerator's PIN from.
const pinEnv = "SIRA_PIN"

// pinFlags are the sign-in flags of the commands that need answers in
// clear (sync, simulate, …).
type pinFlags struct {
	enumerator *string
	stdin      *bool
}

// addPINFlags adds --pin-stdin, and --enumerator unless the command has its
// own (enumerator non-nil).
func addPINFlags(fl *flag.FlagSet, enumerator *string) pinFlags {
	p := pinFlags{enumerator: enumerator}
	if p.enumerator == nil {
		p.enumerator = fl.String("enumerator", "", "enumerator `id` signing in (default: the laptop's only one)")
	}
	p.stdin = fl.Bool("pin-stdin", false, "read the enumerator's PIN from the first line of stdin (else $"+pinEnv+", else a prompt)")
	return p
}

// signIn unlocks the enumerator's data key in st with a PIN from
// --pin-stdin, $SIRA_PIN or a terminal prompt (twice when it creates a
// local account, create). It returns the enumerator id.
func (p pinFlags) signIn(ctx context.Context, env *Env, st *sqlite.Store, create bool) (string, error) {
	id := strings.TrimSpace(*p.enumerator)
	if id == "" {
		accounts, err := st.Accounts(ctx)
		if err != nil {
			return "", err
		}
		switch len(accounts) {
		case 0:
			return "", usageErrorf("nobody has signed in on this laptop yet: sign in with sira collect, or give --enumerator")
		case 1:
			id = accounts[0]
		default:
			return "", usageErrorf("several enumerators use this laptop (%s): say which signs in with --enumerator", strings.Join(accounts, ", "))
		}
	}
	if create {
		has, err := st.HasAccount(ctx, id)
		if err != nil {
			return "", err
		}
		create = !has
	}
	pin, err := readPIN(env, *p.stdin, id, create)
	if err != nil {
		return "", err
	}
	err = st.Unlock(ctx, id, pin)
	switch {
	case errors.Is(err, survey.ErrWrongPIN):
		return "", fmt.Errorf("wrong PIN for %s", id)
	case errors.Is(err, survey.ErrBadPIN):
		return "", fmt.Errorf("a PIN has 6 to 64 digits")
	case errors.Is(err, survey.ErrNotEnrolled):
		return "", fmt.Errorf("%s is not enrolled on this laptop", id)
	case err != nil:
		return "", err
	}
	return id, nil
}

// readPIN reads a PIN: the first line of stdin with --pin-stdin, else
// $SIRA_PIN, else a prompt without echo (twice when setting it).
func readPIN(env *Env, fromStdin bool, id string, twice bool) (string, error) {
	if fromStdin {
		if env.Stdin == nil {
			return "", usageErrorf("--pin-stdin: no stdin")
		}
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read PIN: %w", err)
		}
		pin := strings.TrimRight(line, "\r\n")
		if pin == "" {
			return "", usageErrorf("--pin-stdin: empty PIN on stdin")
		}
		return pin, nil
	}
	if env.Getenv != nil {
		if pin := env.Getenv(pinEnv); pin != "" {
			return pin, nil
		}
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageErrorf("%s's PIN is needed: give it with --pin-stdin or $%s", id, pinEnv)
	}
	prompt := fmt.Sprintf("PIN for %s: ", id)
	if twice {
		prompt = fmt.Sprintf("New PIN for %s (6 digits or more): ", id)
	}
	fmt.Fprint(env.Stderr, prompt)
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	if !twice {
		return string(a), nil
	}
	fmt.Fprint(env.Stderr, "Again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	if string(a) != string(b) {
		return "", errors.New("the two PINs differ")
	}
	return string(a), nil
}
