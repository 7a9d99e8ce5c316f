package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"sira/sync/intake/dashboard"
)

func runUser(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: testGetenv}
	err = runIntakeUser(context.Background(), env, args)
	return out.String(), errb.String(), err
}

func TestIntakeUserAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "intake.db")
	const pw = "s3cret-enough-pw"
	out, errs, err := runUser(t, pw+"\n", "add", "--db", db, "--role", "supervisor", "--post", "gogui, diboli", "--password-stdin", "aminata")
	if err != nil {
		t.Fatalf("add: %v (%s)", err, errs)
	}
	if strings.Contains(out+errs, pw) {
		t.Errorf("the password was echoed")
	}
	// The account signs in with that password, with its posts.
	sdb, err := dashboard.OpenDB(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	u, err := (&dashboard.Users{DB: sdb}).Check(context.Background(), "aminata", pw)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if u.Role != dashboard.RoleSupervisor || strings.Join(u.Posts, ",") != "diboli,gogui" {
		t.Errorf("user %+v", u)
	}
	out, _, err = runUser(t, "", "list", "--db", db)
	if err != nil || !strings.Contains(out, "aminata") || !strings.Contains(out, "supervisor") {
		t.Errorf("list: %v %q", err, out)
	}
	if _, _, err = runUser(t, "", "assign", "--db", db, "--enumerator", "awa", "aminata"); err != nil {
		t.Errorf("assign: %v", err)
	}
	u, _ = (&dashboard.Users{DB: sdb}).Get(context.Background(), "aminata")
	if len(u.Posts) != 0 || strings.Join(u.Enumerators, ",") != "awa" {
		t.Errorf("after assign: %+v", u)
	}
}

func TestIntakeUserErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "intake.db")
	tests := []struct {
		name  string
		stdin string
		args  []string
		usage bool
	}{
		{"no subcommand", "", nil, true},
		{"unknown subcommand", "", []string{"remove", "--db", db, "x"}, true},
		{"no db", "pw-long-enough\n", []string{"add", "--role", "admin", "x"}, true},
		{"bad role", "pw-long-enough\n", []string{"add", "--db", db, "--role", "root", "x"}, true},
		{"no name", "pw-long-enough\n", []string{"add", "--db", db, "--role", "admin"}, true},
		{"password as a flag", "", []string{"add", "--db", db, "--role", "admin", "--password", "x", "x"}, true},
		{"empty password", "\n", []string{"add", "--db", db, "--role", "admin", "--password-stdin", "x"}, true},
		{"short password", "short\n", []string{"add", "--db", db, "--role", "admin", "--password-stdin", "x"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runUser(t, tc.stdin, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, errUsage); got != tc.usage {
				t.Errorf("usage error %v, want %v: %v", got, tc.usage, err)
			}
		})
	}
	if _, _, err := runUser(t, "pw-long-enough\n", "add", "--db", db, "--role", "admin", "--password-stdin", "x"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runUser(t, "pw-long-enough\n", "add", "--db", db, "--role", "admin", "--password-stdin", "x"); !errors.Is(err, dashboard.ErrUserExists) {
		t.Errorf("second add: %v, want ErrUserExists", err)
	}
}

