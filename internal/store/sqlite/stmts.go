package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// reads holds the read pool's prepared statements of the hot path. The
// facts of every message — consent, a linked identity, the window, the
// last marketing-limit failure, the recent sends — are each one short
// indexed read, and preparing such a statement (parsing its SQL) costs as
// much as running it: with the rules on, parsing was a sixth of the
// gateway's CPU. A statement is prepared on first use and kept until
// Close; database/sql prepares it again on each pooled connection as
// needed.
type reads struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	closed bool
}

// read returns the prepared statement of query on the read pool.
func (s *Store) read(ctx context.Context, query string) (*sql.Stmt, error) {
	s.reads.mu.Lock()
	defer s.reads.mu.Unlock()
	if s.reads.closed {
		return nil, errors.New("sqlite: store closed")
	}
	if st, ok := s.reads.stmts[query]; ok {
		return st, nil
	}
	// Not bound to the caller's context: the statement outlives the call.
	st, err := s.r.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if s.reads.stmts == nil {
		s.reads.stmts = map[string]*sql.Stmt{}
	}
	s.reads.stmts[query] = st
	return st, nil
}

// closeReads closes the prepared statements; read fails after it.
func (s *Store) closeReads() error {
	s.reads.mu.Lock()
	defer s.reads.mu.Unlock()
	s.reads.closed = true
	var errs []error
	for _, st := range s.reads.stmts {
		errs = append(errs, st.Close())
	}
	s.reads.stmts = nil
	return errors.Join(errs...)
}
