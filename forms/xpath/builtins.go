package xpath

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// --- control --------------------------------------------------------------

func fnIf(ev *evaluator, args []node) (result, error) {
	c, err := ev.boolean(args[0])
	if err != nil {
		return result{}, err
	}
	if c {
		return ev.eval(args[1])
	}
	return ev.eval(args[2])
}

func fnCoalesce(ev *evaluator, args []node) (result, error) {
	a, err := ev.val(args[0])
	if err != nil || !IsEmpty(a) {
		return scalar(a), err
	}
	b, err := ev.val(args[1])
	return scalar(b), err
}

func fnOnce(ev *evaluator, args []node) (result, error) {
	if ev.orig != nil {
		if v := ev.orig.Value(); ToString(v) != "" {
			return scalar(v), nil
		}
	}
	v, err := ev.val(args[0])
	return scalar(v), err
}

// --- selects --------------------------------------------------------------

// selected is selected(list, value): whether value, trimmed, is one of
// the space-separated names in list.
func (ev *evaluator) selected(args []node) (bool, error) {
	list, err := ev.str(args[0])
	if err != nil {
		return false, err
	}
	v, err := ev.val(args[1])
	if err != nil {
		return false, err
	}
	if v.Kind != KindString {
		return false, evalErrorf("the second argument of selected() must be in quotes (like '1')")
	}
	return hasToken(list, strings.TrimSpace(v.S)), nil
}

// hasToken is strings.Contains(" "+list+" ", " "+want+" ") without
// building either string: want occurs in list between spaces or the ends.
func hasToken(list, want string) bool {
	for i := 0; i+len(want) <= len(list); {
		k := strings.Index(list[i:], want)
		if k < 0 {
			return false
		}
		j := i + k
		end := j + len(want)
		if (j == 0 || list[j-1] == ' ') && (end == len(list) || list[end] == ' ') {
			return true
		}
		i = j + 1
	}
	return false
}

func fnCountSelected(ev *evaluator, args []node) (result, error) {
	s, err := ev.str(args[0])
	return numResult(float64(countFields(s))), err
}

