// Package sqlite is the default store.Store engine: one SQLite file in WAL
// mode, written through a single connection and read through a small pool.
//
// Durability: the database runs with synchronous=NORMAL. In WAL mode a
// committed transaction survives a crash of the process (kill -9) because
// it is in the WAL file in the OS page cache; a power loss or kernel crash
// may lose the last few commits before the WAL is synced at a checkpoint.
// That is the trade that makes group commit fast; operators needing more
// run PostgreSQL.
//
// Checkpoints (copying the WAL back into the database file) run on their own
// connection in the background, so the writer — on whose commits webhook and
// API clients wait — does not pay for them; the writer checkpoints itself
// only when the WAL grows past a backstop the background did not keep below.
// When and by whom a checkpoint runs has no bearing on durability: a commit
// is in the WAL either way.
//
// Times are stored as integer unix milliseconds (0 for the zero time) and
// come back in UTC. Secrets are sealed with the store's Sealer and stored as
// BLOBs.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/wabaguard/wabaguard/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

var _ store.Store = (*Store)(nil)

// Store is a store.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	// w is the only connection that writes: SQLite admits one writer at a
	// time, and funnelling writes through one connection queues them in Go
	// instead of in busy-wait retries.
	w *sql.DB
	// r is a pool of read-only connections; WAL lets them read a committed
	// snapshot while the writer works.
	r      *sql.DB
	sealer store.Sealer
	// ckpt runs checkpoints off the writer's path (see checkpointer).
	ckpt     *sql.DB
	stopCkpt context.CancelFunc
	ckptDone chan struct{}
	// reads caches the hot path's prepared read statements.
	reads reads
}

// dsn builds a modernc.org/sqlite data source name with the connection
// pragmas every connection needs.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Temporary b-trees (ORDER BY of a claim, IN lists) stay in memory.
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -readerCacheKiB))
	} else {
		// The writer takes the write lock at BEGIN, so a transaction never
		// fails half-way trying to upgrade a read lock.
		q.Set("_txlock", "immediate")
		// A page cache that holds a whole batch's dirty pages: with the
		// default 2 MiB a large transaction spills pages to the WAL before
		// it commits, and re-reads index pages it touched a moment ago.
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -writerCacheKiB))
		// Backstop only: checkpoints normally run in the background (see
		// checkpointer); this bounds the WAL if they fall behind.
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
	}
	return path + "?" + q.Encode()
}

const (
	writerCacheKiB = 64 << 10
	readerCacheKiB = 16 << 10
	// walBackstopPages is the WAL size (in pages, 4 KiB by default) past
	// which the writer checkpoints after a commit itself.
	walBackstopPages = 32768
	// checkpointEvery is how often the background checkpointer runs.
	checkpointEvery = 250 * time.Millisecond
)

func openWriter(ctx context.Context, path string) (*sql.DB, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: path %q must not contain '?'", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory: %w", err)
		}
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Migrate creates the database file at path if needed and applies every
// pending migration.
func Migrate(ctx context.Context, path string) error {
	db, err := openWriter(ctx, path)
	if err != nil {
		return err
	}
	err = migrate(ctx, db)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("sqlite: close: %w", cerr)
	}
	return err
}

// Open opens (creating it and its directory when missing) the database at
// path, migrates it, and returns a Store sealing secrets with sealer.
func Open(ctx context.Context, path string, sealer store.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("sqlite: a sealer is required")
	}
	w, err := openWriter(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, w); err != nil {
		_ = w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	ckpt, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	ckpt.SetConnMaxLifetime(0)
	ckpt.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: r, sealer: sealer, ckpt: ckpt, ckptDone: make(chan struct{})}
	var cctx context.Context
	cctx, s.stopCkpt = context.WithCancel(context.Background())
	go s.checkpointer(cctx)
	return s, nil
}

// checkpointer copies committed WAL frames into the database file every
// checkpointEvery, on its own connection. A PASSIVE checkpoint takes no lock
// the writer or the readers wait for, so commits continue meanwhile; its
// reads, writes and syncs are off the path that acknowledged requests wait
// on. What it has copied the writer need not copy again when the backstop
// makes it checkpoint, and once everything is copied the next write
// transaction starts the WAL over from its beginning.
func (s *Store) checkpointer(ctx context.Context) {
	defer close(s.ckptDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Errors (a busy checkpoint lock, the store closing) are left to the
		// next round; the writer's backstop bounds the WAL regardless.
		_, _ = s.ckpt.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// Ping reports whether both the writer and the readers answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping writer: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping readers: %w", err)
	}
	return nil
}

// Close stops the checkpointer and closes the readers and the writer.
func (s *Store) Close() error {
	s.stopCkpt()
	<-s.ckptDone
	return errors.Join(s.closeReads(), s.ckpt.Close(), s.r.Close(), s.w.Close())
}

// tx runs fn in one write transaction, committing when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// ms converts a time to stored unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// tm converts stored unix milliseconds back; 0 is the zero time.
func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// rowsAffected returns how many rows an Exec changed.
func rowsAffected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: rows affected: %w", err)
	}
	return n, nil
}

// notFound maps sql.ErrNoRows to store.ErrNotFound and wraps other errors.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// placeholders returns "?,?,…" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}
