package export

import (
	"context"
	"iter"
	"math"
	"time"

	"sira/export/dta"
	"sira/forms"
)

// WriteDTA exports rows of form f as Stata 14+ datasets (format 118,
// UTF-8) in dir: "<table>.dta" for each table, named as WriteCSV names the
// CSVs, joined by KEY and PARENT_KEY. Variable names are VarNames;
// variable labels are the question labels in opts.Language; select_one
// answers are numeric codes with value labels, 0/1 columns are bytes
// labelled No/Yes, numbers are doubles, dates are %td and date-times %tc
// (UTC), text is str# (strL past 2,045 bytes). Missing values say why:
// .a not applicable, .b don't know, .c refused, .d not answered, "."
// metadata not recorded. Rows are spooled to a temporary file first
// (string widths must be known before the data), so memory stays bounded.
// Errors as WriteCSV.
func WriteDTA(ctx context.Context, f *forms.Form, rows iter.Seq2[Row, error], dir string, opts Options) (Summary, error) {
	return writeTyped(ctx, f, rows, dir, opts, ".dta", (*typedSink).writeDTA)
}

func (s *typedSink) writeDTA(tt *typedTable, af *atomicFile, created time.Time) error {
	h := dta.Header{DataLabel: Text(s.l.Form.Title, s.lang, s.l.Form.Languages) + " - " + tt.t.Name, Time: created}
	missing := func() []dta.Label {
		var ls []dta.Label
		for _, r := range []Reason{NotApplicable, DontKnow, Refused, NotAnswered} {
			ls = append(ls, dta.Label{Missing: r.StataMissing(), Text: s.reasonLabel(r)})
		}
		return ls
	}
	yn := s.yesNo()
	h.LabelSets = append(h.LabelSets,
		dta.LabelSet{Name: "sira_missing", Labels: missing()},
		dta.LabelSet{Name: "sira_yesno", Labels: append([]dta.Label{{Value: 0, Text: yn[0]}, {Value: 1, Text: yn[1]}}, missing()...)})
	for _, v := range tt.vars {
		dv := dta.Variable{Name: v.name, Label: v.label}
		switch v.typ {
		case ColText:
			switch {
			case v.maxLen > dta.MaxStr:
				dv.Type = dta.StrL
			default:
				dv.Type = dta.Str(max(v.maxLen, 1))
			}
		case ColNumber:
			dv.Type = dta.Double
			if v.col.Kind == KindValue {
				dv.ValueLabels = "sira_missing"
			}
		case ColIndicator:
			dv.Type, dv.ValueLabels = dta.Byte, "sira_yesno"
		case ColCode:
			dv.Type, dv.ValueLabels = dta.Long, v.name
			ls := missing()
			for _, l := range v.labels {
				ls = append(ls, dta.Label{Value: l.code, Text: l.text})
			}
			h.LabelSets = append(h.LabelSets, dta.LabelSet{Name: v.name, Labels: ls})
		case ColDate:
			dv.Type, dv.Format = dta.Long, "%td"
		case ColDateTime:
			dv.Type, dv.Format = dta.Double, "%tc"
		}
		h.Vars = append(h.Vars, dv)
	}
	w, err := dta.NewWriter(af.tmp, h)
	if err != nil {
		return err
	}
	vals := make([]dta.Value, len(tt.vars))
	err = tt.each(func(row []cell) error {
		for i, v := range tt.vars {
			c := row[i]
			switch {
			case v.typ == ColText:
				vals[i] = dta.String(c.str)
			case c.why != Present:
				vals[i] = dta.Missing(c.why.StataMissing())
			case v.typ == ColDate:
				vals[i] = dta.Num(math.Floor((c.num - float64(stataEpoch.Unix())) / 86400))
			case v.typ == ColDateTime:
				vals[i] = dta.Num(math.Round((c.num - float64(stataEpoch.Unix())) * 1000))
			default:
				vals[i] = dta.Num(c.num)
			}
		}
		return w.WriteRow(vals)
	})
	if err != nil {
		return err
	}
	return w.Close()
}
