package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sira/internal/migrate"
	"sira/sync/intake"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLock is the session advisory lock key held while migrating, so two
// intake processes starting together do not both apply a version.
const migrateLock int64 = 0x5349524101 // "SIRA" 01

// ErrNotIntake: the schema holds tables of another program. It is left
// untouched.
var ErrNotIntake = errors.New("not a Sira intake schema")

// Options tune Open. The zero value is usable.
type Options struct {
	// Schema, when set, is created if missing and used as the search_path:
	// the intake's tables live there. Empty uses the DSN's search_path.
	Schema string
	// MaxConns bounds the pool (default: pgxpool's, max(4, cores)).
	MaxConns int32
}

// Store is the PostgreSQL implementation of intake.Store. Its methods are
// safe for concurrent use, also by several processes on one schema.
type Store struct {
	pool *pgxpool.Pool
}

var _ intake.Store = (*Store)(nil)

// IsDSN reports whether db names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than an SQLite file.
func IsDSN(db string) bool {
	l := strings.ToLower(db)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Open connects to the PostgreSQL database dsn (a postgres:// URL or a
// key=value string) and applies the migrations the schema lacks. A schema
// migrated by a newer Sira is refused.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included: keep it out.
		return nil, errors.New("open intake database: invalid PostgreSQL DSN")
	}
	name := cfg.ConnConfig.Host + "/" + cfg.ConnConfig.Database // for messages: no credentials
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open intake database %s: %w", name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open intake database %s: %w", name, err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx, opts.Schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open intake database %s: %w", name, err)
	}
	return s, nil
}

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool returns the connection pool, for other packages' tables in the same
// schema. They must use their own migrations table.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// migrate applies missing migrations, each in its own transaction with its
// intake_schema row, so a crash leaves a whole version. A session advisory
// lock keeps concurrent Opens from racing, creating schema (when set) too.
func (s *Store) migrate(ctx context.Context, schema string) error {
	ms, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLock)
	if schema != "" {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("create schema %s: %w", schema, err)
		}
	}

	var hasSchema, foreign bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('intake_schema') IS NOT NULL,
		to_regclass('submissions') IS NOT NULL OR to_regclass('tokens') IS NOT NULL`).Scan(&hasSchema, &foreign); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if !hasSchema && foreign {
		return ErrNotIntake
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS intake_schema (
		version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("create intake_schema: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM intake_schema").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	pending, err := migrate.Pending(ms, have)
	if err != nil {
		return err // a *migrate.NewerError: this binary must not touch the schema
	}
	for _, m := range pending {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO intake_schema (version, name, applied) VALUES ($1, $2, $3)", m.Version, m.Name, time.Now())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// maxAttempts bounds how often a transaction is retried after a
// serialization failure or a deadlock.
const maxAttempts = 5

// inTx runs fn in one READ COMMITTED transaction and commits it. A
// serialization failure or a deadlock victim is retried from the start (fn
// must be safe to run again). A transaction whose connection dropped (the
// database restarted, a proxy cut it, an administrator ended it) is run
// again once, on another connection, before the error reaches the client:
// what it wrote is idempotent (a batch stored twice gives Duplicate
// receipts), so even a drop during COMMIT is safe to retry.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	lost := false
	for attempt := 1; ; attempt++ {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		if err != nil && !lost && connectionLost(err) && ctx.Err() == nil {
			lost = true
			continue
		}
		if err == nil || !retryable(err) || attempt >= maxAttempts || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
}

// connectionLost reports an error of a connection that dropped: a
// connection_exception (class 08), the server ending the session (57P01–
// 57P03), or the socket failing before or during the exchange.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	if pgconn.SafeToRetry(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "conn closed")
}

// retryable: serialization_failure and deadlock_detected.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// counters is the change to the counters row one transaction makes.
type counters struct {
	submissions, duplicates, updated, superseded, conflicts, invalid int64
	batches, bytesReceived, attachments, rejections                  int64
}

// counterShards is the number of rows of the counters table.
const counterShards = 16

// add applies c to one counters row, picked at random. Callers do it last
// in their transaction: the row lock is then held only until the commit.
func (c counters) add(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE counters SET submissions = submissions + $1, duplicates = duplicates + $2,
		updated = updated + $3, superseded = superseded + $4, conflicts = conflicts + $5, invalid = invalid + $6,
		batches = batches + $7, bytes_received = bytes_received + $8, attachments = attachments + $9,
		rejections = rejections + $10 WHERE shard = $11`,
		c.submissions, c.duplicates, c.updated, c.superseded, c.conflicts, c.invalid,
		c.batches, c.bytesReceived, c.attachments, c.rejections, rand.IntN(counterShards))
	if err != nil {
		return fmt.Errorf("counters: %w", err)
	}
	return nil
}

// utc normalises a time read from PostgreSQL: the SQLite backend returns UTC.
func utc(t time.Time) time.Time { return t.UTC() }
