// Package postgres is the PostgreSQL engine of the store: several gateway
// replicas share one database, claim disjoint batches of the outbox with
// FOR UPDATE SKIP LOCKED, and split senders between them with lease rows.
//
// Every method taking a slice runs one transaction and moves its rows with a
// handful of array-parameter statements (unnest), not one statement per row,
// so a batch costs a few round trips whatever its size.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/wabaguard/wabaguard/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool   *pgxpool.Pool
	sealer store.Sealer
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn, brings its schema up to date
// and returns a Store sealing secrets with sealer. The schema is the first
// one on the DSN's search_path, which lets several deployments (or tests)
// share one database.
func Open(ctx context.Context, dsn string, sealer store.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("postgres: a sealer is required")
	}
	if err := Migrate(ctx, dsn); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: ping: %w", err)
	}
	return &Store{pool: pool, sealer: sealer}, nil
}

// Migrate applies the store's pending migrations to the database named by
// dsn. Replicas starting together are serialised by an advisory lock scoped
// to the target schema, so only one of them migrates.
func Migrate(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("postgres: parse dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()

	var current sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&current); err != nil {
		return fmt.Errorf("postgres: current schema: %w", err)
	}
	schema := current.String
	if schema == "" {
		return errors.New("postgres: no schema of the search_path exists; create it (CREATE SCHEMA …) or fix search_path in the URL")
	}
	// The lock id is derived from the schema: deployments in different
	// schemas of one database do not wait for each other.
	h := fnv.New64a()
	_, _ = h.Write([]byte("wabaguard migrate " + schema))
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64()>>1)),
		lock.WithLockTimeout(1, 300),
	)
	if err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	// goose's version table is unqualified, so it lives in the schema of
	// the search_path, next to the tables it versions.
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close releases the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// inTx runs fn in a transaction, retrying when PostgreSQL aborted it to
// break a deadlock or a serialisation conflict: both are transient and the
// whole batch is safe to run again. fn must be idempotent in its effects
// on caller-visible values (it is called again from the start).
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	const maxAttempts = 5
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if attempt < maxAttempts && errors.As(err, &pgErr) &&
			(pgErr.Code == "40P01" || pgErr.Code == "40001") && ctx.Err() == nil {
			continue
		}
		return err
	}
}

// seal and open keep secrets sealed at rest (see store.SealString).
func (s *Store) seal(plain string) ([]byte, error) {
	b, err := store.SealString(s.sealer, plain)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return b, nil
}

func (s *Store) open(sealed []byte) (string, error) {
	p, err := store.OpenString(s.sealer, sealed)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	return p, nil
}

// nullTime stores the zero time as NULL, so "never" survives a round trip.
func nullTime(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// fromNull is the inverse of nullTime.
func fromNull(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return utc(t.Time)
}

// utc normalises times read back so that they compare equal, field by
// field, with the UTC times the gateway writes.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}
