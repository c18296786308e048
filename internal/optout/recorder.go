package optout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Ledger is what the Recorder writes to.
type Ledger interface {
	Record(ctx context.Context, req consent.Request) (consent.Receipt, error)
	CurrentByWaID(ctx context.Context, tenantID, waID string) (consent.Current, error)
}

// Recorder is the signal consumer that turns opt-outs and opt-ins found in
// webhooks into consent ledger records: words in inbound messages (with each
// tenant's lists), taps on Meta's stop-promotions button, Meta's
// user_preferences stop and resume, and 131050 failures. The record takes
// effect for the next send on every replica: the send-time stage reads the
// ledger's current state.
type Recorder struct {
	ledger   Ledger
	matchers func(tenantID string) *Matcher
	log      *slog.Logger
	// confirm, when set, is asked for a tenant's confirmation settings
	// and sends it.
	confirm     Confirmer
	confirmWith func(tenantID string) (bool, map[string]string)
	// contextOf tells what the business message a reply quotes was.
	contextOf func(ctx context.Context, tenantID, metaID string) Context
}

// WithContext lets the recorder know what a reply answers (a marketing
// message, a request for consent), so that "NÃO" to a promotion and "SIM"
// to a confirmation request are understood.
func (r *Recorder) WithContext(f func(ctx context.Context, tenantID, metaID string) Context) *Recorder {
	r.contextOf = f
	return r
}

// WithConfirmations makes the recorder confirm opt-outs sent on WhatsApp
// for the tenants settings says want it.
func (r *Recorder) WithConfirmations(send Confirmer, settings func(tenantID string) (on bool, texts map[string]string)) *Recorder {
	r.confirm, r.confirmWith = send, settings
	return r
}

// NewRecorder returns a Recorder. matchers returns a tenant's matcher (nil
// for the default lists).
func NewRecorder(l Ledger, matchers func(tenantID string) *Matcher, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.Default()
	}
	if matchers == nil {
		matchers = func(string) *Matcher { return nil }
	}
	return &Recorder{ledger: l, matchers: matchers, log: log}
}

