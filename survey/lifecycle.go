package survey

import (
	"errors"
	"fmt"
	"time"
)

// ErrFinalized is returned when answers of an interview that is no longer a
// draft are changed: finalized, sent and acknowledged interviews are
// immutable, and a rejected one must be reopened first.
var ErrFinalized = errors.New("interview is not a draft")

// TransitionError reports a lifecycle move that is not allowed. Callers
// branch on it with errors.As.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("interview cannot go from %s to %s", e.From, e.To)
}

// transitions lists the allowed moves. A sent interview may be rejected by
// the supervisor or the central office; a rejected one is reopened as a draft.
var transitions = map[Status][]Status{
	StatusDraft:        {StatusFinalized},
	StatusFinalized:    {StatusSent, StatusRejected},
	StatusSent:         {StatusAcknowledged, StatusRejected},
	StatusAcknowledged: {StatusRejected},
	StatusRejected:     {StatusDraft},
}

// eventKinds names the paradata event recorded for arriving in a status.
var eventKinds = map[Status]string{
	StatusDraft:        "reopen",
	StatusFinalized:    "finalize",
	StatusSent:         "send",
	StatusAcknowledged: "acknowledge",
	StatusRejected:     "reject",
}

// CanTransition reports whether from → to is an allowed lifecycle move.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition moves the interview to status to at time now, or returns a
// *TransitionError. Finalizing sets Ended (unless already set) and reopening
// a rejected interview as a draft increments Revision and keeps Comment, so
// the enumerator sees why it came back. Transition does not validate answers;
// Engine.Finalize does that before calling it.
func (iv *Interview) Transition(to Status, now time.Time) error {
	if !CanTransition(iv.Status, to) {
		return &TransitionError{From: iv.Status, To: to}
	}
	switch {
	case to == StatusFinalized && iv.Ended.IsZero():
		iv.Ended = now
	case iv.Status == StatusRejected && to == StatusDraft:
		iv.Revision++
		iv.Ended = time.Time{}
	}
	iv.Paradata = append(iv.Paradata, Event{At: now, Kind: eventKinds[to]})
	iv.Status = to
	iv.Updated = now
	return nil
}

// Reject marks the interview rejected with the reviewer's comment.
func (iv *Interview) Reject(comment string, now time.Time) error {
	if err := iv.Transition(StatusRejected, now); err != nil {
		return err
	}
	iv.Comment = comment
	return nil
}

// Editable reports whether answers may change: only drafts are editable.
func (iv *Interview) Editable() bool { return iv.Status == StatusDraft }
