package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// hopByHop are the headers that describe one connection, not the message,
// and so are never relayed (RFC 9110 §7.6.1). Set-Cookie is dropped too: the
// tenant has no session with Meta.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Content-Length", "Set-Cookie",
}

// relay performs one pass-through call with the sender's Meta token and
// copies Meta's answer back: status, body, Content-Type and the other
// end-to-end headers.
func (s *Server) relay(ctx context.Context, w http.ResponseWriter, snd store.Sender, method, path string, query url.Values, contentType string, body io.Reader) {
	s.relayObserved(ctx, w, snd, method, path, query, contentType, body, nil)
}

// relayObserved is relay that first shows a successful (2xx) answer's body
// to observe, when set, before the client sees any of it: what observe
// records (the id of an upload) is in place when the client acts on the
// answer. Bodies over observeLimit are relayed unobserved.
func (s *Server) relayObserved(ctx context.Context, w http.ResponseWriter, snd store.Sender, method, path string, query url.Values, contentType string, body io.Reader, observe func(context.Context, []byte)) {
	if s.upstream == nil {
		writeError(w, errUpstream())
		return
	}
	resp, err := s.upstream.Do(ctx, s.tokenFor(snd), method, path, query, contentType, body)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e := wire.Errorf(wire.CodeInvalidParameter, "The upload exceeds the limit of %d bytes.", tooBig.Limit)
			e.HTTPStatus = http.StatusRequestEntityTooLarge
			writeError(w, e)
			return
		}
		s.log.WarnContext(ctx, "gateway: pass-through failed", "err", err, "method", method, "path", path)
		writeError(w, errUpstream())
		return
	}
	defer resp.Body.Close()
	var rd io.Reader = resp.Body
	if observe != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		head, err := io.ReadAll(io.LimitReader(resp.Body, observeLimit+1))
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.WarnContext(ctx, "gateway: pass-through answer unreadable", "err", err, "method", method, "path", path)
			writeError(w, errUpstream())
			return
		}
		if len(head) <= observeLimit {
			observe(ctx, head)
		} else {
			s.log.WarnContext(ctx, "gateway: pass-through answer too big to record its ids", "method", method, "path", path, "limit", observeLimit)
		}
		rd = io.MultiReader(bytes.NewReader(head), resp.Body)
	}
	copyHeaders(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, rd); err != nil {
		s.log.WarnContext(ctx, "gateway: relay body interrupted", "err", err, "path", path)
	}
}

