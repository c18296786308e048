package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutSenderHealth implements store.Limits.
func (s *Store) PutSenderHealth(ctx context.Context, h store.SenderHealth) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO sender_health
		(phone_number_id, portfolio_id, quality, status, health, tier, throughput, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (phone_number_id) DO UPDATE SET portfolio_id = excluded.portfolio_id,
			quality = excluded.quality, status = excluded.status, health = excluded.health,
			tier = excluded.tier, throughput = excluded.throughput, updated_at = excluded.updated_at`,
		h.PhoneNumberID, h.PortfolioID, h.Quality, h.Status, h.Health, h.Tier, h.Throughput, ms(h.UpdatedAt)); err != nil {
		return fmt.Errorf("sqlite: put sender health: %w", err)
	}
	return nil
}

// GetSenderHealth implements store.Limits.
func (s *Store) GetSenderHealth(ctx context.Context, phoneNumberID string) (store.SenderHealth, error) {
	h := store.SenderHealth{PhoneNumberID: phoneNumberID}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT portfolio_id, quality, status, health, tier, throughput, updated_at
		FROM sender_health WHERE phone_number_id = ?`, phoneNumberID).
		Scan(&h.PortfolioID, &h.Quality, &h.Status, &h.Health, &h.Tier, &h.Throughput, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("sqlite: sender health %s: %w", phoneNumberID, store.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("sqlite: sender health: %w", err)
	}
	h.UpdatedAt = tm(at)
	return h, nil
}

// PutPortfolio implements store.Limits.
func (s *Store) PutPortfolio(ctx context.Context, p store.Portfolio) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO portfolios (id, tier, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET tier = excluded.tier, updated_at = excluded.updated_at`,
		p.ID, p.Tier, ms(p.UpdatedAt)); err != nil {
		return fmt.Errorf("sqlite: put portfolio: %w", err)
	}
	return nil
}

// GetPortfolio implements store.Limits.
func (s *Store) GetPortfolio(ctx context.Context, id string) (store.Portfolio, error) {
	p := store.Portfolio{ID: id}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT tier, updated_at FROM portfolios WHERE id = ?`, id).Scan(&p.Tier, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("sqlite: portfolio %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("sqlite: portfolio: %w", err)
	}
	p.UpdatedAt = tm(at)
	return p, nil
}

// ReserveReach implements store.Limits. SQLite has one writer and write
// transactions begin immediately, so the count and the insert are atomic.
func (s *Store) ReserveReach(ctx context.Context, r store.ReachRequest) (store.Reach, error) {
	var out store.Reach
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now, cut := ms(r.Now), ms(r.Now.Add(-store.ReachWindow))
		var last int64
		var msgID string
		err := tx.QueryRowContext(ctx, `SELECT last_sent_at, message_id FROM portfolio_reach
			WHERE portfolio_id = ? AND wa_id = ?`, r.PortfolioID, r.WaID).Scan(&last, &msgID)
		switch {
		case err == nil && last > cut:
			out.Counted, out.Granted = true, true
			if msgID != r.MessageID && now > last {
				if _, err := tx.ExecContext(ctx, `UPDATE portfolio_reach SET last_sent_at = ?
					WHERE portfolio_id = ? AND wa_id = ?`, now, r.PortfolioID, r.WaID); err != nil {
					return fmt.Errorf("sqlite: reach again: %w", err)
				}
			}
		case err == nil || errors.Is(err, sql.ErrNoRows):
			used, _, err := reachOf(ctx, tx, r.PortfolioID, cut)
			if err != nil {
				return err
			}
			if r.Limit >= 0 && used >= r.Limit {
				break
			}
			out.Granted = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO portfolio_reach
				(portfolio_id, wa_id, first_sent_at, last_sent_at, message_id) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (portfolio_id, wa_id) DO UPDATE SET first_sent_at = excluded.first_sent_at,
					last_sent_at = excluded.last_sent_at, message_id = excluded.message_id`,
				r.PortfolioID, r.WaID, now, now, r.MessageID); err != nil {
				return fmt.Errorf("sqlite: reserve reach: %w", err)
			}
			// Recipients out of the window no longer count: drop them.
			if _, err := tx.ExecContext(ctx, `DELETE FROM portfolio_reach
				WHERE portfolio_id = ? AND last_sent_at <= ?`, r.PortfolioID, cut); err != nil {
				return fmt.Errorf("sqlite: prune reach: %w", err)
			}
		default:
			return fmt.Errorf("sqlite: reach of recipient: %w", err)
		}
		used, next, err := reachOf(ctx, tx, r.PortfolioID, cut)
		out.Used, out.NextRelease = used, next
		return err
	})
	return out, err
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// reachOf counts the recipients still in the window and tells when the
// oldest of them leaves it.
func reachOf(ctx context.Context, q rowQuerier, portfolioID string, cut int64) (int, time.Time, error) {
	var used int
	var oldest sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT count(*), min(last_sent_at) FROM portfolio_reach
		WHERE portfolio_id = ? AND last_sent_at > ?`, portfolioID, cut).Scan(&used, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("sqlite: portfolio reach: %w", err)
	}
	if !oldest.Valid {
		return used, time.Time{}, nil
	}
	return used, tm(oldest.Int64).Add(store.ReachWindow), nil
}

// ReleaseReach implements store.Limits.
func (s *Store) ReleaseReach(ctx context.Context, portfolioID, waID, messageID string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM portfolio_reach
		WHERE portfolio_id = ? AND wa_id = ? AND message_id = ? AND first_sent_at = last_sent_at`,
		portfolioID, waID, messageID); err != nil {
		return fmt.Errorf("sqlite: release reach: %w", err)
	}
	return nil
}

// PortfolioReach implements store.Limits.
func (s *Store) PortfolioReach(ctx context.Context, portfolioID, waID string, now time.Time) (store.Reach, error) {
	cut := ms(now.Add(-store.ReachWindow))
	used, next, err := reachOf(ctx, s.r, portfolioID, cut)
	if err != nil {
		return store.Reach{}, err
	}
	out := store.Reach{Used: used, NextRelease: next}
	if waID != "" {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM portfolio_reach
			WHERE portfolio_id = ? AND wa_id = ? AND last_sent_at > ?`, portfolioID, waID, cut).Scan(&n); err != nil {
			return out, fmt.Errorf("sqlite: reach of recipient: %w", err)
		}
		out.Counted = n > 0
	}
	return out, nil
}
