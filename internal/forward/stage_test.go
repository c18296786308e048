package forward

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/signal"
)

// TestStagerShapesEachKind: what the forward stager stages for each kind
// of signal — value, lane, keys — and what it leaves out (events not new,
// signals nobody owns).
func TestStagerShapesEachKind(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	messages := &signal.Change{WABAID: "w1", EntryTime: 1700000000, Field: "messages",
		Value: json.RawMessage(`{"messaging_product":"whatsapp","metadata":{"phone_number_id":"p1"},"statuses":[{"id":"wamid.S","status":"read","x":1},{"id":"wamid.U","status":"sent"}]}`)}
	inbound := &signal.Change{WABAID: "w1", EntryTime: 1700000001, Field: "messages",
		Value: json.RawMessage(`{"metadata":{"phone_number_id":"p1"},"messages":[{"id":"wamid.I1","from":"55"},{"id":"wamid.I2","from":"55","context":{"id":"wamid.S","from":"p"}},{"id":"wamid.OLD","from":"55"}]}`)}
	other := &signal.Change{WABAID: "w1", EntryTime: 1700000002, Field: "brand_new", Value: json.RawMessage(`{ "b":2, "a":1 }`)}
	errs := &signal.Change{WABAID: "w1", Field: "messages", Value: json.RawMessage(`{"metadata":{"phone_number_id":"p1"},"errors":[{"code":131000}],"statuses":[]}`)}
	batch := []signal.Signal{
		{Kind: signal.Status, TenantID: "t1", PhoneNumberID: "p1", MessageID: "wamid.S", Status: "read", New: true, Change: messages,
			Ref: signal.Ref{ID: "gw-1", TenantID: "t1"}, Raw: json.RawMessage(`{"id":"wamid.S","status":"read","x":1}`)},
		{Kind: signal.Status, TenantID: "t1", PhoneNumberID: "p1", MessageID: "wamid.S", Status: "read", New: false, Change: messages,
			Ref: signal.Ref{ID: "gw-1", TenantID: "t1"}, Raw: json.RawMessage(`{"id":"wamid.S","status":"read","x":1}`)},
		{Kind: signal.Status, TenantID: "t1", PhoneNumberID: "p1", MessageID: "wamid.U", Status: "sent", New: true, Change: messages,
			Raw: json.RawMessage(`{"id":"wamid.U","status":"sent"}`)},
		{Kind: signal.Status, PhoneNumberID: "p9", MessageID: "wamid.N", Status: "sent", New: true, Change: messages,
			Raw: json.RawMessage(`{"id":"wamid.N","status":"sent"}`)}, // nobody's number
		{Kind: signal.Inbound, TenantID: "t1", PhoneNumberID: "p1", WaID: "55", MessageID: "wamid.I1", New: true, Change: inbound,
			Raw: json.RawMessage(`{"id":"wamid.I1","from":"55"}`)},
		{Kind: signal.Inbound, TenantID: "t1", PhoneNumberID: "p1", WaID: "55", MessageID: "wamid.I2", New: true, Change: inbound,
			Ref: signal.Ref{ID: "gw-1", TenantID: "t1"}, Raw: json.RawMessage(`{"id":"wamid.I2","from":"55","context":{"id":"wamid.S","from":"p"}}`)},
		{Kind: signal.Event, TenantID: "t1", Field: "brand_new", New: true, Change: other, Raw: other.Value},
		{Kind: signal.Event, TenantID: "t1", Field: "messages", PhoneNumberID: "p1", New: true, Change: errs, Raw: errs.Value},
	}
	tx := &signal.Staging{Now: now}
	if err := (Stager{}).Stage(t.Context(), batch, tx); err != nil {
		t.Fatal(err)
	}
	type row struct{ field, value, lane, keys string }
	var got []row
	for _, f := range tx.Staged().Forwards {
		if f.TenantID != "t1" || f.WABAID != "w1" || !f.CreatedAt.Equal(now) || !f.NextAttemptAt.Equal(now) {
			t.Errorf("forward %+v: want tenant t1, WABA w1, stamped now", f)
		}
		got = append(got, row{f.Field, string(f.Value), f.Lane, strings.Join(f.EventKeys, ",")})
	}
	want := []row{
		// A gateway message's status: alone, with the gateway's id, in the
		// message's lane; deduplicated as a status event (no key).
		{"messages", `{"messaging_product":"whatsapp","metadata":{"phone_number_id":"p1"},"statuses":[{"id":"gw-1","status":"read","x":1}]}`, "msg:gw-1", ""},
		// A status sent around the gateway: unchanged, keyed.
		{"messages", `{"messaging_product":"whatsapp","metadata":{"phone_number_id":"p1"},"statuses":[{"id":"wamid.U","status":"sent"}]}`, "wamid:wamid.U", "status:p1:wamid.U:sent"},
		// The change's new inbound messages together, the reply's context
		// mapped, the redelivered one left out.
		{"messages", `{"messages":[{"id":"wamid.I1","from":"55"},{"context":{"from":"p","id":"gw-1"},"from":"55","id":"wamid.I2"}],"metadata":{"phone_number_id":"p1"}}`, "conv:p1:55", "in:p1:wamid.I1,in:p1:wamid.I2"},
		// A field nobody knows: byte for byte.
		{"brand_new", `{ "b":2, "a":1 }`, "brand_new:w1", valueKey(other)},
		// Value-level errors: the value without its statuses.
		{"messages", `{"errors":[{"code":131000}],"metadata":{"phone_number_id":"p1"}}`, "conv:p1:", valueKey(errs)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("staged\n %q\nwant\n %q", got, want)
	}
}
