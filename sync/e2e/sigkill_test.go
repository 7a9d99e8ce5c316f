package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/sync/client"
	"sira/sync/e2e/netproxy"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
)

// childEnv names the database a re-executed test binary serves as an
// intake server (the process the SIGKILL test kills).
const childEnv = "SIRA_E2E_INTAKE_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		if err := serveChild(path); err != nil {
			fmt.Fprintln(os.Stderr, "intake child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveChild runs an intake server on path until the process is killed,
// printing its address on stdout.
func serveChild(path string) error {
	ctx := context.Background()
	f, err := builtin.Form(ctx)
	if err != nil {
		return err
	}
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	srv, err := intake.New(ctx, intake.Config{Store: st, Logger: quiet, Builtin: []*forms.Form{f}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	return http.Serve(ln, srv)
}

// startChild starts the intake server process and returns it with its address.
func startChild(tb testing.TB, path string) (*exec.Cmd, string) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		tb.Fatalf("intake child: %v", err)
	}
	return cmd, strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
}

// TestIntakeSIGKILL: the intake server process is killed with SIGKILL at 20
// random moments while two laptops sync through the real client; after each
// restart the clients retry. At the end the central store holds exactly one
// copy of each interview and every stored interview verifies against its
// content hash.
func TestIntakeSIGKILL(t *testing.T) {
	n, kills := 1200, 20
	if testing.Short() {
		n, kills = 300, 6
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	path := filepath.Join(dir, "central.db")
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, e := range []string{"kadi", "oumar"} {
		secret, _, err := intake.CreateToken(ctx, st, e, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, secret)
	}
	st.Close()

	cmd, addr := startChild(t, path)
	px, err := netproxy.Start(addr, 11)
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()

	// Each laptop holds its enumerator's interviews: a device token sends
	// only its own enumerator's.
	kadi, oumar := simulated(t, n/2, 5, "kadi"), simulated(t, n-n/2, 6, "oumar")
	ids := map[string]bool{}
	for _, iv := range append(slices.Clone(kadi), oumar...) {
		ids[iv.ID] = true
	}
	laps := []*laptop{newLaptop(t, dir, "kadi", kadi), newLaptop(t, dir, "oumar", oumar)}
	done := make(chan struct{}, len(laps))
	for i, l := range laps {
		cl := newClient(t, px.URL(), tokens[i], true, client.BatchPolicy{Start: 5, Max: 10})
		go func() {
			defer func() { done <- struct{}{} }()
			syncUntilDone(t, ctx, cl, l, 400)
		}()
	}
	rng := rand.New(rand.NewPCG(20, 26))
	killed := 0
	for ; killed < kills; killed++ {
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		if laps[0].pending(t)+laps[1].pending(t) == 0 {
			break
		}
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		px.DropAll()
		cmd, addr = startChild(t, path)
		px.SetTarget(addr)
	}
	for range laps {
		<-done
	}
	cmd.Process.Kill()
	cmd.Wait()
	if killed < kills {
		t.Errorf("the laptops finished after %d kills; want %d kills during sync (make the test bigger)", killed, kills)
	}
	t.Logf("%d interviews, %d SIGKILLs during sync", n, killed)

	st, err = isqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	verifyCentral(t, st, ids)
}
