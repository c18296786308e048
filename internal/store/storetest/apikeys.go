package storetest

import (
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
)

// testAPIKeyLifecycle covers what key management needs beyond lookup: every
// field survives a round trip, listing by tenant, the last use only moving
// forward, the source being recorded, and revoked keys staying listed but
// no longer found by hash.
func testAPIKeyLifecycle(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, id := range []string{"t1", "t2"} {
		must(t, s.PutTenant(c, store.Tenant{ID: id, Name: id, CreatedAt: base}))
	}
	type issued struct {
		key string
		rec store.APIKey
	}
	var keys []issued
	add := func(tenant string, created time.Time, src store.KeySource, expires time.Time) issued {
		key, id := secret.NewAPIKey()
		k := issued{key, store.APIKey{ID: id, TenantID: tenant, Hash: secret.HashAPIKey(key),
			CreatedAt: created, Source: src, ExpiresAt: expires}}
		must(t, s.PutAPIKey(c, k.rec))
		keys = append(keys, k)
		return k
	}
	cfgKey := add("t1", base, store.KeyFromConfig, time.Time{})
	cliKey := add("t1", base.Add(time.Minute), "", base.Add(24*time.Hour)) // empty source is cli
	otherKey := add("t2", base.Add(2*time.Minute), store.KeyFromDemo, time.Time{})

	t.Run("lookup returns the key with its tenant", func(t *testing.T) {
		k, tn, err := s.KeyByHash(c, secret.HashAPIKey(cliKey.key))
		must(t, err)
		if k.ID != cliKey.rec.ID || k.TenantID != "t1" || tn.ID != "t1" || k.Source != store.KeyFromCLI {
			t.Errorf("KeyByHash = %+v / tenant %s, want %s of t1 from cli", k, tn.ID, cliKey.rec.ID)
		}
		checkTime(t, "ExpiresAt", k.ExpiresAt, base.Add(24*time.Hour))
		checkTime(t, "CreatedAt", k.CreatedAt, base.Add(time.Minute))
		if !k.LastUsedAt.IsZero() || !k.RevokedAt.IsZero() {
			t.Errorf("fresh key: last used %v, revoked %v, want both zero", k.LastUsedAt, k.RevokedAt)
		}
		_, _, err = s.KeyByHash(c, secret.HashAPIKey("wg_000000000000_nope"))
		wantNotFound(t, "KeyByHash(unknown)", err)
	})

	t.Run("expired keys are still found so the caller can say why", func(t *testing.T) {
		k, _, err := s.KeyByHash(c, secret.HashAPIKey(cliKey.key))
		must(t, err)
		if !k.Expired(base.Add(25*time.Hour)) || k.Expired(base) {
			t.Errorf("Expired: got %v at +25h and %v at base", k.Expired(base.Add(25*time.Hour)), k.Expired(base))
		}
	})

	t.Run("list by tenant and in all", func(t *testing.T) {
		tests := []struct {
			tenant string
			want   []string
		}{
			{"t1", []string{cfgKey.rec.ID, cliKey.rec.ID}},
			{"t2", []string{otherKey.rec.ID}},
			{"", []string{cfgKey.rec.ID, cliKey.rec.ID, otherKey.rec.ID}},
			{"nobody", nil},
		}
		for _, tc := range tests {
			got, err := s.ListAPIKeys(c, tc.tenant)
			must(t, err)
			var ids []string
			for _, k := range got {
				ids = append(ids, k.ID)
			}
			checkIDs(t, "ListAPIKeys("+tc.tenant+")", ids, tc.want)
		}
	})

	t.Run("last use only moves forward", func(t *testing.T) {
		id := cfgKey.rec.ID
		must(t, s.TouchAPIKey(c, id, base.Add(time.Hour)))
		must(t, s.TouchAPIKey(c, id, base.Add(30*time.Minute))) // late writer from another replica
		k, _, err := s.KeyByHash(c, cfgKey.rec.Hash)
		must(t, err)
		checkTime(t, "LastUsedAt", k.LastUsedAt, base.Add(time.Hour))
		must(t, s.TouchAPIKey(c, "no-such-key", base)) // a key revoked and gone is not an error
	})

	t.Run("source is recorded", func(t *testing.T) {
		must(t, s.SetAPIKeySource(c, otherKey.rec.ID, store.KeyFromConfig))
		k, _, err := s.KeyByHash(c, otherKey.rec.Hash)
		must(t, err)
		if k.Source != store.KeyFromConfig {
			t.Errorf("Source = %q, want config", k.Source)
		}
		wantNotFound(t, "SetAPIKeySource(unknown)", s.SetAPIKeySource(c, "no-such-key", store.KeyFromCLI))
	})

	t.Run("revoked keys stay listed and are not found", func(t *testing.T) {
		must(t, s.RevokeAPIKey(c, cfgKey.rec.ID))
		_, _, err := s.KeyByHash(c, cfgKey.rec.Hash)
		wantNotFound(t, "KeyByHash(revoked)", err)
		list, err := s.ListAPIKeys(c, "t1")
		must(t, err)
		if len(list) != 2 || list[0].ID != cfgKey.rec.ID || list[0].RevokedAt.IsZero() {
			t.Fatalf("ListAPIKeys(t1) after revoke = %+v, want the revoked key first with RevokedAt", list)
		}
		if !list[1].RevokedAt.IsZero() {
			t.Errorf("the other key of t1 was revoked too")
		}
	})
}
