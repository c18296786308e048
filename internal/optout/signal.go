package optout

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// FieldUserPreferences is the webhook field of a user's marketing stop or
// resume in WhatsApp's "Offers and announcements" setting.
const FieldUserPreferences = "user_preferences"

// Source is where a Signal came from.
type Source string

// Sources of a Signal.
const (
	SourceText            Source = "text"             // a text message
	SourceButton          Source = "button"           // a template's quick-reply button
	SourceInteractive     Source = "interactive"      // a reply button or list row the business sent
	SourceUserPreferences Source = "user_preferences" // WhatsApp's stop/resume marketing setting
	SourceStatus131050    Source = "status_131050"    // a marketing template refused because the user stopped marketing
)

// Signal is one opt-out or opt-in found in a webhook, ready for the consent
// ledger: who, through which business number, from what, and what it asks.
type Signal struct {
	Source        Source `json:"source"`
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	WaID          string `json:"wa_id,omitempty"`
	UserID        string `json:"user_id,omitempty"`
	// MessageID is the inbound message's id, or for a status the id of the
	// outgoing message that failed.
	MessageID string    `json:"message_id,omitempty"`
	Timestamp time.Time `json:"timestamp"`
	Match     Match     `json:"match"`
}

// ContextOf tells what an inbound message replies to, from the id of the
// message it quotes (context.id; "" when it quotes none). Nil means nothing
// is known.
type ContextOf func(replyTo string) Context

// stopPromotionButtons are the labels of the marketing opt-out quick-reply
// button Meta offers in marketing templates ("Stop promotions" is Meta's
// own example; the translations are the ones seen in the field and may
// differ per app version). A tap is an opt-out of marketing.
var stopPromotionButtons = set2(
	"stop promotions", "stop promotion", "parar promoções", "parar promoção", "parar as promoções",
	"detener promociones", "dejar de recibir promociones", "stop_promotions", "stop marketing",
	"parar marketing", "unsubscribe from marketing")

// set2 folds whole labels into a set.
func set2(labels ...string) map[string]bool {
	m := make(map[string]bool, len(labels))
	for _, l := range labels {
		m[joinKeys(fold(l, -1).tokens)] = true
	}
	return m
}

// inboundMessage is the part of an inbound message the classifier reads.
type inboundMessage struct {
	From       string `json:"from"`
	FromUserID string `json:"from_user_id"`
	ID         string `json:"id"`
	Timestamp  string `json:"timestamp"`
	Type       string `json:"type"`
	Context    *struct {
		ID string `json:"id"`
	} `json:"context"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"list_reply"`
	} `json:"interactive"`
}

// ClassifyMessage classifies one inbound message (an element of a messages
// change's "messages"). It reports false for messages that ask nothing,
// including every type that carries no words (images, reactions…).
func ClassifyMessage(m *Matcher, raw json.RawMessage, ctxOf ContextOf) (Signal, bool, error) {
	var msg inboundMessage
	if err := json.Unmarshal(raw, &msg); err != nil {
		return Signal{}, false, fmt.Errorf("optout: decode inbound message: %w", err)
	}
	replyTo := ""
	if msg.Context != nil {
		replyTo = msg.Context.ID
	}
	ctx := Context{}
	if ctxOf != nil {
		ctx = ctxOf(replyTo)
	}
	sig := Signal{WaID: msg.From, UserID: msg.FromUserID, MessageID: msg.ID, Timestamp: unixString(msg.Timestamp)}
	var match Match
	switch {
	case msg.Type == "text" && msg.Text != nil:
		sig.Source = SourceText
		match = m.MatchContext(msg.Text.Body, ctx)
	case msg.Type == "button" && msg.Button != nil:
		sig.Source = SourceButton
		match = classifyButton(m, ctx, msg.Button.Text, msg.Button.Payload)
	case msg.Type == "interactive" && msg.Interactive != nil:
		sig.Source = SourceInteractive
		switch {
		case msg.Interactive.ButtonReply != nil:
			match = classifyButton(m, ctx, msg.Interactive.ButtonReply.Title, msg.Interactive.ButtonReply.ID)
		case msg.Interactive.ListReply != nil:
			match = classifyButton(m, ctx, msg.Interactive.ListReply.Title, msg.Interactive.ListReply.ID)
		}
	}
	if match.Kind == "" || match.Kind == KindNone {
		return Signal{}, false, nil
	}
	sig.Match = match
	return sig, true, nil
}

