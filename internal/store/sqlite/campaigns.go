package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

const campaignCols = `id, name, sender_id, template_name, template_language, params, audience_id, start_at, state, state_reason,
	cursor, targeted, accepted, refused, created_at, updated_at, started_at, finished_at`

func refusedJSON(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

func paramsJSON(b []byte) string {
	if len(b) == 0 {
		return "[]"
	}
	return string(b)
}

// CreateCampaign implements store.Campaigns.
func (s *Store) CreateCampaign(ctx context.Context, c store.Campaign) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, `+campaignCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		c.TenantID, c.ID, c.Name, c.SenderID, c.TemplateName, c.TemplateLanguage, paramsJSON(c.Params), c.AudienceID,
		ms(c.StartAt), string(c.State), c.StateReason, c.Cursor, c.Targeted, c.Accepted, refusedJSON(c.Refused),
		ms(c.CreatedAt), ms(c.UpdatedAt), ms(c.StartedAt), ms(c.FinishedAt))
	if err != nil {
		return fmt.Errorf("sqlite: create campaign: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: create campaign %s: %w", c.ID, store.ErrExists)
	}
	return nil
}

func scanCampaign(r scanner, tenantID string) (store.Campaign, error) {
	c := store.Campaign{TenantID: tenantID}
	var params, refused, state string
	var startAt, created, updated, started, finished int64
	if err := r.Scan(&c.ID, &c.Name, &c.SenderID, &c.TemplateName, &c.TemplateLanguage, &params, &c.AudienceID, &startAt,
		&state, &c.StateReason, &c.Cursor, &c.Targeted, &c.Accepted, &refused, &created, &updated, &started, &finished); err != nil {
		return c, err
	}
	c.Params, c.Refused, c.State = []byte(params), []byte(refused), store.CampaignState(state)
	c.StartAt, c.CreatedAt, c.UpdatedAt, c.StartedAt, c.FinishedAt = tm(startAt), tm(created), tm(updated), tm(started), tm(finished)
	return c, nil
}

// GetCampaign implements store.Campaigns.
func (s *Store) GetCampaign(ctx context.Context, tenantID, id string) (store.Campaign, error) {
	c, err := scanCampaign(s.r.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE tenant_id = ? AND id = ?`, tenantID, id), tenantID)
	if err != nil {
		return store.Campaign{}, notFound("get campaign", err)
	}
	return c, nil
}

func (s *Store) queryCampaigns(ctx context.Context, q string, args ...any) ([]store.Campaign, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant_id, `+campaignCols+` FROM campaigns `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list campaigns: %w", err)
	}
	defer rows.Close()
	var out []store.Campaign
	for rows.Next() {
		var tenant string
		c, err := scanCampaign(prefixed{rows, &tenant}, "")
		if err != nil {
			return nil, fmt.Errorf("sqlite: list campaigns: %w", err)
		}
		c.TenantID = tenant
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list campaigns: %w", err)
	}
	return out, nil
}

// prefixed scans one leading column into first, then the rest as r would.
type prefixed struct {
	r     scanner
	first any
}

func (p prefixed) Scan(dest ...any) error { return p.r.Scan(append([]any{p.first}, dest...)...) }

// ListCampaigns implements store.Campaigns.
func (s *Store) ListCampaigns(ctx context.Context, tenantID string) ([]store.Campaign, error) {
	return s.queryCampaigns(ctx, `WHERE tenant_id = ? ORDER BY id`, tenantID)
}

// DueCampaigns implements store.Campaigns.
func (s *Store) DueCampaigns(ctx context.Context, now time.Time, limit int) ([]store.Campaign, error) {
	return s.queryCampaigns(ctx, `WHERE state = 'running' OR (state = 'scheduled' AND start_at <= ?)
		ORDER BY updated_at, tenant_id, id LIMIT ?`, ms(now), limit)
}

// SetCampaignState implements store.Campaigns.
func (s *Store) SetCampaignState(ctx context.Context, tenantID, id string, from []store.CampaignState, to store.CampaignState, reason string, at time.Time) (store.Campaign, error) {
	var out store.Campaign
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE tenant_id = ? AND id = ?`, tenantID, id), tenantID)
		if err != nil {
			return notFound("set campaign state", err)
		}
		if !slices.Contains(from, c.State) {
			return fmt.Errorf("sqlite: campaign %s is %s: %w", id, c.State, store.ErrCampaignState)
		}
		c.State, c.StateReason, c.UpdatedAt = to, reason, at
		if to == store.CampaignRunning && c.StartedAt.IsZero() {
			c.StartedAt = at
		}
		if to == store.CampaignCompleted || to == store.CampaignCancelled {
			c.FinishedAt = at
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = ?, state_reason = ?, updated_at = ?, started_at = ?, finished_at = ?
			WHERE tenant_id = ? AND id = ?`, string(c.State), c.StateReason, ms(c.UpdatedAt), ms(c.StartedAt), ms(c.FinishedAt), tenantID, id); err != nil {
			return fmt.Errorf("sqlite: set campaign state: %w", err)
		}
		out = c
		return nil
	})
	return out, err
}

// CheckpointCampaign implements store.Campaigns.
func (s *Store) CheckpointCampaign(ctx context.Context, cp store.CampaignCheckpoint) (bool, error) {
	applied := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE tenant_id = ? AND id = ?`, cp.TenantID, cp.ID), cp.TenantID)
		if err != nil {
			return notFound("checkpoint campaign", err)
		}
		if c.Cursor != cp.From {
			return nil
		}
		refused, err := store.MergeRefused(c.Refused, cp.Refused)
		if err != nil {
			return fmt.Errorf("sqlite: checkpoint campaign %s: %w", cp.ID, err)
		}
		state, finished := c.State, c.FinishedAt
		if cp.Done && state == store.CampaignRunning {
			state, finished = store.CampaignCompleted, cp.At
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET cursor = ?, targeted = targeted + ?, accepted = accepted + ?, refused = ?,
			state = ?, finished_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
			cp.To, cp.Targeted, cp.Accepted, string(refused), string(state), ms(finished), ms(cp.At), cp.TenantID, cp.ID); err != nil {
			return fmt.Errorf("sqlite: checkpoint campaign: %w", err)
		}
		if len(cp.Messages) > 0 {
			st, err := tx.PrepareContext(ctx, `INSERT INTO campaign_messages (tenant_id, campaign_id, wa_id, message_id) VALUES (?, ?, ?, ?)
				ON CONFLICT DO NOTHING`)
			if err != nil {
				return fmt.Errorf("sqlite: checkpoint campaign: %w", err)
			}
			defer st.Close()
			for _, m := range cp.Messages {
				if _, err := st.ExecContext(ctx, cp.TenantID, cp.ID, m.WaID, m.MessageID); err != nil {
					return fmt.Errorf("sqlite: checkpoint campaign message: %w", err)
				}
			}
		}
		applied = true
		return nil
	})
	return applied, err
}

