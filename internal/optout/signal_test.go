package optout

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// fixture returns the changes of one named notification of a testdata file
// (Meta-shaped payloads from the pywa SDK), after the replacements.
func fixture(t *testing.T, file, name string, replace ...string) []wire.Change {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	raw, ok := all[name]
	if !ok {
		t.Fatalf("%s has no %q", file, name)
	}
	body := strings.NewReplacer(replace...).Replace(string(raw))
	n, err := wire.ParseNotification([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Change
	for _, e := range n.Entry {
		out = append(out, e.Changes...)
	}
	return out
}

func TestClassifyChange(t *testing.T) {
	t.Parallel()
	marketingReply := func(replyTo string) Context { return Context{ReplyToMarketing: replyTo != ""} }
	cases := []struct {
		name    string
		file    string
		fixture string
		replace []string
		ctxOf   ContextOf
		want    []Signal // only Source, WaID, MessageID and Match's kind, scope and rule are compared
	}{
		{"plain text", "message.json", "text", nil, nil, nil},
		{"text opt-out", "message.json", "text", []string{"Body Text", "PARAR por favor"}, nil,
			[]Signal{{Source: SourceText, WaID: "972987654321", MessageID: "wamid.xyzxyz",
				Match: Match{Kind: out, Scope: all, RuleID: "pt-BR/opt_out/keyword/parar"}}}},
		{"hard negative", "message.json", "text", []string{"Body Text", "quero cancelar meu pedido"}, nil, nil},
		{"no to a marketing message", "message.json", "reply", []string{`"body": "replied text"`, `"body": "Não"`}, marketingReply,
			[]Signal{{Source: SourceText, WaID: "972987654321", Match: Match{Kind: out, Scope: mkt, RuleID: "pt-BR/opt_out/keyword/nao"}}}},
		{"no without context", "message.json", "text", []string{"Body Text", "Não"}, marketingReply, nil},
		{"image", "message.json", "image", nil, nil, nil},
		{"stop promotions button", "callback_button.json", "quick_reply", []string{`"text": "title"`, `"text": "Stop promotions"`}, nil,
			[]Signal{{Source: SourceButton, WaID: "972987654321", MessageID: "wamid.xsidjw",
				Match: Match{Kind: out, Scope: mkt, RuleID: "button/stop_promotions"}}}},
		{"parar promoções button", "callback_button.json", "quick_reply", []string{`"text": "title"`, `"text": "Parar promoções"`}, nil,
			[]Signal{{Source: SourceButton, WaID: "972987654321", MessageID: "wamid.xsidjw",
				Match: Match{Kind: out, Scope: mkt, RuleID: "button/stop_promotions"}}}},
		{"payload unsubscribe", "callback_button.json", "quick_reply", []string{`"payload": "callback_data"`, `"payload": "UNSUBSCRIBE"`}, nil,
			[]Signal{{Source: SourceButton, WaID: "972987654321", MessageID: "wamid.xsidjw",
				Match: Match{Kind: out, Scope: all, RuleID: "en/opt_out/keyword/unsubscribe"}}}},
		{"ordinary button", "callback_button.json", "quick_reply", nil, nil, nil},
		{"reply button", "callback_button.json", "button", []string{`"title": "title"`, `"title": "Sair da lista"`}, nil,
			[]Signal{{Source: SourceInteractive, WaID: "972987654321", MessageID: "wamid.xyzxyz",
				Match: Match{Kind: out, Scope: all, RuleID: "pt-BR/opt_out/keyword/sair_da_lista"}}}},
		{"reply button id", "callback_button.json", "button", []string{`"id": "callback_data"`, `"id": "opt_out"`}, nil,
			[]Signal{{Source: SourceInteractive, WaID: "972987654321", MessageID: "wamid.xyzxyz",
				Match: Match{Kind: out, Scope: all, RuleID: "en/opt_out/keyword/opt_out"}}}},
		{"user_preferences resume", "user_marketing_preferences.json", "resume", nil, nil,
			[]Signal{{Source: SourceUserPreferences, WaID: "16505551234",
				Match: Match{Kind: in, Scope: mkt, RuleID: "meta/user_preferences/resume"}}}},
		{"user_preferences stop", "user_marketing_preferences.json", "resume", []string{`"value": "resume"`, `"value": "stop"`}, nil,
			[]Signal{{Source: SourceUserPreferences, WaID: "16505551234",
				Match: Match{Kind: out, Scope: mkt, RuleID: "meta/user_preferences/stop"}}}},
		{"user_preferences signup", "user_marketing_preferences.json", "signup", nil, nil,
			[]Signal{{Source: SourceUserPreferences, WaID: "16505551234",
				Match: Match{Kind: in, Scope: mkt, RuleID: "meta/user_preferences/signup"}}}},
		{"user_preferences other category", "user_marketing_preferences.json", "resume", []string{"marketing_messages", "utility_messages"}, nil, nil},
		{"other failure", "message_status.json", "failed", nil, nil, nil},
		{"131050 failure", "message_status.json", "failed", []string{"130472", "131050"}, nil,
			[]Signal{{Source: SourceStatus131050, WaID: "972987654321", MessageID: "wamid.xyzxyz",
				Match: Match{Kind: out, Scope: mkt, RuleID: "meta/131050"}}}},
		{"131050 on a delivered status", "message_status.json", "delivered", nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got []Signal
			for _, ch := range fixture(t, c.file, c.fixture, c.replace...) {
				s, err := ClassifyChange(Default(), ch, c.ctxOf)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, s...)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d signals %+v, want %d", len(got), got, len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if g.Source != w.Source || g.WaID != w.WaID || (w.MessageID != "" && g.MessageID != w.MessageID) ||
					g.Match.Kind != w.Match.Kind || g.Match.Scope != w.Match.Scope || g.Match.RuleID != w.Match.RuleID {
					t.Errorf("signal %d = %+v, want %+v", i, g, w)
				}
				if g.PhoneNumberID == "" || g.Timestamp.IsZero() || g.Timestamp.Before(time.Unix(1e9, 0)) {
					t.Errorf("signal %d = %+v: no business number or time", i, g)
				}
			}
		})
	}
}

func TestClassifyChangeOtherFields(t *testing.T) {
	t.Parallel()
	got, err := ClassifyChange(Default(), wire.Change{Field: "account_update", Value: json.RawMessage(`{}`)}, nil)
	if err != nil || got != nil {
		t.Fatalf("account_update = %v, %v", got, err)
	}
	if _, err := ClassifyChange(Default(), wire.Change{Field: FieldUserPreferences, Value: json.RawMessage(`[`)}, nil); err == nil {
		t.Fatal("a broken user_preferences value was accepted")
	}
}
