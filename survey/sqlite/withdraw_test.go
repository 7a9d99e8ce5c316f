package sqlite_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"sira/survey"
)

// TestWithdrawRejection: a withdrawn rejection returns the interview to
// acknowledged, comment and question comments cleared; a reopened one
// stays a draft.
func TestWithdrawRejection(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, newPath(t))
	iv := draft("uuid:W")
	if err := s.Create(ctx, iv); err != nil {
		t.Fatal(err)
	}
	if err := s.Finalize(ctx, iv.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	h := mustPending(t, s)[0].Hash
	if err := s.MarkAcknowledged(ctx, iv.ID, 1, h); err != nil {
		t.Fatal(err)
	}
	if err := s.WithdrawRejection(ctx, iv.ID, 1, h); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("withdrawing a rejection never applied: %v, want ErrConflict", err)
	}
	if err := s.WithdrawRejection(ctx, "uuid:none", 1, h); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("withdrawing on an unknown interview: %v, want ErrNotFound", err)
	}
	qs := []survey.QuestionComment{{Field: "/data/age", Comment: "check"}}
	if err := s.Reject(ctx, iv.ID, "age", 1, h); err != nil {
		t.Fatal(err)
	}
	if err := survey.SetRejectionQuestions(ctx, s, iv.ID, qs); err != nil {
		t.Fatal(err)
	}
	if got, err := survey.RejectionQuestions(ctx, s, iv.ID); err != nil || !slices.Equal(got, qs) {
		t.Errorf("RejectionQuestions = %+v, %v", got, err)
	}
	if err := s.WithdrawRejection(ctx, iv.ID, 2, h); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("withdrawing another revision: %v, want ErrConflict", err)
	}
	if err := s.WithdrawRejection(ctx, iv.ID, 1, h); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, iv.ID)
	if got.Status != survey.StatusAcknowledged || got.Comment != "" || got.Revision != 1 {
		t.Errorf("after the withdrawal: %s revision %d %q", got.Status, got.Revision, got.Comment)
	}
	if p := mustPending(t, s); len(p) != 0 {
		t.Errorf("pending after the withdrawal: %+v", p)
	}
	// Rejected again, then reopened before the withdrawal arrives.
	if err := s.Reject(ctx, iv.ID, "again", 1, h); err != nil {
		t.Fatal(err)
	}
	if err := s.Reopen(ctx, iv.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.WithdrawRejection(ctx, iv.ID, 1, h); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("withdrawing after a reopen: %v, want ErrConflict", err)
	}
	if got, _ := s.Get(ctx, iv.ID); got.Status != survey.StatusDraft {
		t.Errorf("reopened interview is %s after a late withdrawal", got.Status)
	}
	if got, err := survey.RejectionQuestions(ctx, s, "uuid:none"); got != nil || err != nil {
		t.Errorf("RejectionQuestions of nothing = %+v, %v", got, err)
	}
}
