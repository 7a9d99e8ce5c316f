package intake_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"sira/sync/intake"
	"sira/sync/intake/sqlite"
)

// TestHealthReady: /healthz answers while the process runs; /readyz only
// while the database does.
func TestHealthReady(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := intake.New(ctx, intake.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("readyz: %d %q", code, body)
	}
	st.Close() // the database goes away
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d, want 503", code)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz with the database closed: %d, want 200", code)
	}
}
