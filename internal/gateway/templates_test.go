package gateway_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"github.com/wabaguard/wabaguard/internal/template"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestTemplatesReachTheCache: a creation and a deletion through the
// pass-through reach the template cache once Meta confirmed them, and a
// refused one does not.
func TestTemplatesReachTheCache(t *testing.T) {
	t.Parallel()
	cache := template.NewCache(sqlitetest.Open(t))
	e := newEnv(t, func(c *gateway.Config, _ *env) { c.Templates = cache })
	e.upReply = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodPost:
			_, _ = io.WriteString(w, `{"id":"555001","status":"PENDING","category":"UTILITY"}`)
		case http.MethodDelete:
			_, _ = io.WriteString(w, `{"success":true}`)
		}
	}
	create := `{"name":"pedido","language":"pt_BR","category":"UTILITY","parameter_format":"named",
		"components":[{"type":"BODY","text":"Pedido {{numero}}"}]}`
	if r := request(t, e.srv, "POST", "/v23.0/"+wabaA+"/message_templates", create, bearer(e.keyA)); r.status != 200 {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	if got := string(e.calls()[0].body); got != create {
		t.Errorf("Meta got %q, want the client's body unchanged", got)
	}
	info, k := cache.Lookup(wabaA, "pedido", "pt_BR")
	if k != template.Present || info.ID != "555001" || info.Status != template.StatusPending || info.Format != template.Named {
		t.Fatalf("after creation: %v %+v", k, info)
	}

	// Meta refuses a second creation: nothing reaches the cache.
	e.upReply = func(w http.ResponseWriter, _ *http.Request) {
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "exists"))
	}
	request(t, e.srv, "POST", "/v23.0/"+wabaA+"/message_templates", `{"name":"outro","language":"en","category":"UTILITY","components":[]}`, bearer(e.keyA))
	if _, k := cache.Lookup(wabaA, "outro", "en"); k != template.NotSynced {
		t.Errorf("a refused creation reached the cache: %v", k)
	}

	e.upReply = func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"success":true}`) }
	if r := request(t, e.srv, "DELETE", "/v23.0/"+wabaA+"/message_templates?name=pedido", "", bearer(e.keyA)); r.status != 200 {
		t.Fatalf("delete = %d %s", r.status, r.body)
	}
	if info, _ := cache.Lookup(wabaA, "pedido", "pt_BR"); info.Status != template.StatusDeleted {
		t.Errorf("after deletion: %+v", info)
	}
}
