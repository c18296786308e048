package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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

	// Paging: 5 templates (three seeded), 3 per page.
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
	if n := len(page2["data"].([]any)); n != 2 || page2["paging"].(map[string]any)["next"] != nil {
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

// TestTemplateLifeAfterReview covers what a template cache syncs from and
// is told by: parameter_format and quality_score in a listing asked for
// with fields=, and pauses, disables and quality changes with their
// webhooks and their send errors.
func TestTemplateLifeAfterReview(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Templates.ReviewDelay = 0
		c.Limits = LimitsConfig{}
	})
	tpl := "/v23.0/" + wabaID + "/message_templates"
	if s, m := h.do(t, "POST", tpl, `{"name":"pedido","category":"UTILITY","language":"pt_BR","parameter_format":"named",
		"components":[{"type":"BODY","text":"Pedido {{numero}}"}]}`); s != 200 {
		t.Fatalf("create named: %d %v", s, m)
	}
	if s, m := h.do(t, "POST", tpl, `{"name":"x","category":"UTILITY","language":"pt_BR","parameter_format":"mixed",
		"components":[{"type":"BODY","text":"x"}]}`); s != 400 || errCode(m) != 100 {
		t.Fatalf("create with a bad parameter_format: %d %v", s, m)
	}
	if s, m := h.do(t, "GET", tpl+"?fields=name,nonsense", ""); s != 400 || errCode(m) != 100 {
		t.Fatalf("a nonexisting field: %d %v", s, m)
	}
	byName := func() map[string]map[string]any {
		t.Helper()
		s, m := h.do(t, "GET", tpl+"?fields=name,language,status,parameter_format,quality_score", "")
		if s != 200 {
			t.Fatalf("list %d %v", s, m)
		}
		out := map[string]map[string]any{}
		for _, d := range m["data"].([]any) {
			d := d.(map[string]any)
			if _, ok := d["components"]; ok {
				t.Errorf("components listed without being asked for: %v", d)
			}
			out[d["name"].(string)] = d
		}
		return out
	}
	got := byName()
	if got["pedido"]["parameter_format"] != "NAMED" || got["hello_world"]["parameter_format"] != "POSITIONAL" || got["pedido"]["id"] == "" {
		t.Errorf("parameter formats: %v", got)
	}
	if q := got["pedido"]["quality_score"].(map[string]any); q["score"] != "UNKNOWN" {
		t.Errorf("quality before any: %v", q)
	}

	send := func() int {
		_, m := h.do(t, "POST", "/"+pnid+"/messages",
			`{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"pedido","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","parameter_name":"numero","text":"7"}]}]}}`)
		return errCode(m)
	}
	if c := send(); c != 0 {
		t.Fatalf("approved named template: error %d", c)
	}
	steps := []struct {
		status, title string
		wantCode      int
	}{
		{"PAUSED", "FIRST_PAUSE", wire.CodeTemplatePaused},
		{"APPROVED", "UNPAUSE", 0},
		{"DISABLED", "DISABLED", wire.CodeTemplateDisabled},
	}
	for _, st := range steps {
		if err := h.sim.SetTemplateStatus(wabaID, "pedido", "pt_BR", st.status, st.title); err != nil {
			t.Fatal(err)
		}
		if c := send(); c != st.wantCode {
			t.Errorf("%s: send error %d, want %d", st.status, c, st.wantCode)
		}
		if s := byName()["pedido"]["status"]; s != st.status {
			t.Errorf("%s: listed as %v", st.status, s)
		}
	}
	if err := h.sim.SetTemplateQuality(wabaID, "pedido", "pt_BR", "RED"); err != nil {
		t.Fatal(err)
	}
	if q := byName()["pedido"]["quality_score"].(map[string]any); q["score"] != "RED" {
		t.Errorf("quality after RED: %v", q)
	}
	if err := h.sim.SetTemplateStatus(wabaID, "nope", "pt_BR", "PAUSED", ""); err == nil {
		t.Error("pausing a template that does not exist succeeded")
	}
	if err := h.sim.SetTemplateQuality("999", "pedido", "pt_BR", "RED"); err == nil {
		t.Error("a quality change of an unknown WABA succeeded")
	}

	// Each change was posted as its webhook, in order.
	h.flush(t)
	var events []string
	for _, b := range h.rc.all() {
		var n wire.Notification
		if err := json.Unmarshal(b, &n); err != nil {
			t.Fatal(err)
		}
		for _, c := range n.Entry[0].Changes {
			switch c.Field {
			case wire.FieldTemplateStatus:
				var v wire.TemplateStatusUpdate
				if err := json.Unmarshal(c.Value, &v); err != nil {
					t.Fatal(err)
				}
				if v.Name != "pedido" {
					continue
				}
				title := ""
				if v.OtherInfo != nil {
					title = v.OtherInfo.Title
				}
				events = append(events, v.Event+"/"+title)
			case wire.FieldTemplateQuality:
				var v wire.TemplateQualityUpdate
				if err := json.Unmarshal(c.Value, &v); err != nil {
					t.Fatal(err)
				}
				events = append(events, v.PreviousQualityScore+">"+v.NewQualityScore)
			}
		}
	}
	want := []string{"APPROVED/", "PAUSED/FIRST_PAUSE", "APPROVED/UNPAUSE", "DISABLED/DISABLED", "UNKNOWN>RED"}
	if !slices.Equal(events, want) {
		t.Errorf("template webhooks %v, want %v", events, want)
	}
}

