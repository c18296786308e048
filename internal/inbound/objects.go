package inbound

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// mediaTypes are the inbound message types whose object (under the key of
// the type) carries a media id the tenant may then fetch or delete through
// the gateway. A voice note is type audio.
var mediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "document": true, "sticker": true}

// templateFields are the WABA webhook fields that name a template by
// message_template_id.
var templateFields = map[string]bool{
	"message_template_status_update":     true,
	"message_template_quality_update":    true,
	"message_template_components_update": true,
	"template_category_update":           true,
}

// recordObjects records the media received by a tenant's senders and the
// templates of its WABAs in a batch, so the Graph pass-through lets that
// tenant, and no other, reach them. It runs before the batch's effects are
// applied and is idempotent (the first owner of an id is kept), so a batch
// processed again records nothing new.
func (p *Processor) recordObjects(ctx context.Context, batch []parsed, now time.Time) error {
	var objs []store.OwnedObject
	for _, pd := range batch {
		for _, e := range pd.entries {
			for _, c := range e.changes {
				got, err := p.changeObjects(ctx, e.wabaID, c, now)
				if err != nil {
					return err
				}
				objs = append(objs, got...)
			}
		}
	}
	if len(objs) == 0 {
		return nil
	}
	if err := p.st.PutObjects(ctx, objs); err != nil {
		return fmt.Errorf("record %d owned objects: %w", len(objs), err)
	}
	return nil
}

// changeObjects returns the owned objects one change names.
func (p *Processor) changeObjects(ctx context.Context, wabaID string, c parsedChange, now time.Time) ([]store.OwnedObject, error) {
	switch {
	case c.field == "messages" && len(c.messages) > 0:
		var ids []string
		for _, m := range c.messages {
			if id := mediaID(m); id != "" {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return nil, nil
		}
		snd, ok, err := p.sender(ctx, c.pnid)
		if err != nil || !ok {
			return nil, err
		}
		objs := make([]store.OwnedObject, len(ids))
		for i, id := range ids {
			objs[i] = store.OwnedObject{ID: id, TenantID: snd.TenantID, Kind: store.ObjectMedia, SenderID: snd.PhoneNumberID, WABAID: snd.WABAID, CreatedAt: now}
		}
		return objs, nil
	case templateFields[c.field]:
		var v struct {
			ID json.Number `json:"message_template_id"`
		}
		if json.Unmarshal(c.raw, &v) != nil || v.ID == "" {
			return nil, nil
		}
		senders, err := p.wabaSenders(ctx, wabaID)
		if err != nil || len(senders) == 0 {
			return nil, err
		}
		// A template belongs to its WABA, and a WABA to one tenant.
		return []store.OwnedObject{{ID: v.ID.String(), TenantID: senders[0].TenantID, Kind: store.ObjectTemplate, WABAID: wabaID, CreatedAt: now}}, nil
	}
	return nil, nil
}

// mediaID returns the media id of an inbound message, "" when it has none.
func mediaID(m parsedMessage) string {
	if !mediaTypes[m.hdr.Type] {
		return ""
	}
	var v map[string]json.RawMessage
	if json.Unmarshal(m.raw, &v) != nil {
		return ""
	}
	var media struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(v[m.hdr.Type], &media) != nil {
		return ""
	}
	return media.ID
}
