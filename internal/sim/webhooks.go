package sim

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// qitem is one queued webhook event: a status (grouped with others of the
// same number into one POST when due) or a ready payload (inbound message,
// template update, or a POST being retried).
type qitem struct {
	due time.Time
	seq uint64 // ties broken by insertion order, so equal due times stay deterministic

	ns *numberState
	st wire.Status

	payload []byte
	attempt int
}

type itemHeap []*qitem

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(*qitem)) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}

// queue is the time-ordered webhook queue. One goroutine drains it, so a
// high send rate costs a heap push per status instead of a timer or
// goroutine per message.
type queue struct {
	mu   sync.Mutex
	h    itemHeap
	seq  uint64
	max  int
	kick chan struct{}
}

func (q *queue) init(max int) { q.max, q.kick = max, make(chan struct{}, 1) }

var errQueueFull = errors.New("webhook queue full")

func (q *queue) push(it *qitem) error {
	q.mu.Lock()
	if len(q.h) >= q.max {
		q.mu.Unlock()
		return errQueueFull
	}
	q.seq++
	it.seq = q.seq
	heap.Push(&q.h, it)
	first := q.h[0] == it
	q.mu.Unlock()
	if first {
		// Only an item that becomes the earliest changes when the sender must wake.
		select {
		case q.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

func (q *queue) popDue(now time.Time, n int) []*qitem {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*qitem
	for len(q.h) > 0 && len(out) < n && !q.h[0].due.After(now) {
		out = append(out, heap.Pop(&q.h).(*qitem))
	}
	return out
}

func (q *queue) next() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.h) == 0 {
		return time.Time{}, false
	}
	return q.h[0].due, true
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.h)
}

func (s *Sim) enqueue(it *qitem) {
	if err := s.q.push(it); err != nil {
		s.logDrop(err)
	}
}

func (s *Sim) logDrop(err error) {
	s.webhookOverflow.Add(1)
	slog.Debug("sim: webhook event dropped", "err", err)
}

var (
	pricingService = json.RawMessage(`{"billable":false,"pricing_model":"PMP","type":"free_customer_service","category":"service"}`)
	pricingByCat   = map[string]json.RawMessage{
		"MARKETING":      json.RawMessage(`{"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"}`),
		"UTILITY":        json.RawMessage(`{"billable":true,"pricing_model":"PMP","type":"regular","category":"utility"}`),
		"AUTHENTICATION": json.RawMessage(`{"billable":true,"pricing_model":"PMP","type":"regular","category":"authentication"}`),
	}
)

// planStatuses queues the statuses of one accepted message; ns.mu must be
// held (it draws from ns.rng so the plan repeats under a seed).
//
// A failed message gets a single failed status, as Meta sends for
// 131047/131049/131050 and undeliverable messages. Otherwise: sent, then
// delivered, then read if the recipient reads — with delivered sometimes
// skipped for read messages, sometimes swapped before sent, and each status
// sometimes duplicated, per WebhooksConfig.
func (s *Sim) planStatuses(ns *numberState, d Delivery, req *wire.SendRequest, react Reaction) {
	wc := s.cfg.Webhooks
	rng := ns.rng
	chance := func(p float64) bool { return p > 0 && rng.Float64() < p }
	pricing := pricingService
	if d.Category != "" {
		pricing = pricingByCat[d.Category]
	}
	mk := func(status string, at time.Time) *qitem {
		return &qitem{due: at, ns: ns, st: wire.Status{
			ID: d.MessageID, Status: status, Timestamp: strconv.FormatInt(at.Unix(), 10),
			RecipientID: d.To, BizOpaqueCallbackData: req.BizOpaqueCallbackData,
		}}
	}
	var items []*qitem
	if react.FailCode != 0 {
		it := mk(wire.StatusFailed, d.At.Add(wc.SentDelay))
		it.st.Errors = []wire.StatusError{wire.AsyncError(react.FailCode, failDetails(react.FailCode))}
		items = append(items, it)
	} else {
		sent := mk(wire.StatusSent, d.At.Add(wc.SentDelay))
		sent.st.Pricing = pricing
		items = append(items, sent)
		if !(react.Read && chance(wc.SkipDeliveredProbability)) {
			del := mk(wire.StatusDelivered, d.At.Add(wc.DeliveredDelay))
			del.st.Pricing = pricing
			if chance(wc.ReorderProbability) {
				sent.due, del.due = del.due, sent.due
				sent.st.Timestamp, del.st.Timestamp = del.st.Timestamp, sent.st.Timestamp
			}
			items = append(items, del)
		}
		if react.Read {
			items = append(items, mk(wire.StatusRead, d.At.Add(wc.ReadDelay)))
		}
	}
	for _, it := range items {
		s.enqueue(it)
		if chance(wc.DuplicateProbability) {
			dup := *it
			s.enqueue(&dup)
		}
	}
}