// countFields is len(strings.Fields(s)) without the slice.
func countFields(s string) int {
	n, in := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

func fnSelectedAt(ev *evaluator, args []node) (result, error) {
	s, err := ev.str(args[0])
	if err != nil {
		return result{}, err
	}
	n, err := ev.num(args[1])
	if err != nil {
		return result{}, err
	}
	toks := strings.Fields(s)
	i := toInt(n)
	if math.IsNaN(i) || i < 0 || i >= float64(len(toks)) {
		return strResult(""), nil
	}
	return strResult(toks[int(i)]), nil
}

func fnChoiceName(ev *evaluator, args []node) (result, error) {
	v, err := ev.str(args[0])
	if err != nil {
		return result{}, err
	}
	path, err := ev.str(args[1])
	if err != nil {
		return result{}, err
	}
	if v == "" {
		return strResult(""), nil
	}
	path = strings.TrimSpace(path)
	// In an XLSForm the path is usually written '${q}': resolve it to the
	// question's absolute path so the Context sees one form of path.
	if strings.HasPrefix(path, "${") && strings.HasSuffix(path, "}") {
		ns, err := ev.ctx.Field(path[2 : len(path)-1])
		if err != nil {
			return result{}, &EvalError{Msg: fmt.Sprintf("jr:choice-name(): %v", err), Err: err}
		}
		if len(ns) > 0 {
			path = "/" + strings.Join(namePath(ns[0]), "/")
		}
	}
	return strResult(ev.ctx.ChoiceLabel(path, v)), nil
}

// --- strings --------------------------------------------------------------

// values evaluates args for functions that take a list: a lone nodeset
// argument contributes every node's value, as in JavaRosa.
func (ev *evaluator) values(args []node) ([]Value, error) {
	if len(args) == 1 {
		r, err := ev.eval(args[0])
		if err != nil {
			return nil, err
		}
		if r.isSet {
			vs := make([]Value, len(r.nodes))
			for i, n := range r.nodes {
				vs[i] = n.Value()
			}
			return vs, nil
		}
		return []Value{r.v}, nil
	}
	vs := make([]Value, len(args))
	for i, a := range args {
		v, err := ev.val(a)
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

func joinValues(sep string, vs []Value) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(ToString(v))
	}
	return b.String()
}

func fnConcat(ev *evaluator, args []node) (result, error) {
	vs, err := ev.values(args)
	if err != nil {
		return result{}, err
	}
	return strResult(joinValues("", vs)), nil
}

func fnJoin(ev *evaluator, args []node) (result, error) {
	sep, err := ev.str(args[0])
	if err != nil {
		return result{}, err
	}
	vs, err := ev.values(args[1:])
	if err != nil {
		return result{}, err
	}
	if len(args) == 1 {
		vs = nil
	}
	return strResult(joinValues(sep, vs)), nil
}

// strArgOrCurrent is the single string argument, or the context node's
// value when there is none (string-length(), normalize-space()).
func (ev *evaluator) strArgOrCurrent(args []node, fn string) (string, error) {
	if len(args) == 1 {
		return ev.str(args[0])
	}
	if ev.cur == nil {
		return "", evalErrorf("%s() without an argument needs a context node", fn)
	}
	return ToString(ev.cur.Value()), nil
}

func fnStringLength(ev *evaluator, args []node) (result, error) {
	s, err := ev.strArgOrCurrent(args, "string-length")
	return numResult(float64(utf8.RuneCountInString(s))), err
}

func fnNormalizeSpace(ev *evaluator, args []node) (result, error) {
	s, err := ev.strArgOrCurrent(args, "normalize-space")
	return strResult(strings.Join(strings.Fields(s), " ")), err
}

func fnSubstr(ev *evaluator, args []node) (result, error) {
	s, err := ev.str(args[0])
	if err != nil {
		return result{}, err
	}
	r := []rune(s)
	n := len(r)
	startF, err := ev.num(args[1])
	if err != nil {
		return result{}, err
	}
	endF := float64(n)
	if len(args) == 3 {
		if endF, err = ev.num(args[2]); err != nil {
			return result{}, err
		}
	}
	start, end := javaInt(toInt(startF)), javaInt(toInt(endF))
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = min(max(0, start), n)
	end = min(max(0, end), n)
	if start > end {
		return strResult(""), nil
	}
	return strResult(string(r[start:end])), nil
}

func twoStrings(ev *evaluator, args []node) (string, string, error) {
	a, err := ev.str(args[0])
	if err != nil {
		return "", "", err
	}
	b, err := ev.str(args[1])
	return a, b, err
}

func fnSubstringBefore(ev *evaluator, args []node) (result, error) {
	s, sub, err := twoStrings(ev, args)
	if i := strings.Index(s, sub); i >= 0 {
		return strResult(s[:i]), err
	}
	return strResult(""), err
}

func fnSubstringAfter(ev *evaluator, args []node) (result, error) {
	s, sub, err := twoStrings(ev, args)
	if i := strings.Index(s, sub); i >= 0 {
		return strResult(s[i+len(sub):]), err
	}
	return strResult(""), err
}

func fnTranslate(ev *evaluator, args []node) (result, error) {
	s, from, err := twoStrings(ev, args)
	if err != nil {
		return result{}, err
	}
	to, err := ev.str(args[2])
	if err != nil {
		return result{}, err
	}
	fr, tr := []rune(from), []rune(to)
	var b strings.Builder
	for _, c := range s {
		i := -1
		for j, f := range fr {
			if f == c {
				i = j
				break
			}
		}
		switch {
		case i < 0:
			b.WriteRune(c)
		case i < len(tr):
			b.WriteRune(tr[i])
		}
	}
	return strResult(b.String()), nil
}

func fnContains(ev *evaluator, args []node) (result, error) {
	a, b, err := twoStrings(ev, args)
	return boolResult(strings.Contains(a, b)), err
}

func fnStartsWith(ev *evaluator, args []node) (result, error) {
	a, b, err := twoStrings(ev, args)
	return boolResult(strings.HasPrefix(a, b)), err
}

func fnEndsWith(ev *evaluator, args []node) (result, error) {
	a, b, err := twoStrings(ev, args)
	return boolResult(strings.HasSuffix(a, b)), err
}

// compileRegex compiles a pattern for a whole-string match, as Java's
// Pattern.matches does. Go's RE2 lacks backreferences and lookaround.
func compileRegex(pat string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(`^(?:` + pat + `)$`)
	if err != nil {
		return nil, fmt.Errorf("regex(): invalid or unsupported pattern %q: %v", pat, unwrapRegexErr(err))
	}
	return re, nil
}

func unwrapRegexErr(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code)
	}
	return err.Error()
}

