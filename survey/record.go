package survey

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNoInstance is returned when a Ref names a repeat instance that the
// record does not hold.
var ErrNoInstance = errors.New("no such repeat instance")

// NewRecord returns an empty record.
func NewRecord() *Record {
	return &Record{Values: map[string]string{}}
}

// Level returns the record that holds the values of ref: the root itself, or
// the repeat instance named by ref's last step. It never creates instances;
// a missing one gives an error wrapping ErrNoInstance.
func (r *Record) Level(ref Ref) (*Record, error) {
	rec := r
	for _, st := range ref.Repeats {
		insts := rec.Repeats[st.Path]
		if st.Index < 1 || st.Index > len(insts) {
			return nil, fmt.Errorf("%s[%d]: %w (have %d)", st.Path, st.Index, ErrNoInstance, len(insts))
		}
		rec = insts[st.Index-1]
	}
	return rec, nil
}

// Get returns the stored answer at ref ("" when absent or when the repeat
// instance does not exist).
func (r *Record) Get(ref Ref) string {
	rec, err := r.Level(ref)
	if err != nil {
		return ""
	}
	return rec.Values[ref.Path]
}

// Put stores value at ref; an empty value deletes the entry, so that empty
// and absent answers are one state.
func (r *Record) Put(ref Ref, value string) error {
	rec, err := r.Level(ref)
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

// Count returns the number of instances of the repeat at repeatPath inside
// the level named by parent (the steps of the enclosing repeats).
func (r *Record) Count(parent []Step, repeatPath string) int {
	rec, err := r.Level(Ref{Repeats: parent})
	if err != nil {
		return 0
	}
	return len(rec.Repeats[repeatPath])
}

// AddInstance appends an empty instance of the repeat at repeatPath inside
// the level named by parent and returns it with its 1-based index.
func (r *Record) AddInstance(parent []Step, repeatPath string) (*Record, int, error) {
	rec, err := r.Level(Ref{Repeats: parent})
	if err != nil {
		return nil, 0, err
	}
	if rec.Repeats == nil {
		rec.Repeats = map[string][]*Record{}
	}
	inst := NewRecord()
	rec.Repeats[repeatPath] = append(rec.Repeats[repeatPath], inst)
	return inst, len(rec.Repeats[repeatPath]), nil
}

// RemoveInstance deletes instance index (1-based) of the repeat at
// repeatPath inside the level named by parent; later instances move up.
func (r *Record) RemoveInstance(parent []Step, repeatPath string, index int) error {
	rec, err := r.Level(Ref{Repeats: parent})
	if err != nil {
		return err
	}
	insts := rec.Repeats[repeatPath]
	if index < 1 || index > len(insts) {
		return fmt.Errorf("%s[%d]: %w (have %d)", repeatPath, index, ErrNoInstance, len(insts))
	}
	insts = append(insts[:index-1:index-1], insts[index:]...)
	if len(insts) == 0 {
		delete(rec.Repeats, repeatPath)
		if len(rec.Repeats) == 0 {
			rec.Repeats = nil
		}
		return nil
	}
	rec.Repeats[repeatPath] = insts
	return nil
}

// Walk calls fn for every stored value, in a deterministic order: the
// level's values sorted by path, then each repeat (sorted by path) instance
// by instance. It stops at the first error fn returns.
func (r *Record) Walk(fn func(ref Ref, value string) error) error {
	return r.walk(nil, fn)
}

func (r *Record) walk(steps []Step, fn func(ref Ref, value string) error) error {
	if r == nil {
		return nil
	}
	for _, p := range sortedKeys(r.Values) {
		if err := fn(Ref{Path: p, Repeats: steps}, r.Values[p]); err != nil {
			return err
		}
	}
	for _, p := range sortedKeys(r.Repeats) {
		for i, inst := range r.Repeats[p] {
			s := append(steps[:len(steps):len(steps)], Step{Path: p, Index: i + 1})
			if err := inst.walk(s, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Clone returns a deep copy, so a caller can edit answers without touching
// a stored interview.
func (r *Record) Clone() *Record {
	if r == nil {
		return nil
	}
	c := &Record{}
	if r.Values != nil {
		c.Values = make(map[string]string, len(r.Values))
		for k, v := range r.Values {
			c.Values[k] = v
		}
	}
	if r.Repeats != nil {
		c.Repeats = make(map[string][]*Record, len(r.Repeats))
		for k, insts := range r.Repeats {
			cp := make([]*Record, len(insts))
			for i, inst := range insts {
				cp[i] = inst.Clone()
			}
			c.Repeats[k] = cp
		}
	}
	return c
}

// under reports whether path is inside the group or repeat at prefix.
func under(path, prefix string) bool {
	return len(path) > len(prefix) && strings.HasPrefix(path, prefix) && path[len(prefix)] == '/'
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
