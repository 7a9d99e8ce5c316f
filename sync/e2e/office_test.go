package e2e_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"sira/forms"
	"sira/internal/testenv"
	"sira/office"
	opostgres "sira/office/postgres"
	osqlite "sira/office/sqlite"
	"sira/survey"
	"sira/sync/client"
	"sira/sync/intake"
	ipostgres "sira/sync/intake/postgres"
	isqlite "sira/sync/intake/sqlite"
)

// arrivedAll tells the office of every current submission (what the
// dashboard's projection does as interviews arrive).
func arrivedAll(t *testing.T, st intake.Store, of office.Store, ids []string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		subs, err := st.Submissions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			if s.Current {
				if _, err := of.Arrived(ctx, office.Arrival{ID: s.ID, Revision: s.Revision, Hash: s.Hash, Enumerator: s.Enumerator, At: s.Received}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func decision(id string, rev int, comment string, qs ...office.QuestionComment) office.Decision {
	return office.Decision{ID: id, Revision: rev, By: "sup", At: time.Now(), Comment: comment, Questions: qs}
}

// TestOfficeReviewLoop: rejections with per-question comments reach the
// laptop once and are acknowledged by it; a rejection approved before it
// was delivered never reaches the laptop; one the laptop applied but has
// not acknowledged is withdrawn and the laptop's copy returns to
// acknowledged; a delivered one can no longer be withdrawn.
func TestOfficeReviewLoop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "central.db")
	var of *osqlite.Store
	c := startCentralWith(t, path, func(cfg *intake.Config) {
		// The office's tables in the intake's file, opened after it.
		var err error
		if of, err = osqlite.Open(ctx, path); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { of.Close() })
		cfg.Office = of
	})
	ivs := simulated(t, 6, 11, "mariam")
	l := newLaptop(t, dir, "mariam", ivs)
	cl := newClient(t, "http://"+c.addr(), c.token(t, "mariam"), true)
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	arrivedAll(t, c.store, of, l.ids)

	qs := []office.QuestionComment{{Field: "/returnee/age", Comment: "the age is not that of the ID card"}}
	if _, err := of.Reject(ctx, decision(ivs[0].ID, 1, "see the age", qs...)); err != nil {
		t.Fatal(err)
	}
	if _, err := of.Reject(ctx, decision(ivs[1].ID, 1, "changed my mind")); err != nil {
		t.Fatal(err)
	}
	if _, err := of.Approve(ctx, decision(ivs[1].ID, 1, "")); err != nil { // before any sync: withdrawn
		t.Fatal(err)
	}
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejections != 1 || res.Withdrawals != 1 {
		t.Errorf("session: %d rejections, %d withdrawals; want 1 and 1", res.Rejections, res.Withdrawals)
	}
	got, _ := l.store.Get(ctx, ivs[0].ID)
	if got.Status != survey.StatusRejected || got.Comment != "see the age" {
		t.Errorf("rejected copy: %s %q", got.Status, got.Comment)
	}
	if lq, err := survey.RejectionQuestions(ctx, l.store, ivs[0].ID); err != nil || !slices.Equal(lq, qs) {
		t.Errorf("question comments on the laptop: %+v, %v; want %+v", lq, err, qs)
	}
	if got, _ := l.store.Get(ctx, ivs[1].ID); got.Status != survey.StatusAcknowledged {
		t.Errorf("the interview whose rejection was withdrawn before delivery is %s", got.Status)
	}
	// The laptop acknowledged in the same session: the rejection stands.
	r, _ := of.Review(ctx, ivs[0].ID)
	if !r.Acked {
		t.Errorf("review after the session: %+v; want acknowledged", r)
	}
	if _, err := of.Approve(ctx, decision(ivs[0].ID, 1, "")); !errors.Is(err, office.ErrDelivered) {
		t.Errorf("approving a delivered rejection: %v; want ErrDelivered", err)
	}
	if res, err := cl.Sync(ctx, l.store); err != nil || res.Rejections+res.Withdrawals != 0 {
		t.Errorf("a session with nothing new: %+v, %v", res, err)
	}

	// Applied but not acknowledged (the session was cut after the answer):
	// the laptop holds the rejection, the office may still withdraw it.
	r2, err := of.Reject(ctx, decision(ivs[2].ID, 1, "cut"))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.store.Reject(ctx, ivs[2].ID, "cut", 1, r2.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := of.Approve(ctx, decision(ivs[2].ID, 1, "")); err != nil {
		t.Fatalf("approving an unacknowledged rejection: %v", err)
	}
	if res, err = cl.Sync(ctx, l.store); err != nil || res.Withdrawals != 1 || res.Rejections != 0 {
		t.Errorf("withdrawal session: %+v, %v", res, err)
	}
	if got, _ := l.store.Get(ctx, ivs[2].ID); got.Status != survey.StatusAcknowledged || got.Comment != "" {
		t.Errorf("after the withdrawal the laptop's copy is %s %q; want acknowledged", got.Status, got.Comment)
	}
	if r, _ := of.Review(ctx, ivs[2].ID); r.State != office.Approved {
		t.Errorf("office review: %+v", r)
	}
	// Nothing comes back as revision 2 of the approved interviews.
	if l.pending(t) != 0 {
		t.Errorf("%d interviews pending after the withdrawals", l.pending(t))
	}

	// The enumerator corrects the delivered rejection: revision 2 is to check.
	if err := l.store.Reopen(ctx, ivs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := l.store.Finalize(ctx, ivs[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	arrivedAll(t, c.store, of, l.ids)
	if r, _ := of.Review(ctx, ivs[0].ID); r.State != office.ToCheck || r.Revision != 2 {
		t.Errorf("revision 2: %+v", r)
	}
}

// pgDSN returns the test PostgreSQL's DSN, or skips (fails under CI=true).
func pgDSN(t *testing.T) string {
	t.Helper()
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_e2e_")
	return d + "&search_path=" + sc + "#" + sc
}

// pgServer is one intake server with its office on a shared PostgreSQL schema.
type pgServer struct {
	store  *ipostgres.Store
	office *opostgres.Store
	url    string
}

func startPG(t *testing.T, dsnSchema string) *pgServer {
	t.Helper()
	ctx := context.Background()
	dsn, sc, _ := cutLast(dsnSchema, "#")
	st, err := ipostgres.Open(ctx, dsn, ipostgres.Options{Schema: sc})
	if err != nil {
		t.Fatal(err)
	}
	of, err := opostgres.Open(ctx, dsn, opostgres.Options{Schema: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := intake.New(ctx, intake.Config{Store: st, Office: of, Logger: quiet, Builtin: []*forms.Form{builtinForm(t)}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close(); of.Close(); st.Close() })
	return &pgServer{store: st, office: of, url: "http://" + ln.Addr().String()}
}

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// TestTwoServersOneRejection: two intake servers on one PostgreSQL
// database; rejections made through either reach a laptop that syncs
// alternately through both exactly once, and the laptop's acknowledgement
// through one settles the review for the other.
func TestTwoServersOneRejection(t *testing.T) {
	ctx := context.Background()
	d := pgDSN(t)
	a, b := startPG(t, d), startPG(t, d)
	secret, _, err := intake.CreateToken(ctx, a.store, "mariam", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ivs := simulated(t, 8, 13, "mariam")
	l := newLaptop(t, dir, "mariam", ivs)
	clA, clB := newClient(t, a.url, secret, true), newClient(t, b.url, secret, true)
	if _, err := clA.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	arrivedAll(t, b.store, b.office, l.ids)
	// Rejections through A and through B, before the laptop ever saw B.
	for i, of := range []office.Store{a.office, b.office, a.office} {
		if _, err := of.Reject(ctx, decision(ivs[i].ID, 1, "check")); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for round, cl := range []*client.Client{clB, clA, clB, clA} {
		res, err := cl.Sync(ctx, l.store)
		if err != nil {
			t.Fatal(err)
		}
		total += res.Rejections
		if round == 1 {
			// A new rejection through B, fetched through A.
			if _, err := b.office.Reject(ctx, decision(ivs[5].ID, 1, "later")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if total != 4 {
		t.Errorf("the laptop applied %d rejections over four sessions on two servers; want 4, each once", total)
	}
	for _, i := range []int{0, 1, 2, 5} {
		if got, _ := l.store.Get(ctx, ivs[i].ID); got.Status != survey.StatusRejected {
			t.Errorf("interview %d is %s on the laptop", i, got.Status)
		}
		r, err := a.office.Review(ctx, ivs[i].ID)
		if err != nil || !r.Acked {
			t.Errorf("interview %d: review %+v, %v; want acknowledged", i, r, err)
		}
	}
	if _, err := b.office.Approve(ctx, decision(ivs[1].ID, 1, "")); !errors.Is(err, office.ErrDelivered) {
		t.Errorf("approving through B a rejection acknowledged through A: %v", err)
	}
}

// TestOfficeUpgradeKeepsRejections: rejections the intake queued before
// the office served them still reach the laptop once after the upgrade,
// and the laptop's cursor from before stays valid.
func TestOfficeUpgradeKeepsRejections(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "central.db")
	old := startCentral(t, path) // a server without the office
	ivs := simulated(t, 4, 17, "mariam")
	l := newLaptop(t, dir, "mariam", ivs)
	secret := old.token(t, "mariam")
	if _, err := newClient(t, "http://"+old.addr(), secret, true).Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1} {
		if _, err := old.store.Reject(ctx, ivs[i].ID, "old queue", "sup", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// The laptop fetches the first only (its cursor moves to 1), then the
	// office takes over.
	if res, err := newClient(t, "http://"+old.addr(), secret, true).Sync(ctx, l.store); err != nil || res.Rejections != 2 {
		t.Fatalf("before the upgrade: %+v, %v", res, err)
	}
	if _, err := old.store.Reject(ctx, ivs[2].ID, "queued before the upgrade", "sup", time.Now()); err != nil {
		t.Fatal(err)
	}
	addr := old.addr()
	old.stop()
	// The upgraded server, at the same address (laptops know it by it).
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	of, err := osqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := intake.New(ctx, intake.Config{Store: st, Office: of, Logger: quiet, Builtin: []*forms.Form{builtinForm(t)}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close(); of.Close(); st.Close() })
	c := &central{store: st}
	cl := newClient(t, "http://"+addr, secret, true)
	res, err := cl.Sync(ctx, l.store)
	if err != nil || res.Rejections != 1 {
		t.Fatalf("after the upgrade: %+v, %v; want the one rejection queued before it", res, err)
	}
	if got, _ := l.store.Get(ctx, ivs[2].ID); got.Status != survey.StatusRejected {
		t.Errorf("interview 2 is %s", got.Status)
	}
	// New notices continue after the old sequence.
	arrivedAll(t, c.store, of, l.ids)
	if _, err := of.Reject(ctx, decision(ivs[3].ID, 1, "new")); err != nil {
		t.Fatal(err)
	}
	if res, err := cl.Sync(ctx, l.store); err != nil || res.Rejections != 1 {
		t.Errorf("a new rejection: %+v, %v", res, err)
	}
}
