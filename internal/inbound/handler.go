// Package inbound receives webhooks from Meta: it answers the verification
// handshake, verifies each POST's signature over the exact bytes received,
// and persists the raw delivery durably (group commit) before acknowledging
// it.
//
// The Processor then works the durable log in batches: parse each delivery,
// resolve what it names (the gateway's messages behind Meta's ids, the
// tenant of a number or a WABA), record its status events, inbound messages
// and 24-hour windows, and emit one typed signal per event (internal/signal)
// — Meta's fields it does not know included, never dropped. Consumers act
// on the signals before the commit; stagers stage writes into the batch's
// own transaction once the store has said which status events are new.
// Forwarding to tenants is such a stager (internal/forward, subscribed in
// internal/server): the processor itself enqueues nothing. So processing is
// parse → signal → consume → stage → commit, and a forward is enqueued
// exactly when its event is recorded.
package inbound

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/batch"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// DefaultMaxBody bounds a webhook POST. Meta batches up to 1,000 updates in
// one delivery; 3 MiB leaves ample room for that.
const DefaultMaxBody int64 = 3 << 20

// Store is what webhook ingestion and processing need from persistence.
// store.Store satisfies it.
type Store interface {
	AppendDeliveries(ctx context.Context, ds []*store.Delivery) error
	ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Delivery, error)
	ApplyWebhooks(ctx context.Context, a store.WebhookApply) error
	MessagesByMetaID(ctx context.Context, metaIDs []string) (map[string]store.MessageRef, error)
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	SendersByWABA(ctx context.Context, wabaID string) ([]store.Sender, error)
	// PutObjects records media and templates seen in webhooks as their
	// tenant's (see store.Objects).
	PutObjects(ctx context.Context, objs []store.OwnedObject) error
	// PruneEventKeys forgets the dedupe keys of events forwarded long ago.
	PruneEventKeys(ctx context.Context, before time.Time) (int64, error)
}

// Config configures the webhook endpoint.
type Config struct {
	// AppSecret is the Meta app secret that signs every POST. Without it
	// every POST is refused.
	AppSecret []byte
	// VerifyToken is the token configured in the App Dashboard for the GET
	// handshake. Without it every handshake is refused.
	VerifyToken string
	// MaxBody bounds a POST body (DefaultMaxBody when zero).
	MaxBody int64
	// MaxBatch bounds deliveries per group commit (256 when zero).
	MaxBatch int
	// Wake is called after deliveries are committed, typically
	// Processor.Notify, so processing starts without waiting for a poll.
	Wake func()
	// Logger receives operational logs (slog.Default when nil).
	Logger *slog.Logger
	// Metrics receives counters (none when nil).
	Metrics *metrics.Metrics
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Handler is the http.Handler of the webhook callback URL. It serves one
// path; the caller mounts it (for example at /webhooks/meta).
type Handler struct {
	st        Store
	cfg       Config
	log       *slog.Logger
	committer *batch.Committer[*store.Delivery]
}

// NewHandler returns the webhook endpoint. Call Close when done to stop its
// group committer.
func NewHandler(st Store, cfg Config) *Handler {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{st: st, cfg: cfg, log: cfg.Logger}
	h.committer = batch.New(h.flush, cfg.MaxBatch)
	return h
}

// Close stops the group committer after flushing what is queued.
func (h *Handler) Close() { h.committer.Close() }

// flush persists concurrent deliveries in one transaction: the cost of a
// durable commit is shared by every POST that arrived during the previous
// one.
func (h *Handler) flush(ctx context.Context, ds []*store.Delivery) error {
	if m := h.cfg.Metrics; m != nil {
		m.CommitBatch.WithLabelValues("webhooks").Observe(float64(len(ds)))
	}
	if err := h.st.AppendDeliveries(ctx, ds); err != nil {
		return fmt.Errorf("append %d deliveries: %w", len(ds), err)
	}
	return nil
}

// ServeHTTP answers the handshake (GET) and receives deliveries (POST).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.handshake(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		wire.WriteError(w, &wire.Error{Message: "Unsupported method", Code: 100, HTTPStatus: http.StatusMethodNotAllowed})
	}
}

func (h *Handler) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	// Constant-time so the token cannot be guessed byte by byte from
	// response times; an unset token never verifies.
	ok := h.cfg.VerifyToken != "" && q.Get("hub.mode") == "subscribe" &&
		subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.VerifyToken)) == 1
	if !ok {
		h.log.Warn("webhook handshake refused", "mode", q.Get("hub.mode"))
		wire.WriteError(w, &wire.Error{Message: "Verification token mismatch", Code: 190, HTTPStatus: http.StatusForbidden})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

func (h *Handler) count(result string) {
	if m := h.cfg.Metrics; m != nil {
		m.WebhooksIn.WithLabelValues(result).Inc()
	}
}

func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	// The signature covers the exact bytes Meta sent, so they are read
	// verbatim and never re-encoded before verification and storage.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.count("too_large")
			wire.WriteError(w, &wire.Error{Message: "Request body too large", Code: 100, HTTPStatus: http.StatusRequestEntityTooLarge})
			return
		}
		h.count("invalid")
		wire.WriteError(w, &wire.Error{Message: "Could not read request body", Code: 100})
		return
	}
	sig := r.Header.Get(wire.SignatureHeader)
	if sig == "" {
		h.count("bad_signature")
		wire.WriteError(w, &wire.Error{Message: "Missing " + wire.SignatureHeader, Code: 190, HTTPStatus: http.StatusUnauthorized})
		return
	}
	if len(h.cfg.AppSecret) == 0 || !wire.VerifySignature(h.cfg.AppSecret, body, sig) {
		h.count("bad_signature")
		h.log.Warn("webhook signature mismatch", "bytes", len(body))
		wire.WriteError(w, &wire.Error{Message: "Invalid signature", Code: 190, HTTPStatus: http.StatusForbidden})
		return
	}
	if err := checkNotification(body); err != nil {
		h.count("invalid")
		wire.WriteError(w, &wire.Error{Message: "Invalid parameter", Code: 100, ErrorData: &wire.ErrorData{Details: err.Error()}})
		return
	}
	sum := sha256.Sum256(body)
	d := &store.Delivery{DedupeKey: hex.EncodeToString(sum[:]), Body: body, ReceivedAt: h.cfg.Now()}
	// Submit returns only after the transaction carrying d committed, so
	// the 200 below is never sent for a delivery that could be lost.
	if err := h.committer.Submit(r.Context(), d); err != nil {
		h.count("error")
		h.log.Error("webhook delivery not persisted", "err", err)
		wire.WriteError(w, &wire.Error{Message: "An unexpected error has occurred. Please retry your request later.", Code: 2, IsTransient: true, HTTPStatus: http.StatusServiceUnavailable})
		return
	}
	if d.Duplicate {
		h.count("duplicate")
	} else {
		h.count("accepted")
		if h.cfg.Wake != nil {
			h.cfg.Wake()
		}
	}
	w.WriteHeader(http.StatusOK)
}

// checkNotification accepts only WhatsApp Business Account notifications
// with a sound envelope; anything else signed with the app secret (other
// products' objects) is not ours to store.
func checkNotification(body []byte) error {
	_, err := wire.ParseNotification(body)
	return err
}
