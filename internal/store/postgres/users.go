package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

const userCols = `id, tenant_id, email, role, password_hash, created_at`

// CreateUser stores a new user; ErrExists when its email (or id) is taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING`, u.ID, u.TenantID, u.Email, string(u.Role), u.PasswordHash, u.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create user %s: %w", u.Email, store.ErrExists)
	}
	return nil
}

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	var role string
	if err := row.Scan(&u.ID, &u.TenantID, &u.Email, &role, &u.PasswordHash, &u.CreatedAt); err != nil {
		return store.User{}, err
	}
	u.Role, u.CreatedAt = store.Role(role), utc(u.CreatedAt)
	return u, nil
}

// UserByEmail finds a user by log-in email.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, email))
	if err != nil {
		return store.User{}, notFound(err, "user by email")
	}
	return u, nil
}

// GetUser finds a user by id.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if err != nil {
		return store.User{}, notFound(err, "get user")
	}
	return u, nil
}

// ListUsers lists a tenant's users, or all users when tenantID is "".
func (s *Store) ListUsers(ctx context.Context, tenantID string) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM users
		WHERE $1 = '' OR tenant_id = $1 ORDER BY tenant_id, email`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", err)
	}
	return out, nil
}

// DailyStatusCounts counts a tenant's status events per UTC day. The day is
// the epoch second floored to 86,400, as the SQLite engine buckets it, so
// both engines agree whatever the session's time zone.
func (s *Store) DailyStatusCounts(ctx context.Context, tenantID string, since time.Time) ([]store.DayCount, error) {
	return s.dailyStatusCounts(ctx, tenantID, "", since)
}

// SenderDailyStatusCounts counts the status events of one of a tenant's
// senders per UTC day.
func (s *Store) SenderDailyStatusCounts(ctx context.Context, tenantID, senderID string, since time.Time) ([]store.DayCount, error) {
	if senderID == "" {
		return nil, nil
	}
	return s.dailyStatusCounts(ctx, tenantID, senderID, since)
}

// dailyStatusCounts counts per day; senderID "" counts every sender.
func (s *Store) dailyStatusCounts(ctx context.Context, tenantID, senderID string, since time.Time) ([]store.DayCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT day, status, SUM(n)::bigint FROM (
			SELECT floor(extract(epoch FROM e.ts) / 86400)::bigint AS day, e.status AS status, COUNT(*) AS n
			FROM status_events e JOIN messages m ON m.id = e.message_id
			WHERE m.tenant_id = $1 AND ($3 = '' OR m.sender_id = $3) AND e.ts >= $2 AND e.status IN ('sent', 'delivered', 'read', 'failed')
			GROUP BY 1, 2
			UNION ALL
			SELECT floor(extract(epoch FROM updated_at) / 86400)::bigint, 'failed', COUNT(*) FROM messages
			WHERE tenant_id = $1 AND ($3 = '' OR sender_id = $3) AND state = 'failed' AND meta_id IS NULL AND updated_at >= $2
			GROUP BY 1
		) c GROUP BY day, status ORDER BY day, status`, tenantID, since, senderID)
	if err != nil {
		return nil, fmt.Errorf("postgres: daily status counts: %w", err)
	}
	defer rows.Close()
	var out []store.DayCount
	for rows.Next() {
		var day, n int64
		var c store.DayCount
		if err := rows.Scan(&day, &c.Status, &n); err != nil {
			return nil, fmt.Errorf("postgres: daily status counts: %w", err)
		}
		c.Day, c.Count = time.Unix(day*86400, 0).UTC(), int(n)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: daily status counts: %w", err)
	}
	return out, nil
}
