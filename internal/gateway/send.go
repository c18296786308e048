package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Rule names and codes of refusals the gateway makes before the pipeline
// runs; they are stored like the pipeline's own decisions.
const (
	ruleRequest        = "request"
	codeBodyTooLarge   = "request.body_too_large"
	codeContentType    = "request.content_type"
	codeIdempotencyKey = "request.idempotency_key"
	codeUnreadable     = "request.unreadable"
)

// sendReq carries one send request through its steps.
type sendReq struct {
	tenantID string
	pnid     string
	idemKey  string
	now      time.Time
}

// handleSend serves POST /{version}/{phone_number_id}/messages.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { s.metrics.AcceptLatency.Observe(time.Since(start).Seconds()) }()
	if !checkVersion(w, r) {
		return
	}
	tenant, gerr := s.authenticate(r)
	if gerr != nil {
		writeAuthError(w, gerr)
		return
	}
	ctx := r.Context()
	sr := sendReq{tenantID: tenant.ID, pnid: r.PathValue("phone_number_id"), now: s.now()}

	sr.idemKey = strings.TrimSpace(r.Header.Get(IdempotencyKeyHeader))
	if len(sr.idemKey) > MaxIdempotencyKey {
		s.reject(ctx, w, sr, "", policy.Rejected(ruleRequest, codeIdempotencyKey, wire.CodeInvalidParameter,
			fmt.Sprintf("The %s header must be at most %d characters.", IdempotencyKeyHeader, MaxIdempotencyKey)))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// SDKs that send no Content-Type still send JSON; anything else
		// declared is refused rather than guessed at.
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			s.reject(ctx, w, sr, "", policy.Rejected(ruleRequest, codeContentType, wire.CodeInvalidParameter,
				"The request body must be JSON with Content-Type application/json."))
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
			s.reject(ctx, w, sr, "", d)
			return
		}
		// The client went away or sent a broken body: nothing to answer
		// usefully, but answer in Graph's shape all the same.
		s.reject(ctx, w, sr, "", policy.Rejected(ruleRequest, codeUnreadable, wire.CodeInvalidParameter,
			"The request body could not be read."))
		return
	}

	if sr.idemKey != "" {
		release, err := s.locks.acquire(ctx, tenant.ID+"\x00"+sr.idemKey)
		if err != nil {
			return // the client is gone
		}
		defer release()
		idem, found, err := s.storedAnswer(ctx, tenant.ID, sr.idemKey)
		if err != nil {
			s.log.ErrorContext(ctx, "gateway: idempotency lookup failed", "err", err, "tenant_id", tenant.ID)
			writeError(w, errInternal())
			return
		}
		if found {
			replay(w, idem)
			return
		}
	}
	s.send(ctx, w, sr, body)
}

// send runs the pipeline on a read body and answers.
func (s *Server) send(ctx context.Context, w http.ResponseWriter, sr sendReq, body []byte) {
	var sender *policy.Sender
	snd, err := s.store.GetSender(ctx, sr.pnid)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		s.log.ErrorContext(ctx, "gateway: sender lookup failed", "err", err, "sender", sr.pnid)
		writeError(w, errInternal())
		return
	default:
		sender = &policy.Sender{
			PhoneNumberID:      snd.PhoneNumberID,
			TenantID:           snd.TenantID,
			WABAID:             snd.WABAID,
			DisplayPhoneNumber: snd.DisplayPhoneNumber,
			Stopped:            snd.State == store.SenderStopped,
		}
	}

	m := &policy.Message{
		TenantID:      sr.tenantID,
		PhoneNumberID: sr.pnid,
		Sender:        sender,
		Raw:           body,
		Now:           sr.now,
	}
	// Ownership first, whatever rules the pipeline was given: the gateway
	// never acts on another tenant's number, and a tenant probing one learns
	// nothing from schema errors. It is two comparisons, so running it again
	// inside a pipeline that also lists it costs nothing.
	if d := (policy.Ownership{}).Check(ctx, m); d.Outcome != policy.Allow {
		d.Rule = policy.Ownership{}.Name()
		s.reject(ctx, w, sr, "", d)
		return
	}
	if sender != nil && sender.Stopped {
		// Refused at once rather than queued behind a stop nobody may
		// lift soon; see docs/resilience.md.
		s.refuseStopped(ctx, w, sr, snd)
		return
	}
	d := s.pipeline.Evaluate(ctx, m)
	if d.Outcome == policy.Reject {
		s.reject(ctx, w, sr, m.WaID, d)
		return
	}
	if m.Request == nil {
		// A pipeline without the schema rule: parse here so nothing
		// unparsed is ever queued.
		if d := (policy.Schema{}).Check(ctx, m); d.Outcome != policy.Allow {
			d.Rule = policy.Schema{}.Name()
			s.reject(ctx, w, sr, "", d)
			return
		}
	}
	if m.Request.IsMarkRead() {
		s.relay(ctx, w, snd, http.MethodPost, "/"+sr.pnid+"/messages", nil, "application/json", bytes.NewReader(body))
		return
	}
	s.accept(ctx, w, sr, m, d)
}

