package intake

import (
	"sync"
	"time"

	"sira/forms"
	"sira/survey"
	"sira/sync/wire"
)

// EngineValidation returns the default validation: ValidateStructure, then
// the survey engine run over a copy of the interview (required answers,
// constraints, choices in their lists), as the laptop checked it at
// Finalize. Evaluation errors are not counted against the interview: they
// are the form's defects, not the enumerator's. Plans are cached per form.
func EngineValidation() func(*forms.Form, *survey.Interview) []string {
	var plans sync.Map // form hash → *survey.Plan (or error)
	return func(f *forms.Form, iv *survey.Interview) []string {
		if probs := ValidateStructure(f, iv); len(probs) > 0 {
			return probs
		}
		p, ok := plans.Load(f.Hash)
		if !ok {
			plan, err := survey.NewPlan(f)
			if err != nil {
				p = err
			} else {
				p = plan
			}
			p, _ = plans.LoadOrStore(f.Hash, p)
		}
		plan, ok := p.(*survey.Plan)
		if !ok {
			return nil // the form cannot be planned: structure checks only
		}
		// The engine fills preloads and calculations in the record it is
		// given: work on a copy so the stored content is what was sent.
		cp, _, err := wire.UnmarshalInterview(wire.MarshalInterviewHash(iv, ""))
		if err != nil {
			return []string{err.Error()}
		}
		at := iv.Ended
		if at.IsZero() {
			at = iv.Updated
		}
		eng, err := survey.NewEngine(f, cp, survey.EngineOptions{
			Now: func() time.Time { return at }, DeviceID: iv.DeviceID, Username: iv.Enumerator,
			Location: time.UTC, Plan: plan,
		})
		if err != nil {
			return []string{err.Error()}
		}
		var probs []string
		for _, is := range eng.ValidateAll() {
			if is.Code == survey.IssueError {
				continue
			}
			probs = append(probs, is.String())
			if len(probs) == 5 {
				break
			}
		}
		return probs
	}
}
