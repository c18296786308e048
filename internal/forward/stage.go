package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Stager forwards to tenants what webhook processing learned, as one
// subscriber of its signals: it stages each new event's forward into the
// batch's transaction, so that a forward is enqueued exactly when the
// batch commits, and only for an event seen for the first time
// (signal.Signal.New, then the forward's event keys in the store).
//
//   - A status goes alone in its change's value, every other field of the
//     value kept: with the gateway's message id in place of Meta's for a
//     message the gateway sent (in that message's lane), unchanged for one
//     sent around it (deduplicated by Meta's id and the status).
//   - The inbound messages of one change go together in it, without its
//     statuses, reply contexts mapped to the gateway's ids.
//   - Any other change — Meta's fields the gateway does not know
//     included — goes byte for byte as Meta sent it.
//
// Signals without a tenant (a number nobody owns) are not forwarded. The
// zero Stager is ready to use; subscribe it with signal.Bus.SubscribeStager.
type Stager struct{}

// Stage implements signal.Stager.
func (Stager) Stage(_ context.Context, batch []signal.Signal, tx *signal.Staging) error {
	values := map[*signal.Change]map[string]json.RawMessage{}
	valueOf := func(c *signal.Change) (map[string]json.RawMessage, error) {
		if v, ok := values[c]; ok {
			return v, nil
		}
		var v map[string]json.RawMessage
		if err := json.Unmarshal(c.Value, &v); err != nil {
			return nil, fmt.Errorf("decode %s value: %w", c.Field, err)
		}
		values[c] = v
		return v, nil
	}
	for i := 0; i < len(batch); i++ {
		s := batch[i]
		if s.Change == nil || s.TenantID == "" || !s.New {
			continue
		}
		base := store.Forward{TenantID: s.TenantID, WABAID: s.Change.WABAID, Field: s.Change.Field,
			EntryTime: s.Change.EntryTime, CreatedAt: tx.Now, NextAttemptAt: tx.Now}
		switch {
		case s.Kind == signal.Status:
			v, err := valueOf(s.Change)
			if err != nil {
				return err
			}
			fw, err := stagedStatus(base, v, s)
			if err != nil {
				return err
			}
			tx.Forward(fw)
		case s.Kind == signal.Inbound:
			// The change's inbound messages are consecutive: one forward.
			j := i + 1
			for j < len(batch) && batch[j].Kind == signal.Inbound && batch[j].Change == s.Change && batch[j].TenantID == s.TenantID && batch[j].New {
				j++
			}
			v, err := valueOf(s.Change)
			if err != nil {
				return err
			}
			fw, err := inboundForward(base, v, batch[i:j])
			if err != nil {
				return err
			}
			tx.Forward(fw)
			i = j - 1
		case s.Field == "messages":
			// A messages change with nothing but value-level content
			// (errors): the value without statuses, which travel alone.
			v, err := valueOf(s.Change)
			if err != nil {
				return err
			}
			fw := base
			if fw.Value, err = without(v, "statuses"); err != nil {
				return err
			}
			fw.Lane, fw.EventKeys = inboundLane(s.PhoneNumberID, ""), []string{valueKey(s.Change)}
			tx.Forward(fw)
		default:
			fw := base
			fw.Value, fw.Lane, fw.EventKeys = s.Change.Value, otherLane(s.Change), []string{valueKey(s.Change)}
			tx.Forward(fw)
		}
	}
	return nil
}

// stagedStatus is one status's forward, alone in its change's value.
func stagedStatus(fw store.Forward, value map[string]json.RawMessage, s signal.Signal) (store.Forward, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(s.Raw, &fields); err != nil {
		return fw, fmt.Errorf("decode status %s: %w", s.MessageID, err)
	}
	if s.Ref.ID != "" {
		idJSON, err := json.Marshal(s.Ref.ID)
		if err != nil {
			return fw, fmt.Errorf("encode id: %w", err)
		}
		fields = cloneFields(fields)
		fields["id"] = idJSON
		// Deduplicated by the status event itself (Meta's id and status).
		fw.Lane = messageLane(s.Ref.ID)
	} else {
		fw.Lane = "wamid:" + s.MessageID
		fw.EventKeys = []string{statusKey(s.PhoneNumberID, s.MessageID, s.Status)}
	}
	v, err := withOnly(value, "statuses", fields)
	if err != nil {
		return fw, err
	}
	fw.Value = v
	return fw, nil
}