// TestTemplatePacing follows meta-platform.md §1.6: a paced template's sends
// beyond the threshold are answered held_for_quality_assessment and get no
// status until released (then delivered) or until the template is paused
// (then each fails with 132015).
func TestTemplatePacing(t *testing.T) {
	tests := []struct {
		name   string
		settle func(t *testing.T, h *harness)
		want   string // the held messages' final status
		code   int
	}{
		{"released after good feedback", func(t *testing.T, h *harness) {
			if n, err := h.sim.ReleaseHeld(wabaID, "hello_world", "en_US"); err != nil || n != 2 {
				t.Fatalf("released %d, %v; want 2", n, err)
			}
		}, wire.StatusDelivered, 0},
		{"dropped when paused", func(t *testing.T, h *harness) {
			if err := h.sim.SetTemplateStatus(wabaID, "hello_world", "en_US", "PAUSED", "FIRST_PAUSE"); err != nil {
				t.Fatal(err)
			}
		}, wire.StatusFailed, wire.CodeTemplatePaused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Limits = LimitsConfig{} })
			if err := h.sim.PaceTemplate(wabaID, "hello_world", "en_US", 2); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i := range 4 {
				s, m := h.sendHello(t, fmt.Sprintf("5511987650%03d", i))
				if s != 200 {
					t.Fatalf("send %d: %d %v", i, s, m)
				}
				ids = append(ids, messageID(t, m))
				want := wire.MessageStatusAccepted
				if i >= 2 {
					want = wire.MessageStatusHeld
				}
				if got := m["messages"].([]any)[0].(map[string]any)["message_status"]; got != want {
					t.Fatalf("send %d answered %v, want %s", i, got, want)
				}
			}
			h.clock.Advance(time.Minute)
			h.flush(t)
			last := func() map[string]wire.Status {
				out := map[string]wire.Status{}
				for _, st := range h.rc.statuses(t) {
					if prev, ok := out[st.ID]; !ok || st.Status == wire.StatusFailed || prev.Status == wire.StatusSent {
						out[st.ID] = st
					}
				}
				return out
			}
			before := last()
			for i, id := range ids {
				if _, ok := before[id]; ok != (i < 2) {
					t.Fatalf("message %d has a status %v before release: held messages must have none", i, ok)
				}
			}
			tc.settle(t, h)
			h.clock.Advance(time.Minute)
			h.flush(t)
			after := last()
			for _, id := range ids[2:] {
				st, ok := after[id]
				if !ok || st.Status != tc.want || (tc.code != 0 && (len(st.Errors) == 0 || st.Errors[0].Code != tc.code)) {
					t.Fatalf("held message %s ended %+v, want %s %d", id, st, tc.want, tc.code)
				}
			}
			// Pacing is over: the next send is accepted.
			if _, m := h.sendHello(t, "5511987650999"); tc.code == 0 && m["messages"].([]any)[0].(map[string]any)["message_status"] != wire.MessageStatusAccepted {
				t.Fatalf("after release: %v", m)
			}
		})
	}
}
