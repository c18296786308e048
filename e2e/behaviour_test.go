package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// The simulator's recipients answer a marketing campaign; those who type
// PARAR reach the gateway as ordinary inbound messages, and its opt-out path
// records every one of them: as many suppressed contacts in the ledger as
// the population tallied opt-outs. Unconsented people complain enough for
// the simulator to pause the template; the gateway learns it from the
// webhook and refuses further sends itself (470132).
func TestSimulatedRecipientsOptOutThroughTheGateway(t *testing.T) {
	hook := newTenantEndpoint(t, "tenant-secret-for-the-population")
	g := startGateway(t, hook.srv.URL, hook.secret, func(c *config.Config) {
		// Opt-outs made common enough that some of the first deliveries
		// before the template's pause are certain to carry one: with the
		// default 0.3 % the ~20 unconsented deliveries a quick pause
		// leaves hold none more often than not (CI saw it).
		c.Simulator.Behaviour = config.SimulatorBehaviour{Enabled: true, Rates: config.SimulatorRates{OptOut: 0.05}}
	})
	const n = 300
	ids := make([]string, 0, n)
	refused := false
	for i := range n {
		body := fmt.Sprintf(`{"messaging_product":"whatsapp","to":"+55119%08d","type":"template","template":{"name":"ofertas_semana","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"}]}]}}`, i)
		status, raw := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", body, nil)
		var sr struct {
			Messages []struct{ ID string }
			Error    struct{ Code int }
		}
		if status == http.StatusBadRequest && json.Unmarshal(raw, &sr) == nil && sr.Error.Code == 470132 {
			refused = true
			break
		}
		if status != http.StatusOK || json.Unmarshal(raw, &sr) != nil || len(sr.Messages) != 1 {
			t.Fatalf("send %d: %d %s", i, status, raw)
		}
		ids = append(ids, sr.Messages[0].ID)
	}
	// Every message gets a status, or — queued when the simulator paused
	// the template — waits at send time for the pause to end (hours).
	held := func(id string) bool {
		m, err := g.srv.Store().GetMessage(context.Background(), id)
		return err == nil && m.State == store.StateQueued && m.NextAttemptAt.After(time.Now().Add(time.Minute))
	}
	if !hook.waitFor(90*time.Second, func(st map[string][]string) bool {
		for _, id := range ids {
			if len(st[id]) == 0 && !held(id) {
				return false
			}
		}
		return true
	}) {
		t.Fatal("not every message got a status, or was held for the template's pause, within 90 s")
	}
	sm := g.srv.Simulator()
	ctx := context.Background()
	var suppressed, want int64
	deadline := time.Now().Add(20 * time.Second)
	for {
		want = sm.Population().Unconsented.OptedOut
		suppressed = 0
		for i := range n {
			cur, err := g.srv.Ledger().CurrentByWaID(ctx, "acme", fmt.Sprintf("55119%08d", i))
			if err != nil {
				t.Fatal(err)
			}
			if cur.For(consent.Marketing).Action == consent.OptOut {
				suppressed++
			}
		}
		if (suppressed == want && want > 0) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	pop := sm.Population()
	t.Logf("%d sent, %d opted out, template refused as paused: %v", len(ids), want, refused)
	if want == 0 || suppressed != want {
		t.Fatalf("%d contacts opted out in the ledger, the population tallied %d (%+v)", suppressed, want, pop)
	}
	if pop.Unconsented.Delivered == 0 || pop.Consented.Delivered != 0 {
		t.Errorf("population tallies %+v", pop)
	}
	if refused {
		paused := false
		for _, c := range sm.TemplateHistory(testWABAID) {
			paused = paused || c.Event == "PAUSED"
		}
		if !paused {
			t.Error("the gateway refused the template as paused, but the simulator never paused it")
		}
	}
}
