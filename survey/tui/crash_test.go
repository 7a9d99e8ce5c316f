package tui

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"sira/survey"
	"sira/survey/sqlite"
)

// The crash test runs interviews in a child process (this test binary, in
// TestCrashChild) and kills it with SIGKILL at random moments. The child
// writes to stdout, after the fact:
//
//	interview <id>            the draft it works on
//	resumed <page id>         where a resumed draft opened
//	accepted <ref>\t<value>   an answer the screen accepted (saved)
//	page <id> pending|stored  a page shown, before and after its position is saved
//	finalized <id>
//
// After each kill, every accepted answer must be in the database, and the
// next child must resume on the last page shown.
const crashEnv = "SIRA_TUI_CRASH_DB"

func TestCrashChild(t *testing.T) {
	db := os.Getenv(crashEnv)
	if db == "" {
		t.Skip("run by TestCrashSafety")
	}
	out := bufio.NewWriter(os.Stdout)
	emit := func(format string, a ...any) {
		fmt.Fprintf(out, format+"\n", a...)
		out.Flush()
	}
	h := newHarness(t, harnessOpts{path: db, language: "English (en)",
		onAccept: func(ref, v string) { emit("accepted %s\t%s", ref, v) },
		onPage: func(id string, stored bool) {
			state := "pending"
			if stored {
				state = "stored"
			}
			emit("page %s %s", id, state)
		}})
	h.signIn("crash", "246800")
	for range 3 {
		drafts, err := h.store.List(h.ctx, survey.Filter{Status: survey.StatusDraft})
		if err != nil {
			t.Fatal(err)
		}
		if len(drafts) > 0 {
			emit("interview %s", drafts[0].ID)
			h.key(tcell.KeyF2)
			h.key(tcell.KeyEnter)
			_, p := h.current()
			if p == nil {
				t.Fatalf("draft did not open:\n%s", h.text())
			}
			emit("resumed %s", p.ID)
		} else {
			h.key(tcell.KeyEnter)
			drafts, err := h.store.List(h.ctx, survey.Filter{Status: survey.StatusDraft})
			if err != nil || len(drafts) != 1 {
				t.Fatalf("new draft: %v %d", err, len(drafts))
			}
			emit("interview %s", drafts[0].ID)
		}
		h.drive(nil, nil)
		h.key(tcell.KeyF9)
		h.key(tcell.KeyF9)
		if h.screenName() != "home" {
			t.Fatalf("not finalized:\n%s", h.text())
		}
		emit("finalized")
	}
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("50 child processes")
	}
	kills := 50
	if s := os.Getenv("SIRA_TUI_CRASH_KILLS"); s != "" {
		kills, _ = strconv.Atoi(s)
	}
	// Two independent chains of kills, each on its own database, run side
	// by side: the same 50 kills and checks in half the time on two cores
	// (each child spends its life answering questions, which -race slows).
	seed := uint64(time.Now().UnixNano())
	for c := range 2 {
		n := kills / 2
		if c == 0 {
			n += kills % 2
		}
		t.Run(fmt.Sprintf("chain%d", c), func(t *testing.T) {
			t.Parallel()
			crashChain(t, n, rand.New(rand.NewPCG(seed, uint64(c))))
		})
	}
}

// crashChain kills kills children in turn, on one database, and checks
// after each kill what the last one accepted and where the next resumes.
func crashChain(t *testing.T, kills int, rng *rand.Rand) {
	db := t.TempDir() + "/crash.db"
	var (
		lastStored, lastPending string // the previous child's last page
		checked, resumes        int
	)
	for run := 0; run < kills; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+db)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a random instant: on odd runs a random time after the
		// start (which may fall in start-up, sign-in or resume), on even
		// runs a little after a random line of output (mid-interview).
		killAt := math.MaxInt
		var timer *time.Timer
		if run%2 == 0 {
			killAt = 1 + rng.IntN(120)
		} else {
			timer = time.AfterFunc(time.Duration(rng.IntN(1500))*time.Millisecond, func() { cmd.Process.Kill() })
		}
		sc := bufio.NewScanner(stdout)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if len(lines) == killAt {
				time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
				cmd.Process.Kill() // SIGKILL
			}
		}
		if err := cmd.Wait(); err == nil {
			t.Logf("run %d ended before it was killed", run)
		}
		if timer != nil {
			timer.Stop()
		}

		var (
			id       string
			accepted = map[string]string{}
		)
		for _, l := range lines {
			kind, rest, _ := strings.Cut(l, " ")
			switch kind {
			case "interview":
				id, accepted = rest, map[string]string{}
			case "resumed":
				if lastStored != "" || lastPending != "" {
					resumes++
					if rest != lastStored && rest != lastPending {
						t.Errorf("run %d: resumed on %s, the last page shown was %s (pending %s)", run, rest, lastStored, lastPending)
					}
				}
			case "accepted":
				ref, v, _ := strings.Cut(rest, "\t")
				accepted[ref] = v
			case "page":
				pid, state, _ := strings.Cut(rest, " ")
				if state == "stored" {
					lastStored, lastPending = pid, pid
				} else {
					lastPending = pid
				}
			case "finalized":
				id, lastStored, lastPending = "", "", ""
			}
		}
		if id == "" {
			continue
		}
		st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
		if err != nil {
			t.Fatalf("run %d: reopen after SIGKILL: %v", run, err)
		}
		if err := st.Unlock(context.Background(), "crash", "246800"); err != nil {
			st.Close()
			t.Fatalf("run %d: sign in after SIGKILL: %v", run, err)
		}
		iv, err := st.Get(context.Background(), id)
		st.Close()
		if err != nil {
			t.Fatalf("run %d: interview %s after SIGKILL: %v", run, id, err)
		}
		vals, _ := flatten(iv.Data)
		for ref, v := range accepted {
			checked++
			if got := vals[ref].v; got != v {
				t.Errorf("run %d: %s = %q in the database, the screen accepted %q", run, ref, got, v)
			}
		}
	}
	t.Logf("%d kills, %d accepted answers checked, %d resumes checked", kills, checked, resumes)
	if checked == 0 || resumes == 0 {
		t.Errorf("the crash test checked nothing")
	}
}
