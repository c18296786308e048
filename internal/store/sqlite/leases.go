package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// AcquireLease takes or renews the lease on name for owner until now+ttl.
// The upsert's WHERE makes taking a lease held by someone else a no-op, so
// one statement decides atomically.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO leases (name, owner, until) VALUES (?1, ?2, ?3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE leases.owner = excluded.owner OR leases.until <= ?4`,
		name, owner, ms(now.Add(ttl)), ms(now))
	if err != nil {
		return false, fmt.Errorf("sqlite: acquire lease: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// ReleaseLease gives up owner's lease on name; another owner's is untouched.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner); err != nil {
		return fmt.Errorf("sqlite: release lease: %w", err)
	}
	return nil
}

// LeaseOwner returns the holder of name and its expiry (which may have
// passed); store.ErrNotFound when no one holds it.
func (s *Store) LeaseOwner(ctx context.Context, name string) (string, time.Time, error) {
	var owner string
	var until int64
	if err := s.r.QueryRowContext(ctx, `SELECT owner, until FROM leases WHERE name = ?`, name).Scan(&owner, &until); err != nil {
		return "", time.Time{}, notFound("lease owner", err)
	}
	return owner, tm(until), nil
}

// ListLeases returns the live leases whose name starts with prefix, by name.
// The prefix is compared as a substring rather than with LIKE so that '%'
// and '_' in a name match only themselves; the table holds one row per
// sender and replica, so the scan is cheap.
func (s *Store) ListLeases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, owner, until FROM leases
		WHERE substr(name, 1, length(?1)) = ?1 AND until > ?2 ORDER BY name`, prefix, ms(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list leases: %w", err)
	}
	defer rows.Close()
	var out []store.Lease
	for rows.Next() {
		var l store.Lease
		var until int64
		if err := rows.Scan(&l.Name, &l.Owner, &until); err != nil {
			return nil, fmt.Errorf("sqlite: list leases: %w", err)
		}
		l.Until = tm(until)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list leases: %w", err)
	}
	return out, nil
}
