package forward

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/wabaguard/wabaguard/internal/signal"
)

// Every forward goes in a lane (store.Forward.Lane): the forwarder hands a
// tenant the events of one lane one at a time, in the order they came, so
// a retry never lets a later event overtake an earlier one. Lanes are as
// narrow as order matters, so that a tenant's events still go out in
// parallel:
//
//   - statuses of a message the gateway sent: that message;
//   - statuses of a message sent around the gateway: Meta's id of it;
//   - inbound messages: the conversation (phone number and person);
//   - template events: the template;
//   - any other field: that field for the number it names, or the WABA.
//
// And every forward of an event that Meta does not deduplicate for us
// carries a key (store.Forward.EventKeys) that the store remembers, so that
// the event sent again inside another delivery is not forwarded twice:
//
//   - inbound messages: Meta's message id (one key per message);
//   - statuses for messages the gateway does not know: Meta's id and the
//     status (known messages' statuses are deduplicated as status events);
//   - other fields: a digest of the field, the WABA and the value as Meta
//     sent it (keys in any order), plus the entry's time for fields whose
//     value has no time or id of its own. Two template approvals of one
//     template, or two PIN changes, have equal values; only the entry's
//     time tells them apart, and dropping the second would hide a real
//     change from the tenant.
//
// The forward stager (stage.go) gives each forward its lane and its keys.

// messageLane is the lane of a gateway message's statuses.
func messageLane(id string) string { return "msg:" + id }

// inboundLane is the lane of an inbound change: the conversation of its
// sender (a change carries one person's messages).
func inboundLane(pnid, from string) string { return "conv:" + pnid + ":" + from }

// inboundKey is the key of an inbound message.
func inboundKey(pnid, id string) string { return "in:" + pnid + ":" + id }

// statusKey is the key of a status forwarded for an unknown message.
func statusKey(pnid, metaID, status string) string {
	return "status:" + pnid + ":" + metaID + ":" + status
}

// selfTimed are the fields whose values carry their own ids or timestamps
// (calls, preference changes, echoed and history messages): their value
// alone identifies the event, whatever entry Meta puts it in.
var selfTimed = map[string]bool{
	"calls":              true,
	"user_preferences":   true,
	"smb_message_echoes": true,
	"history":            true,
}

// laneKeys are the parts of a value that narrow a lane.
type laneKeys struct {
	Metadata *struct {
		PhoneNumberID string `json:"phone_number_id"`
	} `json:"metadata"`
	TemplateID json.Number `json:"message_template_id"`
}

// otherLane is the lane of a change other than inbound messages and
// statuses.
func otherLane(c *signal.Change) string {
	wabaID := c.WABAID
	var k laneKeys
	_ = json.Unmarshal(c.Value, &k) // a value that is not an object is WABA-level
	switch {
	case k.TemplateID != "":
		return "tpl:" + wabaID + ":" + k.TemplateID.String()
	case k.Metadata != nil && k.Metadata.PhoneNumberID != "":
		return c.Field + ":" + k.Metadata.PhoneNumberID
	}
	return c.Field + ":" + wabaID
}

// valueKey is the key of a change identified by its content.
func valueKey(c *signal.Change) string {
	h := sha256.New()
	h.Write([]byte(c.Field + "\x00" + c.WABAID + "\x00"))
	if !selfTimed[c.Field] {
		h.Write([]byte(strconv.FormatInt(c.EntryTime, 10)))
	}
	h.Write([]byte{0})
	h.Write(canonicalJSON(c.Value))
	return "ev:" + c.Field + ":" + hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes v with object keys sorted and no spaces, numbers
// kept as written, so that the same value serialised differently hashes
// the same; bytes that do not parse are used as they are.
func canonicalJSON(v []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return v
	}
	b, err := json.Marshal(x)
	if err != nil {
		return v
	}
	return b
}