// accept commits an allowed or deferred message and answers Meta's success
// body once the commit is durable.
func (s *Server) accept(ctx context.Context, w http.ResponseWriter, sr sendReq, m *policy.Message, d policy.Decision) {
	req := m.Request
	recipient, normalised := req.To, false
	if req.RecipientType != "group" {
		// A group id is not a phone number and goes as given.
		recipient, normalised = recipientOf(req.To, m.WaID)
	}
	sendBody := m.Raw
	if normalised {
		b, err := replaceTo(m.Raw, "+"+recipient)
		if err != nil {
			// The body parsed a moment ago, so this is a gateway bug.
			s.log.ErrorContext(ctx, "gateway: rewrite recipient failed", "err", err)
			writeError(w, errInternal())
			return
		}
		sendBody = b
	}

	id := wire.NewMessageID()
	next := sr.now
	outcome := store.OutcomeAllow
	if d.Outcome == policy.Defer {
		outcome = store.OutcomeDefer
		if d.Until.After(next) {
			next = d.Until
		}
	}
	resp := wire.SendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []wire.SendContact{{Input: req.To, WaID: recipient}},
		Messages:         []wire.SentMessage{{ID: id}},
	}
	if req.IsTemplate() {
		resp.Messages[0].MessageStatus = wire.MessageStatusAccepted
	}
	answer, err := json.Marshal(resp)
	if err != nil {
		s.log.ErrorContext(ctx, "gateway: encode answer failed", "err", err)
		writeError(w, errInternal())
		return
	}

	in := &store.Intake{
		Message: &store.Message{
			ID:            id,
			TenantID:      sr.tenantID,
			SenderID:      sr.pnid,
			Input:         req.To,
			WaID:          recipient,
			Type:          req.Type,
			Category:      m.Category,
			Body:          sendBody,
			State:         store.StateQueued,
			NextAttemptAt: next,
			CreatedAt:     sr.now,
			UpdatedAt:     sr.now,
		},
		Decision: store.Decision{
			TenantID:  sr.tenantID,
			SenderID:  sr.pnid,
			MessageID: id,
			WaID:      recipient,
			Outcome:   outcome,
			Rule:      d.Rule,
			Code:      d.Code,
			Reason:    d.Reason,
			Until:     d.Until,
			CreatedAt: sr.now,
		},
	}
	if sr.idemKey != "" {
		in.Idempotency = &store.Idempotency{
			TenantID: sr.tenantID, Key: sr.idemKey, StatusCode: http.StatusOK, Response: answer, CreatedAt: sr.now,
		}
	}
	if err := s.committer.Submit(ctx, in); err != nil {
		if ctx.Err() != nil {
			return // the client is gone; the outcome is unknown to it either way
		}
		s.log.ErrorContext(ctx, "gateway: commit intake failed", "err", err, "tenant_id", sr.tenantID, "sender", sr.pnid)
		writeError(w, errInternal())
		return
	}
	if in.Duplicate {
		// Another request with this key, perhaps on another replica,
		// committed first: its answer is the answer.
		idem, found, err := s.storedAnswer(ctx, sr.tenantID, sr.idemKey)
		if err != nil || !found {
			s.log.ErrorContext(ctx, "gateway: duplicate key without stored answer", "err", err, "tenant_id", sr.tenantID)
			writeError(w, errInternal())
			return
		}
		replay(w, idem)
		return
	}
	s.notify(sr.pnid)
	if d.Outcome == policy.Defer {
		s.metrics.Deferred.WithLabelValues(d.Code).Inc()
	}
	s.metrics.Accepted.WithLabelValues(sr.pnid).Inc()
	writeJSON(w, http.StatusOK, answer)
}

