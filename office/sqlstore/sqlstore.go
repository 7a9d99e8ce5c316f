// Package sqlstore is the SQL core of the office stores: every query of
// office.Store once, written for SQLite and PostgreSQL alike (text
// timestamps that sort, integer flags, ON CONFLICT upserts, RETURNING), with
// a Dialect for what differs (placeholders, row locks, retryable errors).
// office/sqlite and office/postgres open the database, apply their own
// migrations (tables prefixed office_) and hand it here.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sira/office"
)

// Dialect is what differs between the SQL databases.
type Dialect struct {
	// Numbered placeholders ($1, $2, …) instead of ?.
	Numbered bool
	// ForUpdate is appended to a SELECT that locks the rows it reads
	// (" FOR UPDATE" on PostgreSQL; SQLite's write transactions lock the
	// whole database).
	ForUpdate string
	// Retryable reports an error after which the transaction is retried
	// (serialization failure, deadlock, a dropped connection before commit).
	Retryable func(error) bool
}

// Store implements office.Store on a database/sql handle whose schema the
// adapter migrated.
type Store struct {
	db *sql.DB
	d  Dialect
	// Ready checks the schema version (the adapter's); nil: always current.
	Ready func(ctx context.Context) error
}

var _ office.Store = (*Store)(nil)

// New returns a Store on db with dialect d.
func New(db *sql.DB, d Dialect) *Store { return &Store{db: db, d: d} }

// DB returns the handle (for the adapter's own queries).
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the handle.
func (s *Store) Close() error { return s.db.Close() }

// q rewrites ? placeholders for the dialect.
func (s *Store) q(query string) string {
	if !s.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// maxAttempts bounds the retries of one transaction.
const maxAttempts = 5

// tx runs fn in a transaction, retried (from the start) after a retryable
// error: fn must be safe to run again.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.tryTx(ctx, fn)
		if err == nil || s.d.Retryable == nil || !s.d.Retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Stamp is the stored form of a time: UTC, fixed width, sorts as text.
func Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// ParseStamp reads Stamp's text, or RFC 3339 (an older dashboard's rows);
// "" is the zero time.
func ParseStamp(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04:05.000000Z", s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC()
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func questionsJSON(qs []office.QuestionComment) string {
	if len(qs) == 0 {
		return ""
	}
	b, _ := json.Marshal(qs)
	return string(b)
}

func parseQuestions(s string) []office.QuestionComment {
	if s == "" {
		return nil
	}
	var qs []office.QuestionComment
	if json.Unmarshal([]byte(s), &qs) != nil {
		return nil
	}
	return qs
}

func notFound(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Init creates the office id when the database has none. Adapters call it
// after migrating.
func (s *Store) Init(ctx context.Context) error {
	var b [16]byte
	rand.Read(b[:])
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO office_meta (key, value) VALUES ('office_id', ?) ON CONFLICT (key) DO NOTHING`),
		hex.EncodeToString(b[:]))
	if err != nil {
		return fmt.Errorf("office id: %w", err)
	}
	return nil
}

// OfficeID implements office.Store.
func (s *Store) OfficeID(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM office_meta WHERE key = 'office_id'`).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("office id: %w", err)
	}
	return id, nil
}

// Setting implements office.Store.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM office_meta WHERE key = ?`), "setting:"+key).Scan(&v)
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting implements office.Store.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO office_meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), "setting:"+key, value)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return nil
}

// Ping implements office.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("office database: %w", err)
	}
	if s.Ready != nil {
		return s.Ready(ctx)
	}
	return nil
}
