package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestMarkReadPassesThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.HBgMNTUxMTk5OTk5OTk5FQIAEhggMETA"}`
	r := request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", body, bearer(e.keyA))
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"success":true}` {
		t.Fatalf("mark read = %d %s, want Meta's {\"success\":true}", r.status, r.body)
	}
	calls := e.calls()
	if len(calls) != 1 {
		t.Fatalf("%d upstream calls, want 1", len(calls))
	}
	c := calls[0]
	if c.method != "POST" || c.path != "/v23.0/"+pnA+"/messages" || c.auth != "Bearer meta-token-tenant-a" || string(c.body) != body {
		t.Errorf("upstream saw %+v", c)
	}
	if n := e.depth(); n != 0 {
		t.Errorf("mark read queued %d messages", n)
	}

	// Meta's error is relayed as Meta sent it.
	e.upMu.Lock()
	e.upReply = func(w http.ResponseWriter, _ *http.Request) {
		wire.WriteError(w, wire.NewError(wire.CodeParameterInvalid, "Invalid message_id."))
	}
	e.upMu.Unlock()
	wantErr(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", body, bearer(e.keyA)), 400, wire.CodeParameterInvalid)

	// Another tenant's number never reaches Meta.
	wantUnknown(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", body, bearer(e.keyB)), "POST", pnA)
	if n := len(e.calls()); n != 2 {
		t.Errorf("%d upstream calls, want 2", n)
	}
}

func TestTemplatesProxiedWithOwnership(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.upReply = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Header().Set("X-Fb-Trace-Id", "trace-1")
		w.Header().Set("Proxy-Authenticate", "Basic")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"data":[{"name":"hello_world","status":"APPROVED"}],"paging":{}}`)
	}
	r := request(t, e.srv, "GET", "/v23.0/"+wabaA+"/message_templates?limit=10&access_token="+e.keyA, "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), "hello_world") {
		t.Fatalf("templates = %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
		t.Errorf("Content-Type = %q, want Meta's", ct)
	}
	if r.header.Get("X-Fb-Trace-Id") != "trace-1" || r.header.Get("Proxy-Authenticate") != "" {
		t.Errorf("headers relayed wrongly: %v", r.header)
	}
	c := e.calls()[0]
	if c.method != "GET" || c.path != "/v23.0/"+wabaA+"/message_templates" || c.query != "limit=10" || c.auth != "Bearer meta-token-tenant-a" {
		t.Errorf("upstream saw %+v; the gateway key must not travel", c)
	}

	create := `{"name":"promo","language":"en_US","category":"MARKETING","components":[]}`
	r = request(t, e.srv, "POST", "/"+wabaA+"/message_templates", create, bearer(e.keyA))
	if r.status != 200 || string(e.calls()[1].body) != create {
		t.Errorf("create template = %d, upstream body %q", r.status, e.calls()[1].body)
	}
	wantUnknown(t, request(t, e.srv, "DELETE", "/v23.0/"+wabaA+"/message_templates?name=promo", "", bearer(e.keyB)), "DELETE", wabaA)
	wantErr(t, request(t, e.srv, "GET", "/v23.0/424242/message_templates", "", bearer(e.keyA)), 400, wire.CodeInvalidParameter)
	wantErr(t, request(t, e.srv, "GET", "/v23.0/"+wabaA+"/message_templates", "", nil), 401, wire.CodeAccessToken)
	if n := len(e.calls()); n != 2 {
		t.Errorf("%d upstream calls, want 2 (refusals never reach Meta)", n)
	}
}

func TestNodeAndMediaPassThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.upReply = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "POST" {
			_, _ = io.WriteString(w, `{"id":"5550001"}`)
			return
		}
		_, _ = io.WriteString(w, `{"success":true}`)
	}
	r := request(t, e.srv, "GET", "/v23.0/"+pnA+"?fields=quality_rating", "", bearer(e.keyA))
	if r.status != 200 {
		t.Fatalf("GET phone number = %d %s", r.status, r.body)
	}
	wantUnknown(t, request(t, e.srv, "GET", "/v23.0/"+pnA, "", bearer(e.keyB)), "GET", pnA)
	// A media id nobody uploaded through the gateway is nobody's.
	wantUnknown(t, request(t, e.srv, "DELETE", "/v23.0/5550001", "", bearer(e.keyA)), "DELETE", "5550001")
	wantErr(t, request(t, e.srv, "DELETE", "/v23.0/"+pnA, "", bearer(e.keyA)), 400, wire.CodeInvalidParameter)
	wantErr(t, request(t, e.srv, "GET", "/v23.0/not-an-id", "", bearer(e.keyA)), 400, wire.CodeInvalidParameter)
	r = request(t, e.srv, "POST", "/v23.0/"+pnA+"/media", "--b\r\n\r\n--b--\r\n",
		map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "multipart/form-data; boundary=b"})
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"id":"5550001"}` {
		t.Fatalf("media upload = %d %s", r.status, r.body)
	}
	// Uploaded through A's number, the medium is A's alone.
	wantUnknown(t, request(t, e.srv, "DELETE", "/v23.0/5550001", "", bearer(e.keyB)), "DELETE", "5550001")
	if r := request(t, e.srv, "GET", "/v23.0/5550001?phone_number_id="+pnA, "", bearer(e.keyA)); r.status != 200 {
		t.Fatalf("GET media = %d %s", r.status, r.body)
	}
	if r := request(t, e.srv, "DELETE", "/5550001", "", bearer(e.keyA)); r.status != 200 {
		t.Fatalf("DELETE media = %d %s", r.status, r.body)
	}
	// Deleted at Meta, it is forgotten.
	wantUnknown(t, request(t, e.srv, "GET", "/v23.0/5550001", "", bearer(e.keyA)), "GET", "5550001")
	calls := e.calls()
	if len(calls) != 4 {
		t.Fatalf("%d upstream calls, want 4: %+v", len(calls), calls)
	}
	if calls[0].path != "/v23.0/"+pnA || calls[0].query != "fields=quality_rating" {
		t.Errorf("phone number call %+v", calls[0])
	}
	if calls[1].path != "/v23.0/"+pnA+"/media" || !strings.HasPrefix(calls[1].contentType, "multipart/form-data") {
		t.Errorf("media upload call %+v", calls[1])
	}
	if calls[2].method != "GET" || calls[2].path != "/v23.0/5550001" || calls[2].query != "phone_number_id="+pnA || calls[2].auth != "Bearer meta-token-tenant-a" {
		t.Errorf("media get call %+v", calls[2])
	}
	if calls[3].method != "DELETE" || calls[3].auth != "Bearer meta-token-tenant-a" {
		t.Errorf("media delete call %+v", calls[3])
	}
}

func TestUnknownPathsAreGraphErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []string{"/vX/" + pnA + "/messages", "/v23.0/" + pnA + "/phone_numbers/extra", "/v23/" + pnA + "/messages"} {
		r := request(t, e.srv, "POST", p, textBody("+15551230000", "x"), bearer(e.keyA))
		if er := wantErr(t, r, 400, wire.CodeInvalidParameter); !strings.Contains(er.Message, "Unknown path components") {
			t.Errorf("%s: message %q", p, er.Message)
		}
	}
}

// The server mounts this handler at "/" beside its own literal routes; none
// may conflict (ServeMux panics on conflicts) and each must keep its paths.
func TestMountsBesideLiteralRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	parent := http.NewServeMux()
	tag := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, name) }
	}
	parent.Handle("GET /healthz", tag("healthz"))
	parent.Handle("GET /readyz", tag("readyz"))
	parent.Handle("/metrics", tag("metrics"))
	parent.Handle("/api/v1/", tag("api"))
	parent.Handle("GET /webhooks/meta", tag("webhook-verify"))
	parent.Handle("POST /webhooks/meta", tag("webhook"))
	parent.Handle("/ui/", tag("ui"))
	parent.Handle("/", e.gw.Handler())
	srv := httptest.NewServer(parent)
	t.Cleanup(srv.Close)

	for path, want := range map[string]string{
		"GET /healthz": "healthz", "GET /readyz": "readyz", "GET /metrics": "metrics",
		"GET /api/v1/tenants": "api", "POST /api/v1/keys": "api", "GET /webhooks/meta": "webhook-verify",
		"POST /webhooks/meta": "webhook", "GET /ui/": "ui", "GET /ui/senders/1001": "ui",
	} {
		method, p, _ := strings.Cut(path, " ")
		r := request(t, srv, method, p, "", nil)
		if string(r.body) != want {
			t.Errorf("%s reached %q, want %q", path, r.body, want)
		}
	}
	decodeSend(t, request(t, srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "x"), bearer(e.keyA)))
	wantErr(t, request(t, srv, "GET", "/v23.0/"+wabaA+"/message_templates", "", nil), 401, wire.CodeAccessToken)
}