// checkRegex compiles a literal pattern at parse time, so a form with a
// broken constraint pattern fails to compile rather than at the border post.
func checkRegex(c *callExpr) error {
	if lit, ok := c.args[1].(*stringLit); ok {
		re, err := compileRegex(lit.s)
		if err != nil {
			return err
		}
		c.args[1] = &regexLit{stringLit: *lit, re: re}
	}
	return nil
}

// regexLit is a regex() pattern literal compiled at parse time.
type regexLit struct {
	stringLit
	re *regexp.Regexp
}

func fnRegex(ev *evaluator, args []node) (result, error) {
	s, pat, err := twoStrings(ev, args)
	if err != nil {
		return result{}, err
	}
	var re *regexp.Regexp
	if lit, ok := args[1].(*regexLit); ok {
		re = lit.re
	} else if re, err = compileRegex(pat); err != nil {
		return result{}, evalErrorf("%v", err)
	}
	return boolResult(re.MatchString(s)), nil
}

func fnBase64Decode(ev *evaluator, args []node) (result, error) {
	s, err := ev.str(args[0])
	if err != nil {
		return result{}, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return strResult(""), nil
	}
	return strResult(string(b)), nil
}

// fnDigest is digest(text, algorithm[, encoding]): MD5, SHA-1, SHA-256,
// SHA-384 or SHA-512 of the UTF-8 text, in base64 (default) or hex.
func fnDigest(ev *evaluator, args []node) (result, error) {
	s, algo, err := twoStrings(ev, args)
	if err != nil {
		return result{}, err
	}
	enc := "base64"
	if len(args) == 3 {
		if enc, err = ev.str(args[2]); err != nil {
			return result{}, err
		}
	}
	var sum []byte
	switch strings.ToUpper(algo) {
	case "MD5":
		h := md5.Sum([]byte(s))
		sum = h[:]
	case "SHA-1":
		h := sha1.Sum([]byte(s))
		sum = h[:]
	case "SHA-256":
		h := sha256.Sum256([]byte(s))
		sum = h[:]
	case "SHA-384":
		h := sha512.Sum384([]byte(s))
		sum = h[:]
	case "SHA-512":
		h := sha512.Sum512([]byte(s))
		sum = h[:]
	default:
		return result{}, evalErrorf("digest(): unknown algorithm %q (MD5, SHA-1, SHA-256, SHA-384, SHA-512)", algo)
	}
	switch strings.ToLower(enc) {
	case "base64":
		return strResult(base64.StdEncoding.EncodeToString(sum)), nil
	case "hex":
		return strResult(hex.EncodeToString(sum)), nil
	}
	return result{}, evalErrorf("digest(): unknown encoding %q (base64, hex)", enc)
}

// --- conversions ----------------------------------------------------------

func fnNumber(ev *evaluator, args []node) (result, error) {
	n, err := ev.num(args[0])
	return numResult(n), err
}

func fnString(ev *evaluator, args []node) (result, error) {
	s, err := ev.str(args[0])
	return strResult(s), err
}

func fnBoolean(ev *evaluator, args []node) (result, error) {
	b, err := ev.boolean(args[0])
	return boolResult(b), err
}

func fnBooleanFromString(ev *evaluator, args []node) (result, error) {
	s, err := ev.str(args[0])
	return boolResult(strings.EqualFold(s, "true") || s == "1"), err
}

func fnTrue(*evaluator, []node) (result, error)  { return boolResult(true), nil }
func fnFalse(*evaluator, []node) (result, error) { return boolResult(false), nil }

func fnNot(ev *evaluator, args []node) (result, error) {
	b, err := ev.boolean(args[0])
	return boolResult(!b), err
}

