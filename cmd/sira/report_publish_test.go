package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sira/forms/builtin"
)

// builtinIntake simulates plausible interviews of both built-in forms on a
// laptop database, writes them to a batch file and imports it into a fresh
// intake database, as the field does with a USB stick.
func builtinIntake(t *testing.T, interviews, counts int) string {
	t.Helper()
	dir := t.TempDir()
	laptop, batch, db := filepath.Join(dir, "laptop.db"), filepath.Join(dir, "b.sira"), filepath.Join(dir, "intake.db")
	enrol := filepath.Join(dir, "enrol.txt")
	for _, args := range [][]string{
		{"simulate", "-n", strconv.Itoa(interviews), "--db", laptop, "--seed", "3", "--enumerator", "awa"},
		{"simulate", "-n", strconv.Itoa(counts), "--db", laptop, "--form", "flow_count", "--seed", "4", "--enumerator", "awa"},
		// The laptop is enrolled offline with the office, so its USB file
		// is encrypted to the office and signed (issue 11).
		{"intake", "enrol", "--db", db, "--enumerator", "awa", "--out", enrol},
		{"enrol", "--db", laptop, enrol},
		{"sync", "--db", laptop, "--out", batch},
		{"intake", "import", "--db", db, batch},
	} {
		if code, _, stderr := runMain(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	return db
}

func TestReportPublishCommand(t *testing.T) {
	db := builtinIntake(t, 300, 120)
	dir := t.TempDir()
	for _, c := range []struct{ out, small string }{{"p.csv", "5"}, {"p.html", "5"}, {"p10.csv", "10"}} {
		path := filepath.Join(dir, c.out)
		code, _, stderr := runMain(t, "report", "--db", db, "--publish", "--small", c.small, "--out", path, "--approved-only=false")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		small, _ := strconv.Atoi(c.small)
		if strings.HasSuffix(c.out, ".csv") {
			recs := readCSV(t, path)
			seen := 0
			for _, r := range recs[1:] {
				switch r[0] {
				case "_meta", "_note":
					continue
				case "cube":
					t.Fatalf("published CSV has the cube")
				}
				if r[11] != "" {
					t.Errorf("published CSV keeps the filter %q", r[11])
				}
				if r[5] == "statistic" && r[6] == "n" || r[5] != "statistic" {
					if n, err := strconv.Atoi(r[8]); err == nil && n > 0 && n < small {
						t.Errorf("published CSV shows a count of %d: %v", n, r)
					}
					seen++
				}
			}
			if seen < 100 {
				t.Errorf("only %d cells checked", seen)
			}
			for _, want := range []string{"_meta,,published,true", "_meta,,weighted,true", "_meta,,form_versions," + mustVersion(t)} {
				if !strings.Contains(string(b), want) {
					t.Errorf("published CSV lacks %q", want)
				}
			}
			continue
		}
		html := string(b)
		for _, bad := range []string{"<a href", `id="cube"`, "uuid:"} {
			if strings.Contains(html, bad) {
				t.Errorf("published HTML contains %q", bad)
			}
		}
		for _, want := range []string{`id="published"`, `id="period"`, `id="generated"`, `id="versions"`, `id="methodology"`, `id="coverage"`} {
			if !strings.Contains(html, want) {
				t.Errorf("published HTML lacks %s", want)
			}
		}
	}
	// --publish refuses interview links.
	if code, _, stderr := runMain(t, "report", "--db", db, "--publish", "--link-base", "/i"); code != 2 || !strings.Contains(stderr, "--link-base") {
		t.Errorf("--publish --link-base: exit %d %s", code, stderr)
	}
	// The flow count form reports its own tables.
	flow := filepath.Join(dir, "f.csv")
	if code, _, stderr := runMain(t, "report", "--db", db, "--form", "flow_count", "--out", flow); code != 0 || !strings.Contains(stderr, "120 daily counts read") {
		t.Fatalf("flow report: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(flow); !strings.Contains(string(b), "flow_post_month,") {
		t.Errorf("flow report lacks flow_post_month")
	}
	// Nothing is approved yet: --approved-only counts nobody.
	ao := filepath.Join(dir, "ao.csv")
	if code, _, stderr := runMain(t, "report", "--db", db, "--approved-only", "--out", ao); code != 0 {
		t.Fatalf("approved-only: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(ao); !strings.Contains(string(b), "_meta,,approved_only,true") || !strings.Contains(string(b), "_meta,,universe,0") {
		t.Errorf("approved-only report: %.300s", b)
	}
	// And the export knows the flow count.
	exp := filepath.Join(dir, "exp")
	if code, _, stderr := runMain(t, "export", "--db", db, "--form", "flow_count", "--out", exp); code != 0 {
		t.Fatalf("export flow_count: exit %d: %s", code, stderr)
	}
	if recs := readCSV(t, filepath.Join(exp, "flow_count.csv")); len(recs) != 121 {
		t.Errorf("flow_count.csv has %d lines, want 121", len(recs))
	}
}

func mustVersion(t *testing.T) string {
	t.Helper()
	f, err := builtin.Form(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return f.Version
}

func TestBuiltinFormByID(t *testing.T) {
	ctx := context.Background()
	for _, id := range []string{"returnee", "flow_count"} {
		f, err := collectForm(ctx, id)
		if err != nil || f.ID != id {
			t.Errorf("collect --form %s: %v, %v", id, f, err)
		}
		g, err := simForm(ctx, id)
		if err != nil || g.ID != id {
			t.Errorf("simulate --form %s: %v, %v", id, g, err)
		}
	}
	// A file of that name wins over the built-in id.
	t.Chdir(t.TempDir())
	if err := os.WriteFile("flow_count", []byte("not a form"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := collectForm(ctx, "flow_count"); err == nil {
		t.Error("a file named flow_count was ignored")
	}
}
