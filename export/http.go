package export

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sira/forms"
)

// Source is where exports and reports read interviews: the intake server's
// store in production. Rows yields the current submission of each
// interview of f with the office's metadata.
type Source interface {
	// Form returns the newest published version of form id; an error
	// wrapping ErrUnknownForm when there is none.
	Form(ctx context.Context, id string) (*forms.Form, error)
	Rows(ctx context.Context, f *forms.Form) iter.Seq2[Row, error]
}

// ErrUnknownForm is wrapped by Source.Form when no form has the id.
var ErrUnknownForm = errors.New("unknown form")

// WriteZip writes a zip archive to w holding the CSV export of rows
// (see WriteCSV) and the codebook, for a browser download. The tables are
// spooled to a temporary directory first, since a zip holds one file at a
// time while an export writes every table at once; memory stays bounded.
func WriteZip(ctx context.Context, f *forms.Form, rows iter.Seq2[Row, error], w io.Writer, opts Options) (Summary, error) {
	return writeZipOf(ctx, WriteCSV, f, rows, w, opts)
}

// tablesWriter is WriteCSV, WriteDTA or WriteSAV.
type tablesWriter func(context.Context, *forms.Form, iter.Seq2[Row, error], string, Options) (Summary, error)

// writeZipOf is WriteZip with the tables written by write.
func writeZipOf(ctx context.Context, write tablesWriter, f *forms.Form, rows iter.Seq2[Row, error], w io.Writer, opts Options) (Summary, error) {
	dir, err := os.MkdirTemp("", "sira-export-*")
	if err != nil {
		return Summary{}, fmt.Errorf("export zip: %w", err)
	}
	defer os.RemoveAll(dir)
	sum, err := write(ctx, f, rows, dir, opts)
	if err != nil {
		return sum, err
	}
	cb := filepath.Join(dir, f.ID+"-codebook.csv")
	if err := WriteCodebookFile(cb, f, opts.BOM, sum.FormVersions...); err != nil {
		return sum, err
	}
	zw := zip.NewWriter(w)
	files := []string{}
	for _, t := range sum.Tables {
		files = append(files, t.File)
	}
	for _, path := range append(files, cb) {
		if err := addToZip(zw, path); err != nil {
			return sum, err
		}
	}
	if err := zw.Close(); err != nil {
		return sum, fmt.Errorf("export zip: %w", err)
	}
	return sum, nil
}

func addToZip(zw *zip.Writer, path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("export zip: %w", err)
	}
	defer fh.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.Base(path), Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return fmt.Errorf("export zip %s: %w", filepath.Base(path), err)
	}
	if _, err := io.Copy(w, fh); err != nil {
		return fmt.Errorf("export zip %s: %w", filepath.Base(path), err)
	}
	return nil
}

// Handler serves the download button: GET with query parameters form (the
// form id, required), format ("zip" of CSVs and codebook, the default;
// "xlsx"; "dta" or "sav": a zip of Stata or SPSS files and the codebook), labels=1, lang, since (YYYY-MM-DD or RFC 3339). Authentication
// is the caller's: wrap the handler. Errors before the first byte are
// plain-text 4xx/5xx; a failure mid-stream aborts the response, which the
// browser shows as a failed download.
func Handler(src Source, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		q := r.URL.Query()
		id := q.Get("form")
		if id == "" {
			http.Error(w, "missing form parameter", http.StatusBadRequest)
			return
		}
		opts := Options{Labels: q.Get("labels") == "1" || q.Get("labels") == "true", Language: q.Get("lang")}
		if s := q.Get("since"); s != "" {
			t, err := ParseSince(s)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			opts.Since = t
		}
		format := q.Get("format")
		if format == "" {
			format = "zip"
		}
		write := map[string]tablesWriter{"zip": WriteCSV, "dta": WriteDTA, "sav": WriteSAV}[format]
		if write == nil && format != "xlsx" {
			http.Error(w, "format must be zip, xlsx, dta or sav", http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		f, err := src.Form(ctx, id)
		if errors.Is(err, ErrUnknownForm) {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		if err != nil {
			log.Error("export: load form", "form", id, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		name := f.ID + "-" + time.Now().UTC().Format("20060102")
		if format == "xlsx" {
			// excelize writes the workbook at the end: spool it to a file.
			dir, err := os.MkdirTemp("", "sira-export-*")
			if err != nil {
				log.Error("export: temp dir", "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			defer os.RemoveAll(dir)
			path := filepath.Join(dir, name+".xlsx")
			if _, err := WriteXLSX(ctx, f, src.Rows(ctx, f), path, opts); err != nil {
				log.Error("export: xlsx", "form", id, "err", err)
				status := http.StatusInternalServerError
				if errors.Is(err, ErrTooManyRows) {
					status = http.StatusUnprocessableEntity
				}
				http.Error(w, strings.TrimSpace(err.Error()), status)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
			http.ServeFile(w, r, path)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		if format != "zip" {
			name += "-" + format
		}
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.zip"`)
		if r.Method == http.MethodHead {
			return
		}
		cw := &countWriter{w: w}
		if _, err := writeZipOf(ctx, write, f, src.Rows(ctx, f), cw, opts); err != nil {
			log.Error("export: zip", "form", id, "err", err)
			if cw.n == 0 {
				// Nothing sent yet: the tables are spooled before the zip starts.
				w.Header().Del("Content-Disposition")
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			// Bytes are sent; abort so the client sees a broken download, not a short file.
			panic(http.ErrAbortHandler)
		}
	})
}

// ParseSince reads a date (midnight UTC) or an RFC 3339 instant, as the
// --since flag and the since query parameter take them.
func ParseSince(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("since: %q is neither YYYY-MM-DD nor RFC 3339", s)
	}
	return t, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
