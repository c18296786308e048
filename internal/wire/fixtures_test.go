package wire_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
	"github.com/wabaguard/wabaguard/internal/wire/wiretest"
)

// pywaCases returns every webhook body of the pywa fixtures, keyed
// "file/case".
func pywaCases(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/meta/pywa/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pywa fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases map[string]json.RawMessage
		if err := json.Unmarshal(b, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, body := range cases {
			out[filepath.Base(f)+"/"+name] = body
		}
	}
	return out
}

func TestPywaFixturesParse(t *testing.T) {
	t.Parallel()
	messages := 0
	for name, body := range pywaCases(t) {
		n, err := wire.ParseNotification(body)
		if err != nil {
			t.Errorf("%s: ParseNotification: %v", name, err)
			continue
		}
		for _, e := range n.Entry {
			for _, c := range e.Changes {
				v, err := c.Messages()
				if c.Field != wire.FieldMessages {
					if err == nil {
						t.Errorf("%s: Messages() accepted field %q", name, c.Field)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: Messages: %v", name, err)
					continue
				}
				messages += len(v.Messages) + len(v.Statuses)
			}
		}
	}
	// Guards against a fixture set that silently stopped exercising Messages.
	if messages < 30 {
		t.Errorf("only %d messages and statuses decoded from the fixtures", messages)
	}
}

func TestParseNotificationRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"not json":      `{`,
		"wrong object":  `{"object":"page","entry":[{"id":"1","changes":[{"field":"messages","value":{}}]}]}`,
		"no entry":      `{"object":"whatsapp_business_account","entry":[]}`,
		"entry no id":   `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{}}]}]}`,
		"no changes":    `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}`,
		"no field":      `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{}}]}]}`,
		"value not obj": `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":[1]}]}]}`,
		"value missing": `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`,
		"entry wrong":   `{"object":"whatsapp_business_account","entry":{}}`,
	}
	for name, body := range tests {
		if _, err := wire.ParseNotification([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestChangeMessagesRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"no metadata":    `{"messaging_product":"whatsapp","messages":[{"id":"w","type":"text"}]}`,
		"message no id":  `{"metadata":{"phone_number_id":"1"},"messages":[{"type":"text"}]}`,
		"message scalar": `{"metadata":{"phone_number_id":"1"},"messages":[5]}`,
		"status no id":   `{"metadata":{"phone_number_id":"1"},"statuses":[{"status":"sent"}]}`,
		"status type":    `{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"w","status":"sent","timestamp":17}]}`,
	}
	for name, value := range tests {
		c := wire.Change{Field: wire.FieldMessages, Value: json.RawMessage(value)}
		if _, err := c.Messages(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	h, err := (&wire.MessagesValue{Messages: []json.RawMessage{[]byte(`{"from":"55","id":"w","type":"text"}`)}}).Header(0)
	if err != nil || h.From != "55" || h.Type != "text" {
		t.Errorf("Header(0) = %+v, %v", h, err)
	}
}

// specDisagreements lists the send examples of Meta's OpenAPI document that
// break Meta's own documented rules, with the Graph code the gateway
// answers; every other example must parse.
var specDisagreements = map[string]int{
	// Placeholder links ("<http(s)://audio-url>", "http(s)://image-url") are
	// not URLs; Cloud API requires an http or https link.
	"Send Audio Message by URL":             wire.CodeParameterInvalid,
	"Send Document Message by URL":          wire.CodeParameterInvalid,
	"Send Image Message by URL":             wire.CodeParameterInvalid,
	"Send Sticker Message by URL":           wire.CodeParameterInvalid,
	"Send Video Message by URL":             wire.CodeParameterInvalid,
	"Send Reply to Audio Message by URL":    wire.CodeParameterInvalid,
	"Send Reply to Document Message by URL": wire.CodeParameterInvalid,
	"Send Reply to Image Message by URL":    wire.CodeParameterInvalid,
	"Send Reply to Sticker Message by URL":  wire.CodeParameterInvalid,
	"Send Reply to Video Message by URL":    wire.CodeParameterInvalid,
	"Send Message Template Interactive":     wire.CodeParameterInvalid,
	"Send Message Template Media":           wire.CodeParameterInvalid,
	// Quick-reply button parameters given as JSON booleans, where the
	// documented text parameter is a string.
	"Send Sample Issue Resolution Template": wire.CodeInvalidParameter,
	// Header type is the placeholder "<HEADER_TYPE>", not one of the four
	// documented header types.
	"Send Multi-Product Message": wire.CodeInvalidParameter,
	// Omits "type":"interactive"; Meta documents an omitted type as text,
	// and the example has no text object.
	"Send Reply to List Message": wire.CodeMissingParameter,
}

func TestOpenAPISendExamples(t *testing.T) {
	t.Parallel()
	doc := wiretest.Spec(t)
	item := doc.Paths.Value("/{Version}/{Phone-Number-ID}/messages")
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		t.Fatal("send operation missing from the specification")
	}
	examples := item.Post.RequestBody.Value.Content.Get("application/json").Examples
	if len(examples) < 40 {
		t.Fatalf("only %d request examples", len(examples))
	}
	names := make([]string, 0, len(examples))
	for name := range examples {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	for _, name := range names {
		body, err := json.Marshal(examples[name].Value.Value)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r, e := wire.ParseSendRequest(body)
		want, disagrees := specDisagreements[name]
		switch {
		case disagrees && e == nil:
			t.Errorf("%s: accepted, but was recorded as breaking a documented rule", name)
		case disagrees && e.Code != want:
			t.Errorf("%s: got (#%d) %s, want code %d", name, e.Code, e.Details(), want)
		case !disagrees && e != nil:
			t.Errorf("%s: %v", name, e)
		case !disagrees && r.Type == "" && !r.IsMarkRead():
			t.Errorf("%s: parsed without a type", name)
		}
		seen[name] = true
	}
	for name := range specDisagreements {
		if !seen[name] {
			t.Errorf("recorded disagreement %q is not an example of the specification", name)
		}
	}
}

func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	mustJSON := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sent := mustJSON(wire.SendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []wire.SendContact{{Input: "+55 11 98765-4321", WaID: "5511987654321"}},
		Messages:         []wire.SentMessage{{ID: wire.NewMessageID(), MessageStatus: wire.MessageStatusAccepted}},
	})
	read := mustJSON(wire.SuccessResponse{Success: true})
	e := wire.Errorf(wire.CodeParameterInvalid, "Param text['body'] must be at most %d characters long.", wire.MaxTextBody)
	e.FBTraceID = wire.NewTraceID()
	failed := mustJSON(wire.ErrorEnvelope{Error: e})

	for _, path := range []string{"/{Version}/{Phone-Number-ID}/messages", "/v23.0/106540352242922/messages"} {
		wiretest.ValidateResponse(t, "POST", path, 200, sent)
		wiretest.ValidateResponse(t, "POST", path, 200, read)
		wiretest.ValidateResponse(t, "POST", path, 400, failed)
	}
	wiretest.ValidateSchema(t, "GraphAPIError", failed)
}

// recorder is a testing.TB that records failures instead of failing, to show
// the validator rejects what the specification forbids.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

func TestOpenAPIValidatorRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]func(tb testing.TB){
		"message status enum": func(tb testing.TB) {
			wiretest.ValidateResponse(tb, "POST", "/v23.0/1/messages", 200, []byte(`{"messaging_product":"whatsapp","messages":[{"id":"w","message_status":"teleported"}]}`))
		},
		"contacts not array": func(tb testing.TB) {
			wiretest.ValidateResponse(tb, "POST", "/v23.0/1/messages", 200, []byte(`{"contacts":{}}`))
		},
		"error without code": func(tb testing.TB) {
			wiretest.ValidateResponse(tb, "POST", "/v23.0/1/messages", 400, []byte(`{"error":{"message":"x","type":"OAuthException"}}`))
		},
		"unknown path": func(tb testing.TB) {
			wiretest.ValidateResponse(tb, "POST", "/v23.0/1/nothing/here/at/all", 200, []byte(`{}`))
		},
		"unknown schema": func(tb testing.TB) {
			wiretest.ValidateSchema(tb, "NoSuchSchema", []byte(`{}`))
		},
	}
	for name, run := range tests {
		rec := &recorder{TB: t}
		run(rec)
		if len(rec.failed) == 0 {
			t.Errorf("%s: validator did not fail", name)
		} else if !strings.Contains(strings.Join(rec.failed, "\n"), "wiretest") {
			t.Errorf("%s: failure does not say where it came from: %v", name, rec.failed)
		}
	}
}