// classifyButton reads a tapped button by its label, then by the payload
// or id the business gave it ("OPT_OUT", "Unsubscribe").
func classifyButton(m *Matcher, ctx Context, label, payload string) Match {
	for _, s := range []string{label, payload} {
		if k := joinKeys(fold(s, -1).tokens); stopPromotionButtons[k] {
			return Match{Kind: KindOptOut, Scope: ScopeMarketing, Phrase: s, Matched: Normalize(s),
				RuleID: "button/stop_promotions", Strength: StrengthKeyword}
		}
	}
	if got := m.MatchContext(label, ctx); got.Kind != KindNone {
		return got
	}
	return m.MatchContext(payload, ctx)
}

// ClassifyStatus reports a failed status with error 131050: Meta refused a
// marketing template because the user stopped marketing messages from this
// business, so the gateway must record the stop too.
func ClassifyStatus(s wire.Status) (Signal, bool) {
	if s.Status != wire.StatusFailed {
		return Signal{}, false
	}
	for _, e := range s.Errors {
		if e.Code == wire.CodeMarketingStopped {
			return Signal{
				Source: SourceStatus131050, WaID: s.RecipientID, UserID: s.RecipientUserID,
				MessageID: s.ID, Timestamp: unixString(s.Timestamp),
				Match: Match{Kind: KindOptOut, Scope: ScopeMarketing, Phrase: e.Title,
					RuleID: "meta/131050", Strength: StrengthKeyword},
			}, true
		}
	}
	return Signal{}, false
}

// userPreferencesValue is the value of a user_preferences change.
type userPreferencesValue struct {
	Metadata        wire.Metadata `json:"metadata"`
	UserPreferences []struct {
		WaID      string `json:"wa_id"`
		UserID    string `json:"user_id"`
		Detail    string `json:"detail"`
		Category  string `json:"category"`
		Value     string `json:"value"`
		Timestamp int64  `json:"timestamp"`
	} `json:"user_preferences"`
}

// ClassifyUserPreferences classifies the value of a user_preferences change:
// "stop" is an opt-out of marketing, "resume" (and "signup", seen in SDK
// fixtures though not on Meta's page) an opt-in to it. Other categories and
// values are left out, to be forwarded unchanged.
func ClassifyUserPreferences(value json.RawMessage) ([]Signal, error) {
	var v userPreferencesValue
	if err := json.Unmarshal(value, &v); err != nil {
		return nil, fmt.Errorf("optout: decode user_preferences value: %w", err)
	}
	var out []Signal
	for _, p := range v.UserPreferences {
		if p.Category != "marketing_messages" {
			continue
		}
		var kind Kind
		switch p.Value {
		case "stop":
			kind = KindOptOut
		case "resume", "signup":
			kind = KindOptIn
		default:
			continue
		}
		out = append(out, Signal{
			Source: SourceUserPreferences, PhoneNumberID: v.Metadata.PhoneNumberID,
			WaID: p.WaID, UserID: p.UserID, Timestamp: time.Unix(p.Timestamp, 0).UTC(),
			Match: Match{Kind: kind, Scope: ScopeMarketing, Phrase: p.Detail,
				RuleID: "meta/user_preferences/" + p.Value, Strength: StrengthKeyword},
		})
	}
	return out, nil
}

// ClassifyChange finds every signal in one webhook change: texts, buttons
// and 131050 failures in a messages change, and a user_preferences change.
// Other fields have none.
func ClassifyChange(m *Matcher, c wire.Change, ctxOf ContextOf) ([]Signal, error) {
	switch c.Field {
	case FieldUserPreferences:
		return ClassifyUserPreferences(c.Value)
	case wire.FieldMessages:
	default:
		return nil, nil
	}
	v, err := c.Messages()
	if err != nil {
		return nil, fmt.Errorf("optout: %w", err)
	}
	var out []Signal
	for _, raw := range v.Messages {
		s, ok, err := ClassifyMessage(m, raw, ctxOf)
		if err != nil {
			return nil, err
		}
		if ok {
			s.PhoneNumberID = v.Metadata.PhoneNumberID
			out = append(out, s)
		}
	}
	for _, st := range v.Statuses {
		if s, ok := ClassifyStatus(st); ok {
			s.PhoneNumberID = v.Metadata.PhoneNumberID
			out = append(out, s)
		}
	}
	return out, nil
}

// unixString reads Meta's string timestamps (seconds); zero when absent.
func unixString(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
