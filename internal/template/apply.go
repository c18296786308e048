package template

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// ErrBadChange is matched by the error Apply returns for a template change
// whose value lacks what it must name (template name and language).
var ErrBadChange = errors.New("template: malformed template change")

// IsTemplateField reports whether Apply acts on changes of field.
func IsTemplateField(field string) bool {
	switch field {
	case wire.FieldTemplateStatus, wire.FieldTemplateQuality, wire.FieldTemplateCategory, wire.FieldTemplateComponents:
		return true
	}
	return false
}

// ApplyEntry applies every template change of a webhook entry (the entry's
// id is the WABA, its time when the changes happened). It returns the
// first error after trying every change.
func (c *Cache) ApplyEntry(ctx context.Context, e wire.Entry) error {
	var at time.Time
	if e.Time > 0 {
		at = time.Unix(e.Time, 0).UTC()
	}
	var first error
	for _, ch := range e.Changes {
		if _, err := c.Apply(ctx, e.ID, at, ch); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Apply brings the cache up to date with one webhook change of a WABA,
// timed at (the entry's time; the zero time means now). It reports whether
// the change was a template change; other fields are left alone.
//
//   - message_template_status_update sets the status (and the category and
//     reason it carries); a template the cache does not know is recorded
//     from the webhook alone and a sync of its WABA is requested, which
//     brings its components.
//   - template_category_update sets the category, and
//     message_template_quality_update the quality, of a known template.
//   - message_template_components_update requests a sync: the webhook
//     describes the new components in a shape of its own, and the listing
//     is the one source of them.
//
// A change older than what the store holds changes nothing. The store is
// written before the in-memory copy, so a failure leaves both as they were
// and the delivery can be processed again.
func (c *Cache) Apply(ctx context.Context, wabaID string, at time.Time, ch wire.Change) (bool, error) {
	if !IsTemplateField(ch.Field) {
		return false, nil
	}
	if at.IsZero() {
		at = c.now()
	}
	p, err := patchOf(wabaID, at, ch)
	if err != nil {
		return true, err
	}
	if ch.Field == wire.FieldTemplateComponents {
		c.requestSync(wabaID)
		return true, nil
	}
	if p.Status == "" && p.Category == "" && p.Quality == "" {
		// UNARCHIVED and the like: the status it returns to is the
		// listing's to say.
		c.requestSync(wabaID)
		return true, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	exists, err := c.store.PatchTemplate(ctx, p)
	if err != nil {
		return true, fmt.Errorf("template: apply %s: %w", ch.Field, err)
	}
	if err := c.reload(ctx, wabaID); err != nil {
		return true, err
	}
	if info, _ := c.LookupRef(wabaID, p.Name, p.Language); !exists || info == nil || !info.ParamsKnown {
		c.requestSync(wabaID)
	}
	return true, nil
}

// patchOf decodes a template change into the store's patch.
func patchOf(wabaID string, at time.Time, ch wire.Change) (store.TemplatePatch, error) {
	p := store.TemplatePatch{WABAID: wabaID, At: at}
	bad := func(err error) (store.TemplatePatch, error) {
		return p, fmt.Errorf("%w: %s: %w", ErrBadChange, ch.Field, err)
	}
	if wabaID == "" {
		return bad(errors.New("no WABA id"))
	}
	switch ch.Field {
	case wire.FieldTemplateStatus:
		var v wire.TemplateStatusUpdate
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return bad(err)
		}
		p.Name, p.Language, p.ID, p.Category = v.Name, v.Language, string(v.ID), strings.ToUpper(v.Category)
		p.Status = statusOf(v.Event)
		p.Reason = reasonOf(v)
		p.Insert = p.Status != ""
	case wire.FieldTemplateCategory:
		var v wire.TemplateCategoryUpdate
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return bad(err)
		}
		p.Name, p.Language, p.ID, p.Category = v.Name, v.Language, string(v.ID), strings.ToUpper(v.NewCategory)
		if p.Category == "" {
			return bad(errors.New("no new_category"))
		}
	case wire.FieldTemplateQuality:
		var v wire.TemplateQualityUpdate
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return bad(err)
		}
		p.Name, p.Language, p.ID, p.Quality = v.Name, v.Language, string(v.ID), strings.ToUpper(v.NewQualityScore)
		if p.Quality == "" {
			return bad(errors.New("no new_quality_score"))
		}
	case wire.FieldTemplateComponents:
		var v wire.TemplateRef
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return bad(err)
		}
		p.Name, p.Language, p.ID = v.Name, v.Language, string(v.ID)
	}
	if p.Name == "" || p.Language == "" {
		return bad(errors.New("no message_template_name or message_template_language"))
	}
	return p, nil
}

// statusOf maps a status webhook's event to the status the template has
// after it ("" when the event does not say).
func statusOf(event string) string {
	switch e := strings.ToUpper(event); e {
	case "REINSTATED":
		// An appeal won: the template is approved again.
		return StatusApproved
	case "UNARCHIVED", "":
		return ""
	default:
		return e
	}
}

// reasonOf is the most telling reason a status webhook gives: the pause
// or disable title, else the rejection reason ("NONE" is none).
func reasonOf(v wire.TemplateStatusUpdate) string {
	if v.OtherInfo != nil && v.OtherInfo.Title != "" && v.OtherInfo.Title != "UNPAUSE" {
		return v.OtherInfo.Title
	}
	if v.Reason != nil && *v.Reason != "" && *v.Reason != "NONE" {
		return *v.Reason
	}
	return ""
}
