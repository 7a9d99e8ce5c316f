package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"sira/sync/intake"
)

// runIntakeEnrol is "sira intake enrol": an offline enrolment file for a
// laptop that never goes online.
func runIntakeEnrol(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "enrol")
	enums := fs.String("enumerator", "", "the enumerators enrolled on the laptop: `E[,E…]`")
	out := fs.String("out", "", "the enrolment `FILE` to write (carry it to the laptop: sira enrol --db L FILE)")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *enums == "" || *out == "" {
		return usageErrorf("intake enrol: usage: sira intake enrol --db PATH --enumerator E[,E…] --out FILE")
	}
	var list []string
	for _, e := range strings.Split(*enums, ",") {
		if e = strings.TrimSpace(e); e != "" {
			list = append(list, e)
		}
	}
	st, err := openIntakeStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := intake.OfflineEnrolment(ctx, st, list, time.Now())
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, b, 0o600); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	fmt.Fprintf(env.Stdout, "enrolment for %s written to %s; on the laptop: sira enrol --db LAPTOP.db %s\n", strings.Join(list, ", "), *out, filepath.Base(*out))
	return nil
}

// writeFileAtomic writes b to a temporary file beside path, syncs it and
// renames it over path.
func writeFileAtomic(path string, b []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}

// runIntakeDevice is "sira intake device list|revoke": the laptops enrolled
// at the office.
func runIntakeDevice(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "revoke") {
		return usageErrorf("intake device: usage: sira intake device list --db PATH | sira intake device revoke --db PATH DEVICE")
	}
	sub := args[0]
	fs, db := intakeFlags(env, "device "+sub)
	if err := parseIntake(fs, db, args[1:]); err != nil {
		return err
	}
	if (sub == "list") != (fs.NArg() == 0) || fs.NArg() > 1 {
		return usageErrorf("intake device: usage: sira intake device list --db PATH | sira intake device revoke --db PATH DEVICE")
	}
	st, err := openIntakeStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if sub == "revoke" {
		ok, err := st.RevokeDevice(ctx, fs.Arg(0), time.Now())
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no enrolled device %s (or revoked already)", fs.Arg(0))
		}
		fmt.Fprintf(env.Stdout, "revoked device %s: its files are refused; it may enrol again with a new key\n", fs.Arg(0))
		return nil
	}
	ds, err := st.Devices(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tKEY\tENUMERATORS\tFIRST SEEN\tLAST SEEN\tREVOKED")
	for _, d := range ds {
		rev := "-"
		if !d.Revoked.IsZero() {
			rev = d.Revoked.Format(time.RFC3339)
		}
		key := base64.StdEncoding.EncodeToString(d.Key)
		fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\n", d.ID, key[:min(12, len(key))], strings.Join(d.Enumerators, ","),
			d.FirstSeen.Format(time.RFC3339), d.LastSeen.Format(time.RFC3339), rev)
	}
	return tw.Flush()
}
