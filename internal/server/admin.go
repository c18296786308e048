package server

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// adminHandler serves the operator endpoints:
//
//	GET  /_admin/senders               every sender with its state
//	POST /_admin/senders/{id}/resume   resume a stopped sender
//
// They need "Authorization: Bearer <admin_token>"; without an admin token
// configured they do not exist (404).
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_admin/senders", func(w http.ResponseWriter, r *http.Request) {
		senders, err := s.store.ListSenders(r.Context())
		if err != nil {
			s.log.Error("admin: list senders", "err", err)
			adminError(w, http.StatusInternalServerError, wire.CodeUnknownRequest, "could not list senders")
			return
		}
		type row struct {
			PhoneNumberID string            `json:"phone_number_id"`
			TenantID      string            `json:"tenant_id"`
			State         store.SenderState `json:"state"`
			Code          int               `json:"code,omitempty"`
			Reason        string            `json:"reason,omitempty"`
			Since         time.Time         `json:"since,omitzero"`
		}
		out := struct {
			Data []row `json:"data"`
		}{Data: []row{}}
		for _, snd := range senders {
			out.Data = append(out.Data, row{snd.PhoneNumberID, snd.TenantID, snd.State, snd.StateCode, snd.StateReason, snd.StateChangedAt})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /_admin/senders/{id}/resume", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		_, err := dispatch.Resume(r.Context(), s.store, id, time.Now())
		if err == nil && s.compliance != nil {
			s.compliance.intake.ForgetSender(id) // new sends are accepted at once
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			adminError(w, http.StatusNotFound, wire.CodeInvalidParameter, "unknown sender "+id)
			return
		case errors.Is(err, dispatch.ErrNotStopped):
			adminError(w, http.StatusConflict, wire.CodeInvalidParameter, "sender "+id+" is not stopped")
			return
		case err != nil:
			s.log.Error("admin: resume sender", "sender", id, "err", err)
			adminError(w, http.StatusInternalServerError, wire.CodeUnknownRequest, "could not resume the sender")
			return
		}
		s.log.Warn("sender resumed by an operator", "sender", id)
		s.dispatch.Notify(id)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true}`))
	})
	want := []byte("Bearer " + s.cfg.AdminToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.AdminToken == "" {
			adminError(w, http.StatusNotFound, wire.CodeInvalidParameter, "Unknown path components: "+r.URL.Path)
			return
		}
		got := []byte(strings.TrimSpace(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			adminError(w, http.StatusUnauthorized, wire.CodeAccessToken, "an admin token is required")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func adminError(w http.ResponseWriter, status, code int, msg string) {
	e := wire.NewError(code, msg)
	e.HTTPStatus = status
	wire.WriteError(w, e)
}
