package storetest

import (
	"testing"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Opener opens one database (the same one on every call) with the given
// sealer; the store is closed when the test ends.
type Opener func(t *testing.T, sealer store.Sealer) store.Store

// RunReseal checks key rotation on one engine: every secret written under
// the old key opens under the new key alone after ResealSecrets, and no
// longer under the old key alone.
func RunReseal(t *testing.T, open Opener) {
	oldKey, newKey := secret.NewKey(), secret.NewKey()
	oldBox, err := secret.NewBox(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	newBox, err := secret.NewBox(newKey)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	before := open(t, oldBox)
	tenants := []store.Tenant{
		{ID: "t1", Name: "Acme", WebhookSecret: "whsec-one", CreatedAt: base},
		{ID: "t2", Name: "Beta", WebhookSecret: "", CreatedAt: base}, // none: stays none
	}
	senders := []store.Sender{
		{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1", AccessToken: "EAAG-token-one"},
		{PhoneNumberID: "p2", TenantID: "t2", WABAID: "w2"},
	}
	for _, tn := range tenants {
		if err := before.PutTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range senders {
		if err := before.PutSender(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	rotating, ok := open(t, ring).(store.Resealer)
	if !ok {
		t.Fatal("store does not implement store.Resealer")
	}
	n, err := rotating.ResealSecrets(ctx)
	if err != nil {
		t.Fatalf("ResealSecrets: %v", err)
	}
	if n != 2 {
		t.Errorf("ResealSecrets resealed %d values, want 2 (one webhook secret, one token)", n)
	}

	after := open(t, newBox)
	for _, want := range tenants {
		got, err := after.GetTenant(ctx, want.ID)
		if err != nil {
			t.Fatalf("tenant %s under the new key: %v", want.ID, err)
		}
		if got.WebhookSecret != want.WebhookSecret {
			t.Errorf("tenant %s webhook secret = %q, want %q", want.ID, got.WebhookSecret, want.WebhookSecret)
		}
	}
	for _, want := range senders {
		got, err := after.GetSender(ctx, want.PhoneNumberID)
		if err != nil {
			t.Fatalf("sender %s under the new key: %v", want.PhoneNumberID, err)
		}
		if got.AccessToken != want.AccessToken {
			t.Errorf("sender %s token = %q, want %q", want.PhoneNumberID, got.AccessToken, want.AccessToken)
		}
	}
	stale := open(t, oldBox)
	if _, err := stale.GetTenant(ctx, "t1"); err == nil {
		t.Error("the old key alone still opens a resealed webhook secret")
	}
	if _, err := stale.GetSender(ctx, "p1"); err == nil {
		t.Error("the old key alone still opens a resealed access token")
	}
}
