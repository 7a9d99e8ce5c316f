package survey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// QuestionComment is a supervisor's comment on one question of a rejected
// interview: Field is the question's path (Ref.Path), as the answers name it.
type QuestionComment struct {
	Field   string `json:"field"`
	Comment string `json:"comment"`
}

// rejectionQuestionsKey is the setting holding the per-question comments of
// interview id's last rejection.
func rejectionQuestionsKey(id string) string { return "rejection.questions " + id }

// maxQuestionComments bounds what SetRejectionQuestions stores.
const maxQuestionComments = 500

// SetRejectionQuestions stores the per-question comments of id's rejection
// (nil clears them). Sync calls it with each rejection it applies.
func SetRejectionQuestions(ctx context.Context, st Store, id string, qs []QuestionComment) error {
	if len(qs) > maxQuestionComments {
		return fmt.Errorf("rejection of %s: %d question comments, at most %d", id, len(qs), maxQuestionComments)
	}
	v := ""
	if len(qs) > 0 {
		b, err := json.Marshal(qs)
		if err != nil {
			return err
		}
		v = string(b)
	}
	if err := st.SetSetting(ctx, rejectionQuestionsKey(id), v); err != nil {
		return fmt.Errorf("rejection of %s: question comments: %w", id, err)
	}
	return nil
}

// RejectionQuestions returns the per-question comments of id's last
// rejection (nil when none): the collector shows them beside the questions.
func RejectionQuestions(ctx context.Context, st Store, id string) ([]QuestionComment, error) {
	v, err := st.Setting(ctx, rejectionQuestionsKey(id))
	if errors.Is(err, ErrNotFound) || (err == nil && v == "") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rejection of %s: question comments: %w", id, err)
	}
	var qs []QuestionComment
	if err := json.Unmarshal([]byte(v), &qs); err != nil {
		return nil, fmt.Errorf("rejection of %s: question comments: %w", id, err)
	}
	return qs, nil
}
