package config

import (
	"strings"
	"testing"
)

func TestWebhookBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		batch   int
		wantErr bool
		want    map[string]int
	}{
		{"unset means one per POST", 0, false, map[string]int{}},
		{"chosen", 25, false, map[string]int{"acme": 25}},
		{"the most", 100, false, map[string]int{"acme": 100}},
		{"too many", 101, true, nil},
		{"negative", -1, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Config{Tenants: []TenantConfig{{ID: "acme", WebhookBatch: tc.batch}}}
			err := c.Validate()
			hasErr := err != nil && strings.Contains(err.Error(), "webhook_batch")
			if hasErr != tc.wantErr {
				t.Fatalf("Validate() = %v, want a webhook_batch error: %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			got := c.WebhookBatches()
			if len(got) != len(tc.want) || got["acme"] != tc.want["acme"] {
				t.Errorf("WebhookBatches() = %v, want %v", got, tc.want)
			}
		})
	}
}
