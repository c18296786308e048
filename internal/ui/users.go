package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// UserStore is what creating a user needs.
type UserStore interface {
	GetTenant(ctx context.Context, id string) (store.Tenant, error)
	CreateUser(ctx context.Context, u store.User) error
}

// ParseRole reads a role as the CLI spells it.
func ParseRole(s string) (store.Role, error) {
	switch r := store.Role(s); r {
	case store.RoleAdmin, store.RoleViewer:
		return r, nil
	}
	return "", fmt.Errorf("role %q is not admin or viewer", s)
}

// NormalizeEmail lower-cases and checks a log-in email.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	return e, nil
}

// CreateUser hashes password and stores a new user of an existing tenant.
func CreateUser(ctx context.Context, st UserStore, tenantID, email string, role store.Role, password string, now time.Time) (store.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return store.User{}, err
	}
	if _, err := st.GetTenant(ctx, tenantID); err != nil {
		return store.User{}, fmt.Errorf("tenant %q: %w", tenantID, err)
	}
	h, err := HashPassword(password)
	if err != nil {
		return store.User{}, err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	u := store.User{ID: "u_" + hex.EncodeToString(b[:]), TenantID: tenantID, Email: e, Role: role, PasswordHash: h, CreatedAt: now.UTC()}
	if err := st.CreateUser(ctx, u); err != nil {
		return store.User{}, fmt.Errorf("create user %s: %w", e, err)
	}
	return u, nil
}
