package export

import (
	"strconv"
	"strings"
)

// MaxVarName is the longest variable name written to Stata and SPSS files
// (Stata's limit; SPSS allows 64 bytes).
const MaxVarName = 32

// reservedNames are words Stata or SPSS refuse as variable names, upper-cased.
var reservedNames = map[string]bool{"_ALL": true, "_B": true, "BYTE": true, "_COEF": true, "_CONS": true,
	"DOUBLE": true, "FLOAT": true, "IF": true, "IN": true, "INT": true, "LONG": true, "_N": true, "_PI": true,
	"_PRED": true, "_RC": true, "_SKIP": true, "STRL": true, "USING": true, "WITH": true,
	"ALL": true, "AND": true, "BY": true, "EQ": true, "GE": true, "GT": true, "LE": true, "LT": true,
	"NE": true, "NOT": true, "OR": true, "TO": true}

// VarNames returns the Stata/SPSS variable name of every column of every
// table of l (same order as Layout.Tables and Table.Columns): the CSV
// header with every character other than ASCII letters, digits and _
// replaced by _, prefixed with v when it would not start with a letter,
// shortened to 32 characters by dropping leading group names (then by
// cutting), and made unique within its table, ignoring case, with a _2,
// _3… suffix.
func VarNames(l *Layout) [][]string {
	out := make([][]string, len(l.Tables))
	for i, t := range l.Tables {
		used := map[string]bool{}
		for _, c := range t.Columns {
			n := shortName(c.Name)
			if used[strings.ToUpper(n)] || reservedNames[strings.ToUpper(n)] || isStrType(n) {
				for k := 2; ; k++ {
					sfx := "_" + strconv.Itoa(k)
					m := n
					if len(m)+len(sfx) > MaxVarName {
						m = m[:MaxVarName-len(sfx)]
					}
					if m += sfx; !used[strings.ToUpper(m)] {
						n = m
						break
					}
				}
			}
			used[strings.ToUpper(n)] = true
			out[i] = append(out[i], n)
		}
	}
	return out
}

// isStrType reports whether n is a Stata type name strN.
func isStrType(n string) bool {
	if len(n) < 4 || !strings.EqualFold(n[:3], "str") {
		return false
	}
	_, err := strconv.Atoi(n[3:])
	return err == nil
}

// shortName turns a CSV column name into a valid name of at most 32
// characters (not yet unique).
func shortName(col string) string {
	segs := strings.Split(col, "-")
	name := sanitize(strings.Join(segs, "_"))
	for len(name) > MaxVarName && len(segs) > 1 {
		segs = segs[1:]
		name = sanitize(strings.Join(segs, "_"))
	}
	if len(name) > MaxVarName {
		name = name[:MaxVarName]
	}
	return name
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || !(b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z') {
		b = append([]byte("v"), b...)
	}
	return string(b)
}
