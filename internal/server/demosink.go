package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// demoSink is the demo tenant's webhook receiver, built in so that a newcomer
// sees statuses come back without running a server of their own. It checks
// the signature exactly as a tenant's handler would, logs each event and
// keeps the last ones for GET.
type demoSink struct {
	secret func(ctx context.Context) (string, error)
	log    *slog.Logger

	mu     sync.Mutex
	events []json.RawMessage
}

const demoSinkKeep = 200

func (d *demoSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		d.mu.Lock()
		out := append([]json.RawMessage(nil), d.events...)
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"events": out})
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		sec, err := d.secret(r.Context())
		if err != nil || !wire.VerifySignature([]byte(sec), body, r.Header.Get(wire.SignatureHeader)) {
			d.log.Warn("demo webhook: signature did not verify")
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		var n wire.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		d.record(n)
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (d *demoSink) record(n wire.Notification) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			d.events = append(d.events, c.Value)
			if c.Field != "messages" {
				d.log.Info("demo webhook: event", "field", c.Field, "waba", e.ID)
				continue
			}
			var v wire.MessagesValue
			if json.Unmarshal(c.Value, &v) != nil {
				continue
			}
			for _, s := range v.Statuses {
				attrs := []any{"message_id", s.ID, "status", s.Status, "recipient", s.RecipientID}
				if len(s.Errors) > 0 {
					attrs = append(attrs, "error_code", s.Errors[0].Code, "error", s.Errors[0].Title)
				}
				d.log.Info("demo webhook: status", attrs...)
			}
			for _, m := range v.Messages {
				var h wire.InboundHeader
				if json.Unmarshal(m, &h) == nil {
					d.log.Info("demo webhook: inbound message", "from", h.From, "type", h.Type, "id", h.ID)
				}
			}
		}
	}
	if over := len(d.events) - demoSinkKeep; over > 0 {
		d.events = append(d.events[:0], d.events[over:]...)
	}
}
