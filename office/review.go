package office

import (
	"errors"
	"fmt"
)

// State is an interview's review state.
type State string

// Review states. The strings are stored and shown in exports (see
// CentralState for ODK Central's names).
const (
	ToCheck  State = "to_check"
	Approved State = "approved"
	Rejected State = "rejected"
)

// EventKind is what happens to a review.
type EventKind int

// Events of the review state machine (see the package doc).
const (
	Arrive  EventKind = iota + 1 // a revision of the interview was received
	Approve                      // a supervisor approves a revision
	Reject                       // a supervisor rejects a revision
	Ack                          // the laptop applied the rejection notice
)

// Effect is what a transition asks the store to do besides changing state.
type Effect int

// Effects of transitions.
const (
	NoEffect      Effect = iota
	QueueReject          // queue a reject notice for the laptop
	QueueWithdraw        // withdraw the pending reject notice and queue a withdraw notice
	MarkDelivered        // the reject notice reached the laptop
)

// Errors of review transitions; Transition and the stores wrap them.
var (
	// ErrStale: the decision names a revision that is not the current one
	// (the page was out of date).
	ErrStale = errors.New("another revision of this interview has arrived since")
	// ErrDelivered: the rejection already reached the laptop, so it can
	// no longer be withdrawn; wait for the enumerator's new revision.
	ErrDelivered = errors.New("the rejection already reached the laptop")
	// ErrAlreadyRejected: this revision is rejected already.
	ErrAlreadyRejected = errors.New("this revision is already rejected")
	// ErrNoReview: a decision or an acknowledgement on an interview the
	// office has not received.
	ErrNoReview = errors.New("no such interview")
)

// Step is the part of a review the state machine reads and writes.
type Step struct {
	State    State // "" before the first arrival
	Revision int
	Acked    bool // Rejected only: the laptop applied the reject notice
}

// Event is one input of the state machine.
type Event struct {
	Kind     EventKind
	Revision int
}

// Transition is the review state machine: the next step and the effect of
// ev on cur, or an error (and cur unchanged). It is pure: stores call it
// inside their transaction with the stored step.
func Transition(cur Step, ev Event) (Step, Effect, error) {
	if cur.State == "" {
		if ev.Kind == Arrive {
			return Step{State: ToCheck, Revision: ev.Revision}, NoEffect, nil
		}
		return cur, NoEffect, ErrNoReview
	}
	switch ev.Kind {
	case Arrive:
		if ev.Revision <= cur.Revision {
			return cur, NoEffect, nil
		}
		return Step{State: ToCheck, Revision: ev.Revision}, NoEffect, nil
	case Ack:
		if cur.State != Rejected || ev.Revision != cur.Revision || cur.Acked {
			return cur, NoEffect, nil
		}
		return Step{State: Rejected, Revision: cur.Revision, Acked: true}, MarkDelivered, nil
	case Approve, Reject:
		if ev.Revision != cur.Revision {
			return cur, NoEffect, fmt.Errorf("revision %d, current %d: %w", ev.Revision, cur.Revision, ErrStale)
		}
	default:
		return cur, NoEffect, fmt.Errorf("unknown review event %d", ev.Kind)
	}
	approve := ev.Kind == Approve
	switch cur.State {
	case ToCheck:
		if approve {
			return Step{State: Approved, Revision: cur.Revision}, NoEffect, nil
		}
		return Step{State: Rejected, Revision: cur.Revision}, QueueReject, nil
	case Approved:
		if approve {
			return cur, NoEffect, nil
		}
		return Step{State: Rejected, Revision: cur.Revision}, QueueReject, nil
	case Rejected:
		if !approve {
			return cur, NoEffect, ErrAlreadyRejected
		}
		if cur.Acked {
			return cur, NoEffect, ErrDelivered
		}
		return Step{State: Approved, Revision: cur.Revision}, QueueWithdraw, nil
	}
	return cur, NoEffect, fmt.Errorf("unknown review state %q", cur.State)
}

// CentralState maps a review state and whether the interview is an open
// conflict or a revision to ODK Central's review state ("approved",
// "rejected", "hasIssues", "edited", "received"): the export's
// ReviewState column.
func CentralState(s State, conflict, revised bool) string {
	switch {
	case s == Approved:
		return "approved"
	case s == Rejected:
		return "rejected"
	case conflict:
		return "hasIssues"
	case revised:
		return "edited"
	}
	return "received"
}
