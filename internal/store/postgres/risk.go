package postgres

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wabaguard/wabaguard/internal/store"
)

// AddRiskCounts adds each count to its hourly counter.
func (s *Store) AddRiskCounts(ctx context.Context, counts []store.RiskCount) error {
	if len(counts) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, c := range counts {
			b.Queue(`INSERT INTO risk_counts (phone_number_id, campaign_id, metric, bucket, tenant_id, n) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (phone_number_id, campaign_id, metric, bucket) DO UPDATE SET n = risk_counts.n + excluded.n`,
				c.PhoneNumberID, c.CampaignID, c.Metric, c.Bucket.Truncate(time.Hour).UTC(), c.TenantID, c.N)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("postgres: add risk counts: %w", err)
		}
		return nil
	})
}

// RiskCounts returns a sender's or campaign's hourly counters since since.
func (s *Store) RiskCounts(ctx context.Context, phoneNumberID, campaignID string, since time.Time) ([]store.RiskCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT tenant_id, metric, bucket, n FROM risk_counts
		WHERE phone_number_id = $1 AND campaign_id = $2 AND bucket >= $3 ORDER BY bucket, metric`, phoneNumberID, campaignID, since)
	if err != nil {
		return nil, fmt.Errorf("postgres: risk counts: %w", err)
	}
	defer rows.Close()
	var out []store.RiskCount
	for rows.Next() {
		c := store.RiskCount{PhoneNumberID: phoneNumberID, CampaignID: campaignID}
		if err := rows.Scan(&c.TenantID, &c.Metric, &c.Bucket, &c.N); err != nil {
			return nil, fmt.Errorf("postgres: risk counts: %w", err)
		}
		c.Bucket = utc(c.Bucket)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: risk counts: %w", err)
	}
	return out, nil
}

// DeleteRiskCountsBefore drops old buckets.
func (s *Store) DeleteRiskCountsBefore(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM risk_counts WHERE bucket < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete risk counts: %w", err)
	}
	return tag.RowsAffected(), nil
}

// PutBrake inserts or replaces a brake.
func (s *Store) PutBrake(ctx context.Context, b store.Brake) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO risk_brakes (phone_number_id, campaign_id, tenant_id, level, rate_permille, code,
		reason, score_centi, until, warmup_from, warmup_until, manual, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (phone_number_id, campaign_id) DO UPDATE SET tenant_id = excluded.tenant_id, level = excluded.level,
		rate_permille = excluded.rate_permille, code = excluded.code, reason = excluded.reason, score_centi = excluded.score_centi,
		until = excluded.until, warmup_from = excluded.warmup_from, warmup_until = excluded.warmup_until,
		manual = excluded.manual, changed_at = excluded.changed_at`,
		b.PhoneNumberID, b.CampaignID, b.TenantID, string(b.Level), int64(math.Round(b.RateFactor*1000)), b.Code, b.Reason,
		int64(math.Round(b.Score*100)), nullTime(b.Until), nullTime(b.WarmupFrom), nullTime(b.WarmupUntil), b.Manual, b.ChangedAt)
	if err != nil {
		return fmt.Errorf("postgres: put brake: %w", err)
	}
	return nil
}

const brakeCols = `phone_number_id, campaign_id, tenant_id, level, rate_permille, code, reason, score_centi, until, warmup_from, warmup_until, manual, changed_at`

func scanBrake(sc pgx.Row) (store.Brake, error) {
	var b store.Brake
	var level string
	var rate, score int64
	var until, wf, wu pgtype.Timestamptz
	if err := sc.Scan(&b.PhoneNumberID, &b.CampaignID, &b.TenantID, &level, &rate, &b.Code, &b.Reason, &score,
		&until, &wf, &wu, &b.Manual, &b.ChangedAt); err != nil {
		return b, err
	}
	b.Level = store.BrakeLevel(level)
	b.RateFactor, b.Score = float64(rate)/1000, float64(score)/100
	b.Until, b.WarmupFrom, b.WarmupUntil, b.ChangedAt = fromNull(until), fromNull(wf), fromNull(wu), utc(b.ChangedAt)
	return b, nil
}

// GetBrake returns one brake.
func (s *Store) GetBrake(ctx context.Context, phoneNumberID, campaignID string) (store.Brake, error) {
	b, err := scanBrake(s.pool.QueryRow(ctx, `SELECT `+brakeCols+` FROM risk_brakes WHERE phone_number_id = $1 AND campaign_id = $2`,
		phoneNumberID, campaignID))
	if err != nil {
		return store.Brake{}, notFound(err, "get brake")
	}
	return b, nil
}

