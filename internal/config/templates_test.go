package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTemplates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		file          string
		env           map[string]string
		wantErr       string
		sync, refresh time.Duration
	}{
		{"defaults", ``, nil, "", time.Hour, 30 * time.Second},
		{"from the file", `{"templates":{"sync_every":"15m","refresh_every":"5s"}}`, nil, "", 15 * time.Minute, 5 * time.Second},
		{"the environment wins", `{"templates":{"sync_every":"15m"}}`, map[string]string{"WABAGUARD_TEMPLATE_SYNC_EVERY": "2h"}, "", 2 * time.Hour, 30 * time.Second},
		{"too often", `{"templates":{"sync_every":"30s"}}`, nil, "templates.sync_every", 0, 0},
		{"refresh too often", `{"templates":{"refresh_every":"10ms"}}`, nil, "templates.refresh_every", 0, 0},
		{"not a duration", ``, map[string]string{"WABAGUARD_TEMPLATE_SYNC_EVERY": "hourly"}, "WABAGUARD_TEMPLATE_SYNC_EVERY", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tc.file != "" {
				path = filepath.Join(t.TempDir(), "config.json")
				if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(path, func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Load = %v, want an error naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Templates.Sync() != tc.sync || c.Templates.Refresh() != tc.refresh {
				t.Errorf("sync %v refresh %v, want %v %v", c.Templates.Sync(), c.Templates.Refresh(), tc.sync, tc.refresh)
			}
		})
	}
	if (Templates{}).Sync() != time.Hour || (Templates{}).Refresh() != 30*time.Second {
		t.Error("unset timings are not the defaults")
	}
}
