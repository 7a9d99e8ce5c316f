// Package storetest is the behaviour every office.Store must have, as one
// test suite: accounts and sessions, sign-in failures, the review loop and
// its notices (exactly once, in order, across several servers on one
// database), conflicts, duplicates, targets, devices, the audit log and
// settings. A store's test calls Run with a function that opens an empty
// database and returns a way to open it again (a second server).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"sira/office"
)

// Open opens a new, empty office database for one test and returns a store
// on it and a function opening further stores on the same database (other
// servers). Cleanup is registered with t.
type Open func(t *testing.T) (office.Store, func() office.Store)

// Run runs the contract on stores from open, one database per subtest.
func Run(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Open)
	}{
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"LoginFailures", testLoginFailures},
		{"ReviewLoop", testReviewLoop},
		{"ApproveAfterDelivery", testApproveAfterDelivery},
		{"RevisionAfterApproval", testRevisionAfterApproval},
		{"NoticesExactlyOnce", testNoticesExactlyOnce},
		{"ApproveAckRace", testApproveAckRace},
		{"Conflicts", testConflicts},
		{"Duplicates", testDuplicates},
		{"Targets", testTargets},
		{"Devices", testDevices},
		{"Audit", testAudit},
		{"Settings", testSettings},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

var t0 = time.Date(2026, 11, 20, 9, 30, 15, 123456000, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testUsers(t *testing.T, open Open) {
	ctx := context.Background()
	st, _ := open(t)
	if _, err := st.User(ctx, "awa"); !errors.Is(err, office.ErrNotFound) {
		t.Fatalf("User of nobody: %v, want ErrNotFound", err)
	}
	u := office.User{Name: "awa", Role: office.RoleSupervisor, Hash: "$argon2id$x", Created: t0, Posts: []string{"gogui", "diboli"}, Enumerators: []string{"e1"}}
	must(t, st.PutUser(ctx, u))
	must(t, st.PutUser(ctx, office.User{Name: "root", Role: office.RoleAdmin, Hash: "h", Created: t0}))
	got, err := st.User(ctx, "awa")
	must(t, err)
	slices.Sort(u.Posts)
	if got.Role != u.Role || got.Hash != u.Hash || !got.Created.Equal(t0) || got.Disabled ||
		!slices.Equal(got.Posts, u.Posts) || !slices.Equal(got.Enumerators, u.Enumerators) {
		t.Errorf("User = %+v, want %+v", got, u)
	}
	u.Posts, u.Role = []string{"kati"}, office.RoleViewer
	must(t, st.PutUser(ctx, u))
	got, _ = st.User(ctx, "awa")
	if !slices.Equal(got.Posts, []string{"kati"}) || got.Role != office.RoleViewer || !got.Created.Equal(t0) {
		t.Errorf("replaced user = %+v", got)
	}
	all, err := st.Users(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Name != "awa" || all[1].Name != "root" || len(all[1].Posts) != 0 {
		t.Errorf("Users = %+v", all)
	}
	must(t, st.DeleteUser(ctx, "awa"))
	if err := st.DeleteUser(ctx, "awa"); !errors.Is(err, office.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if all, _ := st.Users(ctx); len(all) != 1 {
		t.Errorf("after delete: %+v", all)
	}
}

func testSessions(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another() // a second server on the same database
	must(t, a.PutUser(ctx, office.User{Name: "awa", Role: office.RoleAdmin, Hash: "h", Created: t0}))
	must(t, a.CreateSession(ctx, office.Session{Hash: "s1", User: "awa", CSRF: "c1", Created: t0, Expires: t0.Add(time.Hour)}))
	must(t, a.CreateSession(ctx, office.Session{Hash: "s2", User: "awa", CSRF: "c2", Created: t0, Expires: t0.Add(time.Hour)}))
	se, err := b.Session(ctx, "s1", t0.Add(time.Minute))
	must(t, err)
	if se.User != "awa" || se.CSRF != "c1" || !se.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("session read through another server = %+v", se)
	}
	if _, err := b.Session(ctx, "s1", t0.Add(2*time.Hour)); !errors.Is(err, office.ErrNotFound) {
		t.Errorf("expired session: %v", err)
	}
	must(t, b.DeleteSessions(ctx, "s1", ""))
	if _, err := a.Session(ctx, "s1", t0); !errors.Is(err, office.ErrNotFound) {
		t.Errorf("ended session: %v", err)
	}
	// Disabling the user ends the others.
	must(t, a.PutUser(ctx, office.User{Name: "awa", Role: office.RoleAdmin, Hash: "h", Created: t0, Disabled: true}))
	if _, err := b.Session(ctx, "s2", t0); !errors.Is(err, office.ErrNotFound) {
		t.Errorf("session of a disabled user: %v", err)
	}
	must(t, a.PutUser(ctx, office.User{Name: "awa", Role: office.RoleAdmin, Hash: "h", Created: t0}))
	must(t, a.CreateSession(ctx, office.Session{Hash: "s3", User: "awa", CSRF: "c3", Created: t0, Expires: t0.Add(time.Hour)}))
	must(t, b.DeleteSessions(ctx, "", "awa"))
	if _, err := a.Session(ctx, "s3", t0); !errors.Is(err, office.ErrNotFound) {
		t.Errorf("session after ending all of the user's: %v", err)
	}
}

func testLoginFailures(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another()
	must(t, a.LoginFailed(ctx, t0, "ip:10.0.0.1", "user:awa"))
	must(t, b.LoginFailed(ctx, t0.Add(time.Minute), "ip:10.0.0.1", "user:awa"))
	must(t, b.LoginFailed(ctx, t0.Add(2*time.Minute), "ip:10.0.0.2"))
	for _, c := range []struct {
		key   string
		since time.Time
		want  int
	}{
		{"ip:10.0.0.1", t0.Add(-time.Hour), 2},
		{"ip:10.0.0.1", t0.Add(30 * time.Second), 1},
		{"user:awa", t0, 2},
		{"ip:10.0.0.2", t0, 1},
		{"user:bob", t0, 0},
	} {
		for i, st := range []office.Store{a, b} {
			n, err := st.LoginFailures(ctx, c.key, c.since)
			must(t, err)
			if n != c.want {
				t.Errorf("server %d: LoginFailures(%s, %s) = %d, want %d", i, c.key, c.since, n, c.want)
			}
		}
	}
}

func arrive(t *testing.T, st office.Store, id string, rev int, enum string) office.Review {
	t.Helper()
	r, err := st.Arrived(context.Background(), office.Arrival{ID: id, Revision: rev, Hash: fmt.Sprintf("sha256:%s-%d", id, rev), Enumerator: enum, At: t0})
	must(t, err)
	return r
}

func notices(t *testing.T, st office.Store, enum string, after int64) []office.Notice {
	t.Helper()
	ns, err := st.Notices(context.Background(), enum, after, 1000)
	must(t, err)
	return ns
}

// testReviewLoop: reject, then approve before the laptop acknowledged:
// the rejection is withdrawn and a withdrawal travels instead.
func testReviewLoop(t *testing.T, open Open) {
	ctx := context.Background()
	st, _ := open(t)
	if _, err := st.Approve(ctx, office.Decision{ID: "x", Revision: 1, By: "sup", At: t0}); !errors.Is(err, office.ErrNoReview) {
		t.Fatalf("approving an unknown interview: %v", err)
	}
	r := arrive(t, st, "iv1", 1, "awa")
	if r.State != office.ToCheck || r.Revision != 1 {
		t.Fatalf("arrived = %+v", r)
	}
	arrive(t, st, "iv2", 1, "awa")
	arrive(t, st, "iv3", 1, "bob")
	qs := []office.QuestionComment{{Field: "/data/age", Comment: "check the age"}, {Field: "/data/sex", Comment: "really?"}}
	r, err := st.Reject(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup", At: t0.Add(time.Minute), Comment: "see questions", Questions: qs})
	must(t, err)
	if r.State != office.Rejected || r.Acked || r.Notice == 0 {
		t.Fatalf("rejected = %+v", r)
	}
	rejSeq := r.Notice
	if _, err := st.Reject(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup", At: t0, Comment: "again"}); !errors.Is(err, office.ErrAlreadyRejected) {
		t.Errorf("rejecting twice: %v", err)
	}
	if _, err := st.Reject(ctx, office.Decision{ID: "iv2", Revision: 2, By: "sup", At: t0, Comment: "x"}); !errors.Is(err, office.ErrStale) {
		t.Errorf("rejecting another revision: %v", err)
	}
	_, err = st.Reject(ctx, office.Decision{ID: "iv3", Revision: 1, By: "sup", At: t0, Comment: "bob's"})
	must(t, err)
	ns := notices(t, st, "awa", 0)
	if len(ns) != 1 || ns[0].Kind != office.NoticeReject || ns[0].ID != "iv1" || ns[0].Revision != 1 || ns[0].Hash != "sha256:iv1-1" ||
		ns[0].Comment != "see questions" || !slices.Equal(ns[0].Questions, qs) || ns[0].By != "sup" || ns[0].Seq != r.Notice {
		t.Fatalf("notices for awa = %+v", ns)
	}
	if bob := notices(t, st, "bob", 0); len(bob) != 1 || bob[0].ID != "iv3" {
		t.Fatalf("notices for bob = %+v", bob)
	}
	// The laptop fetched it (after 0) but has not said it applied it:
	// approving withdraws it.
	r, err = st.Approve(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup2", At: t0.Add(2 * time.Minute)})
	must(t, err)
	if r.State != office.Approved || r.By != "sup2" {
		t.Fatalf("approved = %+v", r)
	}
	ns = notices(t, st, "awa", 0)
	if len(ns) != 1 || ns[0].Kind != office.NoticeWithdraw || ns[0].ID != "iv1" || ns[0].Withdraws != rejSeq || r.Notice != 0 {
		t.Fatalf("notices after the withdrawal = %+v", ns)
	}
	if ns[0].Seq <= notices(t, st, "bob", 0)[0].Seq {
		t.Errorf("the withdrawal's seq %d is not after the rejections'", ns[0].Seq)
	}
	// A laptop that got the rejection (cursor at it) gets the withdrawal.
	if got := notices(t, st, "awa", ns[0].Withdraws); len(got) != 1 || got[0].Kind != office.NoticeWithdraw {
		t.Errorf("notices after the rejection's seq = %+v", got)
	}
	// Acknowledging past everything changes no approved review.
	must(t, st.Acknowledge(ctx, "awa", 1<<40, t0.Add(3*time.Minute)))
	if r, _ := st.Review(ctx, "iv1"); r.State != office.Approved || r.Acked {
		t.Errorf("after the ack = %+v", r)
	}
	h, err := st.History(ctx, "iv1")
	must(t, err)
	var actions []string
	for _, e := range h {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"reject", "approve", "withdraw"}) || !slices.Equal(h[0].Questions, qs) || h[0].Comment != "see questions" {
		t.Errorf("history = %+v", h)
	}
	if _, err := st.Review(ctx, "nope"); !errors.Is(err, office.ErrNotFound) {
		t.Errorf("Review of nothing: %v", err)
	}
}

// testApproveAfterDelivery: once the laptop acknowledged the rejection,
// approving is refused with ErrDelivered; the next revision is to check.
func testApproveAfterDelivery(t *testing.T, open Open) {
	ctx := context.Background()
	st, _ := open(t)
	arrive(t, st, "iv1", 1, "awa")
	arrive(t, st, "iv2", 1, "awa")
	r1, err := st.Reject(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup", At: t0, Comment: "no"})
	must(t, err)
	r2, err := st.Reject(ctx, office.Decision{ID: "iv2", Revision: 1, By: "sup", At: t0, Comment: "no"})
	must(t, err)
	// The laptop applied the first only.
	must(t, st.Acknowledge(ctx, "awa", r1.Notice, t0.Add(time.Hour)))
	// Another enumerator's cursor acknowledges nothing of awa's.
	must(t, st.Acknowledge(ctx, "bob", 1<<40, t0))
	got, _ := st.Review(ctx, "iv1")
	if !got.Acked || !got.AckedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("acknowledged review = %+v", got)
	}
	if got, _ := st.Review(ctx, "iv2"); got.Acked {
		t.Errorf("a later rejection was acknowledged by an earlier cursor: %+v", got)
	}
	if _, err := st.Approve(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup", At: t0}); !errors.Is(err, office.ErrDelivered) {
		t.Errorf("approving a delivered rejection: %v", err)
	}
	if got, _ := st.Review(ctx, "iv1"); got.State != office.Rejected {
		t.Errorf("after the refused approval: %+v", got)
	}
	if _, err := st.Approve(ctx, office.Decision{ID: "iv2", Revision: 1, By: "sup", At: t0}); err != nil {
		t.Errorf("approving an undelivered rejection: %v", err)
	}
	if ns := notices(t, st, "awa", r2.Notice); len(ns) != 1 || ns[0].Kind != office.NoticeWithdraw || ns[0].ID != "iv2" {
		t.Errorf("notices = %+v", ns)
	}
	r := arrive(t, st, "iv1", 2, "awa")
	if r.State != office.ToCheck || r.Revision != 2 || r.Acked || r.Notice != 0 {
		t.Errorf("revision 2 = %+v", r)
	}
	h, _ := st.History(ctx, "iv1")
	if len(h) != 2 || h[1].Action != "delivered" || h[1].By != "awa" {
		t.Errorf("history = %+v", h)
	}
}

// testRevisionAfterApproval: a revision that arrives after an approval is
// checked anew; the approval of revision 1 stays in the history; late
// copies of revision 1 change nothing.
func testRevisionAfterApproval(t *testing.T, open Open) {
	ctx := context.Background()
	st, _ := open(t)
	arrive(t, st, "iv1", 1, "awa")
	_, err := st.Approve(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup", At: t0})
	must(t, err)
	if r, err := st.Approve(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup", At: t0}); err != nil || r.State != office.Approved {
		t.Errorf("approving again: %+v %v", r, err)
	}
	if r := arrive(t, st, "iv1", 1, "awa"); r.State != office.Approved {
		t.Errorf("revision 1 again: %+v", r)
	}
	if r := arrive(t, st, "iv1", 2, "awa"); r.State != office.ToCheck || r.Revision != 2 || r.Hash != "sha256:iv1-2" {
		t.Errorf("revision 2 = %+v", r)
	}
	if r := arrive(t, st, "iv1", 1, "awa"); r.State != office.ToCheck || r.Revision != 2 {
		t.Errorf("revision 1 late = %+v", r)
	}
	if _, err := st.Approve(ctx, office.Decision{ID: "iv1", Revision: 1, By: "sup", At: t0}); !errors.Is(err, office.ErrStale) {
		t.Errorf("approving the old revision: %v", err)
	}
	h, _ := st.History(ctx, "iv1")
	if len(h) != 1 || h[0].Action != "approve" || h[0].Revision != 1 {
		t.Errorf("history = %+v", h)
	}
}

// testNoticesExactlyOnce: two servers reject concurrently while a laptop
// pages through the notices alternately on both: it sees every rejection
// once, in increasing Seq, none skipped.
func testNoticesExactlyOnce(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another()
	const n = 60
	for i := range n {
		arrive(t, a, fmt.Sprintf("iv%03d", i), 1, "awa")
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w, st := range []office.Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				if _, err := st.Reject(ctx, office.Decision{ID: fmt.Sprintf("iv%03d", i), Revision: 1, By: "sup", At: t0, Comment: "c"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	seen := map[string]int{}
	var after int64
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	finished := false
	for round := 0; ; round++ {
		select {
		case <-done:
			finished = true
		default:
		}
		st := []office.Store{a, b}[round%2]
		ns, err := st.Notices(ctx, "awa", after, 7)
		must(t, err)
		for _, x := range ns {
			if x.Seq <= after {
				t.Fatalf("notice %d after cursor %d", x.Seq, after)
			}
			after = x.Seq
			seen[x.ID]++
		}
		if finished && len(ns) == 0 {
			break
		}
		if round > 100000 {
			t.Fatal("the notices never ended")
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Errorf("%d interviews' rejections seen, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s seen %d times", id, c)
		}
	}
}

// testApproveAckRace: an approval racing the laptop's acknowledgement
// ends one way or the other, never both: approved with a withdrawal, or
// rejected, delivered and the approval refused.
func testApproveAckRace(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another()
	for i := range 20 {
		id := fmt.Sprintf("iv%d", i)
		arrive(t, a, id, 1, "awa")
		r, err := a.Reject(ctx, office.Decision{ID: id, Revision: 1, By: "sup", At: t0, Comment: "c"})
		must(t, err)
		var wg sync.WaitGroup
		var approveErr, ackErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, approveErr = a.Approve(ctx, office.Decision{ID: id, Revision: 1, By: "sup", At: t0})
		}()
		go func() { defer wg.Done(); ackErr = b.Acknowledge(ctx, "awa", r.Notice, t0) }()
		wg.Wait()
		must(t, ackErr)
		got, err := a.Review(ctx, id)
		must(t, err)
		withdrawn := false
		for _, x := range notices(t, a, "awa", r.Notice) {
			withdrawn = withdrawn || (x.Kind == office.NoticeWithdraw && x.ID == id)
		}
		switch {
		case approveErr == nil:
			if got.State != office.Approved || !withdrawn {
				t.Errorf("%s: approved but %+v, withdrawal sent %v", id, got, withdrawn)
			}
		case errors.Is(approveErr, office.ErrDelivered):
			if got.State != office.Rejected || !got.Acked || withdrawn {
				t.Errorf("%s: approval refused but %+v, withdrawal sent %v", id, got, withdrawn)
			}
		default:
			t.Fatalf("%s: %v", id, approveErr)
		}
	}
}

func testConflicts(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another()
	if _, err := a.Choice(ctx, "iv1", 1); !errors.Is(err, office.ErrNotFound) {
		t.Fatalf("no choice yet: %v", err)
	}
	must(t, a.ChooseCopy(ctx, office.Choice{ID: "iv1", Revision: 1, Hash: "sha256:a", By: "sup", At: t0}))
	must(t, b.ChooseCopy(ctx, office.Choice{ID: "iv1", Revision: 1, Hash: "sha256:b", By: "sup2", At: t0.Add(time.Minute)}))
	must(t, b.ChooseCopy(ctx, office.Choice{ID: "iv2", Revision: 3, Hash: "sha256:c", By: "sup", At: t0}))
	c, err := a.Choice(ctx, "iv1", 1)
	must(t, err)
	if c.Hash != "sha256:b" || c.By != "sup2" || !c.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("choice = %+v", c)
	}
	all, err := a.Choices(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != "iv1" || all[1].Revision != 3 {
		t.Errorf("choices = %+v", all)
	}
	h, _ := a.History(ctx, "iv1")
	if len(h) != 2 || h[0].Action != "choose" || h[1].Comment != "sha256:b" {
		t.Errorf("history = %+v", h)
	}
}

// testDuplicates: a late arrival is checked against interviews of any
// age, within the rule's days of its own start; decisions stay.
func testDuplicates(t *testing.T, open Open) {
	ctx := context.Background()
	st, _ := open(t)
	rule := office.DupRule{Exact: []string{"sex"}, Numeric: "age", Tolerance: 1, SamePost: true, Days: 7}
	key := func(id, sex, age, post string, started time.Time) office.DupKey {
		k, ok := rule.KeyOf("returnee", id, post, started, func(n string) string { return map[string]string{"sex": sex, "age": age}[n] })
		if !ok {
			t.Fatalf("no key for %s", id)
		}
		return k
	}
	old := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC) // far older than any "recent" window
	for i, k := range []office.DupKey{
		key("a", "F", "30", "gogui", old),
		key("b", "M", "30", "gogui", old),                   // other sex
		key("c", "F", "35", "gogui", old),                   // age too far
		key("d", "F", "30", "kati", old),                    // other post
		key("e", "F", "31", "gogui", old.AddDate(0, 0, 30)), // too many days apart
	} {
		if ps, err := st.IndexKey(ctx, rule, k, t0.Add(time.Duration(i)*time.Second)); err != nil || len(ps) != 0 {
			t.Fatalf("IndexKey(%s) = %+v, %v", k.ID, ps, err)
		}
	}
	// A late USB batch: started next to a, arriving today.
	ps, err := st.IndexKey(ctx, rule, key("z", " f ", "31", "gogui", old.AddDate(0, 0, 3)), t0.Add(time.Hour))
	must(t, err)
	if len(ps) != 1 || ps[0].A != "a" || ps[0].B != "z" || ps[0].State != office.PairOpen || ps[0].Form != "returnee" {
		t.Fatalf("pairs of the late arrival = %+v", ps)
	}
	// Re-indexing z with other answers drops the open pair.
	if ps, _ := st.IndexKey(ctx, rule, key("z", "M", "60", "gogui", old), t0.Add(2*time.Hour)); len(ps) != 0 {
		t.Errorf("pairs after z changed = %+v", ps)
	}
	_, err = st.IndexKey(ctx, rule, key("z", "F", "29", "gogui", old.AddDate(0, 0, 1)), t0.Add(3*time.Hour))
	must(t, err)
	must(t, st.DecidePair(ctx, "z", "a", office.PairDismissed, "sup", t0))
	if err := st.DecidePair(ctx, "a", "q", office.PairConfirmed, "sup", t0); !errors.Is(err, office.ErrNotFound) {
		t.Errorf("deciding an unknown pair: %v", err)
	}
	if err := st.DecidePair(ctx, "a", "z", "maybe", "sup", t0); err == nil {
		t.Errorf("a bad state was accepted")
	}
	all, err := st.Pairs(ctx, "", 10)
	must(t, err)
	if len(all) != 1 || all[0].State != office.PairDismissed || all[0].By != "sup" {
		t.Errorf("pairs = %+v", all)
	}
	if open, _ := st.Pairs(ctx, office.PairOpen, 10); len(open) != 0 {
		t.Errorf("open pairs = %+v", open)
	}
	// A decided pair survives re-indexing and a reset.
	_, err = st.IndexKey(ctx, rule, key("z", "F", "29", "gogui", old.AddDate(0, 0, 1)), t0.Add(4*time.Hour))
	must(t, err)
	must(t, st.ResetKeys(ctx))
	if all, _ := st.Pairs(ctx, "", 10); len(all) != 1 || all[0].State != office.PairDismissed {
		t.Errorf("pairs after reset = %+v", all)
	}
	_, err = st.IndexKey(ctx, rule, key("y", "F", "30", "gogui", old), t0)
	must(t, err)
	if ps, _ := st.IndexKey(ctx, rule, key("x", "F", "30", "gogui", old), t0); len(ps) != 1 {
		t.Errorf("after reset, pairs of x = %+v", ps)
	}
	// In a batch: w pairs with y and x; a key with Exact "" drops x.
	must(t, st.IndexKeys(ctx, rule, []office.DupKey{key("w", "F", "30", "gogui", old), {Form: "returnee", ID: "x"}}, t0))
	if ps, _ := st.Pairs(ctx, office.PairOpen, 10); len(ps) != 1 || ps[0].A != "w" || ps[0].B != "y" {
		t.Errorf("after the batch: %+v", ps)
	}
	must(t, st.DropKey(ctx, "returnee", "w"))
	if ps, _ := st.Pairs(ctx, office.PairOpen, 10); len(ps) != 0 {
		t.Errorf("after DropKey: %+v", ps)
	}
}

func testTargets(t *testing.T, open Open) {
	ctx := context.Background()
	st, _ := open(t)
	must(t, st.SetTarget(ctx, office.Target{Scope: office.ScopePost, Key: "gogui", Period: office.PeriodWeek, N: 50}))
	must(t, st.SetTarget(ctx, office.Target{Scope: office.ScopeEnumerator, Key: "awa", Period: office.PeriodMonth, N: 80}))
	must(t, st.SetTarget(ctx, office.Target{Scope: office.ScopePost, Key: "gogui", Period: office.PeriodWeek, N: 60}))
	must(t, st.SetTarget(ctx, office.Target{Scope: office.ScopePost, Key: "kati", Period: office.PeriodMonth, N: 10}))
	must(t, st.SetTarget(ctx, office.Target{Scope: office.ScopePost, Key: "kati", Period: office.PeriodMonth, N: 0}))
	for _, bad := range []office.Target{{Scope: "country", Key: "x", Period: "week", N: 1}, {Scope: "post", Key: "x", Period: "year", N: 1}, {Scope: "post", Key: "x", Period: "week", N: -1}} {
		if err := st.SetTarget(ctx, bad); err == nil {
			t.Errorf("SetTarget(%+v) accepted", bad)
		}
	}
	ts, err := st.Targets(ctx)
	must(t, err)
	want := []office.Target{{Scope: "enumerator", Key: "awa", Period: "month", N: 80}, {Scope: "post", Key: "gogui", Period: "week", N: 60}}
	if !slices.Equal(ts, want) {
		t.Errorf("Targets = %+v, want %+v", ts, want)
	}
}

func testDevices(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another()
	must(t, a.RecordSync(ctx, office.Device{TokenID: "tok1", Enumerator: "awa", Post: "gogui", LastSync: t0, Drafts: 3, DraftsAt: t0}))
	must(t, b.RecordSync(ctx, office.Device{TokenID: "tok1", Enumerator: "awa", LastSync: t0.Add(time.Hour), Drafts: -1}))
	must(t, a.RecordSync(ctx, office.Device{TokenID: "tok1", Enumerator: "awa", LastSync: t0.Add(time.Minute), Drafts: -1})) // late, older
	must(t, a.RecordSync(ctx, office.Device{TokenID: "tok2", Enumerator: "bob", LastSync: t0, Drafts: -1}))
	ds, err := b.Devices(ctx)
	must(t, err)
	if len(ds) != 2 {
		t.Fatalf("devices = %+v", ds)
	}
	d := ds[0]
	if d.TokenID != "tok1" || d.Post != "gogui" || !d.LastSync.Equal(t0.Add(time.Hour)) || d.Drafts != 3 || !d.DraftsAt.Equal(t0) {
		t.Errorf("device = %+v", d)
	}
	if ds[1].Drafts != -1 || ds[1].Post != "" {
		t.Errorf("device without drafts = %+v", ds[1])
	}
	if d.Silent(t0.Add(2*time.Hour), 24*time.Hour) || !d.Silent(t0.Add(49*time.Hour), 24*time.Hour) {
		t.Errorf("Silent is wrong for %+v", d)
	}
}

func testAudit(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another()
	for i := range 5 {
		st := []office.Store{a, b}[i%2]
		action := []string{"login", "reject"}[i%2]
		must(t, st.Audit(ctx, office.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), User: "sup", Action: action, Target: fmt.Sprint("iv", i), Detail: "d"}))
	}
	all, err := a.AuditLog(ctx, "", 0, 10)
	must(t, err)
	if len(all) != 5 || all[0].Target != "iv4" || all[4].Target != "iv0" || all[0].User != "sup" || !all[4].At.Equal(t0) {
		t.Fatalf("audit = %+v", all)
	}
	rej, _ := b.AuditLog(ctx, "reject", 0, 10)
	if len(rej) != 2 || rej[0].Target != "iv3" {
		t.Errorf("reject entries = %+v", rej)
	}
	page, _ := a.AuditLog(ctx, "", all[1].Seq, 2)
	if len(page) != 2 || page[0].Target != "iv2" || page[1].Target != "iv1" {
		t.Errorf("page before %d = %+v", all[1].Seq, page)
	}
}

func testSettings(t *testing.T, open Open) {
	ctx := context.Background()
	a, another := open(t)
	b := another()
	ida, err := a.OfficeID(ctx)
	must(t, err)
	idb, err := b.OfficeID(ctx)
	must(t, err)
	if ida == "" || ida != idb {
		t.Errorf("office ids %q and %q: want one, the same on both servers", ida, idb)
	}
	if v, err := a.Setting(ctx, "dup_rule"); err != nil || v != "" {
		t.Errorf("unset setting = %q, %v", v, err)
	}
	must(t, a.SetSetting(ctx, "dup_rule", "x"))
	must(t, b.SetSetting(ctx, "dup_rule", "y"))
	if v, _ := a.Setting(ctx, "dup_rule"); v != "y" {
		t.Errorf("setting = %q", v)
	}
	must(t, a.Ping(ctx))
	must(t, b.Ping(ctx))
}