func failDetails(code int) string {
	switch code {
	case wire.CodeUndeliverable:
		return "Message Undeliverable."
	case wire.CodeWindowClosed:
		return "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
	case wire.CodeMarketingStopped:
		return "Unable to deliver marketing message. This user has chosen to stop receiving marketing messages from your business."
	case wire.CodeSpamRateLimit:
		return "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam, or the messaging limit was reached."
	}
	return wire.Title(code)
}

// queueChange queues a one-change notification for a WABA due at at.
func (s *Sim) queueChange(wabaID string, at time.Time, field string, value any) error {
	v, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("encoding %s value: %w", field, err)
	}
	body, err := encodeNotification(wire.Notification{Object: wire.ObjectWABA, Entry: []wire.Entry{{
		ID: wabaID, Time: at.Unix(), Changes: []wire.Change{{Field: field, Value: v}},
	}}})
	if err != nil {
		return err
	}
	if err := s.q.push(&qitem{due: at, payload: body}); err != nil {
		return err
	}
	return nil
}

func metadata(ns *numberState) wire.Metadata {
	return wire.Metadata{DisplayPhoneNumber: ns.cfg.DisplayPhoneNumber, PhoneNumberID: ns.cfg.PhoneNumberID}
}

type inboundText struct {
	wire.InboundHeader
	// Context names the business message this one replies to.
	Context *inboundContext `json:"context,omitempty"`
	Text    struct {
		Body string `json:"body"`
	} `json:"text"`
}

type inboundContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

// queueInbound queues a messages webhook carrying a text from a user.
func (s *Sim) queueInbound(ns *numberState, from, id, text, replyTo string, at time.Time) {
	if !s.webhooksOn() {
		return
	}
	m := inboundText{InboundHeader: wire.InboundHeader{From: from, ID: id, Timestamp: strconv.FormatInt(at.Unix(), 10), Type: "text"}}
	if replyTo != "" {
		m.Context = &inboundContext{From: strings.TrimPrefix(ns.cfg.DisplayPhoneNumber, "+"), ID: replyTo}
	}
	m.Text.Body = text
	raw, err := json.Marshal(m)
	if err == nil {
		err = s.queueChangeNoTime(ns, "messages", wire.MessagesValue{
			MessagingProduct: "whatsapp", Metadata: metadata(ns),
			Contacts: []wire.WebhookContact{{Profile: &wire.Profile{Name: "Sim User " + from[max(0, len(from)-4):]}, WaID: from}},
			Messages: []json.RawMessage{raw},
		}, at)
	}
	if err != nil {
		s.logDrop(fmt.Errorf("inbound webhook: %w", err))
	}
}

// queueInboundMessage queues a messages webhook carrying one message of a
// user whose object, under the key of its type, is obj.
func (s *Sim) queueInboundMessage(ns *numberState, hdr wire.InboundHeader, obj any, at time.Time) {
	if !s.webhooksOn() {
		return
	}
	raw, err := json.Marshal(map[string]any{
		"from": hdr.From, "id": hdr.ID, "timestamp": hdr.Timestamp, "type": hdr.Type, hdr.Type: obj,
	})
	if err == nil {
		err = s.queueChangeNoTime(ns, "messages", wire.MessagesValue{
			MessagingProduct: "whatsapp", Metadata: metadata(ns),
			Contacts: []wire.WebhookContact{{Profile: &wire.Profile{Name: "Sim User " + hdr.From[max(0, len(hdr.From)-4):]}, WaID: hdr.From}},
			Messages: []json.RawMessage{raw},
		}, at)
	}
	if err != nil {
		s.logDrop(fmt.Errorf("inbound webhook: %w", err))
	}
}

