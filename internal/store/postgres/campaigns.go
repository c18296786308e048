package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
	tag, err := s.pool.Exec(ctx, `INSERT INTO campaigns (tenant_id, `+campaignCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) ON CONFLICT DO NOTHING`,
		c.TenantID, c.ID, c.Name, c.SenderID, c.TemplateName, c.TemplateLanguage, paramsJSON(c.Params), c.AudienceID,
		nullTime(msTime(c.StartAt)), string(c.State), c.StateReason, c.Cursor, c.Targeted, c.Accepted, refusedJSON(c.Refused),
		msTime(c.CreatedAt), msTime(c.UpdatedAt), nullTime(msTime(c.StartedAt)), nullTime(msTime(c.FinishedAt)))
	if err != nil {
		return fmt.Errorf("postgres: create campaign: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create campaign %s: %w", c.ID, store.ErrExists)
	}
	return nil
}

func scanCampaign(r pgx.Row, tenant *string) (store.Campaign, error) {
	var c store.Campaign
	var params, refused, state string
	var startAt, started, finished pgtype.Timestamptz
	dest := []any{&c.ID, &c.Name, &c.SenderID, &c.TemplateName, &c.TemplateLanguage, &params, &c.AudienceID, &startAt,
		&state, &c.StateReason, &c.Cursor, &c.Targeted, &c.Accepted, &refused, &c.CreatedAt, &c.UpdatedAt, &started, &finished}
	if tenant != nil {
		dest = append([]any{tenant}, dest...)
	}
	if err := r.Scan(dest...); err != nil {
		return c, err
	}
	if tenant != nil {
		c.TenantID = *tenant
	}
	c.Params, c.Refused, c.State = []byte(params), []byte(refused), store.CampaignState(state)
	c.StartAt, c.StartedAt, c.FinishedAt = fromNull(startAt), fromNull(started), fromNull(finished)
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return c, nil
}

func getCampaign(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, tenantID, id, lock string) (store.Campaign, error) {
	c, err := scanCampaign(q.QueryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE tenant_id = $1 AND id = $2`+lock, tenantID, id), nil)
	c.TenantID = tenantID
	return c, err
}

// GetCampaign implements store.Campaigns.
func (s *Store) GetCampaign(ctx context.Context, tenantID, id string) (store.Campaign, error) {
	c, err := getCampaign(ctx, s.pool, tenantID, id, "")
	if err != nil {
		return store.Campaign{}, notFound(err, "get campaign")
	}
	return c, nil
}

