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

// TestCampaignsCLI: a running campaign is listed, paused with a reason,
// shown, refused a second pause, resumed and cancelled from the command
// line, in the store a server reads.
func TestCampaignsCLI(t *testing.T) {
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
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := st.CreateCampaign(ctx, store.Campaign{TenantID: "t1", ID: "natal", Name: "Natal", SenderID: "1065", TemplateName: "promo",
		TemplateLanguage: "pt_BR", Params: []byte(`[]`), AudienceID: "all", State: store.CampaignRunning, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	tests := []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{[]string{"campaigns", "list", "--tenant", "t1"}, "running", false},
		{[]string{"campaigns", "list"}, "", true},
		{[]string{"campaigns", "pause", "--tenant", "t1", "--id", "natal", "--reason", "new prices"}, `"state_reason": "new prices"`, false},
		{[]string{"campaigns", "pause", "--tenant", "t1", "--id", "natal"}, "", true},
		{[]string{"campaigns", "show", "--tenant", "t1", "--id", "natal"}, `"state": "paused"`, false},
		{[]string{"campaigns", "resume", "--tenant", "t1", "--id", "natal"}, `"state": "running"`, false},
		{[]string{"campaigns", "stats", "--tenant", "t1", "--id", "natal"}, `"accepted": 0`, false},
		{[]string{"campaigns", "cancel", "--tenant", "t1", "--id", "natal"}, `"state": "cancelled"`, false},
		{[]string{"campaigns", "show", "--tenant", "t2", "--id", "natal"}, "", true},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		err := run(ctx, tc.args, &out, &out)
		if (err != nil) != tc.wantErr {
			t.Fatalf("%v: err %v, want error %v; %s", tc.args, err, tc.wantErr, out.String())
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Fatalf("%v: %s lacks %q", tc.args, out.String(), tc.want)
		}
	}
}
