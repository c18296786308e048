package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

// TestSendersResume: resuming a stopped sender used to mean editing the
// database. `wabaguard senders resume` makes it active, queues a
// SENDER_RESUMED event for its tenant, and refuses a sender not stopped.
func TestSendersResume(t *testing.T) {
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
	if err := st.SetSenderState(ctx, "1065", store.SenderStopped, 131031, "(#131031) Business Account locked", now); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"senders", "list"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "stopped") || !strings.Contains(out.String(), "131031") {
		t.Fatalf("list: %s", out.String())
	}
	if err := run(ctx, []string{"senders", "resume"}, &out, &out); err == nil {
		t.Fatal("resume without --phone-number-id succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"senders", "resume", "--phone-number-id", "1065"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"senders", "resume", "--phone-number-id", "1065"}, &out, &out); !errors.Is(err, dispatch.ErrNotStopped) {
		t.Fatalf("second resume: %v", err)
	}

	st, err = server.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.GetSender(ctx, "1065")
	if err != nil || s.State != store.SenderActive || s.StateCode != 0 {
		t.Fatalf("sender after resume %+v %v", s, err)
	}
	fw, err := st.ClaimForwards(ctx, time.Now().Add(time.Minute), 10, time.Minute)
	if err != nil || len(fw) != 1 || fw[0].Field != dispatch.SenderEventField {
		t.Fatalf("forwards %+v %v", fw, err)
	}
	var ev dispatch.SenderEventValue
	if err := json.Unmarshal(fw[0].Value, &ev); err != nil || ev.Event != dispatch.SenderEventResumed || ev.Metadata.PhoneNumberID != "1065" {
		t.Fatalf("event %s %v", fw[0].Value, err)
	}
}
