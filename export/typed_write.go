package export

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"time"

	"sira/forms"
)

// writeTyped spools rows once (string widths and value labels must be
// known before the data), then writes each table with write to
// "<table><ext>" in dir: every file is written to a temporary name and
// renamed only when all are whole, so a failure leaves none half-written.
// WriteDTA and WriteSAV are this with their own format.
func writeTyped(ctx context.Context, f *forms.Form, rows iter.Seq2[Row, error], dir string, opts Options, ext string,
	write func(*typedSink, *typedTable, *atomicFile, time.Time) error) (Summary, error) {
	s, sum, err := spoolTyped(ctx, f, rows, opts)
	if err != nil {
		return sum, err
	}
	defer s.close()
	created := opts.Created
	if created.IsZero() {
		created = time.Now()
	}
	var files []*atomicFile
	defer func() {
		for _, af := range files {
			af.abort()
		}
	}()
	for i, tt := range s.tables {
		af, err := createAtomic(filepath.Join(dir, tt.t.Name+ext))
		if err != nil {
			return sum, err
		}
		files = append(files, af)
		if err := write(s, tt, af, created); err != nil {
			return sum, fmt.Errorf("write %s: %w", af.path, err)
		}
		sum.Tables[i].File = af.path
	}
	for _, af := range files {
		if err := af.commit(); err != nil {
			return sum, err
		}
	}
	return sum, syncDir(dir)
}
