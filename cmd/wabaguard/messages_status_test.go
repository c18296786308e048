package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestMessagesShowMessageStatus: `messages show` prints Meta's
// message_status from the send answer (a template held for quality
// assessment is sent, but not yet on its way), in text and in JSON.
func TestMessagesShowMessageStatus(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("WABAGUARD_CONFIG", "")
	t.Setenv("WABAGUARD_DATABASE", "")
	t.Setenv("WABAGUARD_DATA_DIR", dir)
	ctx := context.Background()
	cfg, err := config.Load("", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "T", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: "1065", TenantID: "t1", WABAID: "w1", State: store.SenderActive}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"wamid.held", "wamid.plain"} {
		m := &store.Message{ID: id, TenantID: "t1", SenderID: "1065", Input: "+5511987654321", WaID: "5511987654321",
			Type: "template", Category: "marketing", Body: []byte(`{}`), State: store.StateQueued, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
		if err := st.CommitIntake(ctx, []*store.Intake{{Message: m, Decision: store.Decision{TenantID: "t1", SenderID: "1065",
			MessageID: id, WaID: m.WaID, Outcome: store.OutcomeAllow, CreatedAt: now}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ClaimMessages(ctx, "1065", now, 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordOutcomes(ctx, []store.Outcome{
		{MessageID: "wamid.held", State: store.StateSent, MetaID: "wamid.META1", MessageStatus: wire.MessageStatusHeld, Attempts: 1, At: now},
		{MessageID: "wamid.plain", State: store.StateSent, MetaID: "wamid.META2", Attempts: 1, At: now},
	}, nil); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	tests := []struct {
		id, wantText, wantJSON string
	}{
		{"wamid.held", "meta status  " + wire.MessageStatusHeld, wire.MessageStatusHeld},
		{"wamid.plain", "meta status  -", ""},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := run(ctx, []string{"messages", "show", tc.id}, &out, &errOut); err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			if !strings.Contains(out.String(), tc.wantText) {
				t.Fatalf("text lacks %q:\n%s", tc.wantText, out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"messages", "show", "--json", tc.id}, &out, &errOut); err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			var rep messageReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.MessageStatus != tc.wantJSON {
				t.Fatalf("json message_status %q (%v): %s", rep.MessageStatus, err, out.String())
			}
		})
	}
}