// TestIntakeUserPasswdDisable: a new password replaces the old one and
// ends the sessions; a disabled account cannot sign in until enabled.
func TestIntakeUserPasswdDisable(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "intake.db")
	const old, fresh = "first-password", "second-password"
	if _, errs, err := runUser(t, old+"\n", "add", "--db", db, "--role", "viewer", "--password-stdin", "moussa"); err != nil {
		t.Fatalf("add: %v (%s)", err, errs)
	}
	sdb, err := dashboard.OpenDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	users := &dashboard.Users{DB: sdb}
	if _, err := sdb.ExecContext(ctx, `INSERT INTO dash_sessions (hash, user, csrf, created, expires) VALUES ('h', 'moussa', 'c', '2026-01-01', '2999-01-01')`); err != nil {
		t.Fatal(err)
	}
	sessions := func() int {
		var n int
		if err := sdb.QueryRowContext(ctx, `SELECT count(*) FROM dash_sessions WHERE user = 'moussa'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		stdin string
		args  []string
		pw    string
		signs bool
	}{
		{fresh + "\n", []string{"passwd", "--db", db, "--password-stdin", "moussa"}, fresh, true},
		{"", []string{"disable", "--db", db, "moussa"}, fresh, false},
		{"", []string{"enable", "--db", db, "moussa"}, fresh, true},
	}
	for _, s := range steps {
		if _, errs, err := runUser(t, s.stdin, s.args...); err != nil {
			t.Fatalf("%v: %v (%s)", s.args, err, errs)
		}
		if n := sessions(); n != 0 {
			t.Errorf("%s: %d sessions left", s.args[0], n)
		}
		_, err := users.Check(ctx, "moussa", s.pw)
		if (err == nil) != s.signs {
			t.Errorf("after %s: sign-in error %v, want signing in %v", s.args[0], err, s.signs)
		}
	}
	if _, err := users.Check(ctx, "moussa", old); err == nil {
		t.Error("the old password still signs in")
	}
	if _, _, err := runUser(t, "", "disable", "--db", db, "nobody"); !errors.Is(err, dashboard.ErrNoUser) {
		t.Errorf("disable nobody: %v, want ErrNoUser", err)
	}
	if _, _, err := runUser(t, "short\n", "passwd", "--db", db, "--password-stdin", "moussa"); !errors.Is(err, dashboard.ErrWeakPassword) {
		t.Errorf("short password: %v, want ErrWeakPassword", err)
	}
}

// TestIntakeUserToken: "token" prints a token alone on its last line that
// the API accepts for that user (and only as that user), stores only its
// hash, and --revoke ends it.
func TestIntakeUserToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "intake.db")
	if _, errs, err := runUser(t, "s3cret-enough-pw\n", "add", "--db", db, "--role", "admin", "--password-stdin", "moussa"); err != nil {
		t.Fatalf("add: %v (%s)", err, errs)
	}
	out, errs, err := runUser(t, "", "token", "--db", db, "moussa")
	if err != nil {
		t.Fatalf("token: %v (%s)", err, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	tok := lines[len(lines)-1]
	if !strings.HasPrefix(tok, dashboard.APITokenPrefix) || strings.ContainsAny(tok, " \t") {
		t.Fatalf("last line %q is not a token alone", tok)
	}
	ctx := context.Background()
	sdb, err := dashboard.OpenDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	users := &dashboard.Users{DB: sdb}
	if u, err := users.APIUser(ctx, "", tok); err != nil || u.Name != "moussa" || u.Role != dashboard.RoleAdmin {
		t.Errorf("APIUser = %+v, %v", u, err)
	}
	if _, err := users.APIUser(ctx, "other", tok); !errors.Is(err, dashboard.ErrBadToken) {
		t.Errorf("Basic other:TOKEN = %v, want ErrBadToken", err)
	}
	var stored int
	if err := sdb.QueryRow(`SELECT count(*) FROM dash_api_tokens WHERE hash = ? OR hash LIKE ?`, tok, "%"+tok[5:15]+"%").Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the token itself is stored (%d rows, %v)", stored, err)
	}
	if _, _, err := runUser(t, "", "token", "--db", db, "nobody"); !errors.Is(err, dashboard.ErrNoUser) {
		t.Errorf("token for an unknown user: %v", err)
	}
	if out, _, err := runUser(t, "", "token", "--db", db, "--revoke", "moussa"); err != nil || !strings.Contains(out, "1 API tokens revoked") {
		t.Errorf("revoke: %v %q", err, out)
	}
	if _, err := users.APIUser(ctx, "", tok); !errors.Is(err, dashboard.ErrBadToken) {
		t.Errorf("revoked token: %v", err)
	}
}
