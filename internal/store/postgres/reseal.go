package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// ResealSecrets implements store.Resealer in one transaction; the rows are
// locked while they are read, so a replica writing a secret meanwhile
// waits rather than being overwritten with a stale value.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n = 0
		for _, c := range store.SealedColumns {
			rows, err := tx.Query(ctx, `SELECT `+c.Key+`, `+c.Column+` FROM `+c.Table+` WHERE `+c.Column+` IS NOT NULL FOR UPDATE`)
			if err != nil {
				return fmt.Errorf("postgres: reseal %s: %w", c.Table, err)
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
					return fmt.Errorf("postgres: reseal %s: %w", c.Table, err)
				}
				all = append(all, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("postgres: reseal %s: %w", c.Table, err)
			}
			for _, r := range all {
				b, err := store.Reseal(s.sealer, r.sealed)
				if err != nil {
					return fmt.Errorf("postgres: reseal %s %s.%s: %w", c.Table, r.key, c.Column, err)
				}
				if _, err := tx.Exec(ctx, `UPDATE `+c.Table+` SET `+c.Column+` = $1 WHERE `+c.Key+` = $2`, b, r.key); err != nil {
					return fmt.Errorf("postgres: reseal %s: %w", c.Table, err)
				}
				n++
			}
		}
		return nil
	})
	return n, err
}
