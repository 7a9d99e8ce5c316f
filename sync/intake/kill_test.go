package intake_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sira/sync/intake"
	"sira/sync/intake/intaketest"
	"sira/sync/intake/sqlite"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

const childEnv = "SIRA_INTAKE_CHILD_DB"

// TestIntakeChild is not a test: it is the intake server process that
// TestKillMidBatch starts (re-executing the test binary) and kills.
func TestIntakeChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("helper process for TestKillMidBatch")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	srv, err := intake.New(ctx, intake.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	hs := &http.Server{Handler: srv, Addr: "127.0.0.1:0"}
	ln, err := netListen()
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	hs.Serve(ln)
	os.Exit(0)
}

type child struct {
	cmd  *exec.Cmd
	addr string
}

func startChild(t *testing.T, db string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIntakeChild$", "-test.timeout=20m")
	cmd.Env = append(os.Environ(), childEnv+"="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child server did not start: %q %v", line, err)
	}
	return &child{cmd: cmd, addr: "http://" + strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))}
}

func (c *child) kill() {
	c.cmd.Process.Kill() // SIGKILL
	c.cmd.Wait()
}

// TestKillMidBatch kills the intake server with SIGKILL at random moments
// while two clients send overlapping batches, restarts it, and checks that
// after the clients' retries every interview is stored exactly once and
// verifies its hash.
func TestKillMidBatch(t *testing.T) {
	kills, perClient := 20, 1500
	if testing.Short() {
		kills, perClient = 4, 300
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "intake.db")
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	form := wiretest.Form("1")
	setup, err := intake.New(ctx, intake.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Publish(ctx, form); err != nil {
		t.Fatal(err)
	}
	token, _, err := intake.CreateToken(ctx, st, "awa", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	codec, err := wire.NewCodec(form)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	cur := startChild(t, db)
	t.Cleanup(func() { mu.Lock(); cur.kill(); mu.Unlock() })
	addr := func() string { mu.Lock(); defer mu.Unlock(); return cur.addr }

	// Each client sends its interviews in batches of 25, plus a batch that
	// overlaps its neighbour's, retrying a batch until it gets receipts.
	all := wiretest.Interviews(form, 2*perClient, 11, "awa", "dev1")
	var wg sync.WaitGroup
	var stop atomic.Bool
	errc := make(chan error, 2)
	acked := make([]map[string]bool, 2)
	for c := 0; c < 2; c++ {
		mine := all[c*perClient : (c+1)*perClient]
		acked[c] = map[string]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			// The first round stores; later rounds resend everything (all
			// duplicates) until the killer is done, so every kill lands
			// while batches are in flight.
			for round := 0; round == 0 || !stop.Load(); round++ {
				for i := 0; i < len(mine); i += 20 {
					batch := mine[i:min(i+25, len(mine))] // overlaps the next batch by 5
					frame, err := codec.Encode(nil, batch)
					if err != nil {
						errc <- err
						return
					}
					deadline := time.Now().Add(2 * time.Minute)
					for attempt := 0; ; attempt++ {
						if time.Now().After(deadline) {
							errc <- fmt.Errorf("batch %d: no receipts after %d attempts", i, attempt)
							return
						}
						rs, err := postBatch(client, addr(), token, codec, frame)
						if err != nil {
							time.Sleep(time.Duration(5+rand.IntN(20)) * time.Millisecond)
							continue
						}
						for j, r := range rs {
							if r.Hash != batch[j].ContentHash() || !r.Status.Acknowledged() {
								errc <- fmt.Errorf("receipt %+v for %s", r, batch[j].ID)
								return
							}
							acked[c][r.ID] = true
						}
						break
					}
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	killed := 0
	for killed < kills {
		time.Sleep(time.Duration(20+rand.IntN(150)) * time.Millisecond)
		mu.Lock()
		cur.kill()
		killed++
		cur = startChild(t, db)
		mu.Unlock()
	}
	stop.Store(true)
	<-done
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	mu.Lock()
	cur.kill()
	mu.Unlock()

	st, err = sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ok string
	if err := st.DB().QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	seen := map[string]int{}
	err = st.EachSubmission(ctx, func(x intake.StoredInterview) error {
		iv, err := x.Interview()
		if err != nil {
			return err
		}
		if iv.ContentHash() != x.Hash || iv.ID != x.ID {
			return fmt.Errorf("stored %s does not verify its hash", x.ID)
		}
		seen[x.ID]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(all) {
		t.Errorf("%d interviews stored, want %d", len(seen), len(all))
	}
	for _, iv := range all {
		if seen[iv.ID] != 1 {
			t.Errorf("%s stored %d times", iv.ID, seen[iv.ID])
		}
		if !acked[0][iv.ID] && !acked[1][iv.ID] {
			t.Errorf("%s never acknowledged", iv.ID)
		}
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Submissions != int64(len(all)) {
		t.Errorf("stats: %d submissions, want %d", stats.Submissions, len(all))
	}
	t.Logf("%d kills; %d interviews stored once each; %d duplicate receipts from retries and overlaps", killed, len(seen), stats.Duplicates)
}

func postBatch(c *http.Client, base, token string, codec *wire.Codec, frame []byte) ([]wire.Receipt, error) {
	rs, _, err := intaketest.PostFrame(c, base, token, codec, frame)
	return rs, err
}
