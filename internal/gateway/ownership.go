package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wabaguard/wabaguard/internal/store"
)

// owned is a Graph object a tenant may reach, and the sender whose token
// carries calls to it.
type owned struct {
	kind   store.ObjectKind
	sender store.Sender
}

// owns is the one ownership check of the Graph pass-through: whether id is
// one of the tenant's senders, a WABA holding one of them, a medium uploaded
// or received through one of them, or a template of one of its WABAs.
// Anything else, another tenant's object or an id nobody recorded, is not
// the tenant's, and the caller answers exactly as Graph does for an object
// that does not exist, without contacting Meta. The error is the gateway's
// own failure, never the client's.
func (s *Server) owns(ctx context.Context, tenantID, id string) (owned, bool, error) {
	snd, err := s.store.GetSender(ctx, id)
	switch {
	case err == nil:
		return owned{store.ObjectPhoneNumber, snd}, snd.TenantID == tenantID, nil
	case !errors.Is(err, store.ErrNotFound):
		return owned{}, false, fmt.Errorf("sender %s: %w", id, err)
	}

	senders, err := s.store.SendersByWABA(ctx, id)
	if err != nil {
		return owned{}, false, fmt.Errorf("senders of WABA %s: %w", id, err)
	}
	if len(senders) > 0 {
		snd, ok := ownedBy(senders, tenantID)
		return owned{store.ObjectWABA, snd}, ok, nil
	}

	obj, err := s.store.GetObject(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return owned{}, false, nil
	case err != nil:
		return owned{}, false, fmt.Errorf("object %s: %w", id, err)
	}
	switch obj.Kind {
	case store.ObjectMedia:
		// Media belongs to the number it came through, and goes with
		// that number's token while the number is still the tenant's.
		if obj.TenantID != tenantID {
			return owned{}, false, nil
		}
		snd, err := s.store.GetSender(ctx, obj.SenderID)
		if errors.Is(err, store.ErrNotFound) {
			return owned{}, false, nil
		}
		if err != nil {
			return owned{}, false, fmt.Errorf("sender %s of media %s: %w", obj.SenderID, id, err)
		}
		return owned{obj.Kind, snd}, snd.TenantID == tenantID, nil
	case store.ObjectTemplate:
		// A template belongs to its WABA: whoever holds a number in the
		// WABA sees its templates, as with message_templates.
		senders, err := s.store.SendersByWABA(ctx, obj.WABAID)
		if err != nil {
			return owned{}, false, fmt.Errorf("senders of WABA %s of template %s: %w", obj.WABAID, id, err)
		}
		snd, ok := ownedBy(senders, tenantID)
		return owned{obj.Kind, snd}, ok, nil
	}
	return owned{}, false, nil
}

// nodeMethods are the methods the node route passes through per kind of
// object; anything else gets Graph's 100/33 ("does not support this
// operation"), as before.
var nodeMethods = map[store.ObjectKind][]string{
	store.ObjectPhoneNumber: {http.MethodGet},
	store.ObjectWABA:        {http.MethodGet},
	store.ObjectMedia:       {http.MethodGet, http.MethodDelete},
	store.ObjectTemplate:    {http.MethodGet},
}

func nodeAllows(kind store.ObjectKind, method string) bool {
	for _, m := range nodeMethods[kind] {
		if m == method {
			return true
		}
	}
	return false
}

// reservedParams are Graph parameters that would make a pass-through call
// reach something other than the object in its path: "method" overrides
// the HTTP method (a GET the gateway allowed would delete), "ids" and
// "batch" name further objects. A tenant's client has no use for them on
// these routes, so a request carrying one is refused.
var reservedParams = []string{"method", "ids", "batch"}

// reservedQuery reports whether q carries one of reservedParams.
func reservedQuery(q url.Values) bool {
	for _, p := range reservedParams {
		if q.Has(p) {
			return true
		}
	}
	return false
}

// observeLimit bounds how much of Meta's answer the gateway reads to learn
// the ids in it; a bigger answer is relayed without being recorded.
const observeLimit = 4 << 20

// graphIDs returns the object ids in a Graph answer: its own "id" (an
// upload, a created template) and the "id" of each item of "data" (a
// listing). Graph writes ids as strings; numbers are accepted too.
func graphIDs(body []byte) []string {
	var v struct {
		ID   json.RawMessage `json:"id"`
		Data []struct {
			ID json.RawMessage `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	add := func(raw json.RawMessage) {
		var id string
		if json.Unmarshal(raw, &id) != nil {
			var n json.Number
			if json.Unmarshal(raw, &n) != nil {
				return
			}
			id = n.String()
		}
		if validID(id) {
			out = append(out, id)
		}
	}
	add(v.ID)
	for _, d := range v.Data {
		add(d.ID)
	}
	return out
}

// recordObjects returns an observer for relayObserved that records the ids
// in a successful answer as the tenant's objects of kind. A failure to
// record is logged and the answer still relayed: the tenant keeps what Meta
// gave it, it only cannot reach the object through the node route.
func (s *Server) recordObjects(tenantID string, kind store.ObjectKind, senderID, wabaID string) func(context.Context, []byte) {
	return func(ctx context.Context, body []byte) {
		ids := graphIDs(body)
		if len(ids) == 0 {
			return
		}
		now := s.now()
		objs := make([]store.OwnedObject, len(ids))
		for i, id := range ids {
			objs[i] = store.OwnedObject{ID: id, TenantID: tenantID, Kind: kind, SenderID: senderID, WABAID: wabaID, CreatedAt: now}
		}
		if err := s.store.PutObjects(ctx, objs); err != nil {
			s.log.ErrorContext(ctx, "gateway: record owned objects failed", "err", err, "kind", kind, "count", len(objs))
		}
	}
}

// forgetObject returns an observer that drops id from the registry once
// Meta confirmed its deletion.
func (s *Server) forgetObject(id string) func(context.Context, []byte) {
	return func(ctx context.Context, _ []byte) {
		if err := s.store.DeleteObject(ctx, id); err != nil {
			s.log.ErrorContext(ctx, "gateway: forget deleted object failed", "err", err, "object", id)
		}
	}
}
