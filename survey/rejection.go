package survey

import (
	"context"
	"fmt"
)

// QuestionComment is a supervisor's comment on one question of a rejected
// interview: Field is the question's path (Ref.Path), as the answers name it.
type QuestionComment struct {
	Field   string `json:"field"`
	Comment string `json:"comment"`
}

// MaxQuestionComments bounds the comments one rejection may carry.
const MaxQuestionComments = 500

// SetRejectionQuestions stores the per-question comments of id's last
// rejection (nil clears them). A supervisor's comment can repeat what a
// respondent said, so the store keeps it sealed like the interview's own
// comment (survey/SECURITY.md).
func SetRejectionQuestions(ctx context.Context, st Store, id string, qs []QuestionComment) error {
	if len(qs) > MaxQuestionComments {
		return fmt.Errorf("rejection of %s: %d question comments, at most %d", id, len(qs), MaxQuestionComments)
	}
	return st.SetQuestionComments(ctx, id, qs)
}

// RejectionQuestions returns the per-question comments of id's last
// rejection (nil when none): the collector shows them beside the questions.
func RejectionQuestions(ctx context.Context, st Store, id string) ([]QuestionComment, error) {
	return st.QuestionComments(ctx, id)
}
