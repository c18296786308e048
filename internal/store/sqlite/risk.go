package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// AddRiskCounts adds each count to its hourly counter.
func (s *Store) AddRiskCounts(ctx context.Context, counts []store.RiskCount) error {
	if len(counts) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO risk_counts (phone_number_id, campaign_id, metric, bucket, tenant_id, n)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (phone_number_id, campaign_id, metric, bucket) DO UPDATE SET n = n + excluded.n`)
		if err != nil {
			return fmt.Errorf("sqlite: add risk counts: %w", err)
		}
		defer stmt.Close()
		for _, c := range counts {
			if _, err := stmt.ExecContext(ctx, c.PhoneNumberID, c.CampaignID, c.Metric, ms(c.Bucket.Truncate(time.Hour)), c.TenantID, c.N); err != nil {
				return fmt.Errorf("sqlite: add risk counts: %w", err)
			}
		}
		return nil
	})
}

// RiskCounts returns a sender's or campaign's hourly counters since since.
func (s *Store) RiskCounts(ctx context.Context, phoneNumberID, campaignID string, since time.Time) ([]store.RiskCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant_id, metric, bucket, n FROM risk_counts
		WHERE phone_number_id = ? AND campaign_id = ? AND bucket >= ? ORDER BY bucket, metric`,
		phoneNumberID, campaignID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: risk counts: %w", err)
	}
	defer rows.Close()
	var out []store.RiskCount
	for rows.Next() {
		c := store.RiskCount{PhoneNumberID: phoneNumberID, CampaignID: campaignID}
		var b int64
		if err := rows.Scan(&c.TenantID, &c.Metric, &b, &c.N); err != nil {
			return nil, fmt.Errorf("sqlite: risk counts: %w", err)
		}
		c.Bucket = tm(b)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: risk counts: %w", err)
	}
	return out, nil
}

// DeleteRiskCountsBefore drops old buckets.
func (s *Store) DeleteRiskCountsBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM risk_counts WHERE bucket < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete risk counts: %w", err)
	}
	return rowsAffected(res)
}

// PutBrake inserts or replaces a brake.
func (s *Store) PutBrake(ctx context.Context, b store.Brake) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO risk_brakes (phone_number_id, campaign_id, tenant_id, level, rate_permille, code,
		reason, score_centi, until, warmup_from, warmup_until, manual, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (phone_number_id, campaign_id) DO UPDATE SET tenant_id = excluded.tenant_id, level = excluded.level,
		rate_permille = excluded.rate_permille, code = excluded.code, reason = excluded.reason, score_centi = excluded.score_centi,
		until = excluded.until, warmup_from = excluded.warmup_from, warmup_until = excluded.warmup_until,
		manual = excluded.manual, changed_at = excluded.changed_at`,
		b.PhoneNumberID, b.CampaignID, b.TenantID, string(b.Level), int64(math.Round(b.RateFactor*1000)), b.Code, b.Reason,
		int64(math.Round(b.Score*100)), ms(b.Until), ms(b.WarmupFrom), ms(b.WarmupUntil), b.Manual, ms(b.ChangedAt))
	if err != nil {
		return fmt.Errorf("sqlite: put brake: %w", err)
	}
	return nil
}

const brakeCols = `phone_number_id, campaign_id, tenant_id, level, rate_permille, code, reason, score_centi, until, warmup_from, warmup_until, manual, changed_at`

func scanBrake(sc interface{ Scan(...any) error }) (store.Brake, error) {
	var b store.Brake
	var level string
	var rate, score, until, wf, wu, changed int64
	if err := sc.Scan(&b.PhoneNumberID, &b.CampaignID, &b.TenantID, &level, &rate, &b.Code, &b.Reason, &score,
		&until, &wf, &wu, &b.Manual, &changed); err != nil {
		return b, err
	}
	b.Level = store.BrakeLevel(level)
	b.RateFactor, b.Score = float64(rate)/1000, float64(score)/100
	b.Until, b.WarmupFrom, b.WarmupUntil, b.ChangedAt = tm(until), tm(wf), tm(wu), tm(changed)
	return b, nil
}

// GetBrake returns one brake.
func (s *Store) GetBrake(ctx context.Context, phoneNumberID, campaignID string) (store.Brake, error) {
	b, err := scanBrake(s.r.QueryRowContext(ctx, `SELECT `+brakeCols+` FROM risk_brakes WHERE phone_number_id = ? AND campaign_id = ?`,
		phoneNumberID, campaignID))
	if err != nil {
		return store.Brake{}, notFound("get brake", err)
	}
	return b, nil
}

// ListBrakes returns every brake.
func (s *Store) ListBrakes(ctx context.Context) ([]store.Brake, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+brakeCols+` FROM risk_brakes ORDER BY phone_number_id, campaign_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list brakes: %w", err)
	}
	defer rows.Close()
	var out []store.Brake
	for rows.Next() {
		b, err := scanBrake(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list brakes: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list brakes: %w", err)
	}
	return out, nil
}

