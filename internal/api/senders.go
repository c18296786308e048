package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Senders reads the state of a tenant's senders: what Meta last said of
// them and their portfolio's messaging limit.
type Senders interface {
	// SendersOf lists a tenant's senders.
	SendersOf(ctx context.Context, tenantID string, now time.Time) ([]limits.SenderState, error)
	// SenderOf returns one of them (store.ErrNotFound when the tenant has
	// no such sender).
	SenderOf(ctx context.Context, tenantID, phoneNumberID string, now time.Time) (limits.SenderState, error)
	// ForecastOf plans a send of recipients from one of them; today ends
	// at dayEnd.
	ForecastOf(ctx context.Context, tenantID, phoneNumberID string, recipients int, now, dayEnd time.Time) (limits.SenderForecast, error)
}

// MaxForecastRecipients bounds a forecast's size.
const MaxForecastRecipients = 100_000_000

func (s *Server) listSenders(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.senders == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	list, err := s.senders.SendersOf(r.Context(), t.ID, s.now())
	if err != nil {
		s.log.Error("api: list senders", "tenant_id", t.ID, "err", err)
		writeError(w, errInternal(lang(r)))
		return
	}
	if list == nil {
		list = []limits.SenderState{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": list})
}

func (s *Server) getSender(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.senders == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	st, err := s.senders.SenderOf(r.Context(), t.ID, r.PathValue("id"), s.now())
	if err != nil {
		writeError(w, s.senderError(r, t, err))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) senderForecast(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.senders == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	q := r.URL.Query()
	raw := q.Get("recipients")
	if raw == "" {
		writeError(w, errMissing(lang(r), "recipients"))
		return
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxForecastRecipients {
		writeError(w, errParam(lang(r), "recipients", msgNotRecipients, MaxForecastRecipients))
		return
	}
	loc := time.UTC
	if tz := q.Get("tz"); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil || tz == "Local" {
			writeError(w, errParam(lang(r), "tz", msgNotTimeZone))
			return
		}
	}
	now := s.now()
	local := now.In(loc)
	dayEnd := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	f, err := s.senders.ForecastOf(r.Context(), t.ID, r.PathValue("id"), n, now, dayEnd)
	if err != nil {
		writeError(w, s.senderError(r, t, err))
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// senderError answers an unknown sender (or another tenant's) as Graph
// answers an object it cannot see, and anything else as a logged 500.
func (s *Server) senderError(r *http.Request, t store.Tenant, err error) *wire.Error {
	if errors.Is(err, store.ErrNotFound) {
		e := wire.NewError(wire.CodeInvalidParameter, text(lang(r), msgUnknownObject, r.PathValue("id")))
		e.HTTPStatus = http.StatusNotFound
		return e
	}
	s.log.Error("api: sender", "tenant_id", t.ID, "err", err)
	return errInternal(lang(r))
}
