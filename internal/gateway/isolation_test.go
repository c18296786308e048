package gateway_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// traceRE matches the only part of a Graph error that may differ between
// two answers for the same refusal.
var traceRE = regexp.MustCompile(`"fbtrace_id":"[^"]*"`)

// unknownBody is what Graph answers for an object that does not exist, with
// the trace id blanked.
func unknownBody(method, id string) []byte {
	rec := httptest.NewRecorder()
	wire.WriteError(rec, wire.UnknownObject(method, id))
	return traceRE.ReplaceAll(rec.Body.Bytes(), []byte(`"fbtrace_id":""`))
}

// wantUnknown fails unless r is, byte for byte apart from fbtrace_id, Graph's
// answer for an unknown object id, with the same status and headers.
func wantUnknown(t testing.TB, r response, method, id string) {
	t.Helper()
	if r.status != 400 {
		t.Errorf("status = %d, want 400; body %s", r.status, r.body)
	}
	got := traceRE.ReplaceAll(r.body, []byte(`"fbtrace_id":""`))
	if want := unknownBody(method, id); !bytes.Equal(got, want) {
		t.Errorf("body\n %s\nwant\n %s", got, want)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if h := r.header.Get("WWW-Authenticate"); h != "" {
		t.Errorf("WWW-Authenticate = %q on an object refusal", h)
	}
}

// A foreign phone_number_id and one nobody has answer identically on every
// route that names a number, so a tenant cannot enumerate the gateway's
// numbers (issue 6, item 3). Tenant A probes B's number and an unknown one.
func TestForeignSenderLooksUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const unknownPN = "3003"
	multipart := map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "multipart/form-data; boundary=b"}
	routes := []struct {
		name, method, path, body string
		headers                  map[string]string
		id                       func(pn string) string // the id the answer names
	}{
		{"send", "POST", "/v23.0/%s/messages", textBody("+15551230000", "hi"), bearer(e.keyA), nil},
		{"send unversioned", "POST", "/%s/messages", textBody("+15551230000", "hi"), bearer(e.keyA), nil},
		{"send garbage", "POST", "/v23.0/%s/messages", `{"messaging_product":`, bearer(e.keyA), nil},
		{"mark read", "POST", "/v23.0/%s/messages", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.x"}`, bearer(e.keyA), nil},
		{"media upload", "POST", "/v23.0/%s/media", "--b\r\n\r\n--b--\r\n", multipart, nil},
		{"media upload unversioned", "POST", "/%s/media", "--b\r\n\r\n--b--\r\n", multipart, nil},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			var answers [2]response
			for i, pn := range []string{pnB, unknownPN} {
				answers[i] = request(t, e.srv, rt.method, sprintf(rt.path, pn), rt.body, rt.headers)
				id := pn
				if rt.id != nil {
					id = rt.id(pn)
				}
				wantUnknown(t, answers[i], rt.method, id)
			}
		})
	}
	if n := len(e.calls()); n != 0 {
		t.Errorf("upstream saw %d calls, want none: %+v", n, e.calls())
	}
}

func sprintf(format, id string) string { return fmt.Sprintf(format, id) }
