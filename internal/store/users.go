package store

import (
	"context"
	"errors"
	"time"
)

// ErrExists is returned when a record with the same unique key is already
// stored.
var ErrExists = errors.New("store: already exists")

// Role is what a dashboard user may do.
type Role string

// Roles.
const (
	// RoleAdmin reads everything of its tenant and may act (erase a contact).
	RoleAdmin Role = "admin"
	// RoleViewer only reads.
	RoleViewer Role = "viewer"
)

// User is a person who logs in to the dashboard for one tenant.
type User struct {
	ID       string
	TenantID string
	// Email is the log-in name, unique across the gateway and stored as
	// given (callers lower-case it).
	Email string
	Role  Role
	// PasswordHash is the encoded key derivation of the password (see
	// internal/ui): never the password.
	PasswordHash string
	CreatedAt    time.Time
}

// DayCount is how many status events of one kind a tenant's messages had
// on one UTC day.
type DayCount struct {
	Day    time.Time // midnight UTC
	Status string    // sent, delivered, read or failed
	Count  int
}

// Users holds the dashboard's users and the figures it charts.
type Users interface {
	// CreateUser stores a new user; ErrExists when the email is taken.
	CreateUser(ctx context.Context, u User) error
	// UserByEmail finds a user by log-in email (ErrNotFound when none).
	UserByEmail(ctx context.Context, email string) (User, error)
	// GetUser finds a user by id (ErrNotFound when none).
	GetUser(ctx context.Context, id string) (User, error)
	// ListUsers lists a tenant's users, or every user when tenantID is "",
	// by tenant then email.
	ListUsers(ctx context.Context, tenantID string) ([]User, error)
	// DailyStatusCounts counts, per UTC day from since on, the status
	// events (sent, delivered, read, failed) of a tenant's messages; a
	// message the gateway failed without Meta ever taking it counts as
	// failed on the day it failed. Ordered by day then status.
	DailyStatusCounts(ctx context.Context, tenantID string, since time.Time) ([]DayCount, error)
	// SenderDailyStatusCounts is DailyStatusCounts for the messages of
	// one of the tenant's senders (none when the sender is another
	// tenant's).
	SenderDailyStatusCounts(ctx context.Context, tenantID, senderID string, since time.Time) ([]DayCount, error)
}
