package template

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// Store is what the cache needs from persistence; store.Store satisfies it.
type Store interface {
	ReplaceTemplates(ctx context.Context, wabaID string, ts []store.Template, syncedAt time.Time) error
	PutTemplates(ctx context.Context, ts []store.Template) error
	PatchTemplate(ctx context.Context, p store.TemplatePatch) (bool, error)
	ListTemplates(ctx context.Context, wabaID string) ([]store.Template, error)
	TemplateSyncs(ctx context.Context) ([]store.TemplateSync, error)
}

type key struct{ name, language string }

// wabaSet is one WABA's templates as the store holds them. It is never
// changed once published: a change builds a new one.
type wabaSet struct {
	synced   bool
	syncedAt time.Time
	byKey    map[key]*Info
}

// Cache is one replica's in-memory copy of the template table. Lookups
// read an immutable snapshot through an atomic pointer and take no lock;
// every change is written to the store first and then read back into a
// new snapshot, so the copy never says what the store does not.
type Cache struct {
	store Store
	now   func() time.Time
	log   *slog.Logger

	// mu serialises writers, so a reload cannot publish a WABA read
	// before another writer's change over that change.
	mu   sync.Mutex
	snap atomic.Pointer[map[string]*wabaSet]

	// resync receives WABAs whose templates the cache knows only in part
	// (a webhook told of a template the last sync did not list).
	resync chan string
}

// Option configures a Cache.
type Option func(*Cache)

// WithClock sets the clock that times changes seen through the gateway
// and webhooks without a time (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Cache) { c.now = now } }

// WithLogger sets where the cache logs (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Cache) { c.log = l } }

// NewCache returns an empty cache over st; Load fills it.
func NewCache(st Store, opts ...Option) *Cache {
	c := &Cache{store: st, now: time.Now, log: slog.Default(), resync: make(chan string, 64)}
	for _, o := range opts {
		o(c)
	}
	empty := map[string]*wabaSet{}
	c.snap.Store(&empty)
	return c
}

// Lookup returns what the cache knows of a template. It reads no store and
// takes no lock: it is meant for the send path. Known is Present with the
// template's Info, Absent when the WABA has been synced and has no such
// template in that language, and NotSynced when nothing can be said.
func (c *Cache) Lookup(wabaID, name, language string) (Info, Known) {
	ws := (*c.snap.Load())[wabaID]
	if ws == nil {
		return Info{}, NotSynced
	}
	if info := ws.byKey[key{name, language}]; info != nil {
		return *info, Present
	}
	if ws.synced {
		return Info{}, Absent
	}
	return Info{}, NotSynced
}

// LookupRef is Lookup returning a pointer into the cache, for callers that
// pass the Info on to Check without copying it. The Info must not be
// changed.
func (c *Cache) LookupRef(wabaID, name, language string) (*Info, Known) {
	ws := (*c.snap.Load())[wabaID]
	if ws == nil {
		return nil, NotSynced
	}
	if info := ws.byKey[key{name, language}]; info != nil {
		return info, Present
	}
	if ws.synced {
		return nil, Absent
	}
	return nil, NotSynced
}

// Synced returns when the WABA's templates were last listed completely
// (false when never).
func (c *Cache) Synced(wabaID string) (time.Time, bool) {
	ws := (*c.snap.Load())[wabaID]
	if ws == nil || !ws.synced {
		return time.Time{}, false
	}
	return ws.syncedAt, true
}

// Templates returns every template the cache holds for a WABA, in no
// particular order.
func (c *Cache) Templates(wabaID string) []Info {
	ws := (*c.snap.Load())[wabaID]
	if ws == nil {
		return nil
	}
	out := make([]Info, 0, len(ws.byKey))
	for _, i := range ws.byKey {
		out = append(out, *i)
	}
	return out
}

// Load replaces the whole copy with what the store holds. Replicas call it
// periodically (Syncer does) to see what other replicas wrote.
func (c *Cache) Load(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	syncs, err := c.store.TemplateSyncs(ctx)
	if err != nil {
		return fmt.Errorf("template: load: %w", err)
	}
	ts, err := c.store.ListTemplates(ctx, "")
	if err != nil {
		return fmt.Errorf("template: load: %w", err)
	}
	old := *c.snap.Load()
	next := map[string]*wabaSet{}
	for _, s := range syncs {
		next[s.WABAID] = &wabaSet{synced: true, syncedAt: s.At, byKey: map[key]*Info{}}
	}
	for _, t := range ts {
		ws := next[t.WABAID]
		if ws == nil {
			ws = &wabaSet{byKey: map[key]*Info{}}
			next[t.WABAID] = ws
		}
		ws.byKey[key{t.Name, t.Language}] = c.info(old[t.WABAID], t)
	}
	c.snap.Store(&next)
	return nil
}

// reload reads one WABA back from the store into a new snapshot. The
// caller holds c.mu.
func (c *Cache) reload(ctx context.Context, wabaID string) error {
	ts, err := c.store.ListTemplates(ctx, wabaID)
	if err != nil {
		return fmt.Errorf("template: reload %s: %w", wabaID, err)
	}
	syncs, err := c.store.TemplateSyncs(ctx)
	if err != nil {
		return fmt.Errorf("template: reload %s: %w", wabaID, err)
	}
	old := *c.snap.Load()
	ws := &wabaSet{byKey: make(map[key]*Info, len(ts))}
	for _, s := range syncs {
		if s.WABAID == wabaID {
			ws.synced, ws.syncedAt = true, s.At
		}
	}
	for _, t := range ts {
		ws.byKey[key{t.Name, t.Language}] = c.info(old[wabaID], t)
	}
	next := maps.Clone(old)
	if len(ts) == 0 && !ws.synced {
		delete(next, wabaID)
	} else {
		next[wabaID] = ws
	}
	c.snap.Store(&next)
	return nil
}

// info builds a record's Info, reusing the previous one when the record
// has not changed since, so a periodic reload parses nothing new.
func (c *Cache) info(prev *wabaSet, t store.Template) *Info {
	if prev != nil {
		if p := prev.byKey[key{t.Name, t.Language}]; p != nil && p.UpdatedAt.Equal(t.UpdatedAt) && p.ID == t.ID &&
			p.Status == t.Status && p.Category == t.Category && p.Quality == t.Quality && p.ParamsKnown == (len(t.Components) > 0) {
			return p
		}
	}
	info, err := infoOf(t)
	if err != nil {
		c.log.Warn("template: stored template not understood; its parameters go unchecked",
			"waba", t.WABAID, "template", t.Name, "language", t.Language, "err", err)
	}
	return &info
}

// requestSync asks the Syncer for a sync of wabaID soon, without waiting.
func (c *Cache) requestSync(wabaID string) {
	select {
	case c.resync <- wabaID:
	default:
	}
}
