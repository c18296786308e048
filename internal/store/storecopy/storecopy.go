// Package storecopy moves an existing SQLite installation of the gateway
// into PostgreSQL, for operators who outgrow one process and want several
// replicas.
//
// Copy reads the SQLite file read-only, in one read transaction (so it
// copies one consistent snapshot), brings the PostgreSQL schema up to date,
// and copies every table of the data model inside one PostgreSQL
// transaction. Before committing it reads every copied table back from
// PostgreSQL and compares it with SQLite: row counts, and a SHA-256 over a
// canonical serialisation of every row in primary-key order, computed
// independently from each engine. Any difference rolls everything back, so
// a failed copy leaves the target's tables empty.
//
// Values are converted between the engines' representations: SQLite's
// integer unix milliseconds become timestamptz (0, SQLite's "never", becomes
// NULL where the column is nullable and the zero time where it is not, as
// the PostgreSQL engine stores them), 0/1 integers become booleans, and the
// identity columns (message seq, decision, delivery and forward ids) keep
// their values, their sequences being moved past the largest copied value.
//
// Sealed secrets (tenant webhook secrets, Meta access tokens) are copied as
// the same bytes, still sealed: the PostgreSQL deployment must be configured
// with the same secret key as the SQLite one, or it cannot open them.
//
// Stop the gateway that writes the SQLite file before copying: writes made
// after Copy took its snapshot are not copied.
package storecopy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/wabaguard/wabaguard/internal/store/postgres"
)

// DefaultBatchSize is the number of rows per COPY statement when
// Options.BatchSize is not set.
const DefaultBatchSize = 10000

// Options tune Copy.
type Options struct {
	// BatchSize is the number of rows sent per COPY statement; a progress
	// line is logged after each. Zero or less means DefaultBatchSize.
	BatchSize int
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// AllowNonEmpty copies into a target whose tables already hold rows.
	// Copied rows must not collide with them (a collision fails the copy),
	// and verification then covers the rows this copy wrote.
	AllowNonEmpty bool

	// tamper, set only by tests, may change a row's values on their way
	// to PostgreSQL, to prove that verification catches a corrupted copy.
	tamper func(table string, cols []string, row []any)
}

// Report is what Copy copied and verified.
type Report struct {
	// Source is the SQLite file copied.
	Source string
	// SchemaVersion is the migration version of both databases.
	SchemaVersion int64
	// Tables lists every copied table in the order copied.
	Tables []TableReport
	// Duration is the whole copy, verification and commit included.
	Duration time.Duration
}

// TableReport is one table's part of a Report.
type TableReport struct {
	// Table is the PostgreSQL table name.
	Table string
	// Rows is the number of rows copied, equal in both databases.
	Rows int64
	// Checksum is the hex SHA-256 of the table's canonical serialisation,
	// equal when computed from either database.
	Checksum string
	// Duration covers copying and verifying the table.
	Duration time.Duration
}

// MismatchError reports that a table read back from PostgreSQL differs from
// SQLite. Copy returns it (wrapped) after rolling back.
type MismatchError struct {
	// Table is the PostgreSQL table name.
	Table string
	// Key names the first differing row by its primary key, for example
	// `seq=42`; empty when only the row counts differ.
	Key string
	// Detail says what differs.
	Detail string
}

// Error implements error.
func (e *MismatchError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("storecopy: verify %s: %s", e.Table, e.Detail)
	}
	return fmt.Sprintf("storecopy: verify %s: row %s: %s", e.Table, e.Key, e.Detail)
}

// ErrTargetNotEmpty is returned when the PostgreSQL tables already hold
// rows and Options.AllowNonEmpty is not set.
var ErrTargetNotEmpty = errors.New("storecopy: target database is not empty")

