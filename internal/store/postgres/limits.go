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

// ReserveReach implements store.Limits.
func (s *Store) ReserveReach(ctx context.Context, r store.ReachRequest) (store.Reach, error) {
	out, err := s.ReserveReaches(ctx, []store.ReachRequest{r})
	if err != nil {
		return store.Reach{}, err
	}
	return out[0], nil
}

// ReserveReaches implements store.Limits. Replicas serialise on a
// transaction-scoped advisory lock per portfolio, taken once before the
// first count, so two of them can never both take the last slot; the lock
// goes with the transaction, a crashed replica holds nothing. The counts
// are read once per transaction and kept up to date as the batch decides.
func (s *Store) ReserveReaches(ctx context.Context, rs []store.ReachRequest) ([]store.Reach, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	for _, r := range rs {
		if r.PortfolioID != rs[0].PortfolioID {
			return nil, fmt.Errorf("postgres: reserve reaches: portfolios %s and %s in one call", rs[0].PortfolioID, r.PortfolioID)
		}
	}
	out := make([]store.Reach, len(rs))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('portfolio_reach:' || $1, 0))`, rs[0].PortfolioID); err != nil {
			return fmt.Errorf("postgres: lock portfolio reach: %w", err)
		}
		t := &tally{}
		for i, r := range rs {
			res, err := reserveOne(ctx, tx, r, t)
			if err != nil {
				return err
			}
			out[i] = res
		}
		// When the oldest leave the window, as the batch left it.
		last := rs[len(rs)-1]
		cut := msTime(last.Now.Add(-store.ReachWindow))
		_, next, err := reachOf(ctx, tx, last.PortfolioID, cut)
		if err != nil {
			return err
		}
		senderNext := map[string]time.Time{}
		for i, r := range rs {
			out[i].NextRelease = next
			if r.SenderID == "" || r.SenderLimit <= 0 {
				continue
			}
			sn, ok := senderNext[r.SenderID]
			if !ok {
				if _, sn, err = senderReachOf(ctx, tx, r.PortfolioID, r.SenderID, cut); err != nil {
					return err
				}
				senderNext[r.SenderID] = sn
			}
			out[i].SenderNextRelease = sn
		}
		return nil
	})
	return out, err
}

// tally is a portfolio's counts inside one reservation transaction: read
// once, then moved by each decision. A request at another moment (another
// cut of the window) reads them again.
type tally struct {
	cut       time.Time
	used      int
	usedKnown bool
	senders   map[string]int
	pruned    bool
}

func (t *tally) at(cut time.Time) {
	if !cut.Equal(t.cut) {
		t.cut, t.usedKnown, t.senders = cut, false, nil
	}
}

func (t *tally) portfolio(ctx context.Context, tx pgx.Tx, portfolioID string) (int, error) {
	if !t.usedKnown {
		used, _, err := reachOf(ctx, tx, portfolioID, t.cut)
		if err != nil {
			return 0, err
		}
		t.used, t.usedKnown = used, true
	}
	return t.used, nil
}

func (t *tally) sender(ctx context.Context, tx pgx.Tx, portfolioID, senderID string) (int, error) {
	if n, ok := t.senders[senderID]; ok {
		return n, nil
	}
	n, _, err := senderReachOf(ctx, tx, portfolioID, senderID, t.cut)
	if err != nil {
		return 0, err
	}
	if t.senders == nil {
		t.senders = map[string]int{}
	}
	t.senders[senderID] = n
	return n, nil
}

// moved records that a recipient now counts for to (and no longer for
// from, "" when they counted for nobody in the window).
func (t *tally) moved(from, to string) {
	if n, ok := t.senders[from]; ok && from != "" {
		t.senders[from] = n - 1
	}
	if n, ok := t.senders[to]; ok {
		t.senders[to] = n + 1
	}
}

// reserveOne decides one request inside ReserveReaches' transaction, under
// the portfolio's lock.
func reserveOne(ctx context.Context, tx pgx.Tx, r store.ReachRequest, t *tally) (store.Reach, error) {
	var out store.Reach
	now, cut := msTime(r.Now), msTime(r.Now.Add(-store.ReachWindow))
	t.at(cut)
	var last time.Time
	var msgID, by string
	err := tx.QueryRow(ctx, `SELECT last_sent_at, message_id, sender_id FROM portfolio_reach
		WHERE portfolio_id = $1 AND wa_id = $2`, r.PortfolioID, r.WaID).Scan(&last, &msgID, &by)
	counted := err == nil && last.After(cut)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return out, fmt.Errorf("postgres: reach of recipient: %w", err)
	}
	// The sender's own allowance first: a recipient it did not reach in
	// the window is new to it, even when the portfolio counts them.
	if r.SenderLimit > 0 && !(counted && by == r.SenderID) {
		used, err := t.sender(ctx, tx, r.PortfolioID, r.SenderID)
		if err != nil {
			return out, err
		}
		if used >= r.SenderLimit {
			out.Counted, out.SenderFull = counted, true
			return finishReach(ctx, tx, r, t, out)
		}
	}
	switch {
	case counted:
		out.Counted, out.Granted = true, true
		if (msgID != r.MessageID && now.After(last)) || by != r.SenderID {
			if _, err := tx.Exec(ctx, `UPDATE portfolio_reach SET last_sent_at = GREATEST(last_sent_at, $3), sender_id = $4
				WHERE portfolio_id = $1 AND wa_id = $2`, r.PortfolioID, r.WaID, now, r.SenderID); err != nil {
				return out, fmt.Errorf("postgres: reach again: %w", err)
			}
			if by != r.SenderID {
				t.moved(by, r.SenderID)
			}
		}
	default:
		used, err := t.portfolio(ctx, tx, r.PortfolioID)
		if err != nil {
			return out, err
		}
		if r.Limit >= 0 && used >= r.Limit {
			break
		}
		out.Granted = true
		if _, err := tx.Exec(ctx, `INSERT INTO portfolio_reach
			(portfolio_id, wa_id, first_sent_at, last_sent_at, message_id, sender_id) VALUES ($1, $2, $3, $3, $4, $5)
			ON CONFLICT (portfolio_id, wa_id) DO UPDATE SET first_sent_at = excluded.first_sent_at,
				last_sent_at = excluded.last_sent_at, message_id = excluded.message_id, sender_id = excluded.sender_id`,
			r.PortfolioID, r.WaID, now, r.MessageID, r.SenderID); err != nil {
			return out, fmt.Errorf("postgres: reserve reach: %w", err)
		}
		t.used++
		t.moved("", r.SenderID)
		// Recipients out of the window no longer count: drop them, once
		// per transaction.
		if !t.pruned {
			t.pruned = true
			if _, err := tx.Exec(ctx, `DELETE FROM portfolio_reach
				WHERE portfolio_id = $1 AND last_sent_at <= $2`, r.PortfolioID, cut); err != nil {
				return out, fmt.Errorf("postgres: prune reach: %w", err)
			}
		}
	}
	return finishReach(ctx, tx, r, t, out)
}

// finishReach fills in the portfolio's and the sender's use after a
// decision (their next releases are filled in once the batch is decided).
func finishReach(ctx context.Context, tx pgx.Tx, r store.ReachRequest, t *tally, out store.Reach) (store.Reach, error) {
	used, err := t.portfolio(ctx, tx, r.PortfolioID)
	if err != nil {
		return out, err
	}
	out.Used = used
	if r.SenderID != "" && r.SenderLimit > 0 {
		out.SenderUsed, err = t.sender(ctx, tx, r.PortfolioID, r.SenderID)
	}
	return out, err
}

// senderReachOf counts the recipients in the window a sender reached last,
// and tells when the oldest of them leaves it.
func senderReachOf(ctx context.Context, q querier, portfolioID, senderID string, cut time.Time) (int, time.Time, error) {
	var used int
	var oldest pgtype.Timestamptz
	if err := q.QueryRow(ctx, `SELECT count(*), min(last_sent_at) FROM portfolio_reach
		WHERE portfolio_id = $1 AND sender_id = $2 AND last_sent_at > $3`, portfolioID, senderID, cut).Scan(&used, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("postgres: sender reach: %w", err)
	}
	if !oldest.Valid {
		return used, time.Time{}, nil
	}
	return used, utc(oldest.Time).Add(store.ReachWindow), nil
}

// SenderReach implements store.Limits.
func (s *Store) SenderReach(ctx context.Context, portfolioID, senderID string, now time.Time) (int, time.Time, error) {
	return senderReachOf(ctx, s.pool, portfolioID, senderID, msTime(now.Add(-store.ReachWindow)))
}

// StartWarmup implements store.Limits.
func (s *Store) StartWarmup(ctx context.Context, w store.Warmup) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO sender_warmup (phone_number_id, started_at, reason, updated_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (phone_number_id) DO UPDATE SET started_at = excluded.started_at,
			reason = excluded.reason, updated_at = excluded.updated_at`,
		w.PhoneNumberID, msTime(w.StartedAt), w.Reason, msTime(w.UpdatedAt)); err != nil {
		return fmt.Errorf("postgres: start warm-up: %w", err)
	}
	return nil
}