// toInt truncates toward zero as JavaRosa's int() does, leaving NaN, the
// infinities and values beyond the 64-bit range unchanged.
func toInt(n float64) float64 {
	if math.IsNaN(n) || math.IsInf(n, 0) || n >= math.MaxInt64 || n <= math.MinInt64 {
		return n
	}
	return math.Trunc(n)
}

// javaInt is Java's (int) cast of a double: NaN is 0, out of range saturates.
func javaInt(n float64) int {
	switch {
	case math.IsNaN(n):
		return 0
	case n >= math.MaxInt32:
		return math.MaxInt32
	case n <= math.MinInt32:
		return math.MinInt32
	}
	return int(n)
}

func fnInt(ev *evaluator, args []node) (result, error) {
	n, err := ev.num(args[0])
	return numResult(toInt(n)), err
}

func fnRound(ev *evaluator, args []node) (result, error) {
	n, err := ev.num(args[0])
	if err != nil {
		return result{}, err
	}
	places := 0
	if len(args) == 2 {
		p, err := ev.num(args[1])
		if err != nil {
			return result{}, err
		}
		places = javaInt(p)
	}
	return numResult(round(n, places)), nil
}

// round is JavaRosa's Excel-like round: halves go toward +Infinity,
// |places| > 30 gives NaN, negative places round to tens, hundreds...
func round(n float64, places int) float64 {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return n
	}
	if places > 30 || places < -30 {
		return math.NaN()
	}
	if places < 0 {
		p := math.Pow(10, float64(-places))
		r := math.Trunc(n/p + 0.5)
		return r * p
	}
	r := roundDecimal(n, places)
	if r == 0 && math.Signbit(n) {
		return math.Copysign(0, -1)
	}
	return r
}

// roundDecimal rounds the shortest decimal representation of n (what Java's
// Double.toString gives) to places digits, halves toward +Infinity, as
// BigDecimal.setScale with HALF_UP for positives and HALF_DOWN for
// negatives does.
func roundDecimal(n float64, places int) float64 {
	neg := n < 0
	s := strconv.FormatFloat(math.Abs(n), 'e', -1, 64) // d.ddddde±x
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	digits := strings.Replace(mant, ".", "", 1)
	// value = 0.digits × 10^(exp+1); keep intLen+places digits.
	intLen := exp + 1
	keep := intLen + places
	if keep >= len(digits) {
		return n // already within places
	}
	var up bool
	if keep < 0 {
		return math.Copysign(0, n)
	}
	first := digits[keep]
	rest := strings.TrimRight(digits[keep+1:], "0")
	switch {
	case first > '5', first == '5' && rest != "":
		up = true
	case first == '5':
		up = !neg // exact half: toward +Infinity
	}
	kept := []byte(digits[:keep])
	if up {
		i := len(kept) - 1
		for ; i >= 0; i-- {
			if kept[i] == '9' {
				kept[i] = '0'
				continue
			}
			kept[i]++
			break
		}
		if i < 0 {
			kept = append([]byte{'1'}, kept...)
			intLen++
		}
	}
	if len(kept) == 0 {
		return math.Copysign(0, n)
	}
	r, err := strconv.ParseFloat(fmt.Sprintf("%se%d", kept, intLen-len(kept)), 64)
	if err != nil {
		return math.NaN()
	}
	if neg {
		r = -r
	}
	return r
}

// --- nodesets -------------------------------------------------------------

func fnCount(ev *evaluator, args []node) (result, error) {
	ns, err := ev.nodes(args[0], "count")
	return numResult(float64(len(ns))), err
}

func fnCountNonEmpty(ev *evaluator, args []node) (result, error) {
	ns, err := ev.nodes(args[0], "count-non-empty")
	k := 0
	for _, n := range ns {
		if ToString(n.Value()) != "" || len(n.Children()) > 0 {
			k++
		}
	}
	return numResult(float64(k)), err
}

func fnSum(ev *evaluator, args []node) (result, error) {
	ns, err := ev.nodes(args[0], "sum")
	s := 0.0
	for _, n := range ns {
		if x := ToNumber(n.Value()); !math.IsNaN(x) {
			s += x
		}
	}
	return numResult(s), err
}

