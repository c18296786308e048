package server

import (
	"context"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// incidentReader is what an appeal reads of an incident: the risk
// engine's record of it, from the store.
type incidentReader interface {
	Incident(ctx context.Context, tenantID, id string) (store.Incident, error)
}

// appealIncidents gives the appeal dossier the risk engine's incidents,
// their window and their timeline: Meta's webhooks as received and the
// gateway's decisions and actions.
type appealIncidents struct{ st incidentReader }

// Incident implements appeal.Incidents.
func (a appealIncidents) Incident(ctx context.Context, tenantID, id string) (appeal.Incident, error) {
	in, err := a.st.Incident(ctx, tenantID, id)
	if err != nil {
		return appeal.Incident{}, fmt.Errorf("incident %s: %w", id, err)
	}
	out := appeal.Incident{ID: in.ID, SenderID: in.PhoneNumberID, Kind: string(in.Kind), Opened: in.OpenedAt, Closed: in.ClosedAt}
	for _, e := range in.Timeline {
		src := "gateway"
		if e.Kind == store.EventMeta {
			src = "meta"
		}
		detail := e.Detail
		if detail == "" && len(e.Raw) > 0 {
			detail = string(e.Raw)
		}
		out.Timeline = append(out.Timeline, appeal.Event{At: e.At, Source: src, Kind: "incident." + string(e.Kind), Event: e.Name, Detail: detail})
	}
	return out, nil
}
