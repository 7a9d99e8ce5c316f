package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sira/survey"
	"sira/survey/sqlite"
)

// childEnv names the variable that turns the test binary into the autosave
// child: "path|interview id".
const childEnv = "SIRA_SQLITE_DURABILITY_CHILD"

// durabilityValue is the answer the child saves as its n-th autosave.
func durabilityValue(n int) (survey.Ref, string) {
	// Every fourth answer goes into a repeat instance, to cover instance creation.
	if n%4 == 3 {
		return ref("/data/legs/note", step("/data/legs", n/4+1)), "leg note " + strconv.Itoa(n) + marker
	}
	return ref("/data/q" + strconv.Itoa(n)), "value " + strconv.Itoa(n) + marker + strings.Repeat("·", n%17)
}

// runDurabilityChild saves answers forever, printing "ACK n" after each
// SaveAnswer returns, until the parent kills it.
func runDurabilityChild(spec string) {
	path, id, _ := strings.Cut(spec, "|")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
	if err != nil {
		fmt.Println("ERR open:", err)
		os.Exit(3)
	}
	if err := s.Unlock(ctx, "E01", testPIN); err != nil {
		fmt.Println("ERR unlock:", err)
		os.Exit(3)
	}
	if err := s.Create(ctx, draft(id)); err != nil {
		fmt.Println("ERR create:", err)
		os.Exit(3)
	}
	fmt.Println("CREATED")
	for n := 0; ; n++ {
		r, v := durabilityValue(n)
		if err := s.SaveAnswer(ctx, id, r, v, survey.Event{At: time.Now(), Kind: "leave", Field: r.String()}); err != nil {
			fmt.Println("ERR save:", err)
			os.Exit(3)
		}
		fmt.Println("ACK", n)
	}
}

// TestAutosaveDurability kills a process that autosaves answers at random
// moments with SIGKILL, then checks that every answer it reported as saved is
// in the database and the database is intact.
func TestAutosaveDurability(t *testing.T) {
	if spec := os.Getenv(childEnv); spec != "" {
		runDurabilityChild(spec)
		return
	}
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 42))
	path := newPath(t)
	acked := map[string]int{} // interview id → number of acknowledged saves
	created := map[string]bool{}

	for round := range rounds {
		id := fmt.Sprintf("uuid:round-%02d", round)
		cmd := exec.Command(os.Args[0], "-test.run=^TestAutosaveDurability$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path+"|"+id)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Half the rounds die at a random time from start (sometimes during
		// Open and its migrations), half after a random number of saves.
		byTime := rng.IntN(2) == 0
		delay := time.Duration(rng.IntN(150)) * time.Millisecond
		killAfter := 1 + rng.IntN(300)
		var once sync.Once
		kill := func() { once.Do(func() { cmd.Process.Kill() }) }
		var timer *time.Timer
		if byTime {
			timer = time.AfterFunc(delay, kill)
		}
		safety := time.AfterFunc(30*time.Second, kill) // every wait bounded
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "CREATED":
				created[id] = true
			case strings.HasPrefix(line, "ACK "):
				k, err := strconv.Atoi(strings.TrimPrefix(line, "ACK "))
				if err != nil || k != n {
					t.Fatalf("round %d: child printed %q, want ACK %d", round, line, n)
				}
				n++
				if !byTime && n >= killAfter {
					kill()
				}
			case strings.HasPrefix(line, "ERR "):
				t.Errorf("round %d: child: %s", round, line)
			}
		}
		kill()
		cmd.Wait()
		safety.Stop()
		if timer != nil {
			timer.Stop()
		}
		acked[id] = n
		t.Logf("round %d: killed after %d acknowledged saves (by time: %v)", round, n, byTime)

		// Killed mid-save: the database, its WAL and shared memory hold
		// no answer in clear.
		assertNoMarker(t, path)
		checkDurable(t, path, acked, created)
		if t.Failed() {
			return
		}
	}
}

// checkDurable opens the database like a restarted app and checks every
// acknowledged answer of every round so far.
func checkDurable(t *testing.T, path string, acked map[string]int, created map[string]bool) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	mustUnlock(t, s)
	for id, n := range acked {
		iv, err := s.Get(ctx, id)
		if errors.Is(err, survey.ErrNotFound) && !created[id] && n == 0 {
			continue // killed before Create returned
		}
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for k := range n {
			r, want := durabilityValue(k)
			got, ok := lookup(iv.Data, r)
			if !ok || got != want {
				t.Errorf("%s: acknowledged save %d (%s) = %q, %v; want %q", id, k, r, got, ok, want)
			}
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
}

// lookup finds ref's value in a Record tree.
func lookup(rec *survey.Record, r survey.Ref) (string, bool) {
	for _, st := range r.Repeats {
		insts := rec.Repeats[st.Path]
		if st.Index > len(insts) {
			return "", false
		}
		rec = insts[st.Index-1]
	}
	v, ok := rec.Values[r.Path]
	return v, ok
}