// fnMax keeps JavaRosa's quirk: the running maximum starts at the smallest
// positive double, so max(-5, -3) is 4.9e-324.
func fnMax(ev *evaluator, args []node) (result, error) {
	return foldNumbers(ev, args, math.SmallestNonzeroFloat64, math.Max)
}

func fnMin(ev *evaluator, args []node) (result, error) {
	return foldNumbers(ev, args, math.MaxFloat64, math.Min)
}

// foldNumbers folds the numeric values of args with pick from start,
// skipping NaN (an empty answer); with no number at all it gives NaN.
func foldNumbers(ev *evaluator, args []node, start float64, pick func(a, b float64) float64) (result, error) {
	vs, err := ev.values(args)
	if err != nil {
		return result{}, err
	}
	m, found := start, false
	for _, v := range vs {
		if x := ToNumber(v); !math.IsNaN(x) {
			m, found = pick(m, x), true
		}
	}
	if !found {
		return numResult(math.NaN()), nil
	}
	return numResult(m), nil
}

func fnPosition(ev *evaluator, args []node) (result, error) {
	if len(args) == 1 {
		ns, err := ev.nodes(args[0], "position")
		if err != nil {
			return result{}, err
		}
		if len(ns) == 0 {
			return numResult(0), nil
		}
		return numResult(float64(position(ns[0]))), nil
	}
	if ev.pos > 0 {
		return numResult(float64(ev.pos)), nil
	}
	if ev.cur == nil {
		return numResult(1), nil
	}
	return numResult(float64(position(ev.cur))), nil
}

func fnLast(ev *evaluator, _ []node) (result, error) {
	if ev.size > 0 {
		return numResult(float64(ev.size)), nil
	}
	return numResult(1), nil
}

func fnCurrent(ev *evaluator, _ []node) (result, error) {
	if ev.orig == nil {
		return result{}, evalErrorf("current() needs a context node")
	}
	return nodeset([]Node{ev.orig}), nil
}

func fnInstance(ev *evaluator, args []node) (result, error) {
	id, err := ev.str(args[0])
	if err != nil {
		return result{}, err
	}
	root := ev.ctx.Instance(id)
	if root == nil {
		return result{}, evalErrorf("no instance named %q", id)
	}
	return nodeset([]Node{docNode{root: root}}), nil
}

// fnPulldata implements ODK Collect's pulldata(file, column, keyColumn,
// key) over the secondary instance Context.Instance(file) (or file+".csv"),
// laid out as root/item rows: the column of the first row whose keyColumn
// equals key, else "".
func fnPulldata(ev *evaluator, args []node) (result, error) {
	var s [4]string
	for i, a := range args {
		v, err := ev.str(a)
		if err != nil {
			return result{}, err
		}
		s[i] = v
	}
	file, col, keyCol, key := strings.TrimSuffix(s[0], ".csv"), s[1], s[2], s[3]
	root := ev.ctx.Instance(file)
	if root == nil {
		root = ev.ctx.Instance(file + ".csv")
	}
	if root == nil {
		return result{}, evalErrorf("pulldata(): no file named %q", s[0])
	}
	rows := root.Children()
	if err := ev.spend(len(rows)); err != nil {
		return result{}, err
	}
	for _, row := range rows {
		var k, v Node
		for _, c := range row.Children() {
			switch c.Name() {
			case keyCol:
				k = c
			case col:
				v = c
			}
		}
		if k != nil && ToString(k.Value()) == key {
			if v == nil {
				return strResult(""), nil
			}
			return scalar(v.Value()), nil
		}
	}
	return strResult(""), nil
}