func (s *Store) queryCampaigns(ctx context.Context, q string, args ...any) ([]store.Campaign, error) {
	rows, err := s.pool.Query(ctx, `SELECT tenant_id, `+campaignCols+` FROM campaigns `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list campaigns: %w", err)
	}
	defer rows.Close()
	var out []store.Campaign
	for rows.Next() {
		var tenant string
		c, err := scanCampaign(rows, &tenant)
		if err != nil {
			return nil, fmt.Errorf("postgres: list campaigns: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list campaigns: %w", err)
	}
	return out, nil
}

// ListCampaigns implements store.Campaigns.
func (s *Store) ListCampaigns(ctx context.Context, tenantID string) ([]store.Campaign, error) {
	return s.queryCampaigns(ctx, `WHERE tenant_id = $1 ORDER BY id COLLATE "C"`, tenantID)
}

// DueCampaigns implements store.Campaigns.
func (s *Store) DueCampaigns(ctx context.Context, now time.Time, limit int) ([]store.Campaign, error) {
	return s.queryCampaigns(ctx, `WHERE state = 'running' OR (state = 'scheduled' AND (start_at IS NULL OR start_at <= $1))
		ORDER BY updated_at, tenant_id COLLATE "C", id COLLATE "C" LIMIT $2`, now, limit)
}

// SetCampaignState implements store.Campaigns.
func (s *Store) SetCampaignState(ctx context.Context, tenantID, id string, from []store.CampaignState, to store.CampaignState, reason string, at time.Time) (store.Campaign, error) {
	var out store.Campaign
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		c, err := getCampaign(ctx, tx, tenantID, id, " FOR UPDATE")
		if err != nil {
			return notFound(err, "set campaign state")
		}
		if !slices.Contains(from, c.State) {
			return fmt.Errorf("postgres: campaign %s is %s: %w", id, c.State, store.ErrCampaignState)
		}
		c.State, c.StateReason, c.UpdatedAt = to, reason, msTime(at)
		if to == store.CampaignRunning && c.StartedAt.IsZero() {
			c.StartedAt = msTime(at)
		}
		if to == store.CampaignCompleted || to == store.CampaignCancelled {
			c.FinishedAt = msTime(at)
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET state = $1, state_reason = $2, updated_at = $3, started_at = $4, finished_at = $5
			WHERE tenant_id = $6 AND id = $7`, string(c.State), c.StateReason, c.UpdatedAt, nullTime(c.StartedAt), nullTime(c.FinishedAt), tenantID, id); err != nil {
			return fmt.Errorf("postgres: set campaign state: %w", err)
		}
		c.UpdatedAt, c.StartedAt, c.FinishedAt = utc(c.UpdatedAt), utc(c.StartedAt), utc(c.FinishedAt)
		out = c
		return nil
	})
	return out, err
}

// CheckpointCampaign implements store.Campaigns.
func (s *Store) CheckpointCampaign(ctx context.Context, cp store.CampaignCheckpoint) (bool, error) {
	applied := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		applied = false
		c, err := getCampaign(ctx, tx, cp.TenantID, cp.ID, " FOR UPDATE")
		if err != nil {
			return notFound(err, "checkpoint campaign")
		}
		if c.Cursor != cp.From {
			return nil
		}
		refused, err := store.MergeRefused(c.Refused, cp.Refused)
		if err != nil {
			return fmt.Errorf("postgres: checkpoint campaign %s: %w", cp.ID, err)
		}
		state, finished := c.State, c.FinishedAt
		if cp.Done && state == store.CampaignRunning {
			state, finished = store.CampaignCompleted, msTime(cp.At)
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET cursor = $1, targeted = targeted + $2, accepted = accepted + $3, refused = $4,
			state = $5, finished_at = $6, updated_at = $7 WHERE tenant_id = $8 AND id = $9`,
			cp.To, cp.Targeted, cp.Accepted, string(refused), string(state), nullTime(finished), msTime(cp.At), cp.TenantID, cp.ID); err != nil {
			return fmt.Errorf("postgres: checkpoint campaign: %w", err)
		}
		if len(cp.Messages) > 0 {
			was, ids := make([]string, len(cp.Messages)), make([]string, len(cp.Messages))
			for i, m := range cp.Messages {
				was[i], ids[i] = m.WaID, m.MessageID
			}
			if _, err := tx.Exec(ctx, `INSERT INTO campaign_messages (tenant_id, campaign_id, wa_id, message_id)
				SELECT $1, $2, w, m FROM unnest($3::text[], $4::text[]) AS u(w, m) ON CONFLICT DO NOTHING`,
				cp.TenantID, cp.ID, was, ids); err != nil {
				return fmt.Errorf("postgres: checkpoint campaign messages: %w", err)
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
	err := s.pool.QueryRow(ctx, `SELECT message_id FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2 AND wa_id = $3`,
		tenantID, id, waID).Scan(&m.MessageID)
	if err != nil {
		return store.CampaignMessage{}, notFound(err, "campaign message")
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
	rows, err := s.pool.Query(ctx, `SELECT m.state, CASE WHEN m.state = 'failed' THEN m.error_code ELSE 0 END, COUNT(*)
		FROM campaign_messages cm JOIN messages m ON m.id = cm.message_id
		WHERE cm.tenant_id = $1 AND cm.campaign_id = $2 GROUP BY 1, 2 ORDER BY 1, 2`, tenantID, id)
	if err != nil {
		return out, fmt.Errorf("postgres: campaign outcomes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d store.CampaignDelivery
		var state string
		var code int64
		if err := rows.Scan(&state, &code, &d.Count); err != nil {
			return out, fmt.Errorf("postgres: campaign outcomes: %w", err)
		}
		d.State, d.ErrorCode = store.MessageState(state), int(code)
		out.Deliveries = append(out.Deliveries, d)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("postgres: campaign outcomes: %w", err)
	}
	since := c.StartedAt
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_messages cm JOIN windows w ON w.sender_id = $1 AND w.wa_id = cm.wa_id
		WHERE cm.tenant_id = $2 AND cm.campaign_id = $3 AND w.at >= $4`, c.SenderID, tenantID, id, since).Scan(&out.Replied); err != nil {
		return out, fmt.Errorf("postgres: campaign replies: %w", err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(DISTINCT cm.wa_id) FROM campaign_messages cm
		JOIN contacts ct ON ct.tenant_id = cm.tenant_id AND ct.wa_id = cm.wa_id
		JOIN consent_state cs ON cs.tenant_id = ct.tenant_id AND cs.contact_key = ct.contact_key
		WHERE cm.tenant_id = $1 AND cm.campaign_id = $2 AND cs.category IN ('marketing', 'all') AND cs.action = 'opt_out' AND cs.at >= $3`,
		tenantID, id, since).Scan(&out.OptOuts); err != nil {
		return out, fmt.Errorf("postgres: campaign opt-outs: %w", err)
	}
	return out, nil
}
