package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// FieldMessages is the webhook field of inbound messages and statuses.
const FieldMessages = "messages"

// ErrNotMessages is returned by Change.Messages for a change of another field.
var ErrNotMessages = errors.New("wire: change is not a messages change")

// ParseNotification decodes a webhook body and checks its envelope: the
// object is a WhatsApp Business Account, there is at least one entry, and
// every change names its field and carries an object value. It does not
// look inside values, whose shapes vary by field and change over time;
// Change.Messages does that for the field the gateway acts on. The body
// first passes CheckJSON with WebhookJSONLimits.
func ParseNotification(body []byte) (*Notification, error) {
	if err := CheckJSON(body, WebhookJSONLimits); err != nil {
		return nil, fmt.Errorf("wire: notification is not acceptable JSON: %w", err)
	}
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("wire: decode notification: %w", err)
	}
	if n.Object != ObjectWABA {
		return nil, fmt.Errorf("wire: notification object is %q, want %q", n.Object, ObjectWABA)
	}
	if len(n.Entry) == 0 {
		return nil, errors.New("wire: notification has no entry")
	}
	for i, e := range n.Entry {
		if e.ID == "" {
			return nil, fmt.Errorf("wire: entry[%d] has no id", i)
		}
		if len(e.Changes) == 0 {
			return nil, fmt.Errorf("wire: entry[%d] has no changes", i)
		}
		for j, c := range e.Changes {
			if c.Field == "" {
				return nil, fmt.Errorf("wire: entry[%d].changes[%d] has no field", i, j)
			}
			if !isObject(c.Value) {
				return nil, fmt.Errorf("wire: entry[%d].changes[%d] (%s) value is not an object", i, j, c.Field)
			}
		}
	}
	return &n, nil
}

// Messages decodes the value of a "messages" change and checks what the
// gateway relies on: the business number it is about, and an id and type on
// every inbound message and an id and status on every status update.
func (c Change) Messages() (*MessagesValue, error) {
	if c.Field != FieldMessages {
		return nil, fmt.Errorf("%w: field %q", ErrNotMessages, c.Field)
	}
	var v MessagesValue
	if err := json.Unmarshal(c.Value, &v); err != nil {
		return nil, fmt.Errorf("wire: decode messages value: %w", err)
	}
	if v.Metadata.PhoneNumberID == "" {
		return nil, errors.New("wire: messages value has no metadata.phone_number_id")
	}
	for i, raw := range v.Messages {
		h, err := v.Header(i)
		if err != nil {
			return nil, err
		}
		if h.ID == "" || h.Type == "" {
			return nil, fmt.Errorf("wire: messages[%d] lacks id or type: %s", i, truncate(raw, 80))
		}
	}
	for i, s := range v.Statuses {
		if s.ID == "" || s.Status == "" {
			return nil, fmt.Errorf("wire: statuses[%d] lacks id or status", i)
		}
	}
	return &v, nil
}

// Header decodes the common part of inbound message i.
func (v *MessagesValue) Header(i int) (InboundHeader, error) {
	var h InboundHeader
	if i < 0 || i >= len(v.Messages) {
		return h, fmt.Errorf("wire: no message %d of %d", i, len(v.Messages))
	}
	if err := json.Unmarshal(v.Messages[i], &h); err != nil {
		return h, fmt.Errorf("wire: decode messages[%d]: %w", i, err)
	}
	return h, nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