// fnIndexedRepeat evaluates indexed-repeat(field, repeat1, i1[, repeat2,
// i2[, repeat3, i3]]): field's node in the i-th instance of each repeat.
func fnIndexedRepeat(ev *evaluator, args []node) (result, error) {
	field, err := ev.refPath(args[0], "indexed-repeat", 1)
	if err != nil || field == nil {
		return strResult(""), err
	}
	index := map[int]int{} // depth of the repeat element in field → 1-based index
	for k := 1; k+1 < len(args); k += 2 {
		rep, err := ev.refPath(args[k], "indexed-repeat", k+1)
		if err != nil {
			return result{}, err
		}
		if rep == nil {
			return strResult(""), nil
		}
		if len(rep) >= len(field) || !prefixOf(rep, field) {
			return result{}, evalErrorf("indexed-repeat(): argument %d (/%s) must be a repeat containing the field in argument 1 (/%s)",
				k+1, strings.Join(rep, "/"), strings.Join(field, "/"))
		}
		i, err := ev.num(args[k+1])
		if err != nil {
			return result{}, err
		}
		idx := javaInt(toInt(i))
		if idx <= 0 {
			idx = 1
		}
		index[len(rep)-1] = idx
	}
	root := ev.ctx.Root()
	if root == nil || root.Name() != field[0] {
		return strResult(""), nil
	}
	set := []Node{root}
	for d := 1; d < len(field); d++ {
		var next []Node
		for _, n := range set {
			k := 0
			for _, c := range n.Children() {
				if c.Name() != field[d] {
					continue
				}
				k++
				if idx, ok := index[d]; ok && k != idx {
					continue
				}
				next = append(next, c)
			}
		}
		set = next
	}
	return nodeset(set), nil
}

// refPath is the absolute element-name path an indexed-repeat() argument
// designates: read from a plain absolute path as written, else from the
// first node it selects (nil when it selects none).
func (ev *evaluator) refPath(n node, fn string, argn int) ([]string, error) {
	if p, ok := n.(*pathExpr); ok && p.abs && p.filter == nil {
		var names []string
		plain := true
		for _, s := range p.steps {
			if s.axis != axisChild || s.name == "*" || len(s.preds) > 0 {
				plain = false
				break
			}
			names = append(names, s.name)
		}
		if plain && len(names) > 0 {
			return names, nil
		}
	}
	r, err := ev.eval(n)
	if err != nil {
		return nil, err
	}
	if !r.isSet {
		return nil, evalErrorf("%s(): argument %d must be a field reference", fn, argn)
	}
	if len(r.nodes) == 0 {
		return nil, nil
	}
	return namePath(r.nodes[0]), nil
}

func prefixOf(p, s []string) bool {
	for i := range p {
		if p[i] != s[i] {
			return false
		}
	}
	return true
}

func fnChecklist(ev *evaluator, args []node) (result, error) {
	lo, err := ev.num(args[0])
	if err != nil {
		return result{}, err
	}
	hi, err := ev.num(args[1])
	if err != nil {
		return result{}, err
	}
	vs, err := ev.values(args[2:])
	if err != nil {
		return result{}, err
	}
	if len(args) == 2 {
		vs = nil
	}
	k := 0
	for _, v := range vs {
		if ToBool(v) {
			k++
		}
	}
	mn, mx := javaInt(lo), javaInt(hi)
	return boolResult((mn < 0 || k >= mn) && (mx < 0 || k <= mx)), nil
}

func fnWeightedChecklist(ev *evaluator, args []node) (result, error) {
	lo, err := ev.num(args[0])
	if err != nil {
		return result{}, err
	}
	hi, err := ev.num(args[1])
	if err != nil {
		return result{}, err
	}
	var flags, weights []Value
	if len(args) == 4 {
		f, err := ev.eval(args[2])
		if err != nil {
			return result{}, err
		}
		w, err := ev.eval(args[3])
		if err != nil {
			return result{}, err
		}
		if f.isSet && w.isSet {
			if len(f.nodes) != len(w.nodes) {
				return result{}, evalErrorf("weighted-checklist(): the value and weight fields have different numbers of instances")
			}
			for i := range f.nodes {
				flags = append(flags, f.nodes[i].Value())
				weights = append(weights, w.nodes[i].Value())
			}
		}
	}
	if flags == nil {
		for k := 2; k+1 < len(args); k += 2 {
			f, err := ev.val(args[k])
			if err != nil {
				return result{}, err
			}
			w, err := ev.val(args[k+1])
			if err != nil {
				return result{}, err
			}
			flags, weights = append(flags, f), append(weights, w)
		}
	}
	sum := 0.0
	for i := range flags {
		if ToBool(flags[i]) {
			sum += ToNumber(weights[i])
		}
	}
	return boolResult(sum >= lo && sum <= hi), nil
}

