package mediaurl

import (
	"bytes"
	"encoding/json"
)

// mediaTypes are the message types whose object, under the key of the type,
// may carry a media id and Meta's url for it.
var mediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "document": true, "sticker": true}

// RewriteWebhook returns a messages change value with the url of each
// inbound medium replaced by a gateway URL issued to tenantID; any other
// change, and a value with no such url, is returned as it is. The URLs
// carry no gateway-side expiry: how long Meta serves a webhook's url is
// Meta's to say, and the gateway relays its answer. A url that cannot be
// sealed is dropped rather than passed on, since the tenant could not use
// it and it names Meta's host.
func (i *Issuer) RewriteWebhook(tenantID, field string, value []byte) []byte {
	if field != "messages" || !bytes.Contains(value, []byte(`"url"`)) {
		return value
	}
	var v struct {
		Messages []map[string]json.RawMessage `json:"messages"`
	}
	if json.Unmarshal(value, &v) != nil {
		return value
	}
	out := value
	for _, m := range v.Messages {
		var typ string
		if json.Unmarshal(m["type"], &typ) != nil || !mediaTypes[typ] {
			continue
		}
		var media struct {
			ID  string          `json:"id"`
			URL json.RawMessage `json:"url"`
		}
		if json.Unmarshal(m[typ], &media) != nil || media.ID == "" || len(media.URL) == 0 {
			continue
		}
		var upstream string
		if json.Unmarshal(media.URL, &upstream) != nil || upstream == "" {
			continue
		}
		u, err := i.URL(Claims{TenantID: tenantID, MediaID: media.ID, Upstream: upstream}, "")
		if err != nil || i.base == "" {
			u = ""
		}
		out = ReplaceString(out, media.URL, u)
	}
	return out
}
