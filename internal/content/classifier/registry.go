package classifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Store is the part of store.Store the Registry uses.
type Store interface {
	AddContentModel(ctx context.Context, m store.ContentModel) (int, error)
	ListContentModels(ctx context.Context, tenantID string) ([]store.ContentModel, error)
	ActiveContentModel(ctx context.Context, tenantID string) (store.ContentModel, error)
	ActivateContentModel(ctx context.Context, tenantID string, version int) error
	ActiveContentModels(ctx context.Context) (map[string]int, error)
}

// DefaultPoll is how often a Registry asks the store whether another
// replica changed a tenant's active model.
const DefaultPoll = 5 * time.Second

// ErrNoRollback is returned by Rollback when the tenant already uses the
// built-in model.
var ErrNoRollback = errors.New("classifier: the tenant uses the built-in model: nothing to roll back")

// Registry serves every tenant its active model, the built-in one when it
// has none, and trains, activates and rolls back tenants' models. It keeps
// the active models in memory, so Classify never waits on the store; it
// reloads them after each change it makes and, every Poll, when the store
// says another replica changed one. It implements content.Classifier.
type Registry struct {
	st      Store
	builtin *Model
	log     *slog.Logger
	// Poll is how often Run checks the store for changes (DefaultPoll
	// when zero). Set it before Run.
	Poll time.Duration
	// Now is the clock of new models' creation times (time.Now when nil).
	Now func() time.Time

	mu     sync.RWMutex
	active map[string]loaded // by tenant
	// refreshMu serialises refreshes, so an older view never replaces a
	// newer one.
	refreshMu sync.Mutex
}

type loaded struct {
	version int
	model   *Model
}

var _ content.Classifier = (*Registry)(nil)

// NewRegistry returns a Registry over st serving the built-in model until
// Refresh or Run loads the tenants' models.
func NewRegistry(st Store, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{st: st, builtin: Builtin(), log: log, active: map[string]loaded{}}
}

// Classify returns the verdict of the tenant's active model on text.
func (r *Registry) Classify(ctx context.Context, tenantID, text string) (content.Verdict, error) {
	if err := ctx.Err(); err != nil {
		return content.Verdict{}, err
	}
	return r.Model(tenantID).Classify(text), nil
}

// Model returns the model that serves the tenant now.
func (r *Registry) Model(tenantID string) *Model {
	r.mu.RLock()
	l, ok := r.active[tenantID]
	r.mu.RUnlock()
	if !ok {
		return r.builtin
	}
	return l.model
}

// ModelName names a tenant's model version as verdicts report it.
func ModelName(tenantID string, version int) string {
	return fmt.Sprintf("%s-v%d", tenantID, version)
}

