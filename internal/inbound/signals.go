package inbound

import (
	"encoding/json"
	"time"

	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// The processor's signals: built from what it parsed and resolved (the
// tenant, the gateway's messages behind Meta's ids), each pointing at the
// change it came from, so that no stager or consumer repeats a lookup and
// forwarding can pass on what the gateway does not understand unchanged.

func eventSignal(ch *signal.Change, tenant string, now time.Time) signal.Signal {
	// A change other than messages is new as far as processing knows:
	// its forward's key deduplicates it in the store.
	s := signal.Signal{Kind: signal.Event, TenantID: tenant, WABAID: ch.WABAID, Field: ch.Field, Raw: ch.Value, Change: ch, New: true, At: now}
	var k routeKeys
	if json.Unmarshal(ch.Value, &k) == nil && k.Metadata != nil {
		s.PhoneNumberID = k.Metadata.PhoneNumberID
	}
	return s
}

func statusSignal(ch *signal.Change, c parsedChange, ps parsedStatus) signal.Signal {
	st := ps.st
	s := signal.Signal{
		Kind: signal.Status, WABAID: ch.WABAID, PhoneNumberID: c.pnid,
		WaID: st.RecipientID, UserID: st.RecipientUserID, MessageID: st.ID, At: unixTime(st.Timestamp),
		Field: c.field, Status: st.Status, Raw: ps.raw, Change: ch,
	}
	for _, e := range st.Errors {
		s.Codes = append(s.Codes, e.Code)
	}
	return s
}

// inboundSignals are the signals of a change's new inbound messages (ins,
// parsed as msgs), all new.
func inboundSignals(ch *signal.Change, c parsedChange, ins []store.InboundMessage, msgs []parsedMessage, refs map[string]store.MessageRef, tenant string) []signal.Signal {
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
	for i, in := range ins {
		s := signal.Signal{
			Kind: signal.Inbound, TenantID: tenant, WABAID: ch.WABAID, PhoneNumberID: in.SenderID,
			WaID: in.From, UserID: userOf[in.From], MessageID: in.ID, At: in.Timestamp, Field: c.field,
			ReplyTo: msgs[i].contextID, Raw: in.Body, Change: ch, New: true,
		}
		if ref, ok := refs[s.ReplyTo]; ok && s.ReplyTo != "" {
			s.Ref = signal.Ref{ID: ref.ID, TenantID: ref.TenantID}
		}
		out = append(out, s)
	}
	return out
}
