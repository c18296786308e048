package store

import (
	"context"
	"time"
)

// Template is the local record of one message template of a WABA, keyed by
// (WABAID, Name, Language). Package template derives what a send must
// give it from Components; engines store it as given.
type Template struct {
	WABAID   string
	Name     string
	Language string
	// ID is Meta's template id.
	ID string
	// Category is MARKETING, UTILITY or AUTHENTICATION.
	Category string
	// Status is Meta's: APPROVED, PENDING, REJECTED, PAUSED, DISABLED…
	Status string
	// Quality is GREEN, YELLOW, RED or UNKNOWN; "" when not known.
	Quality string
	// ParameterFormat is "positional" or "named".
	ParameterFormat string
	// Reason is why Meta rejected, paused or disabled it ("" when none).
	Reason string
	// Components is the template's components as Meta lists them (JSON);
	// empty when only a webhook has told of the template so far.
	Components []byte
	// UpdatedAt is when what the record says was true: the start of the
	// sync that listed it, or the time of the webhook that changed it. A
	// change never overwrites a newer one.
	UpdatedAt time.Time
}

// TemplatePatch changes what a template webhook changes. Empty fields stay
// as they are.
type TemplatePatch struct {
	WABAID, Name, Language string
	// ID is Meta's template id, recorded when the patch inserts.
	ID       string
	Status   string
	Category string
	Quality  string
	Reason   string
	// At is when the change happened; a record updated after At is left
	// unchanged.
	At time.Time
	// Insert writes the patch as a new record (without components) when
	// the template has none.
	Insert bool
}

// TemplateSync is the last complete sync of a WABA's templates.
type TemplateSync struct {
	WABAID string
	At     time.Time
}

// Templates is the local cache of every WABA's message templates.
type Templates interface {
	// ReplaceTemplates records a complete listing of a WABA's templates,
	// taken at syncedAt, in one transaction: every listed template is
	// written unless its record changed after syncedAt, every other
	// record of the WABA last changed before syncedAt is deleted, and the
	// WABA's sync time becomes syncedAt. The listed templates' UpdatedAt
	// is syncedAt whatever they carry.
	ReplaceTemplates(ctx context.Context, wabaID string, ts []Template, syncedAt time.Time) error
	// PutTemplates inserts or replaces templates (a creation seen through
	// the gateway), each unless its record changed after its UpdatedAt.
	PutTemplates(ctx context.Context, ts []Template) error
	// PatchTemplate applies a webhook's change. It reports whether a
	// record of the template exists afterwards (a patch older than the
	// record still reports true).
	PatchTemplate(ctx context.Context, p TemplatePatch) (bool, error)
	// ListTemplates returns the templates of a WABA, or of every WABA when
	// wabaID is empty, by WABA, name and language.
	ListTemplates(ctx context.Context, wabaID string) ([]Template, error)
	// TemplateSyncs returns the last sync of every WABA synced, by WABA.
	TemplateSyncs(ctx context.Context) ([]TemplateSync, error)
}
