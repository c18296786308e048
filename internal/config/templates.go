package config

import (
	"errors"
	"fmt"
	"time"
)

// Templates tunes the local template cache (docs/templates.md).
type Templates struct {
	// SyncEvery is how often every WABA's templates are listed from the
	// Graph API again; each start lists them too. Default (and 0) 1h, at
	// least 1m:
	// listings count against Meta's management-API limit per WABA.
	SyncEvery Duration `json:"sync_every"`
	// RefreshEvery is how often a replica reloads the cache from the
	// database, seeing what webhooks processed by other replicas changed.
	// Default 30s, at least 1s.
	RefreshEvery Duration `json:"refresh_every"`
}

// DefaultTemplates are the cache's default timings.
func DefaultTemplates() Templates {
	return Templates{SyncEvery: Duration(time.Hour), RefreshEvery: Duration(30 * time.Second)}
}

// Sync is SyncEvery, or its default when unset.
func (t Templates) Sync() time.Duration {
	if t.SyncEvery <= 0 {
		return DefaultTemplates().SyncEvery.D()
	}
	return t.SyncEvery.D()
}

// Refresh is RefreshEvery, or its default when unset.
func (t Templates) Refresh() time.Duration {
	if t.RefreshEvery <= 0 {
		return DefaultTemplates().RefreshEvery.D()
	}
	return t.RefreshEvery.D()
}

func (t Templates) validate() []error {
	var errs []error
	if t.SyncEvery != 0 && t.SyncEvery.D() < time.Minute {
		errs = append(errs, fmt.Errorf("templates.sync_every %s is under 1m; template listings count against Meta's per-WABA call limit", t.SyncEvery.D()))
	}
	if t.RefreshEvery != 0 && t.RefreshEvery.D() < time.Second {
		errs = append(errs, fmt.Errorf("templates.refresh_every %s is under 1s", t.RefreshEvery.D()))
	}
	return errs
}

func (t *Templates) applyEnv(getenv func(string) string) error {
	if v := getenv("WABAGUARD_TEMPLATE_SYNC_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return errors.New("config: WABAGUARD_TEMPLATE_SYNC_EVERY=" + v + " is not a duration like 30m or 1h")
		}
		t.SyncEvery = Duration(d)
	}
	return nil
}
