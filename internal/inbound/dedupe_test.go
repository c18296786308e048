package inbound

import (
	"encoding/json"
	"fmt"

	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

// change is one change of a notification.
type change struct {
	field string
	value map[string]any
}

// notification builds a body of one entry of wabaID at entryTime (none
// when 0) carrying changes.
func notification(t *testing.T, entryTime int64, changes ...change) []byte {
	t.Helper()
	cs := make([]any, len(changes))
	for i, c := range changes {
		cs[i] = map[string]any{"field": c.field, "value": c.value}
	}
	entry := map[string]any{"id": wabaID, "changes": cs}
	if entryTime != 0 {
		entry["time"] = entryTime
	}
	b, err := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{entry}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func metadata() map[string]any {
	return map[string]any{"display_phone_number": "15550001111", "phone_number_id": pnid}
}

func inboundChange(id string) change {
	return change{"messages", map[string]any{
		"messaging_product": "whatsapp", "metadata": metadata(),
		"contacts": []any{map[string]any{"profile": map[string]any{"name": "Ana"}, "wa_id": "4915112345678"}},
		"messages": []any{map[string]any{"from": "4915112345678", "id": id, "timestamp": "1772366400", "type": "text", "text": map[string]any{"body": "hi"}}},
	}}
}

func templateChange(id int64, event string) change {
	return change{"message_template_status_update", map[string]any{
		"event": event, "message_template_id": id, "message_template_name": "order_update",
		"message_template_language": "en_US", "reason": "NONE", "message_template_category": "UTILITY",
	}}
}

func preferenceChange(value string, ts int64) change {
	return change{"user_preferences", map[string]any{
		"messaging_product": "whatsapp", "metadata": metadata(),
		"user_preferences": []any{map[string]any{"wa_id": "4915112345678", "detail": "User requested to " + value + " marketing messages",
			"category": "marketing_messages", "value": value, "timestamp": ts}},
	}}
}

func unknownStatusChange(metaID, status string) change {
	return change{"messages", map[string]any{
		"messaging_product": "whatsapp", "metadata": metadata(),
		"statuses": []any{map[string]any{"id": metaID, "status": status, "timestamp": "1772366400", "recipient_id": "4915112345678"}},
	}}
}

// TestResentEventsForwardedOnce sends events, restarts the gateway on the
// same database, and has Meta send them again, each inside a different
// batch (and so a body the delivery dedupe has not seen): each reaches the
// tenant once. Events that only look alike (a template approved again
// later) still reach it.
func TestResentEventsForwardedOnce(t *testing.T) {
	const et = 1772366400
	tests := []struct {
		name          string
		first, resent [][]byte // deliveries before and after the restart
		want          int      // forwards of the case's events in all
	}{
		{"inbound message resent with another",
			[][]byte{notification(t, et, inboundChange("wamid.IN1"))},
			[][]byte{notification(t, et, inboundChange("wamid.IN1"), inboundChange("wamid.IN2"))}, 2},
		{"inbound message resent alone in a new entry time",
			[][]byte{notification(t, et, inboundChange("wamid.IN3"))},
			[][]byte{notification(t, et+60, inboundChange("wamid.IN3"))}, 1},
		{"template event resent in another batch",
			[][]byte{notification(t, et, templateChange(1001, "APPROVED"))},
			[][]byte{notification(t, et, templateChange(1002, "REJECTED"), templateChange(1001, "APPROVED"))}, 2},
		{"template approved again later",
			[][]byte{notification(t, et, templateChange(1003, "APPROVED"))},
			[][]byte{notification(t, et+3600, templateChange(1003, "APPROVED"))}, 2},
		{"preference change resent in another entry time",
			[][]byte{notification(t, et, preferenceChange("stop", et-5))},
			[][]byte{notification(t, et+30, preferenceChange("stop", et-5), preferenceChange("resume", et+20))}, 2},
		{"status of an unknown message resent",
			[][]byte{notification(t, et, unknownStatusChange("wamid.AROUND", "delivered"))},
			[][]byte{notification(t, et, unknownStatusChange("wamid.AROUND", "delivered"), unknownStatusChange("wamid.AROUND", "read"))}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "wabaguard.db")
			st := sqlitetest.OpenFile(t, path)
			seedTenant(t, st, tenantID, wabaID, pnid)
			total := 0
			run := func(st testStore, bodies [][]byte) {
				r := newRig(t, st, 256)
				for _, b := range bodies {
					if code := r.post(t, b); code != 200 {
						t.Fatalf("POST answered %d", code)
					}
				}
				r.drain(t)
				// Statuses of unknown messages are given up on after
				// the hold.
				r.clk.Advance(time.Hour)
				r.drain(t)
				total += len(r.forwards(t))
			}
			run(st, tc.first)
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			run(sqlitetest.OpenFile(t, path), tc.resent)
			if total != tc.want {
				t.Errorf("%d forwards in all, want %d", total, tc.want)
			}
		})
	}
}

// TestEventKeysForgottenAfterRetention checks that dedupe memory is
// bounded: within the retention a resend is dropped, after it the event's
// key is pruned and a resend is forwarded again.
func TestEventKeysForgottenAfterRetention(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	seedTenant(t, st, tenantID, wabaID, pnid)
	r := newRig(t, st, 256)
	const et = 1772366400
	steps := []struct {
		after time.Duration // clock advance before the resend
		want  int
	}{
		{0, 1},              // first time
		{47 * time.Hour, 0}, // within retention
		{2 * time.Hour, 1},  // past it: pruned, forgotten
	}
	for i, s := range steps {
		r.clk.Advance(s.after)
		// A restart each time: only the store remembers.
		r.p = NewProcessor(st, ProcessorConfig{Now: r.clk.Now, DedupeFor: 48 * time.Hour, Signals: forwarding()})
		r.post(t, notification(t, et+int64(i), inboundChange("wamid.KEEP"), inboundChange(fmt.Sprintf("wamid.NEW%d", i))))
		r.drain(t)
		got := 0
		for _, f := range r.forwards(t) {
			if strings.Contains(string(f.Value), "wamid.KEEP") {
				got++
			}
		}
		if got != s.want {
			t.Errorf("step %d (clock +%v): wamid.KEEP forwarded %d times, want %d", i, r.clk.Now().Sub(t0), got, s.want)
		}
	}
}
