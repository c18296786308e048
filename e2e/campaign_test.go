package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/store"
)

// TestCampaignKilledMidRunSendsEachContactOnce is the test: a
// campaign runs against the built-in simulator, the server is stopped in
// the middle of it (its context cancelled while chunks are being accepted)
// and a new server starts on the same data; every eligible contact ends
// with exactly one message, sent, and nobody else with any; and the
// pre-flight taken before the start said exactly what the run did.
func TestCampaignKilledMidRunSendsEachContactOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two gateways")
	}
	dir := t.TempDir()
	mutate := func(c *config.Config) { c.Policy = allButCadence; c.DataDir = dir }
	g := startGateway(t, "", "", mutate)
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := g.srv.Templates().Synced(testWABAID); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the template cache did not sync within 10 s")
		}
	}
	// 240 eligible: within a fresh number's messaging limit (TIER_250), so
	// every message can go out today and the test can wait for them all.
	const n = 360
	cs := contact.New(g.srv.Store(), g.srv.Ledger())
	var waIDs []string
	eligible := map[string]bool{}
	for i := range n {
		number := fmt.Sprintf("+5511987%06d", i)
		name := fmt.Sprintf("Pessoa %d", i)
		v, _, err := cs.Upsert(ctx, "acme", number, contact.Patch{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		waIDs = append(waIDs, v.WaID)
		if i%3 != 0 {
			eligible[v.WaID] = true
			if _, err := g.srv.Ledger().Record(ctx, consent.Request{TenantID: "acme", Contact: number, Action: consent.OptIn,
				Category: consent.Marketing, Source: consent.WebForm,
				Evidence: consent.Evidence{Text: "Quero receber ofertas", URL: "https://acme.example/f", At: time.Now().Add(-time.Hour)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := cs.PutAudience(ctx, "acme", "everyone", "Everyone", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if st, b := g.post(t, "/api/v1/campaigns", `{"id":"natal","name":"Natal","phone_number_id":"`+testPhoneNumberID+
		`","template":"ofertas_semana","language":"pt_BR","params":["{{name}}"],"audience_id":"everyone"}`, nil); st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, b)
	}
	// The pre-flight, through the API: what the run must then do.
	st0, pfBody := g.post(t, "/api/v1/campaigns/natal/preflight", "", nil)
	if st0 != http.StatusOK {
		t.Fatalf("preflight: %d %s", st0, pfBody)
	}
	var pf struct {
		Targeted int64            `json:"targeted"`
		Eligible int64            `json:"eligible"`
		Refused  map[string]int64 `json:"refused"`
		Today    int64            `json:"today"`
	}
	if err := json.Unmarshal(pfBody, &pf); err != nil {
		t.Fatal(err)
	}
	if st, b := g.post(t, "/api/v1/campaigns/natal/start", "", nil); st != http.StatusOK {
		t.Fatalf("start: %d %s", st, b)
	}
	// Stop the server once the campaign is under way, not finished.
	var mid store.Campaign
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
		c, err := g.srv.Store().GetCampaign(ctx, "acme", "natal")
		if err != nil {
			t.Fatal(err)
		}
		if c.Accepted > 0 {
			mid = c
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the campaign did not start within 20 s")
		}
	}
	g.cancel()
	err := <-g.done
	g.done <- err // for the cleanup
	t.Logf("stopped at cursor %s, %d accepted, state %s", mid.Cursor, mid.Accepted, mid.State)

	g2 := startGateway(t, "", "", mutate)
	st := g2.srv.Store()
	var done store.Campaign
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := st.GetCampaign(ctx, "acme", "natal")
		if err != nil {
			t.Fatal(err)
		}
		if c.State == store.CampaignCompleted {
			done = c
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the campaign did not complete after the restart: %+v", c)
		}
	}
	if mid.State == store.CampaignCompleted {
		t.Log("the campaign had completed before the stop: the restart proved nothing about a mid-run stop")
	}
	if done.Accepted != int64(len(eligible)) || done.Targeted != n {
		t.Fatalf("counters: %+v, want %d accepted of %d", done, len(eligible), n)
	}
	var refused map[string]int64
	if err := json.Unmarshal(done.Refused, &refused); err != nil {
		t.Fatal(err)
	}
	if pf.Targeted != done.Targeted || pf.Eligible != done.Accepted || !maps.Equal(pf.Refused, refused) || pf.Today != pf.Eligible {
		t.Fatalf("pre-flight %+v, run: targeted %d accepted %d refused %v", pf, done.Targeted, done.Accepted, refused)
	}
	// Every eligible contact: exactly one message, and it went out.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		pending := 0
		for _, wa := range waIDs {
			ms, err := st.MessagesByRecipient(ctx, "acme", wa, 0, 5)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if eligible[wa] {
				want = 1
			}
			if len(ms) != want {
				t.Fatalf("%s has %d messages, want %d", wa, len(ms), want)
			}
			if want == 1 && ms[0].State.Rank() < store.StateSent.Rank() {
				if ms[0].State == store.StateFailed {
					t.Fatalf("%s's message failed: %d %s", wa, ms[0].ErrorCode, ms[0].ErrorDetail)
				}
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages not sent within 60 s", pending)
		}
	}
}
