package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestConfiguredKeysMustBeStrong: weak keys in the file are refused with
// their place in the file and never their text.
func TestConfiguredKeysMustBeStrong(t *testing.T) {
	strong := "wg_0a1b2c3d4e5f_Zk3vQ9xLm2Rt7YpW4sNc8HbJ6fGd1aEu"
	tests := []struct {
		name    string
		keys    [][]string
		wantErr string
	}{
		{"strong", [][]string{{strong}}, ""},
		{"short", [][]string{{"secret123"}}, "tenants[0].api_keys[0]"},
		{"repeated word", [][]string{{strings.Repeat("letmein!", 6)}}, "guessable"},
		{"second tenant's second key", [][]string{{strong}, {"wg_9f8e7d6c5b4a_Q2w3E4r5T6y7U8i9O0pAsDfGhJkL", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}, "tenants[1].api_keys[1]"},
		{"one key in two tenants", [][]string{{strong}, {strong}}, "also declared"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			for i, ks := range tc.keys {
				c.Tenants = append(c.Tenants, TenantConfig{ID: fmt.Sprintf("t%d", i), APIKeys: ks})
			}
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want %q", err, tc.wantErr)
			}
			for _, ks := range tc.keys {
				for _, k := range ks {
					if k != strong && strings.Contains(err.Error(), k) {
						t.Errorf("the error shows a key: %v", err)
					}
				}
			}
		})
	}
}

// TestSecuritySettings: defaults, the metrics env vars, and refusals.
func TestSecuritySettings(t *testing.T) {
	env := map[string]string{"WABAGUARD_METRICS_TOKEN": "m-token", "WABAGUARD_METRICS_LISTEN": "127.0.0.1:9090"}
	c, err := Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Metrics.Token != "m-token" || c.Metrics.Listen != "127.0.0.1:9090" {
		t.Errorf("metrics = %+v", c.Metrics)
	}
	if c.HTTP.ReadTimeout.D() != 60*time.Second || c.HTTP.MaxConnsPerClient != 256 || c.Auth.FailureBurst != 20 {
		t.Errorf("defaults: http %+v auth %+v", c.HTTP, c.Auth)
	}
	bad := []func(*Config){
		func(c *Config) { c.HTTP.ReadTimeout = -1 },
		func(c *Config) { c.HTTP.MaxConnsPerClient = -5 },
		func(c *Config) { c.Metrics.Listen = c.Listen },
		func(c *Config) { c.Auth.FailureBurst = -2 },
	}
	for i, f := range bad {
		c := Default()
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: accepted", i)
		}
	}
}
