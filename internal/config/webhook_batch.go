package config

// MaxWebhookBatch is the most changes a tenant may take in one forward POST.
const MaxWebhookBatch = 100

// WebhookBatches returns each tenant's chosen changes per forward POST, for
// tenants that chose one; the others get one change per POST.
func (c Config) WebhookBatches() map[string]int {
	out := map[string]int{}
	for _, t := range c.Tenants {
		if t.WebhookBatch > 0 {
			out[t.ID] = t.WebhookBatch
		}
	}
	return out
}