// Run refreshes the registry every Poll until ctx ends. A failed refresh is
// logged and the models in memory keep serving.
func (r *Registry) Run(ctx context.Context) {
	poll := r.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("content models: refresh failed; the loaded models keep serving", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Refresh loads from the store every tenant's active model that differs
// from the one in memory, and drops those no longer active. A model that
// does not decode is logged and skipped: the tenant keeps what it had.
func (r *Registry) Refresh(ctx context.Context) error {
	r.refreshMu.Lock()
	defer r.refreshMu.Unlock()
	versions, err := r.st.ActiveContentModels(ctx)
	if err != nil {
		return fmt.Errorf("content models: %w", err)
	}
	r.mu.RLock()
	next := maps.Clone(r.active)
	r.mu.RUnlock()
	changed := false
	for tenant := range next {
		if _, ok := versions[tenant]; !ok {
			delete(next, tenant)
			changed = true
		}
	}
	for tenant, v := range versions {
		if l, ok := next[tenant]; ok && l.version == v {
			continue
		}
		rec, err := r.st.ActiveContentModel(ctx, tenant)
		if errors.Is(err, store.ErrNotFound) {
			delete(next, tenant) // deactivated since the first question
			changed = true
			continue
		}
		if err != nil {
			return fmt.Errorf("content models: %w", err)
		}
		m, err := Decode(rec.Model)
		if err != nil {
			r.log.Error("content models: a stored model does not decode; the tenant keeps its previous one",
				"tenant", tenant, "version", rec.Version, "err", err)
			continue
		}
		m.name = ModelName(tenant, rec.Version)
		next[tenant] = loaded{version: rec.Version, model: m}
		changed = true
	}
	if changed {
		r.mu.Lock()
		r.active = next
		r.mu.Unlock()
	}
	return nil
}

// Trained is the outcome of a training: the stored version and its
// figures on the tenant's held-out examples.
type Trained struct {
	store.ContentModel
	Name    string
	HeldOut Evaluation
}

// Train trains a new model for the tenant from the built-in data plus
// examples (less their held-out part, which measures it), stores it as the
// tenant's next version and makes it active. examples must be valid (see
// ParseTrainingFile).
func (r *Registry) Train(ctx context.Context, tenantID string, examples []Example) (Trained, error) {
	if tenantID == "" {
		return Trained{}, errors.New("classifier: train: no tenant")
	}
	if len(examples) == 0 {
		return Trained{}, errors.New("classifier: train: no examples")
	}
	train, heldOut := Split(examples)
	m := r.builtin.Extend("", train)
	ev := Evaluate(m, heldOut)
	figures, err := json.Marshal(ev)
	if err != nil {
		return Trained{}, fmt.Errorf("classifier: train: %w", err)
	}
	data, err := m.Encode()
	if err != nil {
		return Trained{}, err
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	rec := store.ContentModel{TenantID: tenantID, CreatedAt: now().UTC(), TrainingRows: m.Rows(),
		TenantRows: len(examples), HeldOut: string(figures), Active: true}
	rec.Model = data
	v, err := r.st.AddContentModel(ctx, rec)
	if err != nil {
		return Trained{}, fmt.Errorf("classifier: train: %w", err)
	}
	rec.Version, rec.Model = v, nil
	r.log.Info("content model trained", "tenant", tenantID, "version", v, "tenant_rows", len(examples),
		"held_out", ev.All.N, "accuracy", ev.All.Accuracy())
	if err := r.Refresh(ctx); err != nil {
		return Trained{}, err
	}
	return Trained{ContentModel: rec, Name: ModelName(tenantID, v), HeldOut: ev}, nil
}

// Activate makes version the tenant's active model; 0 is the built-in one.
func (r *Registry) Activate(ctx context.Context, tenantID string, version int) error {
	if version < 0 {
		return fmt.Errorf("classifier: activate: version %d: %w", version, store.ErrNotFound)
	}
	if err := r.st.ActivateContentModel(ctx, tenantID, version); err != nil {
		return fmt.Errorf("classifier: activate: %w", err)
	}
	r.log.Info("content model activated", "tenant", tenantID, "version", version)
	return r.Refresh(ctx)
}

// Rollback activates the version before the tenant's active one, or the
// built-in model when the active one is the oldest left, and returns the
// version now active (0: built-in). ErrNoRollback when the tenant already
// uses the built-in model.
func (r *Registry) Rollback(ctx context.Context, tenantID string) (int, error) {
	ms, err := r.st.ListContentModels(ctx, tenantID)
	if err != nil {
		return 0, fmt.Errorf("classifier: rollback: %w", err)
	}
	current := -1
	for _, m := range ms {
		if m.Active {
			current = m.Version
		}
	}
	if current < 0 {
		return 0, ErrNoRollback
	}
	target := 0
	for _, m := range ms { // newest first
		if m.Version < current {
			target = m.Version
			break
		}
	}
	if err := r.Activate(ctx, tenantID, target); err != nil {
		return 0, err
	}
	return target, nil
}

// Models lists the tenant's model versions, newest first.
func (r *Registry) Models(ctx context.Context, tenantID string) ([]store.ContentModel, error) {
	ms, err := r.st.ListContentModels(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("classifier: models: %w", err)
	}
	return ms, nil
}

// BuiltinName is the name of the built-in model, as verdicts report it.
func (r *Registry) BuiltinName() string { return r.builtin.Name() }
