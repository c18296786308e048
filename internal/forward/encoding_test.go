package forward

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestForwardBodyEscapesNonASCIILikeMeta delivers values with Portuguese
// text and emoji, raw UTF-8 and with Go's HTML escapes as the gateway's own
// encoder writes them, and checks the bytes the tenant receives: ASCII
// only, \uXXXX in lowercase hex, signed over exactly those bytes, and
// unchanged by a receiver that re-serialises before verifying.
func TestForwardBodyEscapesNonASCIILikeMeta(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	ep := newEndpoint(t, "secret-a")
	addTenant(t, st, "a", ep.srv.URL)
	inbound := `{"messages":[{"id":"wamid.1","type":"text","text":{"body":"A ação está ok 👍"}}]}`
	gateway, err := json.Marshal(map[string]string{"title": "<Falha> & ação"})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, st, fw("a", "waba-1", inbound, t0), fw("a", "waba-1", string(gateway), t0))
	f := newForwarder(st, clocktest.New(t0), Config{Batch: 100})
	if _, err := f.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ep.postCount() != 1 || ep.bad != 0 {
		t.Fatalf("%d posts (%d refused with a bad signature), want 1 signed", ep.postCount(), ep.bad)
	}
	body := ep.bodies[0]
	for _, c := range body {
		if c >= 0x80 {
			t.Fatalf("body has raw UTF-8: %s", body)
		}
	}
	for _, want := range []string{`A a\u00e7\u00e3o est\u00e1 ok \ud83d\udc4d`, `"<Falha> & a\u00e7\u00e3o"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("body lacks %s: %s", want, body)
		}
	}
	if !bytes.Equal(wire.MetaJSON(body), body) {
		t.Errorf("body is not in Meta's form: %s", body)
	}
	var n wire.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Messages []struct {
			Text struct{ Body string } `json:"text"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(n.Entry[0].Changes[0].Value, &v); err != nil || v.Messages[0].Text.Body != "A ação está ok 👍" {
		t.Errorf("text decodes as %q (%v)", v.Messages, err)
	}
}