// ListBrakes returns every brake.
func (s *Store) ListBrakes(ctx context.Context) ([]store.Brake, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+brakeCols+` FROM risk_brakes ORDER BY phone_number_id, campaign_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list brakes: %w", err)
	}
	defer rows.Close()
	var out []store.Brake
	for rows.Next() {
		b, err := scanBrake(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list brakes: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list brakes: %w", err)
	}
	return out, nil
}

// OpenIncident stores a new incident and its first timeline entries.
func (s *Store) OpenIncident(ctx context.Context, in store.Incident) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO incidents (id, tenant_id, phone_number_id, waba_id, campaign_id, kind, title, opened_at, closed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			in.ID, in.TenantID, in.PhoneNumberID, in.WABAID, in.CampaignID, string(in.Kind), in.Title, in.OpenedAt, nullTime(in.ClosedAt))
		if err != nil {
			return fmt.Errorf("postgres: open incident: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: open incident: %w", store.ErrExists)
		}
		for i := range in.Timeline {
			in.Timeline[i].IncidentID = in.ID
		}
		return appendIncidentEvents(ctx, tx, in.Timeline)
	})
}

func appendIncidentEvents(ctx context.Context, tx pgx.Tx, events []store.IncidentEvent) error {
	if len(events) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, e := range events {
		raw := e.Raw
		if raw == nil {
			raw = []byte{}
		}
		b.Queue(`INSERT INTO incident_events (incident_id, at, kind, name, detail, raw) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.IncidentID, e.At, string(e.Kind), e.Name, e.Detail, raw)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: incident event: %w", err)
	}
	return nil
}

// AppendIncidentEvents adds timeline lines.
func (s *Store) AppendIncidentEvents(ctx context.Context, events []store.IncidentEvent) error {
	if len(events) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error { return appendIncidentEvents(ctx, tx, events) })
}

// CloseIncident closes an open incident.
func (s *Store) CloseIncident(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE incidents SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL`, at, id)
	if err != nil {
		return fmt.Errorf("postgres: close incident: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: close incident %s: %w", id, store.ErrNotFound)
	}
	return nil
}

const incidentCols = `id, tenant_id, phone_number_id, waba_id, campaign_id, kind, title, opened_at, closed_at`

func scanIncident(sc pgx.Row) (store.Incident, error) {
	var in store.Incident
	var kind string
	var closed pgtype.Timestamptz
	if err := sc.Scan(&in.ID, &in.TenantID, &in.PhoneNumberID, &in.WABAID, &in.CampaignID, &kind, &in.Title, &in.OpenedAt, &closed); err != nil {
		return in, err
	}
	in.Kind, in.OpenedAt, in.ClosedAt = store.IncidentKind(kind), utc(in.OpenedAt), fromNull(closed)
	return in, nil
}

// OpenIncidentOf returns a sender's open incident.
func (s *Store) OpenIncidentOf(ctx context.Context, phoneNumberID, campaignID string) (store.Incident, error) {
	in, err := scanIncident(s.pool.QueryRow(ctx, `SELECT `+incidentCols+` FROM incidents
		WHERE phone_number_id = $1 AND campaign_id = $2 AND closed_at IS NULL ORDER BY opened_at DESC LIMIT 1`, phoneNumberID, campaignID))
	if err != nil {
		return store.Incident{}, notFound(err, "open incident")
	}
	return in, nil
}

// Incident returns one of a tenant's incidents with its timeline.
func (s *Store) Incident(ctx context.Context, tenantID, id string) (store.Incident, error) {
	in, err := scanIncident(s.pool.QueryRow(ctx, `SELECT `+incidentCols+` FROM incidents WHERE id = $1 AND tenant_id = $2`, id, tenantID))
	if err != nil {
		return store.Incident{}, notFound(err, "incident")
	}
	rows, err := s.pool.Query(ctx, `SELECT at, kind, name, detail, raw FROM incident_events WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return store.Incident{}, fmt.Errorf("postgres: incident timeline: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e := store.IncidentEvent{IncidentID: id}
		var kind string
		if err := rows.Scan(&e.At, &kind, &e.Name, &e.Detail, &e.Raw); err != nil {
			return store.Incident{}, fmt.Errorf("postgres: incident timeline: %w", err)
		}
		if len(e.Raw) == 0 {
			e.Raw = nil
		}
		e.At, e.Kind = utc(e.At), store.IncidentEventKind(kind)
		in.Timeline = append(in.Timeline, e)
	}
	if err := rows.Err(); err != nil {
		return store.Incident{}, fmt.Errorf("postgres: incident timeline: %w", err)
	}
	return in, nil
}

// Incidents lists a tenant's incidents, newest first.
func (s *Store) Incidents(ctx context.Context, tenantID, phoneNumberID string, limit int) ([]store.Incident, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+incidentCols+` FROM incidents
		WHERE tenant_id = $1 AND ($2 = '' OR phone_number_id = $2) ORDER BY opened_at DESC, id DESC LIMIT $3`,
		tenantID, phoneNumberID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: incidents: %w", err)
	}
	defer rows.Close()
	var out []store.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: incidents: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: incidents: %w", err)
	}
	return out, nil
}
