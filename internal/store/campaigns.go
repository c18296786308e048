package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrCampaignState reports that a campaign was not in a state the change
// allows (a resume of a running campaign, a start of a cancelled one).
var ErrCampaignState = errors.New("store: campaign is not in a state that allows this")

// CampaignState is where a campaign is in its life (package campaign).
type CampaignState string

// Campaign states.
const (
	CampaignDraft     CampaignState = "draft"
	CampaignPreflight CampaignState = "preflight" // a pre-flight ran; ready to start
	CampaignScheduled CampaignState = "scheduled" // started, waiting for StartAt
	CampaignRunning   CampaignState = "running"
	CampaignPaused    CampaignState = "paused"
	CampaignCompleted CampaignState = "completed"
	CampaignCancelled CampaignState = "cancelled"
)

// Campaign is one template sent to an audience, with its progress.
type Campaign struct {
	TenantID string
	ID       string
	Name     string
	// SenderID is the phone_number_id it sends from.
	SenderID         string
	TemplateName     string
	TemplateLanguage string
	// Params is the JSON array of body parameter expressions, taken per
	// contact ("{{name}}", "{{attr.order}}", or literal text).
	Params     []byte
	AudienceID string
	// StartAt is when a started campaign begins sending (zero: at once).
	StartAt     time.Time
	State       CampaignState
	StateReason string
	// Cursor is the wa_id of the last contact handled: contacts are walked
	// in wa_id order and the next chunk starts after it.
	Cursor string
	// Counters up to Cursor. Refused is a JSON object, refusal code →
	// count ("{}" when none).
	Targeted, Accepted int64
	Refused            []byte
	CreatedAt          time.Time
	UpdatedAt          time.Time
	StartedAt          time.Time
	FinishedAt         time.Time
}

// CampaignMessage ties a message the campaign had accepted to its contact.
type CampaignMessage struct {
	WaID      string
	MessageID string
}

// CampaignCheckpoint is the progress of one chunk, written at once.
type CampaignCheckpoint struct {
	TenantID, ID string
	// From is the cursor the chunk started after: the checkpoint applies
	// only while the campaign's cursor is still there, so a chunk run twice
	// (two replicas, a stale round) lands once.
	From, To           string
	Targeted, Accepted int64
	Refused            map[string]int64
	Messages           []CampaignMessage
	// Done marks the audience exhausted: a running campaign completes.
	Done bool
	At   time.Time
}

// CampaignDelivery counts a campaign's messages in one state (and, for
// failed ones, one error code).
type CampaignDelivery struct {
	State     MessageState
	ErrorCode int
	Count     int64
}

// CampaignOutcomes is what became of a campaign's messages and people.
type CampaignOutcomes struct {
	Deliveries []CampaignDelivery
	// Replied counts the campaign's contacts who wrote to its sender after
	// it started; OptOuts those whose marketing consent (or all) became an
	// opt-out after it started.
	Replied, OptOuts int64
}

// Campaigns holds campaigns and the messages they accepted.
type Campaigns interface {
	// CreateCampaign inserts a campaign (ErrExists when its id is taken).
	CreateCampaign(ctx context.Context, c Campaign) error
	// GetCampaign returns one campaign.
	GetCampaign(ctx context.Context, tenantID, id string) (Campaign, error)
	// ListCampaigns returns a tenant's campaigns by id.
	ListCampaigns(ctx context.Context, tenantID string) ([]Campaign, error)
	// SetCampaignState moves a campaign to state `to` with reason when it is
	// in one of from (ErrCampaignState otherwise) and returns it changed.
	// Entering running sets StartedAt once; entering completed or
	// cancelled sets FinishedAt.
	SetCampaignState(ctx context.Context, tenantID, id string, from []CampaignState, to CampaignState, reason string, at time.Time) (Campaign, error)
	// DueCampaigns returns up to limit campaigns that have sending to do:
	// running ones, and scheduled ones whose StartAt is not after now.
	DueCampaigns(ctx context.Context, now time.Time, limit int) ([]Campaign, error)
	// CheckpointCampaign records a chunk's progress and the messages it
	// accepted in one transaction; false (and nothing written) when the
	// campaign's cursor is no longer cp.From.
	CheckpointCampaign(ctx context.Context, cp CampaignCheckpoint) (bool, error)
	// CampaignMessageOf returns the message the campaign accepted for a
	// contact (ErrNotFound when none).
	CampaignMessageOf(ctx context.Context, tenantID, id, waID string) (CampaignMessage, error)
	// CampaignOutcomes joins a campaign's messages with their states and its
	// contacts with their replies and opt-outs.
	CampaignOutcomes(ctx context.Context, tenantID, id string) (CampaignOutcomes, error)
}

// MergeRefused adds counts to a stored refused-by-code JSON object; both
// engines' checkpoints use it so the column reads the same.
func MergeRefused(stored []byte, add map[string]int64) ([]byte, error) {
	m := map[string]int64{}
	if len(stored) > 0 {
		if err := json.Unmarshal(stored, &m); err != nil {
			return nil, fmt.Errorf("refused counts: %w", err)
		}
	}
	for k, v := range add {
		m[k] += v
	}
	return json.Marshal(m)
}
