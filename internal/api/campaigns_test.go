package api_test

import (
	"net/http"
	"testing"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestCampaignsAPI walks a campaign's life through the API on both
// engines: create (and bad input, a taken id, another tenant's view),
// pre-flight, start, a round of sending, pause with a reason, resume,
// stats, and a change its state refuses; every answer matches the document.
func TestCampaignsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		cs := contact.New(e.st, e.ledger)
		for _, n := range []string{personE164, otherE164} {
			name := "Ana"
			_, _, err := cs.Upsert(ctx, "tenant-a", n, contact.Patch{Name: &name})
			must(t, err)
		}
		_, err := e.ledger.Record(ctx, consent.Request{TenantID: "tenant-a", Contact: personE164, Action: consent.OptIn,
			Category: consent.Marketing, Source: consent.WebForm, Evidence: consent.Evidence{Text: "Quero ofertas", URL: "https://a.example/f", At: now}})
		must(t, err)
		_, err = cs.PutAudience(ctx, "tenant-a", "all", "All", []byte(`{}`))
		must(t, err)

		spec := map[string]any{"id": "natal", "name": "Natal", "phone_number_id": "pn-tenant-a", "template": "promo",
			"language": "pt_BR", "params": []string{"{{name}}"}, "audience_id": "all"}
		r := e.postJSON("/api/v1/campaigns", e.keyA, spec)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		conforms(t, "POST", "/api/v1/campaigns", r)
		wantError(t, e.postJSON("/api/v1/campaigns", e.keyA, spec), http.StatusConflict, wire.CodeInvalidParameter, "already exists")
		bad := map[string]any{"id": "x", "name": "X", "phone_number_id": "pn-tenant-b", "template": "promo", "language": "pt_BR", "audience_id": "all"}
		wantError(t, e.postJSON("/api/v1/campaigns", e.keyA, bad), http.StatusBadRequest, wire.CodeInvalidParameter, "phone_number_id")
		wantError(t, e.postJSON("/api/v1/campaigns", e.keyA, map[string]any{"id": "y", "colour": "red"}), http.StatusBadRequest, wire.CodeInvalidParameter, "colour")
		wantError(t, e.do("GET", "/api/v1/campaigns/natal", e.keyB, "", ""), http.StatusNotFound, wire.CodeInvalidParameter, "natal")

		r = e.do("POST", "/api/v1/campaigns/natal/preflight", e.keyA, "", "")
		conforms(t, "POST", "/api/v1/campaigns/{id}/preflight", r)
		var pf struct {
			Targeted, Eligible int
			Refused            map[string]int
		}
		r.json(t, &pf)
		if pf.Targeted != 2 || pf.Eligible != 1 || pf.Refused["consent.missing"] != 1 {
			t.Fatalf("preflight: %s", r.body)
		}
		r = e.do("POST", "/api/v1/campaigns/natal/start", e.keyA, "", "")
		conforms(t, "POST", "/api/v1/campaigns/{id}/start", r)
		r = e.postJSON("/api/v1/campaigns/natal/pause", e.keyA, map[string]string{"reason": "new prices"})
		conforms(t, "POST", "/api/v1/campaigns/{id}/pause", r)
		var v struct {
			State       string `json:"state"`
			StateReason string `json:"state_reason"`
		}
		r.json(t, &v)
		if v.State != "paused" || v.StateReason != "new prices" {
			t.Fatalf("pause: %s", r.body)
		}
		wantError(t, e.do("POST", "/api/v1/campaigns/natal/pause", e.keyA, "", ""), http.StatusConflict, wire.CodeInvalidParameter, "is paused")
		r = e.do("POST", "/api/v1/campaigns/natal/resume", e.keyA, "", "")
		conforms(t, "POST", "/api/v1/campaigns/{id}/resume", r)
		if _, err := e.campaigns.Round(ctx); err != nil {
			t.Fatal(err)
		}
		r = e.do("GET", "/api/v1/campaigns/natal", e.keyA, "", "")
		conforms(t, "GET", "/api/v1/campaigns/{id}", r)
		var got struct {
			State    string         `json:"state"`
			Accepted int            `json:"accepted"`
			Refused  map[string]int `json:"refused"`
		}
		r.json(t, &got)
		if got.State != "completed" || got.Accepted != 1 || got.Refused["consent.missing"] != 1 {
			t.Fatalf("after the run: %s", r.body)
		}
		r = e.do("GET", "/api/v1/campaigns/natal/stats", e.keyA, "", "")
		conforms(t, "GET", "/api/v1/campaigns/{id}/stats", r)
		r = e.do("GET", "/api/v1/campaigns", e.keyA, "", "")
		conforms(t, "GET", "/api/v1/campaigns", r)
		wantError(t, e.do("POST", "/api/v1/campaigns/natal/cancel", e.keyA, "", ""), http.StatusConflict, wire.CodeInvalidParameter, "completed")
	})
}