// Copy copies the SQLite database at sqlitePath into the PostgreSQL
// database named by postgresDSN (whose schema is migrated first), verifies
// the copy and commits it; on any error nothing is committed.
func Copy(ctx context.Context, sqlitePath, postgresDSN string, opts Options) (*Report, error) {
	start := time.Now()
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	src, err := openSource(ctx, sqlitePath)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	// One read transaction for everything read from SQLite: the copy and
	// its verification see the same snapshot even if something writes.
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("storecopy: sqlite: begin: %w", err)
	}
	defer func() { _ = stx.Rollback() }()
	srcVersion, err := sqliteVersion(ctx, stx)
	if err != nil {
		return nil, err
	}
	if srcVersion != schemaVersion {
		return nil, fmt.Errorf("storecopy: sqlite schema version is %d, this copy knows version %d", srcVersion, schemaVersion)
	}

	if err := postgres.Migrate(ctx, postgresDSN); err != nil {
		return nil, fmt.Errorf("storecopy: migrate target: %w", err)
	}
	conn, err := pgx.Connect(ctx, postgresDSN)
	if err != nil {
		return nil, fmt.Errorf("storecopy: postgres: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	ptx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("storecopy: postgres: begin: %w", err)
	}
	defer func() {
		// Without cancellation: a cancelled copy must still roll back
		// (closing the connection would too, but less politely).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = ptx.Rollback(rctx)
	}()

	dstVersion, err := postgresVersion(ctx, ptx)
	if err != nil {
		return nil, err
	}
	if dstVersion != schemaVersion {
		return nil, fmt.Errorf("storecopy: postgres schema version is %d, this copy knows version %d", dstVersion, schemaVersion)
	}
	nonEmpty, err := lockTarget(ctx, ptx)
	if err != nil {
		return nil, err
	}
	if len(nonEmpty) > 0 && !opts.AllowNonEmpty {
		return nil, fmt.Errorf("%w: %s already hold rows", ErrTargetNotEmpty, strings.Join(nonEmpty, ", "))
	}
	preexisting := make(map[string]bool, len(nonEmpty))
	for _, name := range nonEmpty {
		preexisting[name] = true
	}

	rep := &Report{Source: sqlitePath, SchemaVersion: srcVersion}
	for i := range tables {
		t := &tables[i]
		tstart := time.Now()
		n, err := copyTable(ctx, stx, ptx, t, opts, log)
		if err != nil {
			return nil, err
		}
		if err := advanceIdentity(ctx, ptx, t); err != nil {
			return nil, err
		}
		tr, err := verifyTable(ctx, stx, ptx, t, preexisting[t.dst])
		if err != nil {
			return nil, err
		}
		if tr.Rows != n {
			// Verification counted what is in PostgreSQL now; COPY said
			// how many it wrote. They differ only if something else wrote.
			return nil, &MismatchError{Table: t.dst, Detail: fmt.Sprintf("copied %d rows, read back %d", n, tr.Rows)}
		}
		tr.Duration = time.Since(tstart)
		rep.Tables = append(rep.Tables, tr)
		log.InfoContext(ctx, "table copied and verified", "table", t.dst, "rows", tr.Rows,
			"checksum", tr.Checksum, "duration", tr.Duration)
	}
	if err := ptx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("storecopy: postgres: commit: %w", err)
	}
	rep.Duration = time.Since(start)
	log.InfoContext(ctx, "copy committed", "tables", len(rep.Tables), "duration", rep.Duration)
	return rep, nil
}

// openSource opens the SQLite file read-only: a copy must never change its
// source, and a mistyped path must fail rather than create an empty
// database.
func openSource(ctx context.Context, path string) (*sql.DB, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("storecopy: sqlite: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("storecopy: sqlite: %s is not a regular file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("storecopy: sqlite: %w", err)
	}
	// A file: URI, so that mode=ro reaches SQLite; the path is escaped so
	// that '?', '#' or '%' in it stay part of the name.
	u := url.URL{Scheme: "file", OmitHost: true, Path: abs}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	u.RawQuery = q.Encode()
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("storecopy: sqlite: open %s: %w", path, err)
	}
	// One connection: the read transaction pins it, and nothing else reads.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("storecopy: sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// sqliteVersion returns the source's applied migration version; a file
