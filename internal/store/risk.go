package store

import (
	"context"
	"time"
)

// RiskCount is one rolling counter of the risk engine: how many times a
// metric ("sent", "failed:131049", "quality:RED", …) was seen for a sender,
// and for a campaign of it, in the hour starting at Bucket. Counters live in
// the store so that every replica adds to the same numbers and a restart
// loses none of them.
type RiskCount struct {
	TenantID      string
	PhoneNumberID string
	// CampaignID is the campaign the messages belonged to; "" counts the
	// sender as a whole. Campaigns do not exist yet: the column waits for
	// them, and "" (the NULL of this key) is what every count uses today.
	CampaignID string
	Metric     string
	// Bucket is the start of the hour counted (UTC, truncated).
	Bucket time.Time
	N      int64
}

// BrakeLevel is how hard the risk engine holds a sender (or a campaign)
// back. Levels are ordered: a higher one includes every lower one.
type BrakeLevel string

// Brake levels, from none to a full stop.
const (
	BrakeNone BrakeLevel = ""
	// BrakeSlow: the dispatcher sends at RateFactor of the throughput.
	BrakeSlow BrakeLevel = "slow"
	// BrakePauseMarketing: marketing templates wait; utility,
	// authentication and replies in an open window go.
	BrakePauseMarketing BrakeLevel = "pause_marketing"
	// BrakePauseBusiness: every business-initiated message waits; replies
	// in an open customer-service window go.
	BrakePauseBusiness BrakeLevel = "pause_business"
	// BrakeStop: nothing goes (the sender is stopped as well).
	BrakeStop BrakeLevel = "stop"
)

// Brake is the risk engine's hold on a sender (CampaignID "") or on one of
// its campaigns.
type Brake struct {
	TenantID      string
	PhoneNumberID string
	CampaignID    string
	Level         BrakeLevel
	// RateFactor scales the sender's throughput (1 = full speed). During
	// a warm-up it is the factor at WarmupFrom and rises to 1 by
	// WarmupUntil.
	RateFactor float64
	// Code is Meta's code, or account_update event, that caused an
	// immediate stop (0 when the score did).
	Code   int
	Reason string
	// Score is the risk score when the level was set.
	Score float64
	// Until is when a restriction Meta set expires (zero: none given, or
	// not a restriction); the engine lifts the brake then.
	Until time.Time
	// WarmupFrom and WarmupUntil bound the warm-up after a resume (zero
	// when none is running).
	WarmupFrom, WarmupUntil time.Time
	// Manual is set when an operator chose this level; the score then does
	// not lower it.
	Manual    bool
	ChangedAt time.Time
}

// IncidentKind is what opened an incident.
type IncidentKind string

// Incident kinds.
const (
	IncidentFlag        IncidentKind = "flag"        // quality dropped (a flag, a template paused)
	IncidentPause       IncidentKind = "pause"       // the gateway paused sending
	IncidentRestriction IncidentKind = "restriction" // Meta restricted the account or number
	IncidentBan         IncidentKind = "ban"         // Meta disabled or locked the account
)

// Incident is a sender's flag, pause, restriction or ban, open until the
// number recovers.
type Incident struct {
	ID            string
	TenantID      string
	PhoneNumberID string
	WABAID        string
	// CampaignID is the campaign it is about ("" for the sender).
	CampaignID string
	Kind       IncidentKind
	Title      string
	OpenedAt   time.Time
	// ClosedAt is zero while the incident is open.
	ClosedAt time.Time
	// Timeline is filled by Incident (not by Incidents), oldest first.
	Timeline []IncidentEvent
}

// Open reports whether the incident is still open.
func (i Incident) Open() bool { return i.ClosedAt.IsZero() }

// IncidentEventKind tells who wrote a line of an incident's timeline.
type IncidentEventKind string

// Timeline entry kinds.
const (
	// EventMeta is a webhook from Meta (Raw holds its value as received)
	// or an error Meta answered a send with.
	EventMeta IncidentEventKind = "meta"
	// EventDecision is the gateway's reading of the signals (a score
	// crossing a threshold).
	EventDecision IncidentEventKind = "decision"
	// EventAction is what the gateway did (a brake set or lifted, an
	// alert sent).
	EventAction IncidentEventKind = "action"
)

// IncidentEvent is one line of an incident's timeline.
type IncidentEvent struct {
	IncidentID string
	At         time.Time
	Kind       IncidentEventKind
	// Name is the event's short name (ACCOUNT_RESTRICTION, brake.pause_business…).
	Name   string
	Detail string
	// Raw is the Meta payload for EventMeta ("" otherwise).
	Raw []byte
}

// Risk holds the risk engine's counters, brakes and incidents.
type Risk interface {
	// AddRiskCounts adds each count to its counter (created at zero), in
	// one transaction.
	AddRiskCounts(ctx context.Context, counts []RiskCount) error
	// RiskCounts returns the hourly counters of a sender (campaignID "")
	// or of one of its campaigns whose bucket starts at or after since.
	RiskCounts(ctx context.Context, phoneNumberID, campaignID string, since time.Time) ([]RiskCount, error)
	// DeleteRiskCountsBefore drops buckets older than before and reports
	// how many.
	DeleteRiskCountsBefore(ctx context.Context, before time.Time) (int64, error)

	// PutBrake inserts or replaces a brake.
	PutBrake(ctx context.Context, b Brake) error
	// GetBrake returns a brake (ErrNotFound when none was ever set).
	GetBrake(ctx context.Context, phoneNumberID, campaignID string) (Brake, error)
	// ListBrakes returns every brake row, any level.
	ListBrakes(ctx context.Context) ([]Brake, error)

	// OpenIncident stores a new incident (ErrExists when its id is taken)
	// with the timeline entries it carries.
	OpenIncident(ctx context.Context, in Incident) error
	// AppendIncidentEvents adds lines to incidents' timelines.
	AppendIncidentEvents(ctx context.Context, events []IncidentEvent) error
	// CloseIncident marks an incident closed at at (ErrNotFound when no
	// open incident has that id).
	CloseIncident(ctx context.Context, id string, at time.Time) error
	// OpenIncidentOf returns the open incident of a sender (campaignID ""
	// for the sender itself), ErrNotFound when none is open.
	OpenIncidentOf(ctx context.Context, phoneNumberID, campaignID string) (Incident, error)
	// Incident returns one of a tenant's incidents with its timeline
	// (ErrNotFound when the tenant has no such incident).
	Incident(ctx context.Context, tenantID, id string) (Incident, error)
	// Incidents lists a tenant's incidents, newest first, without their
	// timelines; phoneNumberID "" lists every sender's. limit ≤ 0 means 100.
	Incidents(ctx context.Context, tenantID, phoneNumberID string, limit int) ([]Incident, error)
}