// OpenIncident stores a new incident and its first timeline entries.
func (s *Store) OpenIncident(ctx context.Context, in store.Incident) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, tenant_id, phone_number_id, waba_id, campaign_id, kind, title, opened_at, closed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			in.ID, in.TenantID, in.PhoneNumberID, in.WABAID, in.CampaignID, string(in.Kind), in.Title, ms(in.OpenedAt), ms(in.ClosedAt))
		if err != nil {
			return fmt.Errorf("sqlite: open incident: %w", err)
		}
		n, err := rowsAffected(res)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("sqlite: open incident: %w", store.ErrExists)
		}
		for i := range in.Timeline {
			in.Timeline[i].IncidentID = in.ID
		}
		return appendIncidentEvents(ctx, tx, in.Timeline)
	})
}

func appendIncidentEvents(ctx context.Context, tx *sql.Tx, events []store.IncidentEvent) error {
	for _, e := range events {
		raw := e.Raw
		if raw == nil {
			raw = []byte{}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_events (incident_id, at, kind, name, detail, raw) VALUES (?, ?, ?, ?, ?, ?)`,
			e.IncidentID, ms(e.At), string(e.Kind), e.Name, e.Detail, raw); err != nil {
			return fmt.Errorf("sqlite: incident event: %w", err)
		}
	}
	return nil
}

// AppendIncidentEvents adds timeline lines.
func (s *Store) AppendIncidentEvents(ctx context.Context, events []store.IncidentEvent) error {
	if len(events) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return appendIncidentEvents(ctx, tx, events) })
}

// CloseIncident closes an open incident.
func (s *Store) CloseIncident(ctx context.Context, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE incidents SET closed_at = ? WHERE id = ? AND closed_at = 0`, ms(at), id)
	if err != nil {
		return fmt.Errorf("sqlite: close incident: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: close incident %s: %w", id, store.ErrNotFound)
	}
	return nil
}

const incidentCols = `id, tenant_id, phone_number_id, waba_id, campaign_id, kind, title, opened_at, closed_at`

func scanIncident(sc interface{ Scan(...any) error }) (store.Incident, error) {
	var in store.Incident
	var kind string
	var opened, closed int64
	if err := sc.Scan(&in.ID, &in.TenantID, &in.PhoneNumberID, &in.WABAID, &in.CampaignID, &kind, &in.Title, &opened, &closed); err != nil {
		return in, err
	}
	in.Kind, in.OpenedAt, in.ClosedAt = store.IncidentKind(kind), tm(opened), tm(closed)
	return in, nil
}

// OpenIncidentOf returns a sender's open incident.
func (s *Store) OpenIncidentOf(ctx context.Context, phoneNumberID, campaignID string) (store.Incident, error) {
	in, err := scanIncident(s.r.QueryRowContext(ctx, `SELECT `+incidentCols+` FROM incidents
		WHERE phone_number_id = ? AND campaign_id = ? AND closed_at = 0 ORDER BY opened_at DESC LIMIT 1`, phoneNumberID, campaignID))
	if err != nil {
		return store.Incident{}, notFound("open incident", err)
	}
	return in, nil
}

// Incident returns one of a tenant's incidents with its timeline.
func (s *Store) Incident(ctx context.Context, tenantID, id string) (store.Incident, error) {
	in, err := scanIncident(s.r.QueryRowContext(ctx, `SELECT `+incidentCols+` FROM incidents WHERE id = ? AND tenant_id = ?`, id, tenantID))
	if err != nil {
		return store.Incident{}, notFound("incident", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT at, kind, name, detail, raw FROM incident_events WHERE incident_id = ? ORDER BY id`, id)
	if err != nil {
		return store.Incident{}, fmt.Errorf("sqlite: incident timeline: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e := store.IncidentEvent{IncidentID: id}
		var at int64
		var kind string
		if err := rows.Scan(&at, &kind, &e.Name, &e.Detail, &e.Raw); err != nil {
			return store.Incident{}, fmt.Errorf("sqlite: incident timeline: %w", err)
		}
		if len(e.Raw) == 0 {
			e.Raw = nil
		}
		e.At, e.Kind = tm(at), store.IncidentEventKind(kind)
		in.Timeline = append(in.Timeline, e)
	}
	if err := rows.Err(); err != nil {
		return store.Incident{}, fmt.Errorf("sqlite: incident timeline: %w", err)
	}
	return in, nil
}

// Incidents lists a tenant's incidents, newest first.
func (s *Store) Incidents(ctx context.Context, tenantID, phoneNumberID string, limit int) ([]store.Incident, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents
		WHERE tenant_id = ? AND (? = '' OR phone_number_id = ?) ORDER BY opened_at DESC, id DESC LIMIT ?`,
		tenantID, phoneNumberID, phoneNumberID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: incidents: %w", err)
	}
	defer rows.Close()
	var out []store.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: incidents: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: incidents: %w", err)
	}
	return out, nil
}
