package forms

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is one thing wrong (or, as a warning, suspicious) in an XLSForm,
// located as a designer would look for it: file, sheet, spreadsheet row and
// column header as typed.
type Problem struct {
	File    string // base name of the workbook, e.g. "survey.xlsx"
	Sheet   string // sheet name as written; "" for workbook-level problems
	Row     int    // 1-based spreadsheet row; 0 when the problem has no row
	Column  string // column header as typed; "" when the problem has no column
	Message string
}

// Error formats the problem as
// "survey.xlsx: survey row 14, column relevant: unknown field ${agee}",
// leaving out the parts that are unknown.
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(": ")
	}
	loc := false
	if p.Sheet != "" {
		b.WriteString(p.Sheet)
		loc = true
	}
	if p.Row > 0 {
		if loc {
			b.WriteByte(' ')
		}
		b.WriteString("row ")
		b.WriteString(strconv.Itoa(p.Row))
		loc = true
	}
	if p.Column != "" {
		if loc {
			b.WriteString(", ")
		}
		b.WriteString("column ")
		b.WriteString(p.Column)
		loc = true
	}
	if loc {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every error found in a form; Compile returns it (as error)
// when the form cannot be used. It is never empty when returned.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// collector gathers problems and warnings while reading and compiling.
type collector struct {
	file     string
	problems Problems
	warnings Problems
}

func (c *collector) errorf(sheet string, row int, column, format string, a ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Sheet: sheet, Row: row, Column: column, Message: fmt.Sprintf(format, a...)})
}

func (c *collector) warnf(sheet string, row int, column, format string, a ...any) {
	c.warnings = append(c.warnings, Problem{File: c.file, Sheet: sheet, Row: row, Column: column, Message: fmt.Sprintf(format, a...)})
}
