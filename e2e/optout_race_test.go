package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// The opt-out race: 1,000 messages to one person are accepted and wait in
// the outbox (the number sends 20 a second); the person opts out, recorded
// by a ledger of its own on the same store, as another replica or the CLI
// would. Not one of the messages still queued at that moment reaches the
// upstream: the send-time stage reads the ledger right before each send.
// Each of them fails with the catalogue's code, and the tenant hears it as
// a failed status.
func TestOptOutStopsQueuedMessages(t *testing.T) {
	hook := newTenantEndpoint(t, "tenant-secret-for-the-race")
	g := startGateway(t, hook.srv.URL, hook.secret, func(c *config.Config) {
		c.Policy = allButCadence
		c.Dispatch.ClaimBatch = 4
		c.Senders[0].ThroughputMPS = 20
	})
	ctx := context.Background()
	st := g.srv.Store()
	const number = "+5511987650001"
	if _, err := g.srv.Ledger().Record(ctx, consent.Request{TenantID: "acme", Contact: number, Action: consent.OptIn,
		Category: consent.All, Source: consent.WebForm,
		Evidence: consent.Evidence{Text: "Aceito avisos de entrega", URL: "https://acme.example/f", At: time.Now().Add(-time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	body := `{"messaging_product":"whatsapp","to":"` + number + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`

	const n = 1000
	ids := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			status, raw := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", body, nil)
			var sr struct{ Messages []struct{ ID string } }
			if status != http.StatusOK || json.Unmarshal(raw, &sr) != nil || len(sr.Messages) != 1 {
				t.Errorf("send %d: %d %s", i, status, raw)
				return
			}
			ids[i] = sr.Messages[0].ID
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Another process's ledger: nothing of this reaches the intake's cache.
	other := consent.New(st)
	if _, err := other.Record(ctx, consent.Request{TenantID: "acme", Contact: number, Action: consent.OptOut,
		Category: consent.All, Source: consent.API, Evidence: consent.Evidence{Text: "Pediu por telefone para parar"}}); err != nil {
		t.Fatal(err)
	}
	var queued []string
	for _, id := range ids {
		m, err := st.GetMessage(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.State == store.StateQueued {
			queued = append(queued, id)
		}
	}
	if len(queued) < n/2 {
		t.Fatalf("only %d of %d messages were still queued at the opt-out: the test needs a backlog", len(queued), n)
	}

	// Everything ends: the queued ones failed, the rest sent before.
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range queued {
		for {
			m, err := st.GetMessage(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if m.State == store.StateFailed {
				if m.MetaID != "" || m.ErrorCode != int(refusal.OptedOut) {
					t.Fatalf("message %s: meta id %q, code %d, want none and %d", id, m.MetaID, m.ErrorCode, refusal.OptedOut)
				}
				break
			}
			if m.MetaID != "" || m.State != store.StateQueued && m.State != store.StateSending {
				t.Fatalf("message %s queued at the opt-out reached the upstream (state %s, meta id %q)", id, m.State, m.MetaID)
			}
			if time.Now().After(deadline) {
				t.Fatalf("message %s still %s after 60 s", id, m.State)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("%d of %d messages were queued at the opt-out; none reached the upstream", len(queued), n)

	// The tenant is told, in Meta's shape with the gateway's code.
	want := map[string]bool{}
	for _, id := range queued {
		want[id] = true
	}
	ok := hook.waitFor(30*time.Second, func(map[string][]string) bool {
		seen := 0
		for id := range want {
			if hook.codes[id] == int(refusal.OptedOut) {
				seen++
			}
		}
		return seen == len(want)
	})
	if !ok {
		t.Fatalf("the tenant did not get a failed status with code %d for every refused message", refusal.OptedOut)
	}
}