// copyHeaders copies an upstream answer's end-to-end headers to h.
func copyHeaders(h, from http.Header) {
	for k, vs := range from {
		h[k] = append([]string(nil), vs...)
	}
	for _, c := range from.Values("Connection") {
		for _, k := range strings.Split(c, ",") {
			h.Del(strings.TrimSpace(k))
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
}

// forwardQuery is the client's query without its credentials.
func forwardQuery(r *http.Request) url.Values {
	q := r.URL.Query()
	q.Del("access_token")
	return q
}

// validID reports whether id looks like a Graph node id. Graph ids are
// numeric; refusing anything else keeps odd path segments away from Meta.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// passThroughAuth is the common start of pass-through handlers: version,
// authentication, a well-formed id and no parameter that would reach
// another object.
func (s *Server) passThroughAuth(w http.ResponseWriter, r *http.Request, id string) (store.Tenant, bool) {
	if !checkVersion(w, r) {
		return store.Tenant{}, false
	}
	tenant, gerr := s.authenticate(r)
	if gerr != nil {
		writeAuthError(w, gerr)
		return store.Tenant{}, false
	}
	if !validID(id) || reservedQuery(r.URL.Query()) {
		writeError(w, unknownObject(r.Method, id))
		return store.Tenant{}, false
	}
	return tenant, true
}

// handleTemplates passes GET, POST and DELETE /{waba_id}/message_templates
// through when the WABA holds one of the tenant's senders. The template ids
// in a listing or a creation are recorded as the tenant's, so the node
// route can reach them, and creations and deletions reach the template
// cache (see templateObserver).
func (s *Server) handleTemplates(w http.ResponseWriter, r *http.Request) {
	waba := r.PathValue("waba_id")
	tenant, ok := s.passThroughAuth(w, r, waba)
	if !ok {
		return
	}
	ctx := r.Context()
	senders, err := s.store.SendersByWABA(ctx, waba)
	if err != nil {
		s.log.ErrorContext(ctx, "gateway: senders by WABA failed", "err", err, "waba", waba)
		writeError(w, errInternal())
		return
	}
	if len(senders) == 0 {
		writeError(w, unknownObject(r.Method, waba))
		return
	}
	snd, owned := ownedBy(senders, tenant.ID)
	if !owned {
		writeError(w, unknownObject(r.Method, waba))
		return
	}
	body, ok := s.limitedBody(w, r, s.maxBody)
	if !ok {
		return
	}
	if r.Method == http.MethodPost {
		if body, ok = s.lintTemplate(w, r, tenant.ID, waba, body); !ok {
			return
		}
	}
	body, observe := s.templateObserver(r, tenant.ID, waba, body)
	s.relayObserved(ctx, w, snd, r.Method, "/"+waba+"/message_templates", forwardQuery(r), r.Header.Get("Content-Type"), body, observe)
}

// handleMediaUpload passes POST /{phone_number_id}/media through for the
// tenant's own numbers, streaming the multipart body, and records the new
// media id as the tenant's before the client learns it.
func (s *Server) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	pnid := r.PathValue("phone_number_id")
	tenant, ok := s.passThroughAuth(w, r, pnid)
	if !ok {
		return
	}
	snd, gerr := s.ownedSender(r.Context(), tenant.ID, r.Method, pnid)
	if gerr != nil {
		writeError(w, gerr)
		return
	}
	body := http.MaxBytesReader(w, r.Body, MaxMediaBody)
	s.relayObserved(r.Context(), w, snd, r.Method, "/"+pnid+"/media", forwardQuery(r), r.Header.Get("Content-Type"), body,
		s.recordObjects(tenant.ID, store.ObjectMedia, pnid, snd.WABAID))
}

// handleNode serves GET and DELETE /{node_id} for what the tenant owns (see
// owns): its phone numbers and WABAs (GET), its media (GET, DELETE) and its
// templates (GET). Every other id, whether another tenant's or nobody's,
// gets Graph's answer for an object that does not exist and never reaches
// Meta, whose token could see it.
func (s *Server) handleNode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("node_id")
	tenant, ok := s.passThroughAuth(w, r, id)
	if !ok {
		return
	}
	ctx := r.Context()
	obj, ok, err := s.owns(ctx, tenant.ID, id)
	if err != nil {
		s.log.ErrorContext(ctx, "gateway: ownership lookup failed", "err", err, "node", id)
		writeError(w, errInternal())
		return
	}
	if !ok || !nodeAllows(obj.kind, r.Method) {
		writeError(w, unknownObject(r.Method, id))
		return
	}
	q := forwardQuery(r)
	snd := obj.sender
	if pnid := q.Get("phone_number_id"); pnid != "" {
		// Meta checks a medium against the number named; that number
		// must be the tenant's too, and its token carries the call.
		var gerr *wire.Error
		if snd, gerr = s.ownedSender(ctx, tenant.ID, r.Method, pnid); gerr != nil {
			writeError(w, gerr)
			return
		}
	}
	if obj.kind == store.ObjectMedia && r.Method == http.MethodGet {
		s.relayMediaInfo(w, r, tenant.ID, id, snd, q)
		return
	}
	var observe func(context.Context, []byte)
	if obj.kind == store.ObjectMedia && r.Method == http.MethodDelete {
		observe = s.forgetObject(id)
	}
	s.relayObserved(ctx, w, snd, r.Method, "/"+id, q, "", nil, observe)
}

// ownedBy returns the first of senders belonging to tenantID.
func ownedBy(senders []store.Sender, tenantID string) (store.Sender, bool) {
	for _, snd := range senders {
		if snd.TenantID == tenantID {
			return snd, true
		}
	}
	return store.Sender{}, false
}

// limitedBody reads a small pass-through body with a cap; nil for none.
// DELETE may carry one: Graph's unblock takes its users in the body.
func (s *Server) limitedBody(w http.ResponseWriter, r *http.Request, limit int64) (io.Reader, bool) {
	if r.Method == http.MethodGet || (r.Method == http.MethodDelete && r.ContentLength == 0) {
		return nil, true
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			e := wire.Errorf(wire.CodeInvalidParameter, "The request body exceeds the limit of %d bytes.", limit)
			e.HTTPStatus = http.StatusRequestEntityTooLarge
			writeError(w, e)
			return nil, false
		}
		writeError(w, wire.NewError(wire.CodeInvalidParameter, "The request body could not be read."))
		return nil, false
	}
	return bytes.NewReader(b), true
}