// CampaignMessageOf implements store.Campaigns.
func (s *Store) CampaignMessageOf(ctx context.Context, tenantID, id, waID string) (store.CampaignMessage, error) {
	m := store.CampaignMessage{WaID: waID}
	err := s.r.QueryRowContext(ctx, `SELECT message_id FROM campaign_messages WHERE tenant_id = ? AND campaign_id = ? AND wa_id = ?`,
		tenantID, id, waID).Scan(&m.MessageID)
	if err != nil {
		return store.CampaignMessage{}, notFound("campaign message", err)
	}
	return m, nil
}

// CampaignOutcomes implements store.Campaigns.
func (s *Store) CampaignOutcomes(ctx context.Context, tenantID, id string) (store.CampaignOutcomes, error) {
	c, err := s.GetCampaign(ctx, tenantID, id)
	if err != nil {
		return store.CampaignOutcomes{}, err
	}
	var out store.CampaignOutcomes
	rows, err := s.r.QueryContext(ctx, `SELECT m.state, CASE WHEN m.state = 'failed' THEN m.error_code ELSE 0 END, COUNT(*)
		FROM campaign_messages cm JOIN messages m ON m.id = cm.message_id
		WHERE cm.tenant_id = ? AND cm.campaign_id = ? GROUP BY 1, 2 ORDER BY 1, 2`, tenantID, id)
	if err != nil {
		return out, fmt.Errorf("sqlite: campaign outcomes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d store.CampaignDelivery
		var state string
		if err := rows.Scan(&state, &d.ErrorCode, &d.Count); err != nil {
			return out, fmt.Errorf("sqlite: campaign outcomes: %w", err)
		}
		d.State = store.MessageState(state)
		out.Deliveries = append(out.Deliveries, d)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("sqlite: campaign outcomes: %w", err)
	}
	since := ms(c.StartedAt)
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_messages cm JOIN windows w ON w.sender_id = ? AND w.wa_id = cm.wa_id
		WHERE cm.tenant_id = ? AND cm.campaign_id = ? AND w.at >= ?`, c.SenderID, tenantID, id, since).Scan(&out.Replied); err != nil {
		return out, fmt.Errorf("sqlite: campaign replies: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT cm.wa_id) FROM campaign_messages cm
		JOIN contacts ct ON ct.tenant_id = cm.tenant_id AND ct.wa_id = cm.wa_id
		JOIN consent_state cs ON cs.tenant_id = ct.tenant_id AND cs.contact_key = ct.contact_key
		WHERE cm.tenant_id = ? AND cm.campaign_id = ? AND cs.category IN ('marketing', 'all') AND cs.action = 'opt_out' AND cs.at >= ?`,
		tenantID, id, since).Scan(&out.OptOuts); err != nil {
		return out, fmt.Errorf("sqlite: campaign opt-outs: %w", err)
	}
	return out, nil
}