// EnsureWarmup implements store.Limits.
func (s *Store) EnsureWarmup(ctx context.Context, w store.Warmup) (store.Warmup, error) {
	if _, err := s.pool.Exec(ctx, `INSERT INTO sender_warmup (phone_number_id, started_at, reason, updated_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (phone_number_id) DO NOTHING`,
		w.PhoneNumberID, msTime(w.StartedAt), w.Reason, msTime(w.UpdatedAt)); err != nil {
		return store.Warmup{}, fmt.Errorf("postgres: ensure warm-up: %w", err)
	}
	return s.GetWarmup(ctx, w.PhoneNumberID)
}

// GetWarmup implements store.Limits.
func (s *Store) GetWarmup(ctx context.Context, phoneNumberID string) (store.Warmup, error) {
	w := store.Warmup{PhoneNumberID: phoneNumberID}
	err := s.pool.QueryRow(ctx, `SELECT started_at, reason, updated_at FROM sender_warmup
		WHERE phone_number_id = $1`, phoneNumberID).Scan(&w.StartedAt, &w.Reason, &w.UpdatedAt)
	if err != nil {
		return w, notFound(err, "warm-up")
	}
	w.StartedAt, w.UpdatedAt = utc(w.StartedAt), utc(w.UpdatedAt)
	return w, nil
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
