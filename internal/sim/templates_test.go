package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestTemplateReviewFlow(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Templates.ReviewDelay = 10 * time.Minute
		c.Limits = LimitsConfig{}
	})
	tpl := "/v23.0/" + wabaID + "/message_templates"
	create := []struct {
		name, body   string
		status, code int
		wantStatus   string
	}{
		{"valid", `{"name":"order_update","category":"UTILITY","language":"en_US","components":[{"type":"BODY","text":"Order {{1}} shipped"}]}`, 200, 0, "PENDING"},
		{"rejected later", `{"name":"casino_promo","category":"MARKETING","language":"en_US","components":[{"type":"BODY","text":"Play now"}]}`, 200, 0, "PENDING"},
		{"duplicate", `{"name":"hello_world","category":"UTILITY","language":"en_US","components":[{"type":"BODY","text":"x"}]}`, 400, 100, ""},
		{"bad name", `{"name":"Order Update","category":"UTILITY","language":"en_US","components":[{"type":"BODY","text":"x"}]}`, 400, 100, ""},
		{"bad category", `{"name":"x","category":"PROMO","language":"en_US","components":[{"type":"BODY","text":"x"}]}`, 400, 100, ""},
		{"no components", `{"name":"x","category":"UTILITY","language":"en_US"}`, 400, 100, ""},
	}
	ids := map[string]string{}
	for _, tc := range create {
		t.Run("create "+tc.name, func(t *testing.T) {
			s, m := h.do(t, "POST", tpl, tc.body)
			if s != tc.status || errCode(m) != tc.code {
				t.Fatalf("%d %v", s, m)
			}
			if tc.wantStatus != "" {
				if m["status"] != tc.wantStatus || m["id"] == "" || len(m) != 3 {
					t.Fatalf("%v", m)
				}
				ids[tc.name] = m["id"].(string)
			}
		})
	}
	sendOrder := func() (int, int) {
		s, m := h.do(t, "POST", "/"+pnid+"/messages",
			`{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"7"}]}]}}`)
		return s, errCode(m)
	}
	if s, c := sendOrder(); s != 400 || c != wire.CodeTemplateMissing {
		t.Fatalf("pending template sent: %d %d", s, c)
	}
	list := func(query string) map[string]any {
		t.Helper()
		s, m := h.do(t, "GET", tpl+query, "")
		if s != 200 {
			t.Fatalf("list %d %v", s, m)
		}
		return m
	}
	statusOf := func(name string) string {
		for _, d := range list("?name=" + name)["data"].([]any) {
			if d := d.(map[string]any); d["name"] == name {
				return d["status"].(string)
			}
		}
		return ""
	}
	if statusOf("order_update") != "PENDING" {
		t.Fatal("not pending")
	}
	h.clock.Advance(10 * time.Minute)
	h.flush(t)
	if statusOf("order_update") != "APPROVED" || statusOf("casino_promo") != "REJECTED" {
		t.Fatalf("after review: %s %s", statusOf("order_update"), statusOf("casino_promo"))
	}
	if s, c := sendOrder(); s != 200 {
		t.Fatalf("approved template: %d %d", s, c)
	}
	// The review produced one signed status update per template.
	var events []string
	for _, b := range h.rc.all() {
		var n wire.Notification
		_ = json.Unmarshal(b, &n)
		c := n.Entry[0].Changes[0]
		if c.Field != "message_template_status_update" {
			continue
		}
		var v templateStatusValue
		_ = json.Unmarshal(c.Value, &v)
		events = append(events, v.Name+"="+v.Event)
		if n.Entry[0].ID != wabaID || n.Entry[0].Time != t0.Add(10*time.Minute).Unix() {
			t.Errorf("entry %+v", n.Entry[0])
		}
	}
	if len(events) != 2 || events[0] != "order_update=APPROVED" || events[1] != "casino_promo=REJECTED" || h.rc.bad != 0 {
		t.Fatalf("events %v", events)
	}

	// Paging: 4 templates, 3 per page.
	page := list("?limit=3")
	if n := len(page["data"].([]any)); n != 3 {
		t.Fatalf("page 1 has %d", n)
	}
	pg := page["paging"].(map[string]any)
	after := pg["cursors"].(map[string]any)["after"].(string)
	next, _ := url.Parse(pg["next"].(string))
	if next.Query().Get("after") != after {
		t.Fatalf("next %v", pg["next"])
	}
	page2 := list("?limit=3&after=" + url.QueryEscape(after))
	if n := len(page2["data"].([]any)); n != 1 || page2["paging"].(map[string]any)["next"] != nil {
		t.Fatalf("page 2 %v", page2)
	}

	// Delete, then the name is gone.
	if s, m := h.do(t, http.MethodDelete, tpl+"?name=order_update", ""); s != 200 || m["success"] != true {
		t.Fatalf("delete %d %v", s, m)
	}
	if s, m := h.do(t, http.MethodDelete, tpl+"?name=order_update", ""); s != 400 || errCode(m) != 100 {
		t.Fatalf("delete again %d %v", s, m)
	}
	if s, m := h.do(t, http.MethodDelete, tpl, ""); s != 400 || errCode(m) != 100 {
		t.Fatalf("delete without name %d %v", s, m)
	}
	if s, c := sendOrder(); s != 400 || c != wire.CodeTemplateMissing {
		t.Fatalf("deleted template sent: %d %d", s, c)
	}
	if s, m := h.do(t, "GET", "/v23.0/999/message_templates", ""); s != 400 || errCode(m) != 100 {
		t.Fatalf("unknown waba %d %v", s, m)
	}
}

func TestManualClockTimers(t *testing.T) {
	c := NewManualClock(t0)
	a, b, stopped := c.NewTimer(2*time.Second), c.NewTimer(time.Second), c.NewTimer(time.Second)
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	c.Advance(time.Second)
	select {
	case got := <-b.C():
		if !got.Equal(t0.Add(time.Second)) {
			t.Fatalf("fired at %v", got)
		}
	default:
		t.Fatal("due timer did not fire")
	}
	select {
	case <-a.C():
		t.Fatal("timer fired early")
	case <-stopped.C():
		t.Fatal("stopped timer fired")
	default:
	}
	c.Advance(time.Second)
	select {
	case <-a.C():
	default:
		t.Fatal("second timer did not fire")
	}
	if a.Stop() {
		t.Fatal("Stop of a fired timer reported true")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"no numbers", func(c *Config) { c.Numbers = nil }},
		{"missing waba", func(c *Config) { c.Numbers = []Number{{PhoneNumberID: "1"}} }},
		{"duplicate id", func(c *Config) { c.Numbers = append(c.Numbers, c.Numbers[0]) }},
		{"bad tier", func(c *Config) { c.Numbers[0].MessagingLimitTier = "TIER_7" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Numbers = append([]Number(nil), cfg.Numbers...)
			tc.mutate(&cfg)
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}
