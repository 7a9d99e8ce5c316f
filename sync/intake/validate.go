package intake

import (
	"sync"
	"time"

	"sira/forms"
	"sira/survey"
)

// EngineValidation returns the default validation: ValidateStructure, then
// the survey engine's ValidateAll over the interview (required answers,
// constraints, choices in their lists), as the laptop checked it at
// Finalize. Evaluation errors are not counted against the interview: they
// are the form's defects, not the enumerator's. A survey.Validator is kept
// per form: the plan is analysed once and the engine's memory reused, and
// a submitted interview is read, never copied nor written.
func EngineValidation() func(*forms.Form, *survey.Interview) []string {
	var validators sync.Map // form hash → *survey.Validator (or error)
	var structs structures
	return func(f *forms.Form, iv *survey.Interview) []string {
		if probs := structs.of(f).validate(f, iv); len(probs) > 0 {
			return probs
		}
		v, ok := validators.Load(f.Hash)
		if !ok {
			plan, err := survey.NewPlan(f)
			if err != nil {
				v = err
			} else {
				v = survey.NewValidator(plan)
			}
			v, _ = validators.LoadOrStore(f.Hash, v)
		}
		val, ok := v.(*survey.Validator)
		if !ok {
			return nil // the form cannot be planned: structure checks only
		}
		at := iv.Ended
		if at.IsZero() {
			at = iv.Updated
		}
		issues, err := val.Validate(iv, survey.EngineOptions{
			Now: func() time.Time { return at }, DeviceID: iv.DeviceID, Username: iv.Enumerator, Location: time.UTC,
		})
		if err != nil {
			return []string{err.Error()}
		}
		var probs []string
		for _, is := range issues {
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
