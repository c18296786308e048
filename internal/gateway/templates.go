package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/wabaguard/wabaguard/internal/store"
)

// TemplateObserver learns what the template pass-through changed at Meta,
// so the local template cache knows a template the moment its creator
// does. Both calls follow a successful (2xx) answer only.
type TemplateObserver interface {
	// TemplateCreated gets the creation request and Meta's answer.
	TemplateCreated(ctx context.Context, wabaID string, request, response []byte) error
	// TemplatesDeleted gets the name (and hsm_id, "" when absent) deleted.
	TemplatesDeleted(ctx context.Context, wabaID, name, id string) error
}

// templateObserver is the observer of a template pass-through call: the
// owned-object registry for listings and creations, and the template
// cache, when configured, for creations and deletions. It returns the body
// to relay, a copy when the cache needs the request too.
func (s *Server) templateObserver(r *http.Request, tenantID, waba string, body io.Reader) (io.Reader, func(context.Context, []byte)) {
	var record func(context.Context, []byte)
	if r.Method != http.MethodDelete {
		record = s.recordObjects(tenantID, store.ObjectTemplate, "", waba)
	}
	if s.tmpl == nil {
		return body, record
	}
	switch r.Method {
	case http.MethodPost:
		var req []byte
		if body != nil {
			req, _ = io.ReadAll(body) // limitedBody already holds it in memory
			body = bytes.NewReader(req)
		}
		return body, func(ctx context.Context, resp []byte) {
			record(ctx, resp)
			if err := s.tmpl.TemplateCreated(ctx, waba, req, resp); err != nil {
				s.log.WarnContext(ctx, "gateway: template cache missed a creation", "err", err, "waba", waba)
			}
		}
	case http.MethodDelete:
		q := r.URL.Query()
		return body, func(ctx context.Context, _ []byte) {
			if err := s.tmpl.TemplatesDeleted(ctx, waba, q.Get("name"), q.Get("hsm_id")); err != nil {
				s.log.WarnContext(ctx, "gateway: template cache missed a deletion", "err", err, "waba", waba)
			}
		}
	}
	return body, record
}
