package export

import (
	"context"
	"iter"
	"math"
	"time"

	"sira/export/sav"
	"sira/forms"
)

// WriteSAV exports rows of form f as SPSS system files in dir:
// "<table>.sav" for each table, named as WriteCSV names the CSVs, UTF-8.
// Variables are as WriteDTA's, with SPSS's types: select_one codes and 0/1
// columns are nominal numbers with value labels, numbers are scale, dates
// DATE11 and date-times DATETIME20 (UTC), text is a string as wide as its
// longest value (long and very long strings up to 32,767 bytes; longer
// text is cut at a character boundary). Missing values are user-missing
// codes declared as the range -99 to -96: -97 not applicable, -98 don't
// know, -99 refused, -96 not answered, each with its value label; a
// missing date and metadata not recorded are system-missing, and empty
// text is blank. Errors as
// WriteCSV.
func WriteSAV(ctx context.Context, f *forms.Form, rows iter.Seq2[Row, error], dir string, opts Options) (Summary, error) {
	return writeTyped(ctx, f, rows, dir, opts, ".sav", (*typedSink).writeSAV)
}

func (s *typedSink) writeSAV(tt *typedTable, af *atomicFile, created time.Time) error {
	h := sav.Header{Label: Text(s.l.Form.Title, s.lang, s.l.Form.Languages) + " - " + tt.t.Name, Time: created}
	missRange := &[2]float64{NumberRefused, SPSSNotAnswered}
	missing := func() []sav.Label {
		var ls []sav.Label
		for _, r := range []Reason{Refused, DontKnow, NotApplicable, NotAnswered} {
			ls = append(ls, sav.Label{Value: r.SPSSCode(), Text: s.reasonLabel(r)})
		}
		return ls
	}
	yn := s.yesNo()
	for _, v := range tt.vars {
		sv := sav.Variable{Name: v.name, Label: v.label}
		switch v.typ {
		case ColText:
			sv.Width = min(max(v.maxLen, 1), sav.MaxWidth)
		case ColNumber:
			sv.Format, sv.Measure = sav.Format{Type: sav.FmtF, Width: 12, Decimals: 2}, sav.Scale
			if v.col.Kind == KindValue && (v.col.Node.Type == "integer") {
				sv.Format.Decimals = 0
			}
			if v.col.Kind != KindMeta {
				sv.MissingRange, sv.Labels = missRange, missing()
			}
		case ColIndicator:
			sv.Format, sv.Measure = sav.Format{Type: sav.FmtF, Width: 3, Decimals: 0}, sav.Nominal
			sv.MissingRange = missRange
			sv.Labels = append([]sav.Label{{Value: 0, Text: yn[0]}, {Value: 1, Text: yn[1]}}, missing()...)
		case ColCode:
			sv.Format, sv.Measure = sav.Format{Type: sav.FmtF, Width: 8, Decimals: 0}, sav.Nominal
			sv.MissingRange = missRange
			for _, l := range v.labels {
				sv.Labels = append(sv.Labels, sav.Label{Value: float64(l.code), Text: l.text})
			}
			sv.Labels = append(sv.Labels, missing()...)
		case ColDate:
			// Dates carry no user-missing codes (they would be days of
			// 1582 to every reader): a missing date is system-missing.
			sv.Format, sv.Measure = sav.Format{Type: sav.FmtDate, Width: 11}, sav.Scale
		case ColDateTime:
			sv.Format, sv.Measure = sav.Format{Type: sav.FmtDatetime, Width: 20}, sav.Scale
		}
		h.Vars = append(h.Vars, sv)
	}
	w, err := sav.NewWriter(af.tmp, h)
	if err != nil {
		return err
	}
	vals := make([]sav.Value, len(tt.vars))
	err = tt.each(func(row []cell) error {
		for i, v := range tt.vars {
			c := row[i]
			switch {
			case v.typ == ColText:
				vals[i] = sav.Value{Str: cut(c.str, sav.MaxWidth)}
			case c.why == SysMissing:
				vals[i] = sav.Value{SysMiss: true}
			case c.why != Present:
				if h.Vars[i].MissingRange == nil {
					vals[i] = sav.Value{SysMiss: true}
				} else {
					vals[i] = sav.Value{Num: c.why.SPSSCode()}
				}
			case v.typ == ColDate || v.typ == ColDateTime:
				vals[i] = sav.Value{Num: math.Round((c.num-float64(spssEpoch.Unix()))*1000) / 1000}
			default:
				vals[i] = sav.Value{Num: c.num}
			}
		}
		return w.WriteRow(vals)
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// cut returns the longest prefix of s of at most n bytes ending on a
// character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
