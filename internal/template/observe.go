package template

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TemplateCreated records a template created through the gateway's
// pass-through: request is the client's POST /{waba_id}/message_templates
// body and response Meta's successful answer to it. The template is in the
// cache, with the components it was created with, before the client
// learns its id.
func (c *Cache) TemplateCreated(ctx context.Context, wabaID string, request, response []byte) error {
	var req wire.TemplateCreate
	if err := json.Unmarshal(request, &req); err != nil {
		return fmt.Errorf("template: creation request: %w", err)
	}
	var resp wire.TemplateCreated
	if err := json.Unmarshal(response, &resp); err != nil {
		return fmt.Errorf("template: creation answer: %w", err)
	}
	if resp.ID == "" || req.Name == "" || req.Language == "" {
		return nil
	}
	t := store.Template{
		WABAID: wabaID, Name: req.Name, Language: req.Language, ID: resp.ID,
		Category: strings.ToUpper(cmpOr(resp.Category, req.Category)),
		Status:   strings.ToUpper(cmpOr(resp.Status, StatusPending)),
		// An absent parameter_format is positional, Meta's default.
		ParameterFormat: strings.ToLower(cmpOr(req.ParameterFormat, string(Positional))),
		Components:      req.Components,
		UpdatedAt:       c.now(),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.store.PutTemplates(ctx, []store.Template{t}); err != nil {
		return fmt.Errorf("template: record creation: %w", err)
	}
	return c.reload(ctx, wabaID)
}

// TemplatesDeleted records that Meta confirmed the deletion of a WABA's
// template name (every language, or only the one with id when id is not
// empty), through the gateway's pass-through.
func (c *Cache) TemplatesDeleted(ctx context.Context, wabaID, name, id string) error {
	if name == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	at := c.now()
	for _, info := range c.Templates(wabaID) {
		if info.Name != name || (id != "" && info.ID != id) {
			continue
		}
		if _, err := c.store.PatchTemplate(ctx, store.TemplatePatch{WABAID: wabaID, Name: name, Language: info.Language,
			Status: StatusDeleted, At: at}); err != nil {
			return fmt.Errorf("template: record deletion: %w", err)
		}
	}
	return c.reload(ctx, wabaID)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
