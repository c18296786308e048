package wire_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
	"github.com/wabaguard/wabaguard/internal/wire/wiretest"
)

// sendSeeds returns the spec's send examples and a few hand-written bodies.
func sendSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte(`{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x"}}`),
		[]byte(`{"messaging_product":"whatsapp","status":"read","message_id":"w","typing_indicator":{"type":"text"}}`),
		[]byte(`{"messaging_product":"whatsapp","to":"1","type":"location","location":{"latitude":"1.5","longitude":2}}`),
		[]byte(`{"messaging_product":"whatsapp","to":"1","type":"template","template":{"name":"n","language":{"code":"en"},"components":[{"type":"button","sub_type":"url","index":1,"parameters":[{"type":"text","text":"a"}]}]}}`),
		[]byte(`{"messaging_product":"whatsapp","to":"1","type":"interactive","interactive":{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"Go","url":"https://a.b"}}}}`),
	}
	item := wiretest.Spec(t).Paths.Value("/{Version}/{Phone-Number-ID}/messages")
	for _, ex := range item.Post.RequestBody.Value.Content.Get("application/json").Examples {
		b, err := json.Marshal(ex.Value.Value)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzParseSendRequest(f *testing.F) {
	for _, s := range sendSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, e := wire.ParseSendRequest(body)
		if e != nil {
			if r != nil {
				t.Fatal("request returned along an error")
			}
			if e.Details() == "" || e.Message == "" {
				t.Fatalf("error without explanation: %+v", e)
			}
			switch e.Code {
			case wire.CodeInvalidParameter, wire.CodeMissingParameter, wire.CodeParameterInvalid, wire.CodeUnsupportedType:
			default:
				t.Fatalf("unexpected code %d", e.Code)
			}
			return
		}
		if !bytes.Equal(r.Raw, body) {
			t.Fatal("Raw differs from the body")
		}
		if e := r.Validate(); e != nil {
			t.Fatalf("accepted request fails validation again: %v", e)
		}
		// What the gateway models of an accepted request is itself a valid
		// request: re-encoding loses nothing a rule relies on.
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, e := wire.ParseSendRequest(again); e != nil {
			t.Fatalf("re-encoded request %s rejected: %v", again, e)
		}
	})
}

func FuzzParseNotification(f *testing.F) {
	for _, body := range pywaCases(f) {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := wire.ParseNotification(body)
		if err != nil {
			if n != nil {
				t.Fatal("notification returned along an error")
			}
			return
		}
		if n.Object != wire.ObjectWABA || len(n.Entry) == 0 {
			t.Fatalf("inconsistent notification %+v", n)
		}
		for _, e := range n.Entry {
			for _, c := range e.Changes {
				v, err := c.Messages()
				if err != nil {
					continue
				}
				if c.Field != wire.FieldMessages || v.Metadata.PhoneNumberID == "" {
					t.Fatalf("inconsistent messages value %+v of field %q", v, c.Field)
				}
				for i := range v.Messages {
					if h, err := v.Header(i); err != nil || h.ID == "" || h.Type == "" {
						t.Fatalf("accepted message %d without id or type: %+v %v", i, h, err)
					}
				}
			}
		}
	})
}
