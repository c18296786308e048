package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/ui"
)

// The demo tenant and sender that a zero-configuration start creates, so a
// newcomer can send a message with curl at once.
const (
	DemoTenantID      = "demo"
	DemoPhoneNumberID = "100000000000001"
	DemoWABAID        = "200000000000001"
	DemoDisplayNumber = "+55 11 4000-0000"
	// DemoWebhookPath is the built-in webhook receiver of the demo tenant.
	DemoWebhookPath = "/_demo/webhook"
)

// FirstStart is what a bootstrap created that must be shown once: the new
// demo tenant's API key and webhook secret. Both are empty when nothing new
// was created.
type FirstStart struct {
	APIKey        string
	WebhookSecret string
	// DashboardEmail and DashboardPassword are the demo tenant's dashboard
	// admin, created when the demo tenant has no dashboard user yet.
	DashboardEmail, DashboardPassword string
	// Warnings are what the operator should know about the keys, logged
	// at every start (keys revoked because they left the file, ...).
	Warnings []string
}

// Bootstrap writes the configured tenants, keys and senders into the store,
// or, when none are configured, creates the demo tenant on first start.
// Either way, configured keys no longer in cfg are revoked.
func Bootstrap(ctx context.Context, st store.Store, cfg config.Config, now time.Time) (FirstStart, error) {
	var fs FirstStart
	var err error
	if len(cfg.Tenants) > 0 {
		err = applyDeclared(ctx, st, cfg, now)
	} else {
		fs, err = bootstrapDemo(ctx, st, cfg, now)
		if err == nil {
			fs.DashboardEmail, fs.DashboardPassword, err = ensureDemoUser(ctx, st, now)
		}
	}
	if err != nil {
		return fs, err
	}
	fs.Warnings, err = syncConfiguredKeys(ctx, st, cfg, now)
	return fs, err
}

func applyDeclared(ctx context.Context, st store.Store, cfg config.Config, now time.Time) error {
	for _, t := range cfg.Tenants {
		name := t.Name
		if name == "" {
			name = t.ID
		}
		if err := st.PutTenant(ctx, store.Tenant{ID: t.ID, Name: name, WebhookURL: t.WebhookURL, WebhookSecret: t.WebhookSecret, CreatedAt: now}); err != nil {
			return fmt.Errorf("bootstrap tenant %s: %w", t.ID, err)
		}
	}
	for _, s := range cfg.Senders {
		prev, err := st.GetSender(ctx, s.PhoneNumberID)
		state := store.SenderActive
		var code int
		var reason string
		var changed time.Time
		if err == nil { // keep a stop decided at run time across restarts
			state, code, reason, changed = prev.State, prev.StateCode, prev.StateReason, prev.StateChangedAt
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("bootstrap sender %s: %w", s.PhoneNumberID, err)
		} else if cfg.Warmup.StartsOnFirstSight() {
			// First seen by the gateway: a new number warms up. One the
			// store knows keeps its warm-up (or its being established).
			if _, err := st.EnsureWarmup(ctx, store.Warmup{PhoneNumberID: s.PhoneNumberID, StartedAt: now,
				Reason: limits.WarmupFirstSeen, UpdatedAt: now}); err != nil {
				return fmt.Errorf("bootstrap sender %s: warm-up: %w", s.PhoneNumberID, err)
			}
		}
		if err := st.PutSender(ctx, store.Sender{
			PhoneNumberID: s.PhoneNumberID, TenantID: s.TenantID, WABAID: s.WABAID,
			DisplayPhoneNumber: s.DisplayPhoneNumber, ThroughputMPS: s.ThroughputMPS, AccessToken: s.AccessToken,
			State: state, StateCode: code, StateReason: reason, StateChangedAt: changed,
		}); err != nil {
			return fmt.Errorf("bootstrap sender %s: %w", s.PhoneNumberID, err)
		}
	}
	return nil
}

func bootstrapDemo(ctx context.Context, st store.Store, cfg config.Config, now time.Time) (FirstStart, error) {
	_, err := st.GetTenant(ctx, DemoTenantID)
	if err == nil {
		return FirstStart{}, ensureDemoSender(ctx, st)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return FirstStart{}, fmt.Errorf("bootstrap demo: %w", err)
	}
	fs := FirstStart{WebhookSecret: secret.NewToken()}
	if err := st.PutTenant(ctx, store.Tenant{
		ID: DemoTenantID, Name: "Demo business", CreatedAt: now,
		WebhookURL: cfg.BaseURL() + DemoWebhookPath, WebhookSecret: fs.WebhookSecret,
	}); err != nil {
		return FirstStart{}, fmt.Errorf("bootstrap demo: %w", err)
	}
	key, id := secret.NewAPIKey()
	if err := st.PutAPIKey(ctx, store.APIKey{ID: id, TenantID: DemoTenantID, Hash: secret.HashAPIKey(key), CreatedAt: now, Source: store.KeyFromDemo}); err != nil {
		return FirstStart{}, fmt.Errorf("bootstrap demo key: %w", err)
	}
	fs.APIKey = key
	return fs, ensureDemoSender(ctx, st)
}

func ensureDemoSender(ctx context.Context, st store.Store) error {
	if _, err := st.GetSender(ctx, DemoPhoneNumberID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("bootstrap demo sender: %w", err)
	}
	return st.PutSender(ctx, store.Sender{
		PhoneNumberID: DemoPhoneNumberID, TenantID: DemoTenantID, WABAID: DemoWABAID,
		DisplayPhoneNumber: DemoDisplayNumber, State: store.SenderActive,
	})
}

// DemoUserEmail is the demo tenant's dashboard admin.
const DemoUserEmail = "admin@demo.example"

// ensureDemoUser creates the demo tenant's dashboard admin with a random
// password when the tenant has no user, and returns the password to show
// once ("" when a user existed).
func ensureDemoUser(ctx context.Context, st store.Store, now time.Time) (email, password string, err error) {
	us, err := st.ListUsers(ctx, DemoTenantID)
	if err != nil {
		return "", "", fmt.Errorf("bootstrap demo user: %w", err)
	}
	if len(us) > 0 {
		return "", "", nil
	}
	password = secret.NewToken()
	if _, err := ui.CreateUser(ctx, st, DemoTenantID, DemoUserEmail, store.RoleAdmin, password, now); err != nil {
		return "", "", fmt.Errorf("bootstrap demo user: %w", err)
	}
	return DemoUserEmail, password, nil
}
