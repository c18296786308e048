package inbound

import (
	"encoding/json"
	"time"

	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// The processor's signals: built from what it parsed and the forwards it
// made (which carry the tenant it resolved), so no lookup is repeated.

func tenantOf(fw *store.Forward) string {
	if fw == nil {
		return ""
	}
	return fw.TenantID
}

func eventSignal(wabaID string, c parsedChange, fws []store.Forward, now time.Time) signal.Signal {
	s := signal.Signal{Kind: signal.Event, WABAID: wabaID, Field: c.field, At: now, Raw: c.raw}
	if len(fws) > 0 {
		s.TenantID = fws[0].TenantID
	}
	var k routeKeys
	if json.Unmarshal(c.raw, &k) == nil && k.Metadata != nil {
		s.PhoneNumberID = k.Metadata.PhoneNumberID
	}
	return s
}

func statusSignal(wabaID string, c parsedChange, ps parsedStatus, fw *store.Forward) signal.Signal {
	st := ps.st
	s := signal.Signal{
		Kind: signal.Status, TenantID: tenantOf(fw), WABAID: wabaID, PhoneNumberID: c.pnid,
		WaID: st.RecipientID, UserID: st.RecipientUserID, MessageID: st.ID, At: unixTime(st.Timestamp),
		Field: c.field, Status: st.Status,
	}
	for _, e := range st.Errors {
		s.Codes = append(s.Codes, e.Code)
	}
	if raw, err := json.Marshal(st); err == nil {
		s.Raw = raw
	}
	return s
}

func inboundSignals(wabaID string, c parsedChange, ins []store.InboundMessage, fw *store.Forward) []signal.Signal {
	if len(ins) == 0 {
		return nil
	}
	replyTo := map[string]string{}
	for _, m := range c.messages {
		replyTo[m.hdr.ID] = m.contextID
	}
	// contacts[] names each sender by wa_id and, for people with a
	// username, by business-scoped user id too.
	var contacts []struct {
		WaID   string `json:"wa_id"`
		UserID string `json:"user_id"`
	}
	_ = json.Unmarshal(c.value["contacts"], &contacts)
	userOf := map[string]string{}
	for _, ct := range contacts {
		if ct.WaID != "" && ct.UserID != "" {
			userOf[ct.WaID] = ct.UserID
		}
	}
	out := make([]signal.Signal, 0, len(ins))
	for _, in := range ins {
		out = append(out, signal.Signal{
			Kind: signal.Inbound, TenantID: tenantOf(fw), WABAID: wabaID, PhoneNumberID: in.SenderID,
			WaID: in.From, UserID: userOf[in.From], MessageID: in.ID, At: in.Timestamp, Field: c.field,
			ReplyTo: replyTo[in.ID], Raw: in.Body,
		})
	}
	return out
}
