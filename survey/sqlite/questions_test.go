package sqlite_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"sira/survey"
)

// TestQuestionCommentsSealed: a supervisor's per-question comments are kept
// sealed like the interview's comment (no byte of them in the database
// files), read back only while the enumerator is signed in, and cleared.
func TestQuestionCommentsSealed(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	s := MustOpen(t, path)
	iv := draft("uuid:Q")
	if err := s.Create(ctx, iv); err != nil {
		t.Fatal(err)
	}
	if err := s.Finalize(ctx, iv.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	h := mustPending(t, s)[0].Hash
	if err := s.Reject(ctx, iv.ID, "see the questions", 1, h); err != nil {
		t.Fatal(err)
	}
	qs := []survey.QuestionComment{{Field: "/data/origin", Comment: "the respondent said " + marker}}
	if err := survey.SetRejectionQuestions(ctx, s, iv.ID, qs); err != nil {
		t.Fatal(err)
	}
	assertNoMarker(t, path)
	if got, err := survey.RejectionQuestions(ctx, s, iv.ID); err != nil || !slices.Equal(got, qs) {
		t.Fatalf("RejectionQuestions = %+v, %v", got, err)
	}
	s.Lock("E01")
	if _, err := survey.RejectionQuestions(ctx, s, iv.ID); !errors.Is(err, survey.ErrLocked) {
		t.Errorf("question comments of a locked enumerator: %v, want ErrLocked", err)
	}
	if err := survey.SetRejectionQuestions(ctx, s, "uuid:none", qs); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("question comments of an unknown interview: %v, want ErrNotFound", err)
	}
	if err := survey.SetRejectionQuestions(ctx, s, iv.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := survey.RejectionQuestions(ctx, s, iv.ID); got != nil || err != nil {
		t.Errorf("after clearing: %+v, %v", got, err)
	}
}
