package office_test

import (
	"errors"
	"testing"

	"sira/office"
)

// TestTransition is the review state machine of the package doc, row by row.
func TestTransition(t *testing.T) {
	none := office.Step{}
	check1 := office.Step{State: office.ToCheck, Revision: 1}
	check2 := office.Step{State: office.ToCheck, Revision: 2}
	appr1 := office.Step{State: office.Approved, Revision: 1}
	rej1 := office.Step{State: office.Rejected, Revision: 1}
	rej1acked := office.Step{State: office.Rejected, Revision: 1, Acked: true}
	ev := func(k office.EventKind, rev int) office.Event { return office.Event{Kind: k, Revision: rev} }
	for _, c := range []struct {
		name   string
		cur    office.Step
		ev     office.Event
		want   office.Step
		effect office.Effect
		err    error
	}{
		{"FirstArrival", none, ev(office.Arrive, 1), check1, office.NoEffect, nil},
		{"ApproveUnknown", none, ev(office.Approve, 1), none, office.NoEffect, office.ErrNoReview},
		{"RejectUnknown", none, ev(office.Reject, 1), none, office.NoEffect, office.ErrNoReview},
		{"AckUnknown", none, ev(office.Ack, 1), none, office.NoEffect, office.ErrNoReview},
		{"NewRevisionToCheck", check1, ev(office.Arrive, 2), check2, office.NoEffect, nil},
		{"SameRevisionAgain", check1, ev(office.Arrive, 1), check1, office.NoEffect, nil},
		{"OlderRevisionLate", check2, ev(office.Arrive, 1), check2, office.NoEffect, nil},
		{"Approve", check1, ev(office.Approve, 1), appr1, office.NoEffect, nil},
		{"Reject", check1, ev(office.Reject, 1), rej1, office.QueueReject, nil},
		{"ApproveAgain", appr1, ev(office.Approve, 1), appr1, office.NoEffect, nil},
		{"RejectAfterApprove", appr1, ev(office.Reject, 1), rej1, office.QueueReject, nil},
		{"RevisionAfterApprove", appr1, ev(office.Arrive, 2), check2, office.NoEffect, nil},
		{"SameRevisionAfterApprove", appr1, ev(office.Arrive, 1), appr1, office.NoEffect, nil},
		{"RevisionAfterReject", rej1, ev(office.Arrive, 2), check2, office.NoEffect, nil},
		{"RevisionAfterDeliveredReject", rej1acked, ev(office.Arrive, 2), check2, office.NoEffect, nil},
		{"ApproveWithdraws", rej1, ev(office.Approve, 1), appr1, office.QueueWithdraw, nil},
		{"ApproveAfterDelivery", rej1acked, ev(office.Approve, 1), rej1acked, office.NoEffect, office.ErrDelivered},
		{"RejectTwice", rej1, ev(office.Reject, 1), rej1, office.NoEffect, office.ErrAlreadyRejected},
		{"Ack", rej1, ev(office.Ack, 1), rej1acked, office.MarkDelivered, nil},
		{"AckTwice", rej1acked, ev(office.Ack, 1), rej1acked, office.NoEffect, nil},
		{"AckOtherRevision", rej1, ev(office.Ack, 2), rej1, office.NoEffect, nil},
		{"AckNotRejected", appr1, ev(office.Ack, 1), appr1, office.NoEffect, nil},
		{"ApproveStale", check2, ev(office.Approve, 1), check2, office.NoEffect, office.ErrStale},
		{"RejectStale", check2, ev(office.Reject, 1), check2, office.NoEffect, office.ErrStale},
		{"RejectFuture", check1, ev(office.Reject, 2), check1, office.NoEffect, office.ErrStale},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, eff, err := office.Transition(c.cur, c.ev)
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if got != c.want || eff != c.effect {
				t.Errorf("got %+v effect %d, want %+v effect %d", got, eff, c.want, c.effect)
			}
		})
	}
}

func TestCentralState(t *testing.T) {
	for _, c := range []struct {
		s                 office.State
		conflict, revised bool
		want              string
	}{
		{office.Approved, true, true, "approved"},
		{office.Rejected, false, false, "rejected"},
		{office.ToCheck, true, false, "hasIssues"},
		{office.ToCheck, false, true, "edited"},
		{office.ToCheck, false, false, "received"},
	} {
		if got := office.CentralState(c.s, c.conflict, c.revised); got != c.want {
			t.Errorf("CentralState(%s, %v, %v) = %s, want %s", c.s, c.conflict, c.revised, got, c.want)
		}
	}
}
