package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

const userCols = `id, tenant_id, email, role, password_hash, created_at`

// CreateUser stores a new user; ErrExists when its email (or id) is taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, u.ID, u.TenantID, u.Email, string(u.Role), u.PasswordHash, ms(u.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: create user %s: %w", u.Email, store.ErrExists)
	}
	return nil
}

func scanUser(sc interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var role string
	var created int64
	if err := sc.Scan(&u.ID, &u.TenantID, &u.Email, &role, &u.PasswordHash, &created); err != nil {
		return store.User{}, err
	}
	u.Role, u.CreatedAt = store.Role(role), tm(created)
	return u, nil
}

// UserByEmail finds a user by log-in email.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, email))
	if err != nil {
		return store.User{}, notFound("user by email", err)
	}
	return u, nil
}

// GetUser finds a user by id.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if err != nil {
		return store.User{}, notFound("get user", err)
	}
	return u, nil
}

// ListUsers lists a tenant's users, or all users when tenantID is "".
func (s *Store) ListUsers(ctx context.Context, tenantID string) ([]store.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userCols+` FROM users
		WHERE ? = '' OR tenant_id = ? ORDER BY tenant_id, email`, tenantID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	return out, nil
}

const dayMS = int64(24 * time.Hour / time.Millisecond)

// DailyStatusCounts counts a tenant's status events per UTC day.
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
	from := ms(since)
	rows, err := s.r.QueryContext(ctx, `SELECT day, status, SUM(n) FROM (
			SELECT e.ts / ?1 AS day, e.status AS status, COUNT(*) AS n
			FROM status_events e JOIN messages m ON m.id = e.message_id
			WHERE m.tenant_id = ?2 AND (?4 = '' OR m.sender_id = ?4) AND e.ts >= ?3 AND e.status IN ('sent', 'delivered', 'read', 'failed')
			GROUP BY 1, 2
			UNION ALL
			SELECT updated_at / ?1, 'failed', COUNT(*) FROM messages
			WHERE tenant_id = ?2 AND (?4 = '' OR sender_id = ?4) AND state = 'failed' AND meta_id IS NULL AND updated_at >= ?3
			GROUP BY 1
		) GROUP BY day, status ORDER BY day, status`, dayMS, tenantID, from, senderID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: daily status counts: %w", err)
	}
	defer rows.Close()
	var out []store.DayCount
	for rows.Next() {
		var day int64
		var c store.DayCount
		if err := rows.Scan(&day, &c.Status, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: daily status counts: %w", err)
		}
		c.Day = time.UnixMilli(day * dayMS).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: daily status counts: %w", err)
	}
	return out, nil
}
