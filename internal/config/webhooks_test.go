package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebhookURLsAreValidatedAgainstTheDestinationPolicy(t *testing.T) {
	t.Parallel()
	tenant := func(url string) string {
		return `"tenants":[{"id":"a","webhook_url":"` + url + `"}]`
	}
	cases := []struct {
		name, file string
		env        map[string]string
		want       string // "" when valid
	}{
		{"public https", `{` + tenant("https://hooks.example.com/wa") + `}`, nil, ""},
		{"cloud metadata", `{` + tenant("http://169.254.169.254/latest/meta-data/") + `}`, nil, "link-local"},
		{"metadata even with everything allowed", `{"webhook_destinations":{"allow_loopback":true,"allow_private":true},` + tenant("http://169.254.169.254/") + `}`, nil, "link-local"},
		{"private range", `{` + tenant("http://10.0.0.7:9000/hook") + `}`, nil, "allow_private"},
		{"private allowed", `{"webhook_destinations":{"allow_private":true},` + tenant("http://10.0.0.7:9000/hook") + `}`, nil, ""},
		{"private allowed by env", `{` + tenant("http://192.168.0.7/hook") + `}`, map[string]string{"WABAGUARD_WEBHOOK_ALLOW_PRIVATE": "true"}, ""},
		{"loopback with tenants declared", `{` + tenant("http://127.0.0.1:8080/_demo/webhook") + `}`, nil, "allow_loopback"},
		{"localhost name", `{` + tenant("http://localhost:8080/hook") + `}`, nil, "loopback"},
		{"ipv4-mapped loopback", `{` + tenant("http://[::ffff:127.0.0.1]:8080/hook") + `}`, nil, "loopback"},
		{"loopback allowed", `{"webhook_destinations":{"allow_loopback":true},` + tenant("http://127.0.0.1:8080/hook") + `}`, nil, ""},
		{"loopback allowed by env", `{` + tenant("http://localhost:8080/hook") + `}`, map[string]string{"WABAGUARD_WEBHOOK_ALLOW_LOOPBACK": "true"}, ""},
		{"listed range", `{"webhook_destinations":{"allow_cidrs":["10.9.0.0/16"]},` + tenant("http://10.9.1.1/hook") + `}`, nil, ""},
		{"listed range by env", `{` + tenant("http://10.9.1.1/hook") + `}`, map[string]string{"WABAGUARD_WEBHOOK_ALLOW_CIDRS": "10.8.0.0/16, 10.9.1.1"}, ""},
		{"outside the listed range", `{"webhook_destinations":{"allow_cidrs":["10.9.0.0/16"]},` + tenant("http://10.10.1.1/hook") + `}`, nil, "private"},
		{"bad range", `{"webhook_destinations":{"allow_cidrs":["10.9.0.0/33"]}}`, nil, "allow_cidrs"},
		{"user information", `{` + tenant("https://u:p@hooks.example.com/") + `}`, nil, "user information"},
		{"no host", `{` + tenant("https:///hook") + `}`, nil, "no host"},
		{"bad env bool", `{}`, map[string]string{"WABAGUARD_WEBHOOK_ALLOW_PRIVATE": "sometimes"}, "true or false"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "c.json")
			if err := os.WriteFile(p, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p, env(tc.env))
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestWebhookPolicyDefaults(t *testing.T) {
	t.Parallel()
	demo, err := Default().WebhookPolicy()
	if err != nil || !demo.AllowLoopback || demo.AllowPrivate || len(demo.Allow) != 0 {
		t.Fatalf("zero-config demo policy = %+v, %v; want loopback allowed only", demo, err)
	}
	c := Default()
	c.Tenants = []TenantConfig{{ID: "a"}}
	declared, err := c.WebhookPolicy()
	if err != nil || declared.AllowLoopback || declared.AllowPrivate {
		t.Fatalf("declared tenants policy = %+v, %v; want nothing internal allowed", declared, err)
	}
}