// without goose's table is not a gateway database.
func sqliteVersion(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT MAX(version_id) FROM `+quote(versionTable)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("storecopy: sqlite: read schema version (is this a gateway database?): %w", err)
	}
	return v.Int64, nil
}

func postgresVersion(ctx context.Context, tx pgx.Tx) (int64, error) {
	var v *int64
	if err := tx.QueryRow(ctx, `SELECT MAX(version_id) FROM `+quote(versionTable)).Scan(&v); err != nil {
		return 0, fmt.Errorf("storecopy: postgres: read schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// lockTarget locks every target table against writers until the copy
// commits, so that the emptiness check below stays true while copying (a
// gateway replica started too early waits instead of interleaving its rows),
// and returns the tables that already hold rows.
func lockTarget(ctx context.Context, tx pgx.Tx) ([]string, error) {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = quote(t.dst)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(names, ", ")+` IN EXCLUSIVE MODE`); err != nil {
		return nil, fmt.Errorf("storecopy: postgres: lock tables: %w", err)
	}
	var nonEmpty []string
	for _, t := range tables {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+quote(t.dst)+`)`).Scan(&exists); err != nil {
			return nil, fmt.Errorf("storecopy: postgres: check %s is empty: %w", t.dst, err)
		}
		if exists {
			nonEmpty = append(nonEmpty, t.dst)
		}
	}
	return nonEmpty, nil
}

// source streams one table's SQLite rows to CopyFrom, at most limit rows
// per COPY statement; the same source is handed to successive statements
// until the rows run out.
type source struct {
	rows  *sql.Rows
	t     *table
	scan  *scanner
	cols  []string
	cur   []any
	sent  int // rows given to the current statement
	limit int
	done  bool
	err   error
	// tamper is Options.tamper.
	tamper func(table string, cols []string, row []any)
}

// Next implements pgx.CopyFromSource.
func (s *source) Next() bool {
	if s.done || s.err != nil || s.sent >= s.limit {
		return false
	}
	if !s.rows.Next() {
		s.done = true
		s.err = s.rows.Err()
		return false
	}
	if err := s.rows.Scan(s.scan.dest...); err != nil {
		s.err = err
		return false
	}
	row := s.scan.normal()
	for i, c := range s.t.cols {
		row[i] = pgValue(c.kind, row[i])
	}
	if s.tamper != nil {
		s.tamper(s.t.dst, s.cols, row)
	}
	s.cur = row
	s.sent++
	return true
}

// Values implements pgx.CopyFromSource.
func (s *source) Values() ([]any, error) { return s.cur, nil }

// Err implements pgx.CopyFromSource.
func (s *source) Err() error { return s.err }

// copyTable copies one table in COPY statements of opts.BatchSize rows and
// returns how many rows were written.
func copyTable(ctx context.Context, stx *sql.Tx, ptx pgx.Tx, t *table, opts Options, log *slog.Logger) (int64, error) {
	order := t.order
	if order == nil {
		order = t.key
	}
	q := `SELECT ` + selectList(t, false) + ` FROM ` + quote(t.src) + ` ORDER BY ` + orderBy(t, order, false)
	rows, err := stx.QueryContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("storecopy: sqlite: read %s: %w", t.src, err)
	}
	defer rows.Close()
	src := &source{rows: rows, t: t, scan: newScanner(t, false), cols: t.dstCols(), limit: opts.BatchSize, tamper: opts.tamper}
	var total int64
	for !src.done {
		src.sent = 0
		n, err := ptx.CopyFrom(ctx, pgx.Identifier{t.dst}, src.cols, src)
		if err != nil {
			return 0, fmt.Errorf("storecopy: copy %s into %s: %w", t.src, t.dst, err)
		}
		total += n
		if n > 0 {
			log.DebugContext(ctx, "batch copied", "table", t.dst, "rows", n, "total", total)
		}
	}
	return total, nil
}

// advanceIdentity moves t's identity sequence past the largest value now in
// the table, so that the PostgreSQL engine's next insert does not collide
// with a copied row. An empty table leaves the sequence alone.
func advanceIdentity(ctx context.Context, tx pgx.Tx, t *table) error {
	if t.identity == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT MAX(`+
		quote(t.identity)+`) AS m FROM `+quote(t.dst)+`) AS x WHERE m IS NOT NULL`,
		quote(t.dst), t.identity)
	if err != nil {
		return fmt.Errorf("storecopy: postgres: advance %s.%s: %w", t.dst, t.identity, err)
	}
	return nil
}

// Main is the command-line entry point: it copies sqlitePath into dsn with
// default options, logging progress to the default logger, and prints the
// report as a table on stdout.
func Main(ctx context.Context, sqlitePath, dsn string, stdout io.Writer) error {
	if sqlitePath == "" {
		return errors.New("storecopy: no SQLite file to copy from")
	}
	if dsn == "" {
		return errors.New("storecopy: no PostgreSQL database to copy into")
	}
	rep, err := Copy(ctx, sqlitePath, dsn, Options{Logger: slog.Default()})
	if err != nil {
		return err
	}
	return rep.Write(stdout)
}
