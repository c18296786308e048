package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// ownedEdge is a Graph edge of an object the tenant owns that the gateway
// passes through as it is: which kind of object carries the edge, and the
// methods Graph serves on it.
type ownedEdge struct {
	edge    string
	kind    store.ObjectKind
	methods []string
	// sub is set when the edge also has items addressed by a further path
	// segment (a QR code's code), with the methods allowed on an item.
	sub []string
}

// ownedEdges are the Graph calls clients make beyond sending, uploading
// and templates. Every one goes through the same ownership check (owns):
// anything the tenant does not own gets Graph's 100/33 and never reaches
// Meta.
var ownedEdges = []ownedEdge{
	{edge: "phone_numbers", kind: store.ObjectWABA, methods: []string{http.MethodGet}},
	{edge: "subscribed_apps", kind: store.ObjectWABA, methods: []string{http.MethodGet, http.MethodPost, http.MethodDelete}},
	{edge: "whatsapp_business_profile", kind: store.ObjectPhoneNumber, methods: []string{http.MethodGet, http.MethodPost}},
	{edge: "block_users", kind: store.ObjectPhoneNumber, methods: []string{http.MethodGet, http.MethodPost, http.MethodDelete}},
	{edge: "message_qrdls", kind: store.ObjectPhoneNumber, methods: []string{http.MethodGet, http.MethodPost, http.MethodDelete},
		sub: []string{http.MethodGet, http.MethodDelete}},
}

// edgeRoutes registers ownedEdges, versioned and unversioned.
func (s *Server) edgeRoutes(mux *http.ServeMux) {
	for _, e := range ownedEdges {
		h := s.handleOwnedEdge(e)
		for _, m := range e.methods {
			mux.HandleFunc(m+" /{version}/{object_id}/"+e.edge, h)
			mux.HandleFunc(m+" /{object_id}/"+e.edge, h)
		}
		// Items are served in the versioned form only: unversioned, the
		// pattern would overlap /{version}/{id}/messages and the other
		// versioned edges, and clients always send a version.
		for _, m := range e.sub {
			mux.HandleFunc(m+" /{version}/{object_id}/"+e.edge+"/{item}", h)
		}
	}
}

// webhookParams would point a WABA's webhooks somewhere other than the
// gateway (Meta's per-WABA callback override); the gateway must stay the
// receiver of every tenant's webhooks, so they are refused.
var webhookParams = []string{"override_callback_uri", "verify_token"}

// handleOwnedEdge passes one ownedEdges call through with the token of the
// owning sender. A WABA belongs to one tenant (the store refuses a sender
// joining another tenant's WABA), so a WABA-wide change only touches the
// caller's own numbers.
func (s *Server) handleOwnedEdge(e ownedEdge) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("object_id")
		tenant, ok := s.passThroughAuth(w, r, id)
		if !ok {
			return
		}
		path := "/" + id + "/" + e.edge
		if item := r.PathValue("item"); item != "" {
			if !validItem(item) {
				writeError(w, unknownObject(r.Method, item))
				return
			}
			path += "/" + item
		}
		ctx := r.Context()
		obj, ok, err := s.owns(ctx, tenant.ID, id)
		if err != nil {
			s.log.ErrorContext(ctx, "gateway: ownership lookup failed", "err", err, "node", id, "edge", e.edge)
			writeError(w, errInternal())
			return
		}
		if !ok || obj.kind != e.kind {
			writeError(w, unknownObject(r.Method, id))
			return
		}
		body, ok := s.limitedBody(w, r, s.maxBody)
		if !ok {
			return
		}
		q := forwardQuery(r)
		ct := r.Header.Get("Content-Type")
		if body != nil {
			b, _ := io.ReadAll(body) // a bytes.Reader: cannot fail
			if form := formParams(ct, b); reservedQuery(form) {
				writeError(w, unknownObject(r.Method, id))
				return
			} else if hasAny(form, webhookParams) {
				writeError(w, refusedParam(webhookParams[0]))
				return
			}
			body = bytes.NewReader(b)
		}
		if body != nil && jsonHasAny(body, reservedParams) {
			writeError(w, unknownObject(r.Method, id))
			return
		}
		if hasAny(q, webhookParams) || (body != nil && jsonHasAny(body, webhookParams)) {
			writeError(w, refusedParam(webhookParams[0]))
			return
		}
		s.relay(ctx, w, obj.sender, r.Method, path, q, ct, body)
	}
}

// validItem reports whether an item segment (a QR code's code) looks like
// one: Meta's codes are short upper-case letters and digits.
func validItem(item string) bool {
	if len(item) > 64 {
		return false
	}
	for i := 0; i < len(item); i++ {
		c := item[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// formParams parses a form-encoded body, where Graph reads parameters as it
// does from the query; nil for any other body.
func formParams(contentType string, body []byte) url.Values {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" {
		return nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil
	}
	return v
}

func hasAny(v url.Values, keys []string) bool {
	for _, k := range keys {
		if v.Has(k) {
			return true
		}
	}
	return false
}

// jsonHasAny reports whether a JSON object body names one of keys at its
// top level; the reader is rewound.
func jsonHasAny(body io.Reader, keys []string) bool {
	br, ok := body.(*bytes.Reader)
	if !ok {
		return false
	}
	defer br.Seek(0, io.SeekStart) //nolint:errcheck // seeking a bytes.Reader to 0 cannot fail
	b, _ := io.ReadAll(br)
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// refusedParam answers a parameter the gateway does not pass to Meta.
func refusedParam(name string) *wire.Error {
	return wire.Errorf(wire.CodeInvalidParameter, "The parameter %s is not available through the gateway: webhooks go to the gateway, which forwards them to each tenant.", name)
}
