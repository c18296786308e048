package content

import "context"

// Verdict is the statistical layer's opinion of one text.
type Verdict struct {
	// Label is the most likely class: "ham", "spam" or "smishing".
	Label string
	// Score is the model's probability of Label, from 0 to 1.
	Score float64
	// Words are the tokens that weighed most toward Label, most first.
	Words []string
	// Model names the model that decided ("builtin-<date>" or
	// "<tenant>-v<n>"), kept with the finding.
	Model string
}

// Classifier is the statistical layer of the content checker: a model
// trained on labelled messages, per tenant (a tenant may retrain its own).
type Classifier interface {
	Classify(ctx context.Context, tenantID, text string) (Verdict, error)
}
