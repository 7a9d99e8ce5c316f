package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"sira/office"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
)

const intakeUserUsage = `Usage: sira intake user <subcommand> [flags]

  add --db PATH --role admin|supervisor|viewer [--post P,...] [--enumerator E,...] [--password-stdin] NAME
                        create a dashboard account; the password is read from stdin
                        (--password-stdin, first line) or prompted for on the terminal
  assign --db PATH [--post P,...] [--enumerator E,...] NAME
                        replace a supervisor's posts and enumerators
  passwd --db PATH [--password-stdin] NAME
                        set a new password (their open sessions end)
  disable|enable --db PATH NAME
                        stop (or allow again) an account's sign-in; its sessions end
  list --db PATH        list the enabled accounts, roles and assignments
  token --db PATH [--revoke] NAME
                        create a personal API token for the OData feed and the data API
                        (printed alone on the last line; only its SHA-256 is kept), or
                        with --revoke delete all of NAME's tokens
`

// runIntakeUser is "sira intake user": dashboard accounts. A password is
// never a flag value: flags end up in shell histories and process lists.
func runIntakeUser(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.Stderr, intakeUserUsage)
		return usageErrorf("intake user: add, assign, passwd, disable, enable or list")
	}
	sub := args[0]
	fs, db := intakeFlags(env, "user "+sub)
	role := fs.String("role", "", "add: the account's `ROLE` (admin, supervisor, viewer)")
	posts := fs.String("post", "", "supervisor: border `POSTS` they see and review (comma-separated codes)")
	enums := fs.String("enumerator", "", "supervisor: `ENUMERATORS` they see and review (comma-separated)")
	pwStdin := fs.Bool("password-stdin", false, "add, passwd: read the password from the first line of stdin")
	revoke := fs.Bool("revoke", false, "token: delete the user's API tokens instead of creating one")
	switch sub {
	case "add", "assign", "passwd", "disable", "enable", "list", "token":
	default:
		fmt.Fprint(env.Stderr, intakeUserUsage)
		return usageErrorf("intake user: unknown subcommand %q (add, assign, passwd, disable, enable, list, token)", sub)
	}
	if err := parseIntake(fs, db, args[1:]); err != nil {
		return err
	}
	if sub != "list" && fs.NArg() != 1 {
		return usageErrorf("intake user %s: one user NAME, please", sub)
	}
	if !intakeIsFile(*db) {
		return errors.New("intake user: dashboard accounts live in an SQLite intake database; the dashboard does not run on PostgreSQL yet")
	}
	if _, err := os.Stat(*db); err != nil && sub != "add" {
		return fmt.Errorf("intake user: %w", err)
	}
	var r dashboard.Role
	if sub == "add" {
		var err error
		if r, err = dashboard.ParseRole(*role); err != nil {
			return usageErrorf("intake user add: --role: %v", err)
		}
	}
	// The intake store is opened first so that its migrations exist
	// before the dashboard's tables are added beside them.
	st, _, err := openIntake(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	sdb, err := dashboard.OpenDB(ctx, *db)
	if err != nil {
		return err
	}
	defer sdb.Close()
	users := &dashboard.Users{DB: sdb}
	switch sub {
	case "add":
		pw, err := readPassword(env, *pwStdin)
		if err != nil {
			return err
		}
		u := dashboard.User{Name: fs.Arg(0), Role: r, Posts: splitComma(*posts), Enumerators: splitComma(*enums)}
		if err := users.Add(ctx, u, pw); err != nil {
			return err
		}
		if err := auditCLI(ctx, env, *db, dashboard.AuditUserChange, u.Name, "add "+string(u.Role)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "user %s (%s) created\n", u.Name, u.Role)
	case "assign":
		if _, err := users.Get(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("intake user assign: no user %s", fs.Arg(0))
		}
		if err := users.Assign(ctx, fs.Arg(0), splitComma(*posts), splitComma(*enums)); err != nil {
			return err
		}
		if err := auditCLI(ctx, env, *db, dashboard.AuditUserChange, fs.Arg(0), "assign"); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "user %s: posts %q, enumerators %q\n", fs.Arg(0), splitComma(*posts), splitComma(*enums))
	case "passwd":
		pw, err := readPassword(env, *pwStdin)
		if err != nil {
			return err
		}
		if err := users.SetPassword(ctx, fs.Arg(0), pw); err != nil {
			return err
		}
		if err := auditCLI(ctx, env, *db, dashboard.AuditUserChange, fs.Arg(0), "passwd"); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "user %s: password changed\n", fs.Arg(0))
	case "disable", "enable":
		if err := users.SetDisabled(ctx, fs.Arg(0), sub == "disable"); err != nil {
			return err
		}
		if err := auditCLI(ctx, env, *db, dashboard.AuditUserChange, fs.Arg(0), sub); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "user %s %sd\n", fs.Arg(0), sub)
	case "token":
		if *revoke {
			n, err := users.RevokeAPITokens(ctx, fs.Arg(0))
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "user %s: %d API tokens revoked\n", fs.Arg(0), n)
			return nil
		}
		tok, err := users.NewAPIToken(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "API token of %s (shown once; send it as a Bearer token or as the password of HTTP Basic %s:TOKEN):\n%s\n", fs.Arg(0), fs.Arg(0), tok)
	case "list":
		us, err := users.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tPOSTS\tENUMERATORS")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, strings.Join(u.Posts, ","), strings.Join(u.Enumerators, ","))
		}
		return tw.Flush()
	}
	return nil
}

func splitComma(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// readPassword reads the new password: the first line of stdin with
// --password-stdin or when stdin is not a terminal, else a prompt (twice,
// without echo).
func readPassword(env *Env, fromStdin bool) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && !fromStdin && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(env.Stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	if env.Stdin == nil {
		return "", usageErrorf("intake user: give the password on stdin (--password-stdin)")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageErrorf("intake user: empty password on stdin")
	}
	return pw, nil
}

// openDashboard opens the web dashboard on the intake database at path (its
// tables live in the same SQLite file) and keeps its projection up to date
// until ctx ends. It returns nil, with a note, for a PostgreSQL intake: the
// sync API is then served without the dashboard. The caller mounts it on
// the server and passes its RecordSync as the server's OnSync.
func openDashboard(ctx context.Context, env *Env, st intake.Store, of office.Store, path string, tls bool, proxies intake.Proxies) (*dashboard.Dashboard, error) {
	if !intakeIsFile(path) {
		fmt.Fprintln(env.Stderr, "sira intake: the dashboard needs an SQLite intake database; serving the sync API only")
		return nil, nil
	}
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		return nil, err
	}
	// Behind a TLS-terminating proxy, SIRA_SECURE_COOKIES=1 marks the
	// session cookie Secure (it always is when sira itself serves TLS).
	secure := tls || env.Getenv != nil && env.Getenv("SIRA_SECURE_COOKIES") == "1"
	d, err := dashboard.New(dashboard.Config{DB: db, Store: st, Office: of, Logger: slog.New(slog.NewTextHandler(env.Stderr, nil)),
		SecureCookies: secure, TrustedProxies: proxies})
	if err != nil {
		db.Close()
		return nil, err
	}
	go func() {
		d.Run(ctx, 5*time.Second)
		db.Close()
	}()
	return d, nil
}