type userPreference struct {
	WaID      string `json:"wa_id"`
	Detail    string `json:"detail"`
	Category  string `json:"category"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}

type userPreferencesValue struct {
	MessagingProduct string                `json:"messaging_product"`
	Metadata         wire.Metadata         `json:"metadata"`
	Contacts         []wire.WebhookContact `json:"contacts"`
	UserPreferences  []userPreference      `json:"user_preferences"`
}

// queueUserPreference queues a user_preferences webhook (value "stop" or "resume").
func (s *Sim) queueUserPreference(ns *numberState, waID, value string, at time.Time) {
	if !s.webhooksOn() {
		return
	}
	err := s.queueChangeNoTime(ns, "user_preferences", userPreferencesValue{
		MessagingProduct: "whatsapp", Metadata: metadata(ns),
		Contacts: []wire.WebhookContact{{WaID: waID}},
		UserPreferences: []userPreference{{WaID: waID, Detail: "User requested to " + value + " marketing messages",
			Category: "marketing_messages", Value: value, Timestamp: at.Unix()}},
	}, at)
	if err != nil {
		s.logDrop(fmt.Errorf("user_preferences webhook: %w", err))
	}
}

// queueChangeNoTime queues a messages-style notification, whose entries carry no time.
func (s *Sim) queueChangeNoTime(ns *numberState, field string, value any, at time.Time) error {
	v, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("encoding %s value: %w", field, err)
	}
	body, err := encodeNotification(wire.Notification{Object: wire.ObjectWABA, Entry: []wire.Entry{{
		ID: ns.waba.id, Changes: []wire.Change{{Field: field, Value: v}},
	}}})
	if err != nil {
		return err
	}
	return s.q.push(&qitem{due: at, payload: body})
}

// encodeNotification marshals n the way Meta sends it: non-ASCII escaped as
// \uXXXX with lowercase hex, which is what the signature is computed over.
func encodeNotification(n wire.Notification) ([]byte, error) {
	b, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("encoding notification: %w", err)
	}
	return asciiJSON(b), nil
}

// asciiJSON escapes every non-ASCII character of a JSON document. Non-ASCII
// bytes can only occur inside strings, so escaping them byte-wise is safe.
func asciiJSON(b []byte) []byte {
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return b
	}
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, len(b)+len(b)/4)
	esc := func(r rune) {
		out = append(out, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
	}
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xffff:
			r -= 0x10000
			esc(0xd800 + (r>>10)&0x3ff)
			esc(0xdc00 + r&0x3ff)
		default:
			esc(r)
		}
	}
	return out
}

// statusBody builds one POST carrying statuses of one number.
func (s *Sim) statusBody(ns *numberState, sts []wire.Status) ([]byte, error) {
	v, err := json.Marshal(wire.MessagesValue{MessagingProduct: "whatsapp", Metadata: metadata(ns), Statuses: sts})
	if err != nil {
		return nil, fmt.Errorf("encoding statuses: %w", err)
	}
	return encodeNotification(wire.Notification{Object: wire.ObjectWABA, Entry: []wire.Entry{{
		ID: ns.waba.id, Changes: []wire.Change{{Field: "messages", Value: v}},
	}}})
}

// Flush synchronously delivers every webhook due at the clock's current
// time. With a ManualClock, tests Advance the clock and Flush instead of
// running Start, which keeps delivery order exact. Retries of failed POSTs
// are queued for later, not waited for.
func (s *Sim) Flush(ctx context.Context) error {
	s.drain(ctx)
	return ctx.Err()
}

// drainChunk bounds how many events one pass takes off the queue.
const drainChunk = 10000

func (s *Sim) drain(ctx context.Context) {
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	s.refreshQuality()
	// Ends when nothing is due: retries are always queued in the future.
	for ctx.Err() == nil {
		now := s.clock.Now()
		items := s.q.popDue(now, drainChunk)
		if len(items) == 0 {
			return
		}
		s.deliver(ctx, now, items)
	}
}

// deliver posts due items: statuses grouped per number (in order of first
// appearance, chunked by MaxBatch), payloads one per POST in queue order.
func (s *Sim) deliver(ctx context.Context, now time.Time, items []*qitem) {
	type group struct {
		ns  *numberState
		sts []wire.Status
	}
	var groups []*group
	idx := map[*numberState]*group{}
	flush := func() {
		for _, g := range groups {
			for start := 0; start < len(g.sts); start += s.cfg.Webhooks.MaxBatch {
				end := min(start+s.cfg.Webhooks.MaxBatch, len(g.sts))
				body, err := s.statusBody(g.ns, g.sts[start:end])
				if err != nil {
					s.logDrop(err)
					continue
				}
				s.post(ctx, now, body, 0)
			}
		}
		groups = groups[:0]
		clear(idx)
	}
	for _, it := range items {
		if it.payload != nil {
			flush()
			s.post(ctx, now, it.payload, it.attempt)
			continue
		}
		g := idx[it.ns]
		if g == nil {
			g = &group{ns: it.ns}
			idx[it.ns] = g
			groups = append(groups, g)
		}
		g.sts = append(g.sts, it.st)
	}
	flush()
}

// post sends one signed webhook; on failure it queues a retry with
// exponential backoff until MaxAttempts.
func (s *Sim) post(ctx context.Context, now time.Time, body []byte, attempt int) {
	err := s.postOnce(ctx, body)
	if err == nil {
		s.webhookPosts.Add(1)
		return
	}
	s.webhookFailures.Add(1)
	wc := s.cfg.Webhooks
	if attempt+1 >= wc.MaxAttempts {
		s.webhookDropped.Add(1)
		slog.Warn("sim: webhook dropped after retries", "attempts", attempt+1, "err", err)
		return
	}
	delay := wc.RetryMax
	if attempt < 30 {
		delay = min(wc.RetryBase<<attempt, wc.RetryMax)
	}
	s.enqueue(&qitem{due: now.Add(delay), payload: body, attempt: attempt + 1})
}

func (s *Sim) postOnce(ctx context.Context, body []byte) error {
	return wire.PostSigned(ctx, s.cfg.HTTPClient, s.cfg.WebhookURL, []byte(s.cfg.AppSecret), body)
}

// loop is the single webhook sender: it sleeps until the earliest event is
// due (or an earlier one is queued) and drains what is due.
func (s *Sim) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	for {
		s.drain(ctx)
		var tc <-chan time.Time
		var t Timer
		if due, ok := s.q.next(); ok {
			t = s.clock.NewTimer(due.Sub(s.clock.Now()))
			tc = t.C()
		}
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		case <-tc:
		case <-s.q.kick:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// Inbound simulates a user sending text to a business number: it opens the
// 24-hour customer service window for that user and queues the messages
// webhook. It returns the inbound message's id.
func (s *Sim) Inbound(phoneNumberID, from, text string) (string, error) {
	return s.InboundReply(phoneNumberID, from, text, "")
}

// InboundReply is Inbound for a text that quotes a business message
// (context.id = replyTo, Meta's id of that message).
func (s *Sim) InboundReply(phoneNumberID, from, text, replyTo string) (string, error) {
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return "", fmt.Errorf("sim: unknown phone number id %q", phoneNumberID)
	}
	waID := waIDFor(from)
	if waID == "" {
		return "", fmt.Errorf("sim: %q is not a phone number", from)
	}
	ns.mu.Lock()
	now := s.clock.Now()
	ns.csw[waID] = now
	if s.cfg.Limits.Throughput {
		ns.meter(now) // inbound messages count against the number's throughput
	}
	id := newWamid(ns.rng)
	ns.mu.Unlock()
	s.queueInbound(ns, waID, id, text, replyTo, now)
	return id, nil
}
