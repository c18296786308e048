package content

import (
	"errors"
	"fmt"
	"slices"
)

// Action is what becomes of a message with a finding of a category.
type Action string

// Actions.
const (
	// Block refuses the message.
	Block Action = "block"
	// Warn sends it and records the finding with the decision.
	Warn Action = "warn"
	// Off ignores the category.
	Off Action = "off"
)

// Defaults: scams, prohibited and restricted content are refused; how a
// message looks (shouting, emoji, links) and the classifier's smishing
// verdict are recorded; its spam verdict is not reported. The built-in
// model learnt its "ham" from private chatter, so honest business notices
// read as spam to it ("Seu pedido saiu para entrega" scores 1.00) and some
// as smishing (docs/content-classifier.md): acting on its word is a
// tenant's choice ("classifier.smishing": "block", "classifier.spam":
// "warn"), best after retraining it on the tenant's own messages. Urgency alone is a warning: real reminders of
// a due date use the same words.
var defaultActions = map[string]Action{
	GroupScam:                  Block,
	string(ScamUrgency):        Warn,
	GroupProhibited:            Block,
	GroupRestricted:            Block,
	GroupStructure:             Warn,
	string(ClassifierSpam):     Off,
	string(ClassifierSmishing): Warn,
}

// Actions chooses the action per category. A key is a category
// ("scam.pix") or a group ("scam", "structure"); the most specific wins,
// then the defaults. The zero value is the defaults.
type Actions struct {
	set map[string]Action
}

// ParseActions builds Actions from configuration layers, later ones over
// earlier ones (the global policy, then a tenant's). It rejects unknown
// categories and actions, naming them.
func ParseActions(layers ...map[string]string) (Actions, error) {
	a := Actions{set: map[string]Action{}}
	known := map[string]bool{}
	for _, c := range Categories() {
		known[string(c)] = true
		known[c.Group()] = true
	}
	var errs []error
	for _, l := range layers {
		keys := make([]string, 0, len(l))
		for k := range l {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := Action(l[k])
			if !known[k] {
				errs = append(errs, fmt.Errorf("content: unknown category %q", k))
				continue
			}
			if v != Block && v != Warn && v != Off {
				errs = append(errs, fmt.Errorf("content: %s: %q is not block, warn or off", k, l[k]))
				continue
			}
			a.set[k] = v
		}
	}
	return a, errors.Join(errs...)
}

// For returns the action for a category.
func (a Actions) For(c Category) Action {
	if v, ok := a.set[string(c)]; ok {
		return v
	}
	if v, ok := a.set[c.Group()]; ok {
		return v
	}
	if v, ok := defaultActions[string(c)]; ok {
		return v
	}
	if v, ok := defaultActions[c.Group()]; ok {
		return v
	}
	return Warn
}
