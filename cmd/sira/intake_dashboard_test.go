package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sira/sync/wire"
)

// TestIntakeServeDashboard runs `sira intake serve` and uses its dashboard:
// sign in with an account made by `sira intake user add`, see the
// completion page, and see a device's sync and drafts recorded through the server's OnSync.
func TestIntakeServeDashboard(t *testing.T) {
	db := filepath.Join(t.TempDir(), "intake.db")
	const pw = "office-password-1"
	if code, _, errs := runMainStdin(t, pw+"\n", "intake", "user", "add", "--db", db, "--role", "admin", "--password-stdin", "bureau"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	code, out, errs := runMain(t, "intake", "token", "create", "--db", db, "--enumerator", "awa")
	if code != 0 {
		t.Fatalf("token: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: testGetenv}
	exited := make(chan int, 1)
	go func() { exited <- Main(ctx, env, []string{"intake", "serve", "--db", db, "--addr", "127.0.0.1:0"}) }()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, after, ok := strings.Cut(stderr.String(), "listening on "); ok {
			base = strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s", stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string, string) {
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	if status, _, loc := get("/"); status != http.StatusSeeOther || loc != "/dashboard/" {
		t.Errorf("GET /: %d to %q", status, loc)
	}
	status, body, _ := get("/dashboard/login")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("login page: %d", status)
	}
	resp, err := hc.PostForm(base+"/dashboard/login", url.Values{"csrf": {m[1]}, "user": {"bureau"}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	// A laptop's offer with its drafts count reaches the dashboard (OnSync).
	five := 5
	offer, _ := wire.MarshalOffer(wire.Offer{Items: []wire.Item{}, Drafts: &five})
	req, _ := http.NewRequest("POST", base+wire.PathOfferV2, bytes.NewReader(offer))
	req.Header.Set("Authorization", "Bearer "+token)
	oresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	oresp.Body.Close()
	if oresp.StatusCode != 200 {
		t.Fatalf("offer: %d", oresp.StatusCode)
	}
	status, body, _ = get("/dashboard/")
	if status != 200 || !strings.Contains(body, `id="total-interviews">0<`) || !strings.Contains(body, `id="drafts">5<`) {
		t.Errorf("completion page: %d\n%s", status, body)
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
}

func runMainStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: testGetenv}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}
