package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

// `senders pause --level business` braked the sender and opened an
// incident; `incidents list` and `show` read it back with its timeline;
// `senders resume` closes it.
func TestIncidentsCLI(t *testing.T) {
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
	if err := st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "T", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: "1065", TenantID: "t1", WABAID: "w1", State: store.SenderActive}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"senders", "pause", "--phone-number-id", "1065", "--level", "sometimes"}, &out, &out); err == nil {
		t.Fatal("an unknown level was taken")
	}
	if err := run(ctx, []string{"senders", "pause", "--phone-number-id", "1065", "--level", "business"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"incidents", "list"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "pause") || !strings.Contains(lines[1], "open") {
		t.Fatalf("list:\n%s", out.String())
	}
	id := strings.Fields(lines[1])[0]
	out.Reset()
	if err := run(ctx, []string{"incidents", "show", "--tenant", "t1", id}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "brake.pause_business") {
		t.Fatalf("show:\n%s", out.String())
	}
	if err := run(ctx, []string{"senders", "resume", "--phone-number-id", "1065"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"incidents", "list", "--tenant", "t1", "--phone-number-id", "1065"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "closed") {
		t.Fatalf("list after resume:\n%s", out.String())
	}
	if err := run(ctx, []string{"incidents", "show", "--tenant", "t2", id}, &out, &out); err == nil {
		t.Error("another tenant's incident was shown")
	}
}
