package server

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
)

// configKeyID is the stored id of a configured key: its public id when it
// has the gateway's format, else a prefix of its hash (never of the key).
func configKeyID(key string) string {
	if id := secret.APIKeyID(key); id != "" {
		return id
	}
	return fmt.Sprintf("%x", secret.HashAPIKey(key)[:6])
}

// syncConfiguredKeys makes the store's configured keys match the file: keys
// new in the file are added, keys that came from the file and are gone from
// it are revoked, so removing a leaked key from the file and restarting is
// enough. Keys issued by the CLI or the demo are never touched. A key
// revoked in the store stays revoked even while it is still in the file.
//
// Keys stored before sources were recorded ("legacy") are adopted as
// configured when the file holds them; the others are left alone, and
// reported, since nothing tells whether the CLI issued them.
func syncConfiguredKeys(ctx context.Context, st store.Store, cfg config.Config, now time.Time) ([]string, error) {
	stored, err := st.ListAPIKeys(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("bootstrap keys: %w", err)
	}
	byID := make(map[string]store.APIKey, len(stored))
	for _, k := range stored {
		byID[k.ID] = k
	}
	var warnings []string
	declared := map[string]bool{}
	for _, t := range cfg.Tenants {
		for _, key := range t.APIKeys {
			id, hash := configKeyID(key), secret.HashAPIKey(key)
			declared[id] = true
			prev, ok := byID[id]
			switch {
			case !ok || !bytes.Equal(prev.Hash, hash):
				err = st.PutAPIKey(ctx, store.APIKey{ID: id, TenantID: t.ID, Hash: hash, CreatedAt: now, Source: store.KeyFromConfig})
			case !prev.RevokedAt.IsZero():
				warnings = append(warnings, fmt.Sprintf("API key %s of tenant %s is in the configuration but revoked; it stays revoked: remove it from the file", id, t.ID))
				continue
			case prev.TenantID != t.ID || prev.Source != store.KeyFromConfig:
				prev.TenantID, prev.Source = t.ID, store.KeyFromConfig
				err = st.PutAPIKey(ctx, prev)
			default:
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("bootstrap key %s of %s: %w", id, t.ID, err)
			}
		}
	}
	legacy := 0
	for _, k := range stored {
		if declared[k.ID] || !k.RevokedAt.IsZero() {
			continue
		}
		switch k.Source {
		case store.KeyFromConfig:
			if err := st.RevokeAPIKey(ctx, k.ID); err != nil {
				return nil, fmt.Errorf("bootstrap: revoke key %s removed from the configuration: %w", k.ID, err)
			}
			warnings = append(warnings, fmt.Sprintf("API key %s of tenant %s is no longer in the configuration: revoked", k.ID, k.TenantID))
		case store.KeyLegacy:
			legacy++
		}
	}
	if legacy > 0 {
		warnings = append(warnings, fmt.Sprintf("%d API keys predate key tracking and are not in the configuration; review them with `wabaguard keys list` and revoke those no longer used", legacy))
	}
	return warnings, nil
}
