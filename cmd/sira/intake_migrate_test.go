package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sira/forms/builtin"
	"sira/office"
	opostgres "sira/office/postgres"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/postgres"
	"sira/sync/intake/sqlite"
)

// childArgs, when set, makes the test binary run `sira` with these
// arguments (separated by \x1f) and exit: the process the migration test
// kills.
const childArgs = "SIRA_CMD_CHILD_ARGS"

func TestMain(m *testing.M) {
	if a := os.Getenv(childArgs); a != "" {
		env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: func(string) string { return "" }}
		os.Exit(Main(context.Background(), env, strings.Split(a, "\x1f")))
	}
	os.Exit(m.Run())
}

// TestIntakeMigrateKilled moves a populated SQLite office (submissions with
// revisions and a conflict, an attachment, tokens one revoked, users,
// targets, a rejection waiting for its laptop, an audit line) into
// PostgreSQL; the first run is killed with SIGKILL midway, the second
// finishes and verifies, the third copies nothing and changes nothing.
func TestIntakeMigrateKilled(t *testing.T) {
	ctx := context.Background()
	dsn := intakePostgres(t)
	db, _, _ := intakeFixture(t, 10)
	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := survey.NewPlan(f)
	rng := rand.New(rand.NewPCG(9, 9))
	received := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var ivs []*survey.Interview
	const batches, per = 500, 6
	for b := range batches {
		var in []intake.Incoming
		for range per {
			iv, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "enq03", DeviceID: "laptop-03"})
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, incoming(t, iv))
			ivs = append(ivs, iv)
		}
		if _, err := st.Ingest(ctx, intake.BatchMeta{Source: "http", Received: received.Add(time.Duration(b) * time.Second)}, in); err != nil {
			t.Fatal(err)
		}
	}
	// A revision 2, a conflicting copy and an interview with a photo.
	rev2 := *ivs[0]
	rev2.Revision = 2
	conflict := *ivs[1]
	conflict.Data = &survey.Record{Values: map[string]string{"/data/interview/demographics/age": "77"}}
	photo := []byte("a photo's bytes")
	sum := sha256.Sum256(photo)
	sha := hex.EncodeToString(sum[:])
	if _, _, err := st.AppendAttachment(ctx, sha, int64(len(photo)), 0, photo); err != nil {
		t.Fatal(err)
	}
	withPhoto := *ivs[2]
	withPhoto.Revision = 2
	withPhoto.Attachments = []survey.Attachment{{Field: "/data/photo", Name: "p.jpg", SHA256: sha, Size: int64(len(photo))}}
	for _, iv := range []*survey.Interview{&rev2, &conflict, &withPhoto} {
		if _, err := st.Ingest(ctx, intake.BatchMeta{Source: "http", Received: received.Add(time.Hour)}, []intake.Incoming{incoming(t, iv)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := intake.CreateToken(ctx, st, "enq03", received); err != nil {
		t.Fatal(err)
	}
	_, old, err := intake.CreateToken(ctx, st, "enq04", received)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeTokens(ctx, old.ID, "", received.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The office's age identity (files laptops encrypted to it must open at
	// the target) and a relay's token with its posts.
	srcKeys, err := intake.OfficeKeys(ctx, st, received)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := intake.CreateRelayToken(ctx, st, "kayes", []string{"gogui"}, received); err != nil {
		t.Fatal(err)
	}
	total, _ := st.CountSubmissions(ctx)
	st.Close()
	of, err := openOffice(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(of.PutUser(ctx, office.User{Name: "aminata", Role: office.RoleSupervisor, Hash: "$argon2id$x", Created: received, Posts: []string{"gogui"}}))
	must(of.SetTarget(ctx, office.Target{Scope: "post", Key: "gogui", Period: "week", N: 40}))
	_, err = of.Arrived(ctx, office.Arrival{ID: ivs[3].ID, Revision: 1, Hash: ivs[3].ContentHash(), Enumerator: "enq03", At: received})
	must(err)
	rej, err := of.Reject(ctx, office.Decision{ID: ivs[3].ID, Revision: 1, By: "aminata", At: received, Comment: "age?",
		Questions: []office.QuestionComment{{Field: "/data/interview/demographics/age", Comment: "ID card"}}})
	must(err)
	must(of.Audit(ctx, office.AuditEntry{At: received, User: "aminata", Action: "reject", Target: ivs[3].ID}))
	officeID, _ := of.OfficeID(ctx)
	of.Close()

	args := []string{"intake", "migrate", "--from", db, "--to", dsn}
	// Run 1, killed once some submissions are across.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgs+"="+strings.Join(args, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { // drain
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
		}
	}()
	target, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	killed := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		n, err := target.CountSubmissions(ctx)
		if err == nil && n > 0 {
			if n < total {
				cmd.Process.Kill() // SIGKILL
				killed = true
			}
			break
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("the migration was not caught midway (it finished, or never started)")
	}
	mid, _ := target.CountSubmissions(ctx)
	t.Logf("killed with %d of %d submissions across", mid, total)

	// Run 2 finishes and verifies.
	code, out, errs := runMain(t, args...)
	if code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("second run: exit %d: %s %s", code, out, errs)
	}
	if n, _ := target.CountSubmissions(ctx); n != total {
		t.Errorf("%d submissions in PostgreSQL, want %d", n, total)
	}
	statsBefore, err := target.Stats(ctx)
	must(err)
	// Run 3 copies nothing, changes nothing, exits 0.
	code, out, errs = runMain(t, args...)
	if code != 0 || !strings.Contains(out, "0 forms, 0 tokens, 0 submissions, 0 attachments copied; verified") {
		t.Fatalf("third run: exit %d: %s %s", code, out, errs)
	}
	statsAfter, err := target.Stats(ctx)
	must(err)
	if statsBefore != statsAfter {
		t.Errorf("the third run changed the counters: %+v → %+v", statsBefore, statsAfter)
	}
	// What the office needs is there, the same.
	subs, err := target.Submissions(ctx, ivs[1].ID)
	must(err)
	if len(subs) != 2 || !subs[1].Conflict {
		t.Errorf("conflict: %+v", subs)
	}
	if b, err := target.Attachment(ctx, sha); err != nil || string(b) != string(photo) {
		t.Errorf("attachment: %q, %v", b, err)
	}
	if ks, err := target.OfficeKeys(ctx); err != nil || len(ks) != 1 || ks[0].Recipient != srcKeys[0].Recipient || ks[0].Identity != srcKeys[0].Identity {
		t.Errorf("office keys at the target: %d, %v; want the source's generation 1", len(ks), err)
	}
	ts, err := target.Tokens(ctx)
	must(err)
	relays := 0
	for _, x := range ts {
		if x.IsRelay() && x.Relay == "kayes" && len(x.Posts) == 1 && x.Posts[0] == "gogui" {
			relays++
		}
	}
	if relays != 1 {
		t.Errorf("relay token not carried with its kind and posts: %+v", ts)
	}
	tok, err := target.TokenByHash(ctx, old.Hash)
	if err != nil || tok.Revoked.IsZero() {
		t.Errorf("revoked token: %+v, %v", tok, err)
	}
	po, err := opostgres.Open(ctx, dsn, opostgres.Options{})
	must(err)
	defer po.Close()
	if id, _ := po.OfficeID(ctx); id != officeID {
		t.Errorf("office id %q, want the source's %q (laptops' cursors)", id, officeID)
	}
	if u, err := po.User(ctx, "aminata"); err != nil || u.Posts[0] != "gogui" {
		t.Errorf("user: %+v, %v", u, err)
	}
	ns, err := po.Notices(ctx, "enq03", 0, 10)
	must(err)
	if len(ns) != 1 || ns[0].Seq != rej.Notice || len(ns[0].Questions) != 1 {
		t.Errorf("notices: %+v", ns)
	}
	// The sequences continue after the copied rows.
	_, err = po.Arrived(ctx, office.Arrival{ID: ivs[4].ID, Revision: 1, Hash: "h", Enumerator: "enq03", At: received})
	must(err)
	r, err := po.Reject(ctx, office.Decision{ID: ivs[4].ID, Revision: 1, By: "aminata", At: received, Comment: "x"})
	if err != nil || r.Notice != rej.Notice+1 {
		t.Errorf("next notice: %+v, %v", r, err)
	}
	must(po.Audit(ctx, office.AuditEntry{At: received, User: "x", Action: "login"}))
}
