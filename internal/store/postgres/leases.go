package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// AcquireLease takes or renews the lease on name for owner until now+ttl.
// One upsert decides atomically: the row is written only when the lease is
// lapsed or already owner's, so two replicas can never both win.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	var got string
	err := s.pool.QueryRow(ctx, `
		INSERT INTO leases (name, owner, until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE leases.until <= $4 OR leases.owner = excluded.owner
		RETURNING owner`, name, owner, now.Add(ttl), now).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: acquire lease: %w", err)
	}
	return got == owner, nil
}

// ReleaseLease gives up owner's lease on name; another owner's lease is
// left alone.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("postgres: release lease: %w", err)
	}
	return nil
}

// LeaseOwner returns the current holder of name and its expiry, lapsed or
// not; store.ErrNotFound when nobody holds or held it since its release.
func (s *Store) LeaseOwner(ctx context.Context, name string) (string, time.Time, error) {
	var owner string
	var until time.Time
	err := s.pool.QueryRow(ctx, `SELECT owner, until FROM leases WHERE name = $1`, name).Scan(&owner, &until)
	if err != nil {
		return "", time.Time{}, notFound(err, "lease owner")
	}
	return owner, utc(until), nil
}

// ListLeases returns the live leases whose name starts with prefix, by name.
// starts_with compares literally, so '%' and '_' in a name match only
// themselves, as they would not with LIKE.
func (s *Store) ListLeases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, owner, until FROM leases
		WHERE starts_with(name, $1) AND until > $2 ORDER BY name COLLATE "C"`, prefix, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: list leases: %w", err)
	}
	defer rows.Close()
	var out []store.Lease
	for rows.Next() {
		var l store.Lease
		if err := rows.Scan(&l.Name, &l.Owner, &l.Until); err != nil {
			return nil, fmt.Errorf("postgres: list leases: %w", err)
		}
		l.Until = utc(l.Until)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list leases: %w", err)
	}
	return out, nil
}

var _ store.Leases = (*Store)(nil)
