package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// rowsPerStatement is how many rows one multi-row statement carries. Each
// statement call through database/sql costs about as much as inserting a
// row, so batching rows per call roughly halves the cost of a big batch;
// 64 rows keeps the bound variables far below SQLite's limit.
const rowsPerStatement = 64

// multiRow buffers rows for a statement of the form head + "(?,…),(?,…)" +
// tail, executing a prepared full-size statement per rowsPerStatement rows
// and an ad-hoc one for the remainder.
type multiRow struct {
	tx         *sql.Tx
	head, tail string
	cols       int
	full       *sql.Stmt
	args       []any
}

func newMultiRow(tx *sql.Tx, head, tail string, cols int) *multiRow {
	return &multiRow{tx: tx, head: head, tail: tail, cols: cols, args: make([]any, 0, cols*rowsPerStatement)}
}

func (m *multiRow) query(rows int) string {
	row := "(" + placeholders(m.cols) + ")"
	return m.head + strings.TrimSuffix(strings.Repeat(row+",", rows), ",") + m.tail
}

// add buffers one row, flushing when the statement is full.
func (m *multiRow) add(ctx context.Context, vals ...any) error {
	if len(vals) != m.cols {
		return fmt.Errorf("sqlite: %d values for %d columns", len(vals), m.cols)
	}
	m.args = append(m.args, vals...)
	if len(m.args) < m.cols*rowsPerStatement {
		return nil
	}
	if m.full == nil {
		st, err := m.tx.PrepareContext(ctx, m.query(rowsPerStatement))
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		m.full = st
	}
	_, err := m.full.ExecContext(ctx, m.args...)
	m.args = m.args[:0]
	if err != nil {
		return fmt.Errorf("sqlite: exec: %w", err)
	}
	return nil
}

// flush executes the buffered remainder and releases the statement.
func (m *multiRow) flush(ctx context.Context) error {
	defer m.close()
	if len(m.args) == 0 {
		return nil
	}
	_, err := m.tx.ExecContext(ctx, m.query(len(m.args)/m.cols), m.args...)
	m.args = m.args[:0]
	if err != nil {
		return fmt.Errorf("sqlite: exec: %w", err)
	}
	return nil
}

func (m *multiRow) close() {
	if m.full != nil {
		_ = m.full.Close()
		m.full = nil
	}
}
