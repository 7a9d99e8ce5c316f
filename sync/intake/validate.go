package intake

import (
	"maps"
	"slices"
	"sync"
	"time"

	"sira/forms"
	"sira/survey"
)

// EngineValidation returns the default validation: ValidateStructure, then
// the survey engine run over a copy of the interview (required answers,
// constraints, choices in their lists), as the laptop checked it at
// Finalize. Evaluation errors are not counted against the interview: they
// are the form's defects, not the enumerator's. Plans are cached per form.
func EngineValidation() func(*forms.Form, *survey.Interview) []string {
	var plans, structs sync.Map // form hash → *survey.Plan (or error); → *structure
	return func(f *forms.Form, iv *survey.Interview) []string {
		st, ok := structs.Load(f.Hash)
		if !ok {
			st, _ = structs.LoadOrStore(f.Hash, newStructure(f))
		}
		if probs := st.(*structure).validate(f, iv); len(probs) > 0 {
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
		cp := *iv
		cp.Data = copyRecord(iv.Data)
		cp.Attachments = slices.Clone(iv.Attachments)
		cp.Paradata = nil
		at := iv.Ended
		if at.IsZero() {
			at = iv.Updated
		}
		eng, err := survey.NewEngine(f, &cp, survey.EngineOptions{
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

// copyRecord deep-copies r: maps and repeat lists, not the strings.
func copyRecord(r *survey.Record) *survey.Record {
	if r == nil {
		return nil
	}
	cp := &survey.Record{Values: maps.Clone(r.Values)}
	if r.Repeats != nil {
		cp.Repeats = make(map[string][]*survey.Record, len(r.Repeats))
		for k, list := range r.Repeats {
			if list == nil {
				cp.Repeats[k] = nil
				continue
			}
			out := make([]*survey.Record, len(list))
			for i, sub := range list {
				out[i] = copyRecord(sub)
			}
			cp.Repeats[k] = out
		}
	}
	return cp
}
