package survey

import (
	"errors"
	"testing"
	"time"
)

func TestTransition(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		from    Status
		to      Status
		wantErr bool
	}{
		{"DraftToFinalized", StatusDraft, StatusFinalized, false},
		{"FinalizedToSent", StatusFinalized, StatusSent, false},
		{"SentToAcknowledged", StatusSent, StatusAcknowledged, false},
		{"SentToRejected", StatusSent, StatusRejected, false},
		{"RejectedToDraft", StatusRejected, StatusDraft, false},
		{"ErrDraftToSent", StatusDraft, StatusSent, true},
		{"ErrFinalizedToDraft", StatusFinalized, StatusDraft, true},
		{"ErrAcknowledgedToSent", StatusAcknowledged, StatusSent, true},
		{"ErrDraftToDraft", StatusDraft, StatusDraft, true},
		{"ErrRejectedToFinalized", StatusRejected, StatusFinalized, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iv := &Interview{Status: tt.from, Revision: 1}
			err := iv.Transition(tt.to, t0)
			if tt.wantErr {
				var te *TransitionError
				if !errors.As(err, &te) || te.From != tt.from || te.To != tt.to {
					t.Fatalf("Transition(%s→%s) = %v, want *TransitionError", tt.from, tt.to, err)
				}
				if iv.Status != tt.from {
					t.Errorf("status changed to %s on a refused move", iv.Status)
				}
				return
			}
			if err != nil {
				t.Fatalf("Transition(%s→%s): %v", tt.from, tt.to, err)
			}
			if iv.Status != tt.to || !iv.Updated.Equal(t0) {
				t.Errorf("status %s updated %v, want %s %v", iv.Status, iv.Updated, tt.to, t0)
			}
			if len(iv.Paradata) != 1 || iv.Paradata[0].Note != "" {
				t.Errorf("paradata = %+v, want one event", iv.Paradata)
			}
		})
	}
}

func TestRejectReopen(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	iv := &Interview{Status: StatusDraft, Revision: 1}
	for _, to := range []Status{StatusFinalized, StatusSent} {
		if err := iv.Transition(to, t0); err != nil {
			t.Fatal(err)
		}
	}
	if !iv.Ended.Equal(t0) {
		t.Errorf("Ended = %v, want %v", iv.Ended, t0)
	}
	if err := iv.Reject("age looks wrong", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if iv.Editable() {
		t.Error("rejected interview is editable before reopening")
	}
	if err := iv.Transition(StatusDraft, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, want := iv.Revision, 2; got != want {
		t.Errorf("Revision = %d, want %d", got, want)
	}
	if got, want := iv.Comment, "age looks wrong"; got != want {
		t.Errorf("Comment = %q, want %q", got, want)
	}
	if !iv.Ended.IsZero() || !iv.Editable() {
		t.Errorf("reopened draft: Ended %v, Editable %v", iv.Ended, iv.Editable())
	}
}
