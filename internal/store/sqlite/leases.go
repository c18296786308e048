package sqlite

import (
	"context"
	"fmt"
	"time"
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
