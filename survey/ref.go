package survey

import (
	"fmt"
	"strconv"
	"strings"
)

// Ref addresses one value inside an interview: a field's Node.Path with a
// 1-based instance index on every repeat segment, as in ODK's XPath, e.g.
// "/data/legs[2]/country". A repeat segment written without an index is an
// error in ParseRef: refs name exactly one place.
type Ref struct {
	Path    string // the field's Node.Path, without indices: "/data/legs/country"
	Repeats []Step // one step per enclosing repeat, outermost first
}

// Step is one repeat instance along a Ref.
type Step struct {
	Path  string // the repeat's Node.Path: "/data/legs"
	Index int    // 1-based
}

// String renders the ref with indices: "/data/legs[2]/country".
func (r Ref) String() string {
	s := r.Path
	// Insert the indices from the innermost repeat outwards so earlier offsets stay valid.
	for i := len(r.Repeats) - 1; i >= 0; i-- {
		st := r.Repeats[i]
		if !strings.HasPrefix(s, st.Path) {
			continue
		}
		s = st.Path + "[" + strconv.Itoa(st.Index) + "]" + s[len(st.Path):]
	}
	return s
}

// ParseRef parses the String form. isRepeat reports whether an index-free
// path (e.g. "/data/legs") is a repeat, so that a missing index is caught.
func ParseRef(s string, isRepeat func(path string) bool) (Ref, error) {
	if !strings.HasPrefix(s, "/") {
		return Ref{}, fmt.Errorf("ref %q: must start with /", s)
	}
	var r Ref
	var path strings.Builder
	segs := strings.Split(s[1:], "/")
	for i, seg := range segs {
		name, idx, hasIdx := seg, 0, false
		if i := strings.IndexByte(seg, '['); i >= 0 {
			if !strings.HasSuffix(seg, "]") {
				return Ref{}, fmt.Errorf("ref %q: malformed segment %q", s, seg)
			}
			n, err := strconv.Atoi(seg[i+1 : len(seg)-1])
			if err != nil || n < 1 {
				return Ref{}, fmt.Errorf("ref %q: index in %q must be a whole number from 1", s, seg)
			}
			name, idx, hasIdx = seg[:i], n, true
		}
		if name == "" {
			return Ref{}, fmt.Errorf("ref %q: empty segment", s)
		}
		path.WriteByte('/')
		path.WriteString(name)
		p := path.String()
		rep := isRepeat != nil && isRepeat(p)
		switch {
		case hasIdx && !rep:
			return Ref{}, fmt.Errorf("ref %q: %s is not a repeat", s, p)
		case hasIdx:
			r.Repeats = append(r.Repeats, Step{Path: p, Index: idx})
		case rep && i != len(segs)-1:
			return Ref{}, fmt.Errorf("ref %q: repeat %s needs an instance index", s, p)
		}
	}
	r.Path = path.String()
	return r, nil
}