// --- dates ----------------------------------------------------------------

func fnToday(ev *evaluator, _ []node) (result, error) {
	return scalar(Date(ev.ctx.Now().In(ev.location()))), nil
}

func fnNow(ev *evaluator, _ []node) (result, error) {
	return scalar(DateTime(ev.ctx.Now().In(ev.location()))), nil
}

// toDate converts v as JavaRosa's date() (keepTime false) and date-time()
// (keepTime true) do. Empty strings and NaN pass through unchanged.
func (ev *evaluator) toDate(v Value, keepTime bool) (Value, error) {
	switch v.Kind {
	case KindNumber:
		n := v.N
		if math.IsNaN(n) {
			return v, nil
		}
		if !keepTime {
			n = toInt(n)
		}
		if math.IsInf(n, 0) || n > math.MaxInt32 || n < math.MinInt32 {
			return Value{}, evalErrorf("the value %s is out of range for a date", formatNumber(v.N))
		}
		if keepTime {
			ms := int64(n * 86400000)
			return DateTime(time.UnixMilli(ms).In(ev.location())), nil
		}
		return Value{Kind: KindDate, T: dateFromDays(int64(n), ev.location())}, nil
	case KindString:
		if v.S == "" {
			return v, nil
		}
		t, _, ok := parseDateTime(v.S, ev.location())
		if !ok {
			return Value{}, evalErrorf("the value %q can't be converted to a date", v.S)
		}
		// date('2018-01-02T10:20') keeps the day, date-time() the instant.
		if keepTime {
			return DateTime(t), nil
		}
		return Date(t), nil
	case KindDate, KindDateTime:
		if keepTime {
			return Value{Kind: KindDateTime, T: v.T}, nil
		}
		return Date(v.T), nil
	case KindTime:
		if keepTime {
			return Value{Kind: KindDateTime, T: v.T}, nil
		}
		return Date(v.T), nil
	}
	return Value{}, evalErrorf("the value %q can't be converted to a date", ToString(v))
}

func fnDate(ev *evaluator, args []node) (result, error) {
	v, err := ev.val(args[0])
	if err != nil {
		return result{}, err
	}
	d, err := ev.toDate(v, false)
	return scalar(d), err
}

func fnDateTime(ev *evaluator, args []node) (result, error) {
	v, err := ev.val(args[0])
	if err != nil {
		return result{}, err
	}
	d, err := ev.toDate(v, true)
	return scalar(d), err
}

// decimalDateTime implements decimal-date-time() (keepDate) and
// decimal-time().
func (ev *evaluator) decimalDateTime(args []node, keepDate bool) (result, error) {
	v, err := ev.val(args[0])
	if err != nil {
		return result{}, err
	}
	var t time.Time
	switch v.Kind {
	case KindNumber:
		n := v.N
		if math.IsNaN(n) {
			return numResult(n), nil
		}
		if math.IsInf(n, 0) || n > math.MaxInt32 || n < math.MinInt32 {
			return result{}, evalErrorf("the value %s is out of range for a date", formatNumber(n))
		}
		if keepDate {
			return numResult(n), nil
		}
		return numResult(n - math.Floor(n)), nil
	case KindString:
		if v.S == "" {
			return strResult(""), nil
		}
		var ok bool
		if t, _, ok = parseDateTime(v.S, ev.location()); !ok {
			if t, ok = parseTimeOfDay(v.S, ev.location()); !ok {
				return result{}, evalErrorf("the value %q can't be converted to a date", v.S)
			}
		}
	case KindDate, KindDateTime, KindTime:
		t = v.T
	default:
		return result{}, evalErrorf("the value %q can't be converted to a date", ToString(v))
	}
	if keepDate {
		return numResult(decimalDays(t)), nil
	}
	return numResult(fractionOfDay(t.In(ev.location()))), nil
}

func fnDecimalDateTime(ev *evaluator, args []node) (result, error) {
	return ev.decimalDateTime(args, true)
}

func fnDecimalTime(ev *evaluator, args []node) (result, error) {
	return ev.decimalDateTime(args, false)
}

var (
	shortMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	shortDays   = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)

