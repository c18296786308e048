package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/risk"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Brakes pauses and resumes senders (the risk engine).
type Brakes interface {
	Pause(ctx context.Context, phoneNumberID string, level store.BrakeLevel, by string) (store.Brake, error)
	Resume(ctx context.Context, phoneNumberID, by string) (store.Brake, error)
	Brake(phoneNumberID string) store.Brake
}

// IncidentReader reads a tenant's incidents.
type IncidentReader interface {
	Incident(ctx context.Context, tenantID, id string) (store.Incident, error)
	Incidents(ctx context.Context, tenantID, phoneNumberID string, limit int) ([]store.Incident, error)
}

// brakeJSON is a sender's brake as the API shows it.
type brakeJSON struct {
	PhoneNumberID string     `json:"phone_number_id"`
	Level         string     `json:"level"`
	RateFactor    float64    `json:"rate_factor"`
	Reason        string     `json:"reason,omitempty"`
	Score         float64    `json:"score"`
	Code          int        `json:"code,omitempty"`
	Until         *time.Time `json:"until,omitempty"`
	WarmupUntil   *time.Time `json:"warmup_until,omitempty"`
	Manual        bool       `json:"manual"`
	ChangedAt     *time.Time `json:"changed_at,omitempty"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toBrakeJSON(phone string, b store.Brake) brakeJSON {
	level := string(b.Level)
	if level == "" {
		level = "none"
	}
	rate := b.RateFactor
	if rate == 0 {
		rate = 1
	}
	return brakeJSON{PhoneNumberID: phone, Level: level, RateFactor: rate, Reason: b.Reason, Score: b.Score, Code: b.Code,
		Until: timeOrNil(b.Until), WarmupUntil: timeOrNil(b.WarmupUntil), Manual: b.Manual, ChangedAt: timeOrNil(b.ChangedAt)}
}

// ownSender answers false (having written the error) unless the tenant owns
// the sender.
func (s *Server) ownSender(w http.ResponseWriter, r *http.Request, t store.Tenant) bool {
	if s.brakes == nil || s.senders == nil {
		writeError(w, errUnknownPath(r))
		return false
	}
	if _, err := s.senders.SenderOf(r.Context(), t.ID, r.PathValue("id"), s.now()); err != nil {
		writeError(w, s.senderError(r, t, err))
		return false
	}
	return true
}

var pauseLevels = map[string]store.BrakeLevel{
	"marketing": store.BrakePauseMarketing,
	"business":  store.BrakePauseBusiness,
	"all":       store.BrakeStop,
}

func (s *Server) pauseSender(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.ownSender(w, r, t) {
		return
	}
	raw := r.URL.Query().Get("level")
	if raw == "" {
		raw = "all"
	}
	level, ok := pauseLevels[raw]
	if !ok {
		writeError(w, errParam(lang(r), "level", msgNotBrakeLevel))
		return
	}
	id := r.PathValue("id")
	if _, err := s.brakes.Pause(r.Context(), id, level, "api (tenant "+t.ID+")"); err != nil {
		if errors.Is(err, dispatch.ErrAlreadyStopped) {
			e := wire.Errorf(wire.CodeInvalidParameter, "sender %s is already paused or stopped at this level or above; resume it first", id)
			e.HTTPStatus = http.StatusConflict
			writeError(w, e)
			return
		}
		s.log.Error("api: pause sender", "tenant_id", t.ID, "sender", id, "err", err)
		writeError(w, errInternal(lang(r)))
		return
	}
	writeJSON(w, http.StatusOK, toBrakeJSON(id, s.brakes.Brake(id)))
}

func (s *Server) resumeSender(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.ownSender(w, r, t) {
		return
	}
	id := r.PathValue("id")
	if _, err := s.brakes.Resume(r.Context(), id, "api (tenant "+t.ID+")"); err != nil {
		if errors.Is(err, risk.ErrNotHeld) {
			e := wire.Errorf(wire.CodeInvalidParameter, "sender %s is neither paused nor stopped", id)
			e.HTTPStatus = http.StatusConflict
			writeError(w, e)
			return
		}
		s.log.Error("api: resume sender", "tenant_id", t.ID, "sender", id, "err", err)
		writeError(w, errInternal(lang(r)))
		return
	}
	writeJSON(w, http.StatusOK, toBrakeJSON(id, s.brakes.Brake(id)))
}

// incidentJSON is an incident as the API shows it.
type incidentJSON struct {
	ID            string              `json:"id"`
	PhoneNumberID string              `json:"phone_number_id"`
	WABAID        string              `json:"waba_id,omitempty"`
	CampaignID    string              `json:"campaign_id,omitempty"`
	Kind          string              `json:"kind"`
	Title         string              `json:"title"`
	State         string              `json:"state"`
	OpenedAt      time.Time           `json:"opened_at"`
	ClosedAt      *time.Time          `json:"closed_at,omitempty"`
	Timeline      []incidentEventJSON `json:"timeline,omitempty"`
}

type incidentEventJSON struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Name   string    `json:"name"`
	Detail string    `json:"detail,omitempty"`
	// Raw is Meta's payload as received, when the line is one.
	Raw any `json:"raw,omitempty"`
}

func toIncidentJSON(in store.Incident) incidentJSON {
	out := incidentJSON{ID: in.ID, PhoneNumberID: in.PhoneNumberID, WABAID: in.WABAID, CampaignID: in.CampaignID,
		Kind: string(in.Kind), Title: in.Title, State: "open", OpenedAt: in.OpenedAt.UTC(), ClosedAt: timeOrNil(in.ClosedAt)}
	if !in.Open() {
		out.State = "closed"
	}
	for _, e := range in.Timeline {
		ej := incidentEventJSON{At: e.At.UTC(), Kind: string(e.Kind), Name: e.Name, Detail: e.Detail}
		if len(e.Raw) > 0 {
			ej.Raw = rawJSON(e.Raw)
		}
		out.Timeline = append(out.Timeline, ej)
	}
	return out
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.incidents == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	q := r.URL.Query()
	limit := DefaultPageSize
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxPageSize {
			writeError(w, errParam(lang(r), "limit", msgNotLimit, MaxPageSize))
			return
		}
		limit = n
	}
	list, err := s.incidents.Incidents(r.Context(), t.ID, q.Get("phone_number_id"), limit)
	if err != nil {
		s.log.Error("api: list incidents", "tenant_id", t.ID, "err", err)
		writeError(w, errInternal(lang(r)))
		return
	}
	out := make([]incidentJSON, 0, len(list))
	for _, in := range list {
		out = append(out, toIncidentJSON(in))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.incidents == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	in, err := s.incidents.Incident(r.Context(), t.ID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		e := wire.Errorf(wire.CodeInvalidParameter, "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", r.PathValue("id"))
		e.HTTPStatus = http.StatusNotFound
		writeError(w, e)
		return
	}
	if err != nil {
		s.log.Error("api: incident", "tenant_id", t.ID, "err", err)
		writeError(w, errInternal(lang(r)))
		return
	}
	writeJSON(w, http.StatusOK, toIncidentJSON(in))
}

// rawJSON shows a stored payload as JSON when it is, as a string when not.
func rawJSON(b []byte) any {
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	return string(b)
}
