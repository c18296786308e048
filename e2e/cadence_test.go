package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// The cadence rules through HTTP with their defaults (2 marketing
// templates per contact per 7 days, no identical template within 24 h) and
// quiet hours set so that today is closed whatever the hour the suite runs
// at: marketing is accepted and deferred, never refused, and what is
// deferred counts towards the cap; the third marketing template is
// refused with 470160, a repeat with 470161; a utility template is neither
// held nor capped and reaches the upstream while the deferred marketing
// waits.
func TestCadenceThroughHTTP(t *testing.T) {
	open := strings.ToLower(time.Now().UTC().Add(72 * time.Hour).Weekday().String()[:3])
	g := startGateway(t, "", "", func(c *config.Config) {
		c.Policy = config.Policy{Consent: config.Off, Window: config.Off}
		c.Tenants[0].QuietHours = &config.QuietHours{ZoneOverride: "UTC", Start: "00:00", End: "24:00", Days: []string{open}}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := g.srv.Templates().Synced(testWABAID); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the template cache did not sync within 10 s")
		}
	}
	// The simulator's seeded templates: ofertas_semana (MARKETING) and
	// hello_world (UTILITY).
	offer := func(to, name string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"ofertas_semana","language":{"code":"pt_BR"},` +
			`"components":[{"type":"body","parameters":[{"type":"text","text":"` + name + `"}]}]}}`
	}
	utility := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	}
	const ana, bia = "+5511987650301", "+5565987650302"
	send := func(body string) (int, string, graphRefusal) {
		t.Helper()
		status, raw := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", body, map[string]string{"Accept-Language": "en"})
		var ok struct {
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
		}
		var gr graphRefusal
		if status == http.StatusOK {
			if err := json.Unmarshal(raw, &ok); err != nil || len(ok.Messages) != 1 {
				t.Fatalf("answer %s: %v", raw, err)
			}
			return status, ok.Messages[0].ID, gr
		}
		_ = json.Unmarshal(raw, &gr)
		return status, "", gr
	}
	st := g.srv.Store()
	deferred := func(id string) {
		t.Helper()
		decs, err := st.ListDecisions(t.Context(), store.DecisionFilter{TenantID: "acme", MessageID: id})
		if err != nil || len(decs) != 1 || decs[0].Outcome != store.OutcomeDefer || decs[0].Code != "quiet_hours.closed" {
			t.Fatalf("decisions of %s: %+v %v", id, decs, err)
		}
		m, err := st.GetMessage(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.State != store.StateQueued || !m.NextAttemptAt.After(time.Now()) || m.NextAttemptAt.After(time.Now().Add(4*24*time.Hour)) {
			t.Fatalf("deferred message %s: state %s due %v", id, m.State, m.NextAttemptAt)
		}
	}

	var held []string
	for _, name := range []string{"Ana", "Ana Maria"} {
		status, id, gr := send(offer(ana, name))
		if status != http.StatusOK {
			t.Fatalf("marketing %q: %d %+v", name, status, gr)
		}
		deferred(id)
		held = append(held, id)
	}
	status, _, gr := send(offer(ana, "Ana Paula"))
	if status != http.StatusBadRequest || gr.Error.Code != int(refusal.FrequencyCap) || !strings.Contains(gr.Error.ErrorData.Details, "marketing: 2/2, 7d") {
		t.Fatalf("third marketing template: %d %+v", status, gr)
	}
	status, id, _ := send(offer(bia, "Ana"))
	if status != http.StatusOK {
		t.Fatalf("another person: %d", status)
	}
	deferred(id)
	status, _, gr = send(offer(bia, "Ana"))
	if status != http.StatusBadRequest || gr.Error.Code != int(refusal.FrequencyRepeat) {
		t.Fatalf("identical template: %d %+v", status, gr)
	}

	// Utility: not held, not capped by the marketing count.
	if status, _, gr := send(utility(ana)); status != http.StatusOK {
		t.Fatalf("utility: %d %+v", status, gr)
	}
	reached := func() bool {
		for _, r := range g.srv.Simulator().Sent() {
			if r.Body == "hello_world" && r.WaID == strings.TrimPrefix(ana, "+") {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(15 * time.Second); !reached(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the utility template did not reach the upstream within 15 s")
		}
	}
	for _, r := range g.srv.Simulator().Sent() {
		if r.Body == "ofertas_semana" {
			t.Fatalf("a deferred marketing template reached the upstream: %+v", r)
		}
	}
	for _, id := range held {
		deferred(id)
	}
	// A repeat of the utility template is refused like any repeat.
	if status, _, gr = send(utility(ana)); status != http.StatusBadRequest || gr.Error.Code != int(refusal.FrequencyRepeat) {
		t.Fatalf("repeated utility template: %d %+v", status, gr)
	}
}
