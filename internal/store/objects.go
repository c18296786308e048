package store

import (
	"context"
	"time"
)

// ObjectKind is what a Graph object a tenant owns is.
type ObjectKind string

// Kinds of owned objects. Media and templates are recorded in the registry
// as the gateway sees their ids; phone numbers and WABAs are not recorded:
// they are owned through the tenant's senders.
const (
	ObjectMedia       ObjectKind = "media"
	ObjectTemplate    ObjectKind = "template"
	ObjectPhoneNumber ObjectKind = "phone_number"
	ObjectWABA        ObjectKind = "waba"
)

// OwnedObject records that a Graph object belongs to a tenant, so the
// pass-through lets that tenant, and only it, reach the object with the
// shared Meta token.
type OwnedObject struct {
	// ID is Graph's object id.
	ID       string
	TenantID string
	Kind     ObjectKind
	// SenderID is the phone_number_id the object was uploaded or received
	// through ("" for templates, which belong to a WABA).
	SenderID string
	// WABAID is the WhatsApp Business Account of the object.
	WABAID    string
	CreatedAt time.Time
}

// Objects is the registry of Graph objects owned by tenants.
type Objects interface {
	// PutObjects records objects in one transaction. The first record of an
	// id wins: a later one (a redelivered webhook, a second template
	// listing, or one naming another tenant) leaves it unchanged, so an
	// object never moves between tenants.
	PutObjects(ctx context.Context, objs []OwnedObject) error
	// GetObject returns the record of an object id (ErrNotFound when none).
	GetObject(ctx context.Context, id string) (OwnedObject, error)
	// DeleteObject forgets an object, once Meta confirmed it is gone. An
	// absent id is not an error.
	DeleteObject(ctx context.Context, id string) error
}
