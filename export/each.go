package export

import (
	"context"
	"iter"
)

// Each renders rows as WriteCSV does, without writing files, and calls fn
// with every row of every table: t is the table's index in l.Tables,
// cells its values in column order (reused once fn returns). Values are
// not neutralized: Each serves feeds that carry them unchanged (OData,
// JSON). Errors as WriteCSV, and fn's.
func Each(ctx context.Context, l *Layout, rows iter.Seq2[Row, error], opts Options, fn func(t int, cells []string) error) (Summary, error) {
	return run(ctx, l, rows, opts, funcSink(fn))
}

type funcSink func(t int, cells []string) error

func (funcSink) header(int, []Column) error                    { return nil }
func (f funcSink) row(t int, cells []string, _ []Reason) error { return f(t, cells) }
