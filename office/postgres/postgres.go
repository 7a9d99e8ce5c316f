// Package postgres is the PostgreSQL store of the office domain: the
// office's tables (office_*) beside the intake's in one schema, migrated
// under an advisory lock with their own version table (office_schema), so
// several servers starting together apply each version once. Connections go
// through pgx's database/sql driver; the SQL is office/sqlstore's.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"sira/internal/migrate"
	"sira/office"
	"sira/office/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLock is the advisory lock key held while migrating (the intake's
// is 0x5349524101).
const migrateLock int64 = 0x5349524102 // "SIRA" 02

// Options tune Open.
type Options struct {
	// Schema, when set, is created if missing and used as the search_path.
	Schema string
	// MaxConns bounds the pool (default 8).
	MaxConns int
}

// Store is the PostgreSQL office.Store.
type Store struct {
	*sqlstore.Store
}

var _ office.Store = (*Store)(nil)

// Open connects to dsn (a postgres:// URL or key=value string; the password
// may come from PGPASSWORD, .pgpass or PGPASSFILE) and applies the office
// migrations the schema lacks. Errors never contain the DSN: they name the
// host and database only.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("open office database: invalid PostgreSQL DSN")
	}
	name := cfg.Host + "/" + cfg.Database
	if opts.Schema != "" {
		cfg.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	db := stdlib.OpenDB(*cfg)
	if opts.MaxConns <= 0 {
		opts.MaxConns = 8
	}
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	ms, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("office %w", err)
	}
	if err := apply(ctx, db, ms, opts.Schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open office database %s: %w", name, err)
	}
	s := &Store{Store: sqlstore.New(db, sqlstore.Dialect{Numbered: true, ForUpdate: " FOR UPDATE", Retryable: retryable})}
	s.Ready = func(ctx context.Context) error {
		var v int
		if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM office_schema`).Scan(&v); err != nil {
			return fmt.Errorf("office schema: %w", err)
		}
		if v < len(ms) {
			return fmt.Errorf("office schema at version %d, this binary needs %d", v, len(ms))
		}
		return nil
	}
	if err := s.Init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open office database %s: %w", name, err)
	}
	if err := importIntakeRejections(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open office database %s: %w", name, err)
	}
	return s, nil
}

// importIntakeRejections carries the rejections the intake queued before
// the office served them into the office's notices once, under their own
// Seq, and starts the notice sequence after them (see office/sqlite).
func importIntakeRejections(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("intake rejections: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("intake rejections: %w", err)
	}
	var has, done bool
	if err := tx.QueryRowContext(ctx, `SELECT to_regclass('rejections') IS NOT NULL,
		EXISTS (SELECT 1 FROM office_meta WHERE key = 'intake_rejections_imported')`).Scan(&has, &done); err != nil {
		return fmt.Errorf("intake rejections: %w", err)
	}
	if !has || done {
		return nil
	}
	for _, q := range []string{
		`INSERT INTO office_notices (seq, kind, id, revision, hash, enumerator, comment, questions, by_user, at, withdraws, withdrawn)
			SELECT seq, 'reject', id, revision, hash, enumerator, comment, '', by_user,
				to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 0, 0 FROM rejections
			ON CONFLICT (seq) DO NOTHING`,
		`UPDATE office_counters SET value = greatest(value, (SELECT coalesce(max(seq), 0) FROM rejections)) WHERE name = 'notice'`,
		`INSERT INTO office_meta (key, value) VALUES ('intake_rejections_imported', '1')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("intake rejections: %w", err)
		}
	}
	return tx.Commit()
}

// apply runs the migrations the schema lacks, each in its own transaction
// with its office_schema row, under a session advisory lock.
func apply(ctx context.Context, db *sql.DB, ms []migrate.Migration, schema string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLock)
	if schema != "" {
		if _, err := conn.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS office_schema (
		version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("create office_schema: %w", err)
	}
	var have int
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM office_schema").Scan(&have); err != nil {
		return fmt.Errorf("read office schema version: %w", err)
	}
	pending, err := migrate.Pending(ms, have)
	if err != nil {
		return fmt.Errorf("office schema: %w", err)
	}
	for _, m := range pending {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO office_schema (version, name, applied) VALUES ($1, $2, $3)", m.Version, m.Name, time.Now()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// retryable: serialization failure, deadlock, or a connection that failed
// (the transaction did not commit: it runs again from the start).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" || pe.Code[:2] == "08"
	}
	return errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err)
}
