package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Campaigns manages a tenant's campaigns (campaign.Service).
type Campaigns interface {
	Create(ctx context.Context, tenantID string, sp campaign.Spec) (campaign.View, error)
	List(ctx context.Context, tenantID string) ([]campaign.View, error)
	Get(ctx context.Context, tenantID, id string) (campaign.View, error)
	Preflight(ctx context.Context, tenantID, id string) (campaign.Preflight, error)
	Start(ctx context.Context, tenantID, id string) (campaign.View, error)
	Pause(ctx context.Context, tenantID, id, reason string) (campaign.View, error)
	Resume(ctx context.Context, tenantID, id string) (campaign.View, error)
	Cancel(ctx context.Context, tenantID, id string) (campaign.View, error)
	Stats(ctx context.Context, tenantID, id string) (campaign.Stats, error)
}

// campaignError maps a campaign refusal onto Graph's shape: bad input is a
// 400 naming the field, an unknown campaign a 404, a taken id or a change
// the campaign's state does not allow a 409; anything else is logged.
func (s *Server) campaignError(r *http.Request, t store.Tenant, err error) *wire.Error {
	var fe *campaign.FieldError
	var we wireErr
	switch {
	case errors.As(err, &we):
		return we.e
	case errors.As(err, &fe):
		return errParam(lang(r), fe.Field, msgAsGiven, fe.Reason)
	case errors.Is(err, store.ErrNotFound):
		e := wire.NewError(wire.CodeInvalidParameter, text(lang(r), msgNoCampaign, r.PathValue("id")))
		e.HTTPStatus = http.StatusNotFound
		return e
	case errors.Is(err, store.ErrExists):
		e := wire.NewError(wire.CodeInvalidParameter, text(lang(r), msgCampaignExists))
		e.HTTPStatus = http.StatusConflict
		return e
	case errors.Is(err, store.ErrCampaignState):
		m := text(lang(r), msgCampaignStateAny)
		if v, gerr := s.campaigns.Get(r.Context(), t.ID, r.PathValue("id")); gerr == nil {
			m = text(lang(r), msgCampaignState, v.State)
		}
		e := wire.NewError(wire.CodeInvalidParameter, m)
		e.HTTPStatus = http.StatusConflict
		return e
	}
	s.log.ErrorContext(r.Context(), "api: campaign", "tenant_id", t.ID, "err", err, "route", r.Pattern)
	return errInternal(lang(r))
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.campaigns == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	var sp campaign.Spec
	if e := s.decodeJSON(r, &sp); e != nil {
		writeError(w, e)
		return
	}
	v, err := s.campaigns.Create(r.Context(), t.ID, sp)
	if err != nil {
		writeError(w, s.campaignError(r, t, err))
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.campaigns == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	list, err := s.campaigns.List(r.Context(), t.ID)
	if err != nil {
		writeError(w, s.campaignError(r, t, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": list})
}

// campaignAction serves one per-campaign operation.
func (s *Server) campaignAction(fn func(ctx context.Context, c Campaigns, r *http.Request, tenantID, id string) (any, error)) tenantHandler {
	return func(w http.ResponseWriter, r *http.Request, t store.Tenant) {
		if s.campaigns == nil {
			writeError(w, errUnknownPath(r))
			return
		}
		v, err := fn(r.Context(), s.campaigns, r, t.ID, r.PathValue("id"))
		if err != nil {
			writeError(w, s.campaignError(r, t, err))
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// pauseRequest is the optional body of a pause.
type pauseRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) campaignRoutes() []route {
	return []route{
		{method: "POST", path: "/campaigns", handler: s.createCampaign},
		{method: "GET", path: "/campaigns", handler: s.listCampaigns},
		{method: "GET", path: "/campaigns/{id}", handler: s.campaignAction(func(ctx context.Context, c Campaigns, _ *http.Request, tid, id string) (any, error) {
			return c.Get(ctx, tid, id)
		})},
		{method: "POST", path: "/campaigns/{id}/preflight", handler: s.campaignAction(func(ctx context.Context, c Campaigns, _ *http.Request, tid, id string) (any, error) {
			return c.Preflight(ctx, tid, id)
		})},
		{method: "POST", path: "/campaigns/{id}/start", handler: s.campaignAction(func(ctx context.Context, c Campaigns, _ *http.Request, tid, id string) (any, error) {
			return c.Start(ctx, tid, id)
		})},
		{method: "POST", path: "/campaigns/{id}/pause", handler: s.campaignAction(func(ctx context.Context, c Campaigns, r *http.Request, tid, id string) (any, error) {
			var p pauseRequest
			if r.ContentLength != 0 {
				if e := s.decodeJSON(r, &p); e != nil {
					return nil, wireErr{e}
				}
			}
			if len(p.Reason) > 256 {
				return nil, &campaign.FieldError{Field: "reason", Reason: "at most 256 bytes"}
			}
			return c.Pause(ctx, tid, id, p.Reason)
		})},
		{method: "POST", path: "/campaigns/{id}/resume", handler: s.campaignAction(func(ctx context.Context, c Campaigns, _ *http.Request, tid, id string) (any, error) {
			return c.Resume(ctx, tid, id)
		})},
		{method: "POST", path: "/campaigns/{id}/cancel", handler: s.campaignAction(func(ctx context.Context, c Campaigns, _ *http.Request, tid, id string) (any, error) {
			return c.Cancel(ctx, tid, id)
		})},
		{method: "GET", path: "/campaigns/{id}/stats", handler: s.campaignAction(func(ctx context.Context, c Campaigns, _ *http.Request, tid, id string) (any, error) {
			return c.Stats(ctx, tid, id)
		})},
	}
}

// wireErr carries a Graph error the API itself made (a bad body) through
// a campaign action.
type wireErr struct{ e *wire.Error }

func (w wireErr) Error() string { return w.e.Message }
