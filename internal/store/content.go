package store

import (
	"context"
	"time"
)

// ContentModel is one version of a tenant's content classifier, trained on
// the built-in data plus the tenant's labelled examples.
type ContentModel struct {
	TenantID string
	// Version numbers a tenant's models from 1 in the order they were
	// trained.
	Version   int
	CreatedAt time.Time
	// TrainingRows is how many examples the model learnt from: the
	// built-in ones and the training part of the tenant's file.
	TrainingRows int
	// TenantRows is how many examples the tenant's file held.
	TenantRows int
	// HeldOut is the JSON of the model's figures on the tenant's held-out
	// examples (precision and recall per label and language).
	HeldOut string
	// Active is whether this is the model that serves the tenant; at most
	// one per tenant is.
	Active bool
	// Model is the encoded model. ListContentModels leaves it empty.
	Model []byte
}

// ContentModels holds the tenants' content classifiers, every version
// kept so any can be activated again.
type ContentModels interface {
	// AddContentModel stores m as the tenant's next version (one past its
	// highest, whatever m.Version says) and makes it the active one, in
	// one transaction. It returns the version given.
	AddContentModel(ctx context.Context, m ContentModel) (int, error)
	// ListContentModels lists a tenant's models, newest first, without
	// their Model bytes.
	ListContentModels(ctx context.Context, tenantID string) ([]ContentModel, error)
	// ActiveContentModel returns the tenant's active model with its bytes;
	// ErrNotFound when the tenant uses the built-in one.
	ActiveContentModel(ctx context.Context, tenantID string) (ContentModel, error)
	// ActivateContentModel makes version the tenant's active model; version
	// 0 deactivates them all (back to the built-in model). ErrNotFound,
	// changing nothing, when the tenant has no such version.
	ActivateContentModel(ctx context.Context, tenantID string, version int) error
	// ActiveContentModels maps every tenant that has an active model to its
	// version: the cheap question replicas poll to notice a change.
	ActiveContentModels(ctx context.Context) (map[string]int, error)
}