// Consume implements signal.Consumer. It is idempotent: an opt-out is not
// written again while the contact's state is already an opt-out, and an
// opt-in not when the ledger holds something newer than the message.
func (r *Recorder) Consume(ctx context.Context, batch []signal.Signal) error {
	var errs []error
	for _, s := range batch {
		if s.TenantID == "" {
			continue // nobody's number: nobody's ledger
		}
		found, err := r.classify(ctx, s)
		if err != nil {
			// Meta's body did not parse as this kind: nothing to learn,
			// and retrying cannot change it.
			r.log.Warn("opt-out classification skipped", "kind", s.Kind, "field", s.Field, "err", err)
			continue
		}
		for _, f := range found {
			if err := r.record(ctx, s.TenantID, f); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Recorder) classify(ctx context.Context, s signal.Signal) ([]Signal, error) {
	switch {
	case s.Kind == signal.Inbound:
		m := r.matchers(s.TenantID)
		if m == nil {
			m = Default()
		}
		var ctxOf ContextOf
		if r.contextOf != nil {
			ctxOf = func(replyTo string) Context {
				if replyTo == "" {
					return Context{}
				}
				return r.contextOf(ctx, s.TenantID, replyTo)
			}
		}
		found, ok, err := ClassifyMessage(m, s.Raw, ctxOf)
		if err != nil || !ok {
			return nil, err
		}
		found.PhoneNumberID = s.PhoneNumberID
		return []Signal{found}, nil
	case s.Kind == signal.Status && slices.Contains(s.Codes, wire.CodeMarketingStopped):
		var st wire.Status
		if err := json.Unmarshal(s.Raw, &st); err != nil {
			return nil, err
		}
		if found, ok := ClassifyStatus(st); ok {
			found.PhoneNumberID = s.PhoneNumberID
			return []Signal{found}, nil
		}
	case s.Kind == signal.Event && s.Field == FieldUserPreferences:
		return ClassifyUserPreferences(s.Raw)
	}
	return nil, nil
}

func (r *Recorder) record(ctx context.Context, tenantID string, f Signal) error {
	if f.Match.Kind != KindOptOut && f.Match.Kind != KindOptIn {
		return nil
	}
	who := f.WaID
	if who == "" {
		who = f.UserID // a person with a username: the ledger keys the BSUID
	}
	if who == "" {
		return nil
	}
	action, cat := consent.OptOut, consent.All
	if f.Match.Kind == KindOptIn {
		action = consent.OptIn
	}
	if f.Match.Scope == ScopeMarketing {
		cat = consent.Marketing
	}
	src := consent.WhatsAppKeyword
	switch f.Source {
	case SourceUserPreferences:
		src = consent.UserPreferences
	case SourceStatus131050:
		src = consent.Error131050
	}
	cur, err := r.ledger.CurrentByWaID(ctx, tenantID, who)
	if err != nil {
		return fmt.Errorf("optout: current consent: %w", err)
	}
	st := cur.For(cat)
	if cat == consent.All {
		st = cur.Marketing // "all" moves every category; marketing is one of them
	}
	if action == consent.OptOut && st.Action == consent.OptOut && (cat == consent.Marketing || allOut(cur)) {
		return nil // already stopped: a redelivery, or saying it twice
	}
	if action == consent.OptIn {
		fromWhatsApp := st.Source == consent.WhatsAppKeyword || st.Source == consent.UserPreferences
		switch {
		case st.Action == consent.OptIn && fromWhatsApp:
			return nil // already given on WhatsApp: a redelivery, or saying it twice
		case st.Action != consent.OptIn && st.Action != "" && st.At.After(f.Timestamp):
			return nil // a stop the ledger heard after this message wins
		}
		// Otherwise it is new, or it confirms an opt-in recorded off
		// WhatsApp (double opt-in): record it.
	}
	at := f.Timestamp
	if at.IsZero() {
		at = time.Now() // Meta sent no time: when the gateway learnt it
	}
	text := f.Match.Matched
	if text == "" {
		text = f.Match.Phrase
	}
	ref := f.MessageID
	if ref == "" {
		// Meta's user_preferences change carries no id: name the change.
		ref = fmt.Sprintf("%s:%s:%d", f.Source, who, at.Unix())
	}
	_, err = r.ledger.Record(ctx, consent.Request{
		TenantID: tenantID, Contact: who, Action: action, Category: cat, Source: src,
		Evidence: consent.Evidence{Text: text, At: at, MessageID: ref}, FromMeta: true,
	})
	if errors.Is(err, consent.ErrInvalid) {
		// Input the ledger refuses cannot become valid by retrying: log it
		// loudly, do not loop on it.
		r.log.Error("consent from webhook not recorded: refused by the ledger", "err", err, "source", f.Source, "action", action)
		return nil
	}
	if err != nil {
		return fmt.Errorf("optout: record %s: %w", action, err)
	}
	r.log.Info("consent recorded from webhook", "tenant_id", tenantID, "action", action, "category", cat, "source", src, "rule", f.Match.RuleID)
	if action == consent.OptOut && src == consent.WhatsAppKeyword && r.confirm != nil && f.PhoneNumberID != "" {
		if on, texts := r.confirmWith(tenantID); on {
			c := Confirmation{TenantID: tenantID, PhoneNumberID: f.PhoneNumberID, WaID: who,
				Text: ConfirmationText(f.Match.Language, f.Match.Scope, texts)}
			if err := r.confirm(ctx, c); err != nil {
				r.log.Warn("opt-out confirmation not sent", "tenant_id", tenantID, "err", err)
			}
		}
	}
	return nil
}

func allOut(c consent.Current) bool { ok, _ := c.OptedOutOfAll(); return ok }