// reject answers d's Graph error at once and records the decision through the
// group committer in the background: the refusal needs no durability before
// the client hears it, but it must end up in the audit trail.
func (s *Server) reject(ctx context.Context, w http.ResponseWriter, sr sendReq, waID string, d policy.Decision) {
	e := d.Err
	if e == nil {
		// A rule that forgot its Graph error still refuses in Graph's shape.
		e = wire.NewError(wire.CodeInvalidParameter, d.Reason)
	}
	s.metrics.Rejected.WithLabelValues(d.Code).Inc()
	dec := store.Decision{
		TenantID:  sr.tenantID,
		SenderID:  sr.pnid,
		WaID:      waID,
		Outcome:   store.OutcomeReject,
		Rule:      d.Rule,
		Code:      d.Code,
		GraphCode: e.Code,
		Reason:    d.Reason,
		CreatedAt: sr.now,
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		// Detached from the request: the client may hang up as soon as it
		// has its answer.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.committer.Submit(bctx, &store.Intake{Decision: dec}); err != nil {
			s.log.ErrorContext(bctx, "gateway: record rejection failed", "err", err, "code", dec.Code, "tenant_id", dec.TenantID)
		}
	}()
	writeError(w, e)
}

// recipientOf returns the recipient to store and whether it is a phone
// number the body's "to" may be rewritten to. The recipient rule's wa_id
// wins; without it, a phone-shaped "to" falls back to its digits; anything
// else (a BSUID, a group id) is kept as given.
func recipientOf(to, waID string) (string, bool) {
	if waID != "" {
		return waID, true
	}
	var digits strings.Builder
	for _, c := range to {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case strings.ContainsRune("+-() .", c):
		default:
			return to, false
		}
	}
	if digits.Len() == 0 {
		return to, false
	}
	return digits.String(), true
}

// replaceTo returns body with the value of every top-level "to" member
// replaced by to, keeping every other byte as the client sent it (key order,
// spacing, fields the gateway does not model).
func replaceTo(body []byte, to string) ([]byte, error) {
	val, err := json.Marshal(to)
	if err != nil {
		return nil, fmt.Errorf("encode recipient: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	type span struct{ start, end int64 }
	var spans []span
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read key: %w", err)
		}
		key, _ := tok.(string)
		afterKey := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("read value of %q: %w", key, err)
		}
		if key != "to" {
			continue
		}
		end := dec.InputOffset()
		// The value starts after the colon and any whitespace.
		colon := bytes.IndexByte(body[afterKey:end], ':')
		if colon < 0 {
			return nil, errors.New("malformed member")
		}
		start := afterKey + int64(colon) + 1
		for start < end && isSpace(body[start]) {
			start++
		}
		spans = append(spans, span{start, end})
	}
	if len(spans) == 0 {
		return body, nil
	}
	out := make([]byte, 0, len(body)+len(val))
	var pos int64
	for _, sp := range spans {
		out = append(out, body[pos:sp.start]...)
		out = append(out, val...)
		pos = sp.end
	}
	return append(out, body[pos:]...), nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
