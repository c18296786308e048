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

// ReserveReach implements store.Limits.
func (s *Store) ReserveReach(ctx context.Context, r store.ReachRequest) (store.Reach, error) {
	out, err := s.ReserveReaches(ctx, []store.ReachRequest{r})
	if err != nil {
		return store.Reach{}, err
	}
	return out[0], nil
}

// ReserveReaches implements store.Limits. SQLite has one writer and write
// transactions begin immediately, so the counts and the inserts are atomic.
// The counts are read once per transaction and kept up to date as the
// batch decides, so a claim costs one count, not one per message.
func (s *Store) ReserveReaches(ctx context.Context, rs []store.ReachRequest) ([]store.Reach, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	for _, r := range rs {
		if r.PortfolioID != rs[0].PortfolioID {
			return nil, fmt.Errorf("sqlite: reserve reaches: portfolios %s and %s in one call", rs[0].PortfolioID, r.PortfolioID)
		}
	}
	out := make([]store.Reach, len(rs))
	err := s.tx(ctx, func(tx *sql.Tx) error {
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
		cut := ms(last.Now.Add(-store.ReachWindow))
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
	cut       int64
	used      int
	usedKnown bool
	senders   map[string]int
	pruned    bool
}

func (t *tally) at(cut int64) {
	if cut != t.cut {
		t.cut, t.usedKnown, t.senders = cut, false, nil
	}
}

func (t *tally) portfolio(ctx context.Context, tx *sql.Tx, portfolioID string) (int, error) {
	if !t.usedKnown {
		used, _, err := reachOf(ctx, tx, portfolioID, t.cut)
		if err != nil {
			return 0, err
		}
		t.used, t.usedKnown = used, true
	}
	return t.used, nil
}

func (t *tally) sender(ctx context.Context, tx *sql.Tx, portfolioID, senderID string) (int, error) {
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

// reserveOne decides one request inside ReserveReaches' transaction.
func reserveOne(ctx context.Context, tx *sql.Tx, r store.ReachRequest, t *tally) (store.Reach, error) {
	var out store.Reach
	now, cut := ms(r.Now), ms(r.Now.Add(-store.ReachWindow))
	t.at(cut)
	var last int64
	var msgID, by string
	err := tx.QueryRowContext(ctx, `SELECT last_sent_at, message_id, sender_id FROM portfolio_reach
		WHERE portfolio_id = ? AND wa_id = ?`, r.PortfolioID, r.WaID).Scan(&last, &msgID, &by)
	counted := err == nil && last > cut
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("sqlite: reach of recipient: %w", err)
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
		if (msgID != r.MessageID && now > last) || by != r.SenderID {
			if _, err := tx.ExecContext(ctx, `UPDATE portfolio_reach SET last_sent_at = max(last_sent_at, ?), sender_id = ?
				WHERE portfolio_id = ? AND wa_id = ?`, now, r.SenderID, r.PortfolioID, r.WaID); err != nil {
				return out, fmt.Errorf("sqlite: reach again: %w", err)
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO portfolio_reach
			(portfolio_id, wa_id, first_sent_at, last_sent_at, message_id, sender_id) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (portfolio_id, wa_id) DO UPDATE SET first_sent_at = excluded.first_sent_at,
				last_sent_at = excluded.last_sent_at, message_id = excluded.message_id, sender_id = excluded.sender_id`,
			r.PortfolioID, r.WaID, now, now, r.MessageID, r.SenderID); err != nil {
			return out, fmt.Errorf("sqlite: reserve reach: %w", err)
		}
		t.used++
		t.moved("", r.SenderID)
		// Recipients out of the window no longer count: drop them, once
		// per transaction.
		if !t.pruned {
			t.pruned = true
			if _, err := tx.ExecContext(ctx, `DELETE FROM portfolio_reach
				WHERE portfolio_id = ? AND last_sent_at <= ?`, r.PortfolioID, cut); err != nil {
				return out, fmt.Errorf("sqlite: prune reach: %w", err)
			}
		}
	}
	return finishReach(ctx, tx, r, t, out)
}

// finishReach fills in the portfolio's and the sender's use after a
// decision (their next releases are filled in once the batch is decided).
func finishReach(ctx context.Context, tx *sql.Tx, r store.ReachRequest, t *tally, out store.Reach) (store.Reach, error) {
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
func senderReachOf(ctx context.Context, q rowQuerier, portfolioID, senderID string, cut int64) (int, time.Time, error) {
	var used int
	var oldest sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT count(*), min(last_sent_at) FROM portfolio_reach
		WHERE portfolio_id = ? AND sender_id = ? AND last_sent_at > ?`, portfolioID, senderID, cut).Scan(&used, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("sqlite: sender reach: %w", err)
	}
	if !oldest.Valid {
		return used, time.Time{}, nil
	}
	return used, tm(oldest.Int64).Add(store.ReachWindow), nil
}

// SenderReach implements store.Limits.
func (s *Store) SenderReach(ctx context.Context, portfolioID, senderID string, now time.Time) (int, time.Time, error) {
	return senderReachOf(ctx, s.r, portfolioID, senderID, ms(now.Add(-store.ReachWindow)))
}

// StartWarmup implements store.Limits.
func (s *Store) StartWarmup(ctx context.Context, w store.Warmup) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO sender_warmup (phone_number_id, started_at, reason, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (phone_number_id) DO UPDATE SET started_at = excluded.started_at,
			reason = excluded.reason, updated_at = excluded.updated_at`,
		w.PhoneNumberID, ms(w.StartedAt), w.Reason, ms(w.UpdatedAt)); err != nil {
		return fmt.Errorf("sqlite: start warm-up: %w", err)
	}
	return nil
}

// EnsureWarmup implements store.Limits.
func (s *Store) EnsureWarmup(ctx context.Context, w store.Warmup) (store.Warmup, error) {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO sender_warmup (phone_number_id, started_at, reason, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (phone_number_id) DO NOTHING`,
		w.PhoneNumberID, ms(w.StartedAt), w.Reason, ms(w.UpdatedAt)); err != nil {
		return store.Warmup{}, fmt.Errorf("sqlite: ensure warm-up: %w", err)
	}
	return s.getWarmup(ctx, s.w, w.PhoneNumberID)
}

// GetWarmup implements store.Limits.
func (s *Store) GetWarmup(ctx context.Context, phoneNumberID string) (store.Warmup, error) {
	return s.getWarmup(ctx, s.r, phoneNumberID)
}

func (s *Store) getWarmup(ctx context.Context, q rowQuerier, id string) (store.Warmup, error) {
	w := store.Warmup{PhoneNumberID: id}
	var started, updated int64
	err := q.QueryRowContext(ctx, `SELECT started_at, reason, updated_at FROM sender_warmup
		WHERE phone_number_id = ?`, id).Scan(&started, &w.Reason, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("sqlite: warm-up of %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("sqlite: warm-up: %w", err)
	}
	w.StartedAt, w.UpdatedAt = tm(started), tm(updated)
	return w, nil
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
