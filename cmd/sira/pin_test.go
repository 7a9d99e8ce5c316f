package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"sira/survey"
	"sira/survey/sqlite"
)

// testPIN is the PIN the tests' commands read from $SIRA_PIN.
const testPIN = "135790"

// testGetenv is the tests' environment: $SIRA_PIN only.
func testGetenv(k string) string {
	if k == pinEnv {
		return testPIN
	}
	return ""
}

// mustUnlock signs the enumerator in on a store a test opened itself.
func mustUnlock(tb testing.TB, st *sqlite.Store, enumerator string) {
	tb.Helper()
	if err := st.Unlock(context.Background(), enumerator, testPIN); err != nil {
		tb.Fatalf("Unlock(%s): %v", enumerator, err)
	}
}

func TestPINSources(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "laptop.db")
	run := func(stdin string, getenv func(string) string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: getenv}
		err := runSimulate(ctx, env, append([]string{"--db", path, "-n", "3"}, args...))
		return errb.String(), err
	}
	none := func(string) string { return "" }
	// No PIN anywhere and no terminal: a clear refusal, nothing created.
	if _, err := run("", none); err == nil || !strings.Contains(err.Error(), "--pin-stdin") {
		t.Fatalf("simulate without a PIN: %v, want a message naming --pin-stdin", err)
	}
	// A short PIN cannot create the account.
	if _, err := run("1234\n", none, "--pin-stdin"); err == nil || !strings.Contains(err.Error(), "6 to 64 digits") {
		t.Fatalf("simulate with a 4-digit PIN: %v", err)
	}
	// --pin-stdin creates the local account; $SIRA_PIN then opens it.
	if _, err := run("246802\n", none, "--pin-stdin"); err != nil {
		t.Fatalf("simulate --pin-stdin: %v", err)
	}
	env := func(k string) string {
		if k == pinEnv {
			return "246802"
		}
		return ""
	}
	if _, err := run("", env, "--seed", "2"); err != nil {
		t.Fatalf("simulate with $SIRA_PIN: %v", err)
	}
	if _, err := run("", testGetenv, "--seed", "3"); err == nil || !strings.Contains(err.Error(), "wrong PIN for sim") {
		t.Fatalf("simulate with a wrong $SIRA_PIN: %v", err)
	}
	// Another enumerator's interviews stay closed to sim.
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps, err := st.Pending(ctx)
	if err != nil || len(ps) != 6 {
		t.Fatalf("Pending = %d, %v; want 6 (no PIN needed)", len(ps), err)
	}
	if _, err := st.Get(ctx, ps[0].ID); !errors.Is(err, survey.ErrLocked) {
		t.Fatalf("Get before sign-in = %v, want ErrLocked", err)
	}
}

// unlockAll signs in every enumerator with an account at testPIN.
func unlockAll(tb testing.TB, st *sqlite.Store) {
	tb.Helper()
	as, err := st.Accounts(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range as {
		mustUnlock(tb, st, a)
	}
}