// inboundForward is the forward of one change's new inbound messages: the
// value without its statuses (they travel one by one), its messages only
// those given, reply contexts mapped to the gateway's ids.
func inboundForward(fw store.Forward, value map[string]json.RawMessage, ins []signal.Signal) (store.Forward, error) {
	msgs := make([]json.RawMessage, 0, len(ins))
	var keys []string
	for _, s := range ins {
		raw := s.Raw
		if s.Ref.ID != "" {
			var err error
			if raw, err = rewriteContext(raw, s.Ref.ID); err != nil {
				return fw, err
			}
		}
		msgs = append(msgs, raw)
		if s.MessageID != "" {
			keys = append(keys, inboundKey(s.PhoneNumberID, s.MessageID))
		}
	}
	if len(keys) == 0 {
		keys = []string{valueKey(ins[0].Change)} // no message ids to go by
	}
	b, err := json.Marshal(msgs)
	if err != nil {
		return fw, fmt.Errorf("encode messages: %w", err)
	}
	v := cloneFields(value)
	delete(v, "statuses")
	v["messages"] = b
	if fw.Value, err = json.Marshal(v); err != nil {
		return fw, fmt.Errorf("encode value: %w", err)
	}
	fw.Lane, fw.EventKeys = inboundLane(ins[0].PhoneNumberID, ins[0].WaID), keys
	return fw, nil
}

// without encodes the value without one of its fields.
func without(value map[string]json.RawMessage, key string) ([]byte, error) {
	v := cloneFields(value)
	delete(v, key)
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	return b, nil
}

// rewriteContext replaces context.id of a reply with the gateway's id,
// keeping every other field.
func rewriteContext(msg json.RawMessage, id string) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(msg, &fields); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	var ctxFields map[string]json.RawMessage
	if err := json.Unmarshal(fields["context"], &ctxFields); err != nil {
		return nil, fmt.Errorf("decode context: %w", err)
	}
	idJSON, _ := json.Marshal(id)
	ctxFields["id"] = idJSON
	cb, err := json.Marshal(ctxFields)
	if err != nil {
		return nil, fmt.Errorf("encode context: %w", err)
	}
	fields["context"] = cb
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	return b, nil
}

// withOnly returns the value with the list under key replaced by the single
// item, every other field kept as Meta sent it. It writes the object
// directly (keys sorted, as encoding/json writes a map): the fields are raw
// slices of a document that already parsed, so re-validating them through
// json.Marshal would only cost time on the busiest path of processing.
func withOnly(value map[string]json.RawMessage, key string, item map[string]json.RawMessage) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(rawSize(value) + rawSize(item) + 16)
	b.WriteByte('{')
	first := true
	for _, k := range sortedKeys(value, key) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		if err := writeKey(&b, k); err != nil {
			return nil, err
		}
		if k != key {
			b.Write(value[k])
			continue
		}
		b.WriteString("[{")
		for i, ik := range sortedKeys(item, "") {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeKey(&b, ik); err != nil {
				return nil, err
			}
			b.Write(item[ik])
		}
		b.WriteString("}]")
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// sortedKeys returns m's keys, plus extra when not empty, in order.
func sortedKeys(m map[string]json.RawMessage, extra string) []string {
	keys := make([]string, 0, len(m)+1)
	for k := range m {
		keys = append(keys, k)
	}
	if _, ok := m[extra]; extra != "" && !ok {
		keys = append(keys, extra)
	}
	slices.Sort(keys)
	return keys
}

func writeKey(b *bytes.Buffer, k string) error {
	q, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	b.Write(q)
	b.WriteByte(':')
	return nil
}

func rawSize(m map[string]json.RawMessage) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v) + 4
	}
	return n
}

func cloneFields(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
