// Package content checks the text a person will see in a message (text
// bodies, captions, interactive texts, template bodies with their
// parameters filled in) in three layers: structure (structure.go: shouting,
// emoji and link density, shorteners, invisible characters…), patterns
// (patterns_scam.go, patterns_prohibited.go, patterns_hate.go,
// patterns_collection.go, patterns_restricted.go: the scams common in Brazil
// and the categories WhatsApp's policies prohibit or restrict, in pt-BR, es
// and en) and an optional statistical classifier
// (classifier.go). Each finding names its category and the words that
// triggered it; what to do about it (block, warn, off) is the tenant's
// choice per category (actions.go).
package content

import (
	"strings"
)

// Layer is the layer of the checker that made a finding.
type Layer string

// Layers.
const (
	LayerStructure  Layer = "structure"
	LayerPattern    Layer = "pattern"
	LayerClassifier Layer = "classifier"
)

// Category names what a finding is about, "<group>.<name>": the key of
// per-tenant actions and the rule named in refusals.
type Category string

// Group is the part of a category before the dot: scam, prohibited,
// restricted, structure or classifier.
func (c Category) Group() string {
	g, _, _ := strings.Cut(string(c), ".")
	return g
}

// Groups of categories, in the order the refusal of a message picks from.
const (
	GroupScam       = "scam"
	GroupProhibited = "prohibited"
	GroupRestricted = "restricted"
	GroupClassifier = "classifier"
	GroupStructure  = "structure"
)

// Severity is how strong a finding is on its own, for people reading it;
// the action taken is the tenant's per category.
type Severity string

// Severities.
const (
	Low    Severity = "low"
	Medium Severity = "medium"
	High   Severity = "high"
)

// Finding is one thing the checker found in a message.
type Finding struct {
	Layer    Layer
	Category Category
	Severity Severity
	// Words are what triggered the finding: the lexicon's phrases that
	// matched (accent- and case-folded), the shortener's domain, the
	// classifier's weightiest tokens. Never the message itself.
	Words []string
	// Hint says how to write the message so that it passes.
	Hint Hint
	// Score is the classifier's probability (classifier findings only).
	Score float64
	// Model is the classifier model that decided (classifier findings).
	Model string
}

// Result is the checker's verdict on one message.
type Result struct {
	Findings []Finding
	// Err is set when a text could not be checked (broken UTF-8, too
	// long): the message is refused as malformed, naming the field.
	Err *InputError
	// ClassifierErr is set when the classifier failed; its layer is then
	// skipped for this message (the other layers still decide).
	ClassifierErr error
}
