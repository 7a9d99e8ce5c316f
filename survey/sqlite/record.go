package sqlite

import (
	"fmt"

	"sira/survey"
)

// level returns the record that holds ref's value: the root, or the repeat
// instance named by ref's last step. With grow, missing instances (and the
// ones before them) are created empty; without, a missing one is an error.
func level(root *survey.Record, steps []survey.Step, grow bool) (*survey.Record, error) {
	rec := root
	for _, st := range steps {
		if st.Index < 1 {
			return nil, fmt.Errorf("repeat %s: index %d: %w", st.Path, st.Index, survey.ErrNotFound)
		}
		insts := rec.Repeats[st.Path]
		if len(insts) < st.Index {
			if !grow {
				return nil, fmt.Errorf("repeat %s[%d]: %w", st.Path, st.Index, survey.ErrNotFound)
			}
			for len(insts) < st.Index {
				insts = append(insts, &survey.Record{})
			}
			if rec.Repeats == nil {
				rec.Repeats = map[string][]*survey.Record{}
			}
			rec.Repeats[st.Path] = insts
		}
		if insts[st.Index-1] == nil {
			insts[st.Index-1] = &survey.Record{}
		}
		rec = insts[st.Index-1]
	}
	return rec, nil
}

// setValue stores value at ref, creating repeat instances on the way.
func setValue(root *survey.Record, ref survey.Ref, value string) error {
	if ref.Path == "" {
		return fmt.Errorf("save answer: empty ref")
	}
	rec, err := level(root, ref.Repeats, true)
	if err != nil {
		return err
	}
	if value == "" {
		delete(rec.Values, ref.Path)
		return nil
	}
	if rec.Values == nil {
		rec.Values = map[string]string{}
	}
	rec.Values[ref.Path] = value
	return nil
}

// setRepeatCount makes the repeat ref.Path inside the instance ref.Repeats
// have n instances.
func setRepeatCount(root *survey.Record, ref survey.Ref, n int) error {
	if n < 0 {
		return fmt.Errorf("repeat %s: negative count %d", ref, n)
	}
	rec, err := level(root, ref.Repeats, true)
	if err != nil {
		return err
	}
	insts := rec.Repeats[ref.Path]
	switch {
	case n == 0:
		delete(rec.Repeats, ref.Path)
		return nil
	case len(insts) > n:
		clear(insts[n:])
		insts = insts[:n]
	}
	for len(insts) < n {
		insts = append(insts, &survey.Record{})
	}
	if rec.Repeats == nil {
		rec.Repeats = map[string][]*survey.Record{}
	}
	rec.Repeats[ref.Path] = insts
	return nil
}

// removeInstance deletes the instance named by the last step of ref.
func removeInstance(root *survey.Record, ref survey.Ref) error {
	if len(ref.Repeats) == 0 {
		return fmt.Errorf("remove repeat instance %s: not inside a repeat", ref)
	}
	last := ref.Repeats[len(ref.Repeats)-1]
	parent, err := level(root, ref.Repeats[:len(ref.Repeats)-1], false)
	if err != nil {
		return err
	}
	insts := parent.Repeats[last.Path]
	if last.Index < 1 || last.Index > len(insts) {
		return fmt.Errorf("repeat %s[%d]: %w", last.Path, last.Index, survey.ErrNotFound)
	}
	insts = append(insts[:last.Index-1], insts[last.Index:]...)
	if len(insts) == 0 {
		delete(parent.Repeats, last.Path)
	} else {
		parent.Repeats[last.Path] = insts
	}
	return nil
}
