package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/store"
)

// ResealSecrets implements store.Resealer in the one write transaction.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, c := range store.SealedColumns {
			rows, err := tx.QueryContext(ctx, `SELECT `+c.Key+`, `+c.Column+` FROM `+c.Table+` WHERE `+c.Column+` IS NOT NULL`)
			if err != nil {
				return fmt.Errorf("sqlite: reseal %s: %w", c.Table, err)
			}
			type row struct {
				key    string
				sealed []byte
			}
			var all []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.key, &r.sealed); err != nil {
					rows.Close()
					return fmt.Errorf("sqlite: reseal %s: %w", c.Table, err)
				}
				all = append(all, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlite: reseal %s: %w", c.Table, err)
			}
			for _, r := range all {
				b, err := store.Reseal(s.sealer, r.sealed)
				if err != nil {
					return fmt.Errorf("sqlite: reseal %s %s.%s: %w", c.Table, r.key, c.Column, err)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE `+c.Table+` SET `+c.Column+` = ? WHERE `+c.Key+` = ?`, b, r.key); err != nil {
					return fmt.Errorf("sqlite: reseal %s: %w", c.Table, err)
				}
				n++
			}
		}
		return nil
	})
	return n, err
}