// fnFormatDate implements format-date() and format-date-time(): %Y %y %m
// %n %b %d %e %a %H %h %M %S %3; other characters are copied.
func fnFormatDate(ev *evaluator, args []node) (result, error) {
	v, err := ev.val(args[0])
	if err != nil {
		return result{}, err
	}
	f, err := ev.str(args[1])
	if err != nil {
		return result{}, err
	}
	d, err := ev.toDate(v, true)
	if err != nil {
		return result{}, err
	}
	if d.Kind != KindDateTime {
		return strResult(""), nil
	}
	t := d.T
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'n':
			fmt.Fprintf(&b, "%d", int(t.Month()))
		case 'b':
			b.WriteString(shortMonths[t.Month()-1])
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'e':
			fmt.Fprintf(&b, "%d", t.Day())
		case 'a':
			b.WriteString(shortDays[t.Weekday()])
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'h':
			fmt.Fprintf(&b, "%d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case '3':
			fmt.Fprintf(&b, "%03d", t.Nanosecond()/1e6)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return strResult(b.String()), nil
}

// --- math -----------------------------------------------------------------

// mathNum converts like JavaRosa's toDouble: dates give fractional days.
func (ev *evaluator) mathNum(n node) (float64, error) {
	v, err := ev.val(n)
	if err != nil {
		return math.NaN(), err
	}
	if v.Kind == KindDate || v.Kind == KindDateTime {
		return decimalDays(v.T), nil
	}
	return ToNumber(v), nil
}

func math1(f func(float64) float64) func(*evaluator, []node) (result, error) {
	return func(ev *evaluator, args []node) (result, error) {
		x, err := ev.mathNum(args[0])
		return numResult(f(x)), err
	}
}

func math2(f func(float64, float64) float64) func(*evaluator, []node) (result, error) {
	return func(ev *evaluator, args []node) (result, error) {
		x, err := ev.mathNum(args[0])
		if err != nil {
			return result{}, err
		}
		y, err := ev.mathNum(args[1])
		return numResult(f(x, y)), err
	}
}

// Named wrappers keep the function table free of direct references into
// package math, which reads better and lets exp10 be defined like the rest.
func mathPow(x, y float64) float64   { return math.Pow(x, y) }
func mathAbs(x float64) float64      { return math.Abs(x) }
func mathLog(x float64) float64      { return math.Log(x) }
func mathLog10(x float64) float64    { return math.Log10(x) }
func mathExp(x float64) float64      { return math.Exp(x) }
func mathExp10(x float64) float64    { return math.Pow(10, x) }
func mathSqrt(x float64) float64     { return math.Sqrt(x) }
func mathSin(x float64) float64      { return math.Sin(x) }
func mathCos(x float64) float64      { return math.Cos(x) }
func mathTan(x float64) float64      { return math.Tan(x) }
func mathAsin(x float64) float64     { return math.Asin(x) }
func mathAcos(x float64) float64     { return math.Acos(x) }
func mathAtan(x float64) float64     { return math.Atan(x) }
func mathAtan2(y, x float64) float64 { return math.Atan2(y, x) }
func mathFloor(x float64) float64    { return math.Floor(x) }
func mathCeil(x float64) float64     { return math.Ceil(x) }

func fnPi(*evaluator, []node) (result, error) { return numResult(math.Pi), nil }

// --- random ---------------------------------------------------------------

func fnRandom(*evaluator, []node) (result, error) { return numResult(mrand.Float64()), nil }

const guidAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func fnUUID(ev *evaluator, args []node) (result, error) {
	if len(args) == 0 {
		return strResult(uuid.NewString()), nil
	}
	n, err := ev.num(args[0])
	if err != nil {
		return result{}, err
	}
	k := javaInt(toInt(n))
	if k < 0 || k > 1024 {
		return result{}, evalErrorf("uuid(): length %d out of range", k)
	}
	buf := make([]byte, k)
	if _, err := rand.Read(buf); err != nil {
		return result{}, evalErrorf("uuid(): %v", err)
	}
	for i := range buf {
		buf[i] = guidAlphabet[int(buf[i])%len(guidAlphabet)]
	}
	return strResult(string(buf)), nil
}
