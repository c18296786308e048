package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Rule names and codes of refusals the gateway makes before the pipeline
// runs; they are stored like the pipeline's own decisions.
const (
	ruleRequest      = "request"
	codeBodyTooLarge = "request.body_too_large"
	codeContentType  = "request.content_type"
	codeUnreadable   = "request.unreadable"
)

// handleSend serves POST /{version}/{phone_number_id}/messages: it reads the
// HTTP request into an intake.Request and writes the intake's Result back in
// Graph's shape. Every decision is the intake's.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	if !checkVersion(w, r) {
		return
	}
	tenant, gerr := s.authenticate(r)
	if gerr != nil {
		writeAuthError(w, gerr)
		return
	}
	ctx := r.Context()
	req := intake.Request{
		TenantID:       tenant.ID,
		PhoneNumberID:  r.PathValue("phone_number_id"),
		IdempotencyKey: strings.TrimSpace(r.Header.Get(IdempotencyKeyHeader)),
		Lang:           refusal.Header(r),
		Now:            s.now(),
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// SDKs that send no Content-Type still send JSON; anything else
		// declared is refused rather than guessed at.
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			s.answer(ctx, w, r, s.intake.Refuse(ctx, req, "", policy.Rejected(ruleRequest, codeContentType, wire.CodeInvalidParameter,
				"The request body must be JSON with Content-Type application/json.")))
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			d := policy.Rejected(ruleRequest, codeBodyTooLarge, wire.CodeInvalidParameter,
				fmt.Sprintf("The request body exceeds the limit of %d bytes.", s.maxBody))
			d.Err.HTTPStatus = http.StatusRequestEntityTooLarge
			s.answer(ctx, w, r, s.intake.Refuse(ctx, req, "", d))
			return
		}
		// The client went away or sent a broken body: nothing to answer
		// usefully, but answer in Graph's shape all the same.
		s.answer(ctx, w, r, s.intake.Refuse(ctx, req, "", policy.Rejected(ruleRequest, codeUnreadable, wire.CodeInvalidParameter,
			"The request body could not be read.")))
		return
	}
	req.Body = body
	res, err := s.intake.Accept(ctx, req)
	if err != nil {
		if errors.Is(err, intake.ErrGone) || ctx.Err() != nil {
			return // the client is gone; the outcome is unknown to it either way
		}
		s.log.ErrorContext(ctx, "gateway: intake failed", "err", err, "tenant_id", tenant.ID, "sender", req.PhoneNumberID)
		writeError(w, errInternal())
		return
	}
	if res.Outcome == intake.Relay {
		s.relay(ctx, w, res.Sender, http.MethodPost, "/"+req.PhoneNumberID+"/messages", nil, "application/json", bytes.NewReader(body))
		return
	}
	s.answer(ctx, w, r, res)
}

// answer writes an intake Result.
func (s *Server) answer(_ context.Context, w http.ResponseWriter, _ *http.Request, res intake.Result) {
	switch res.Outcome {
	case intake.Refused:
		writeError(w, res.Err)
	case intake.Replayed:
		w.Header().Set(ReplayedHeader, "true")
		writeJSON(w, res.Status, res.Answer)
	default:
		writeJSON(w, http.StatusOK, res.Answer)
	}
}
