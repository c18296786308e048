package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestZeroConfigRunsTheSimulatorOnSQLite(t *testing.T) {
	t.Parallel()
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SimulatorEnabled() || c.IsPostgres() || c.Listen != "127.0.0.1:8080" {
		t.Fatalf("zero config = %+v", c)
	}
	if got := c.SQLitePath(); got != filepath.Join("data", "wabaguard.db") {
		t.Fatalf("SQLitePath = %q", got)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "c.json")
	file := `{"listen":"127.0.0.1:9000","graph":{"access_token":"t","app_secret":"s"},
	  "simulator":{"read_delay":"5s","behaviour":{"enabled":true,"consent_share":0.4,"consented":["5511987654321"],"rates":{"opt_out":0.05}}},
	  "tenants":[{"id":"acme","webhook_url":"https://acme.example/hook"}],
	  "senders":[{"phone_number_id":"1","waba_id":"2","tenant_id":"acme","throughput_mps":20}]}`
	if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p, env(map[string]string{"WABAGUARD_LISTEN": "127.0.0.1:9001", "WABAGUARD_DATABASE": "postgres://x/y"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9001" || !c.IsPostgres() || c.SimulatorEnabled() {
		t.Fatalf("env did not override: %+v", c)
	}
	if c.Simulator.ReadDelay.D() != 5*time.Second || c.Senders[0].ThroughputMPS != 20 ||
		!c.Simulator.Behaviour.Enabled || c.Simulator.Behaviour.ConsentShare != 0.4 || len(c.Simulator.Behaviour.Consented) != 1 ||
		c.Simulator.Behaviour.Rates.OptOut != 0.05 || c.Simulator.Behaviour.Rates.Block != 0 {
		t.Fatalf("file not applied: %+v", c)
	}
}

func TestInvalidConfigSaysWhatToFix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file string
		env        map[string]string
		want       string
	}{
		{"unknown key", `{"lisen":"x"}`, nil, "unknown field"},
		{"consent share above 1", `{"simulator":{"behaviour":{"enabled":true,"consent_share":1.5}}}`, nil, "simulator.behaviour.consent_share"},
		{"a negative rate", `{"simulator":{"behaviour":{"enabled":true,"rates":{"block":-0.1}}}}`, nil, "simulator.behaviour.rates.block"},
		{"meta without secret", `{"graph":{"access_token":"t"}}`, nil, "app_secret"},
		{"sender of unknown tenant", `{"senders":[{"phone_number_id":"1","waba_id":"2","tenant_id":"nope"}]}`, nil, "not a declared tenant"},
		{"bad bool", `{}`, map[string]string{"WABAGUARD_SIMULATOR": "maybe"}, "true or false"},
		{"bad duration", `{"simulator":{"read_delay":"soon"}}`, nil, "250ms"},
		{"bad webhook url", `{"tenants":[{"id":"a","webhook_url":"ftp://x"}]}`, nil, "http(s)"},
		{"waba split across tenants", `{"tenants":[{"id":"a"},{"id":"b"}],"senders":[
		  {"phone_number_id":"1","waba_id":"w1","tenant_id":"a"},{"phone_number_id":"2","waba_id":"w1","tenant_id":"b"}]}`,
			nil, `waba_id "w1" is split across tenants ["a" "b"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "c.json")
			if err := os.WriteFile(p, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p, env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestPortfolioValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		ps   []PortfolioConfig
		want string
	}{
		{"fine", []PortfolioConfig{{ID: "bp1", WABAIDs: []string{"w1", "w2"}, Tier: "TIER_2K"}, {ID: "bp2", WABAIDs: []string{"w3"}}}, ""},
		{"no id", []PortfolioConfig{{WABAIDs: []string{"w1"}}}, "portfolios[0].id is required"},
		{"twice", []PortfolioConfig{{ID: "bp1"}, {ID: "bp1"}}, `portfolios[1].id "bp1" is declared twice`},
		{"shared WABA", []PortfolioConfig{{ID: "bp1", WABAIDs: []string{"w1"}}, {ID: "bp2", WABAIDs: []string{"w1"}}}, `waba_id "w1" is already in portfolio "bp1"`},
		// A bad limit is not fatal: it is logged and ignored where the
		// quota is built (package limits).
		{"negative limit", []PortfolioConfig{{ID: "bp1", Limit: -5}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.Portfolios = tc.ps
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestWarmupOnFirstSight: a sender first seen warms up only when asked —
// the gateway cannot tell a new number from an established one.
func TestWarmupOnFirstSight(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name string
		w    Warmup
		want bool
	}{
		{"default", Warmup{}, false},
		{"asked", Warmup{FirstSeen: &yes}, true},
		{"refused", Warmup{FirstSeen: &no}, false},
		{"asked but off", Warmup{FirstSeen: &yes, Off: true}, false},
	} {
		if got := tc.w.StartsOnFirstSight(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
