package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutSenderHealth implements store.Limits.
func (s *Store) PutSenderHealth(ctx context.Context, h store.SenderHealth) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO sender_health
		(phone_number_id, portfolio_id, quality, status, health, tier, throughput, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (phone_number_id) DO UPDATE SET portfolio_id = excluded.portfolio_id,
			quality = excluded.quality, status = excluded.status, health = excluded.health,
			tier = excluded.tier, throughput = excluded.throughput, updated_at = excluded.updated_at`,
		h.PhoneNumberID, h.PortfolioID, h.Quality, h.Status, h.Health, h.Tier, h.Throughput, msTime(h.UpdatedAt)); err != nil {
		return fmt.Errorf("postgres: put sender health: %w", err)
	}
	return nil
}

// GetSenderHealth implements store.Limits.
func (s *Store) GetSenderHealth(ctx context.Context, phoneNumberID string) (store.SenderHealth, error) {
	h := store.SenderHealth{PhoneNumberID: phoneNumberID}
	err := s.pool.QueryRow(ctx, `SELECT portfolio_id, quality, status, health, tier, throughput, updated_at
		FROM sender_health WHERE phone_number_id = $1`, phoneNumberID).
		Scan(&h.PortfolioID, &h.Quality, &h.Status, &h.Health, &h.Tier, &h.Throughput, &h.UpdatedAt)
	if err != nil {
		return h, notFound(err, "sender health")
	}
	return h, nil
}

// PutPortfolio implements store.Limits.
func (s *Store) PutPortfolio(ctx context.Context, p store.Portfolio) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO portfolios (id, tier, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET tier = excluded.tier, updated_at = excluded.updated_at`,
		p.ID, p.Tier, msTime(p.UpdatedAt)); err != nil {
		return fmt.Errorf("postgres: put portfolio: %w", err)
	}
	return nil
}

// GetPortfolio implements store.Limits.
func (s *Store) GetPortfolio(ctx context.Context, id string) (store.Portfolio, error) {
	p := store.Portfolio{ID: id}
	err := s.pool.QueryRow(ctx, `SELECT tier, updated_at FROM portfolios WHERE id = $1`, id).Scan(&p.Tier, &p.UpdatedAt)
	if err != nil {
		return p, notFound(err, "portfolio")
	}
	return p, nil
}

// ReserveReach implements store.Limits. Replicas serialise on a
// transaction-scoped advisory lock per portfolio, taken before the count,
// so two of them can never both take the last slot; the lock goes with the
// transaction, a crashed replica holds nothing.
func (s *Store) ReserveReach(ctx context.Context, r store.ReachRequest) (store.Reach, error) {
	var out store.Reach
	now, cut := msTime(r.Now), msTime(r.Now.Add(-store.ReachWindow))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		out = store.Reach{}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('portfolio_reach:' || $1, 0))`, r.PortfolioID); err != nil {
			return fmt.Errorf("postgres: lock portfolio reach: %w", err)
		}
		var last time.Time
		var msgID string
		err := tx.QueryRow(ctx, `SELECT last_sent_at, message_id FROM portfolio_reach
			WHERE portfolio_id = $1 AND wa_id = $2`, r.PortfolioID, r.WaID).Scan(&last, &msgID)
		switch {
		case err == nil && last.After(cut):
			out.Counted, out.Granted = true, true
			if msgID != r.MessageID && now.After(last) {
				if _, err := tx.Exec(ctx, `UPDATE portfolio_reach SET last_sent_at = $3
					WHERE portfolio_id = $1 AND wa_id = $2`, r.PortfolioID, r.WaID, now); err != nil {
					return fmt.Errorf("postgres: reach again: %w", err)
				}
			}
		case err == nil || errors.Is(err, pgx.ErrNoRows):
			used, _, err := reachOf(ctx, tx, r.PortfolioID, cut)
			if err != nil {
				return err
			}
			if r.Limit >= 0 && used >= r.Limit {
				break
			}
			out.Granted = true
			if _, err := tx.Exec(ctx, `INSERT INTO portfolio_reach
				(portfolio_id, wa_id, first_sent_at, last_sent_at, message_id) VALUES ($1, $2, $3, $3, $4)
				ON CONFLICT (portfolio_id, wa_id) DO UPDATE SET first_sent_at = excluded.first_sent_at,
					last_sent_at = excluded.last_sent_at, message_id = excluded.message_id`,
				r.PortfolioID, r.WaID, now, r.MessageID); err != nil {
				return fmt.Errorf("postgres: reserve reach: %w", err)
			}
			// Recipients out of the window no longer count: drop them.
			if _, err := tx.Exec(ctx, `DELETE FROM portfolio_reach
				WHERE portfolio_id = $1 AND last_sent_at <= $2`, r.PortfolioID, cut); err != nil {
				return fmt.Errorf("postgres: prune reach: %w", err)
			}
		default:
			return fmt.Errorf("postgres: reach of recipient: %w", err)
		}
		used, next, err := reachOf(ctx, tx, r.PortfolioID, cut)
		out.Used, out.NextRelease = used, next
		return err
	})
	return out, err
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) pgx.Row
}

// reachOf counts the recipients still in the window and tells when the
// oldest of them leaves it.
func reachOf(ctx context.Context, q querier, portfolioID string, cut time.Time) (int, time.Time, error) {
	var used int
	var oldest pgtype.Timestamptz
	if err := q.QueryRow(ctx, `SELECT count(*), min(last_sent_at) FROM portfolio_reach
		WHERE portfolio_id = $1 AND last_sent_at > $2`, portfolioID, cut).Scan(&used, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("postgres: portfolio reach: %w", err)
	}
	if !oldest.Valid {
		return used, time.Time{}, nil
	}
	return used, oldest.Time.Add(store.ReachWindow), nil
}

// ReleaseReach implements store.Limits.
func (s *Store) ReleaseReach(ctx context.Context, portfolioID, waID, messageID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM portfolio_reach
		WHERE portfolio_id = $1 AND wa_id = $2 AND message_id = $3 AND first_sent_at = last_sent_at`,
		portfolioID, waID, messageID); err != nil {
		return fmt.Errorf("postgres: release reach: %w", err)
	}
	return nil
}

// PortfolioReach implements store.Limits.
func (s *Store) PortfolioReach(ctx context.Context, portfolioID, waID string, now time.Time) (store.Reach, error) {
	cut := msTime(now.Add(-store.ReachWindow))
	used, next, err := reachOf(ctx, s.pool, portfolioID, cut)
	if err != nil {
		return store.Reach{}, err
	}
	out := store.Reach{Used: used, NextRelease: next}
	if waID != "" {
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM portfolio_reach
			WHERE portfolio_id = $1 AND wa_id = $2 AND last_sent_at > $3`, portfolioID, waID, cut).Scan(&n); err != nil {
			return out, fmt.Errorf("postgres: reach of recipient: %w", err)
		}
		out.Counted = n > 0
	}
	return out, nil
}
