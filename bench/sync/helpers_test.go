package syncbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
	lsqlite "sira/survey/sqlite"
	"sira/survey/vault"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
)

var (
	formOnce sync.Once
	theForm  *forms.Form
	formErr  error
)

func builtinForm(tb testing.TB) *forms.Form {
	tb.Helper()
	// The frozen version, so that the figures stay comparable across
	// revisions of the built-in form.
	formOnce.Do(func() { theForm, formErr = builtin.Frozen(context.Background()) })
	if formErr != nil {
		tb.Fatal(formErr)
	}
	return theForm
}

// simulate returns n distinct finalized interviews of the built-in form:
// `base` simulated by the engine (realistic answers), the rest copies of
// them under fresh ids and start times, so big sets cost little to build.
func simulate(tb testing.TB, n, base int, seed uint64) []*survey.Interview {
	tb.Helper()
	f := builtinForm(tb)
	plan, err := survey.NewPlan(f)
	if err != nil {
		tb.Fatal(err)
	}
	base = min(base, n)
	bases := make([]*survey.Interview, base)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			opts := survey.SimOptions{Plan: plan, Enumerator: "awa", DeviceID: "dev-awa",
				Answers: map[string]string{"already_interviewed": "no", "consent": "yes"}}
			for i := w; i < base; i += workers {
				bases[i], errs[w] = survey.Simulate(f, rng, opts)
				if errs[w] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	out := make([]*survey.Interview, n)
	copy(out, bases)
	for i := base; i < n; i++ {
		b, _ := json.Marshal(bases[i%base])
		iv := new(survey.Interview)
		if err := json.Unmarshal(b, iv); err != nil {
			tb.Fatal(err)
		}
		id, _ := uuid.NewRandomFromReader(rngReader{rng})
		iv.ID = "uuid:" + id.String()
		shift := time.Duration(rng.IntN(30*24*60)) * time.Minute
		iv.Started = iv.Started.Add(shift)
		iv.Ended = iv.Ended.Add(shift)
		out[i] = iv
	}
	return out
}

type rngReader struct{ r *rand.Rand }

func (r rngReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.r.Uint32())
	}
	return len(p), nil
}

func newLaptop(tb testing.TB, dir string, ivs []*survey.Interview) *lsqlite.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := lsqlite.Open(ctx, filepath.Join(dir, "laptop.db"), lsqlite.Options{KDF: vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	// Each enumerator signs in (a cheap PIN derivation: these tests are not about it).
	signedIn := map[string]bool{}
	for _, iv := range ivs {
		if signedIn[iv.Enumerator] {
			continue
		}
		signedIn[iv.Enumerator] = true
		if err := st.Unlock(ctx, iv.Enumerator, "135790"); err != nil {
			tb.Fatal(err)
		}
	}
	f := builtinForm(tb)
	js, err := f.MarshalCanonical()
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.PutForm(ctx, f.ID, f.Version, f.Hash, js); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < len(ivs); i += 1000 {
		if err := st.Insert(ctx, ivs[i:min(i+1000, len(ivs))]); err != nil {
			tb.Fatal(err)
		}
	}
	return st
}

type central struct {
	store intake.Store
	srv   *intake.Server
	addr  string
}

func startCentral(tb testing.TB, dir string, validate ...func(*forms.Form, *survey.Interview) []string) *central {
	tb.Helper()
	ctx := context.Background()
	st, err := isqlite.Open(ctx, filepath.Join(dir, "central.db"))
	if err != nil {
		tb.Fatal(err)
	}
	return startCentralOn(tb, st, validate...)
}

// startCentralOn serves st (closed at the end of the test).
func startCentralOn(tb testing.TB, st intake.Store, validate ...func(*forms.Form, *survey.Interview) []string) *central {
	tb.Helper()
	ctx := context.Background()
	cfg := intake.Config{Store: st, Logger: quiet, Builtin: []*forms.Form{builtinForm(tb)}}
	if len(validate) > 0 {
		cfg.Validate = validate[0]
	}
	srv, err := intake.New(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	tb.Cleanup(func() { hs.Close(); st.Close() })
	return &central{store: st, srv: srv, addr: ln.Addr().String()}
}

func (c *central) token(tb testing.TB) string {
	tb.Helper()
	secret, _, err := intake.CreateToken(context.Background(), c.store, "awa", time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// zstd19 returns the size of b compressed at once by the zstd command at
// level 19, or by klauspost/compress at its best level when the command is
// missing (then named so).
func zstd19(tb testing.TB, b []byte) (int, string) {
	if path, err := exec.LookPath("zstd"); err == nil {
		cmd := exec.Command(path, "-19", "-q", "-c")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err == nil {
			return len(out), "zstd -19"
		}
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		tb.Fatal(err)
	}
	return len(enc.EncodeAll(b, nil)), "klauspost zstd best"
}

func kib(n int64) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }

// quiet drops the server's per-batch logs.
var quiet = slog.New(slog.DiscardHandler)
