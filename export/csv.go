package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"

	"sira/forms"
)

// WriteCSV exports rows of form f as CSV files in dir (which must exist):
// "<form_id>.csv" for the main table and "<form_id>-<repeat>.csv" per
// repeat. Each file is written under a temporary name, fsynced and renamed
// only when every table is complete, so dir never holds a partial export.
// It returns ErrWrongForm (wrapped) when a row is of another form, the
// iterator's error (wrapped) when reading fails, and ctx.Err() on
// cancellation.
func WriteCSV(ctx context.Context, f *forms.Form, rows iter.Seq2[Row, error], dir string, opts Options) (Summary, error) {
	l, err := NewLayout(f)
	if err != nil {
		return Summary{}, err
	}
	s := &csvSink{}
	defer s.abort()
	for _, t := range l.Tables {
		af, err := createAtomic(filepath.Join(dir, t.Name+".csv"))
		if err != nil {
			return Summary{}, err
		}
		s.files = append(s.files, af)
		if opts.BOM {
			if _, err := af.w.WriteString("\ufeff"); err != nil {
				return Summary{}, fmt.Errorf("write %s: %w", af.path, err)
			}
		}
		s.ws = append(s.ws, csv.NewWriter(af.w))
	}
	sum, err := run(ctx, l, rows, opts, s)
	if err != nil {
		return sum, err
	}
	for i, w := range s.ws {
		w.Flush()
		if err := w.Error(); err != nil {
			return sum, fmt.Errorf("write %s: %w", s.files[i].path, err)
		}
	}
	for _, af := range s.files {
		if err := af.commit(); err != nil {
			return sum, err
		}
	}
	if err := syncDir(dir); err != nil {
		return sum, err
	}
	for i := range sum.Tables {
		sum.Tables[i].File = s.files[i].path
	}
	return sum, nil
}

type csvSink struct {
	files []*atomicFile
	ws    []*csv.Writer
	text  [][]bool // per table, per column: neutralize formula-like cells
	out   []string
}

func (s *csvSink) header(t int, cols []Column) error {
	h := make([]string, len(cols))
	text := make([]bool, len(cols))
	for i, c := range cols {
		h[i] = c.Name
		ct := TypeOf(c)
		text[i] = ct == ColText || ct == ColCode
	}
	s.text = append(s.text, text)
	return s.write(t, h)
}

func (s *csvSink) row(t int, cells []string, _ []Reason) error {
	if cap(s.out) < len(cells) {
		s.out = make([]string, len(cells))
	}
	out := s.out[:len(cells)]
	for i, c := range cells {
		if s.text[t][i] {
			c = neutralize(c)
		}
		out[i] = c
	}
	return s.write(t, out)
}

func (s *csvSink) write(t int, cells []string) error {
	if err := s.ws[t].Write(cells); err != nil {
		return fmt.Errorf("write %s: %w", s.files[t].path, err)
	}
	return nil
}

func (s *csvSink) abort() {
	for _, af := range s.files {
		af.abort()
	}
}

// atomicFile is a file written under a temporary name in the target's
// directory and renamed over the target by commit.
type atomicFile struct {
	path string
	tmp  *os.File
	w    *bufio.Writer
	done bool
}

func createAtomic(path string) (*atomicFile, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &atomicFile{path: path, tmp: tmp, w: bufio.NewWriterSize(tmp, 64<<10)}, nil
}

func (a *atomicFile) Write(p []byte) (int, error) { return a.w.Write(p) }

// commit flushes, fsyncs, closes and renames the file into place.
func (a *atomicFile) commit() error {
	err := a.w.Flush()
	if err == nil {
		err = a.tmp.Sync()
	}
	if cerr := a.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.tmp.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.tmp.Name())
		a.done = true
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	a.done = true
	return nil
}

// abort removes the temporary file unless commit succeeded.
func (a *atomicFile) abort() {
	if a.done {
		return
	}
	a.done = true
	a.tmp.Close()
	os.Remove(a.tmp.Name())
}

// syncDir fsyncs a directory so renames inside it survive a power cut.
// Windows cannot open directories for syncing; there it is a no-op.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
