package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
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
	e.upReply = fakeGraph
	mediaA := e.upload(e.keyA, pnA)
	base := len(e.calls())
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
		{"node get", "GET", "/v23.0/%s?fields=quality_rating", "", bearer(e.keyA), nil},
		{"node get unversioned", "GET", "/%s", "", bearer(e.keyA), nil},
		{"node delete", "DELETE", "/v23.0/%s", "", bearer(e.keyA), nil},
		{"own media via phone_number_id", "GET", "/v23.0/" + mediaA + "?phone_number_id=%s", "", bearer(e.keyA), nil},
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
	if calls := e.calls()[base:]; len(calls) != 0 {
		t.Errorf("upstream saw %d calls, want none: %+v", len(calls), calls)
	}
}

func sprintf(format, id string) string { return fmt.Sprintf(format, id) }

// fakeGraph answers pass-through calls as Meta would for the objects of the
// fixture: an upload gets a medium id derived from the number, a template
// listing and a creation template ids derived from the WABA.
func fakeGraph(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // v23.0, id, edge
	switch {
	case len(parts) == 3 && parts[2] == "media" && r.Method == "POST":
		fmt.Fprintf(w, `{"id":"77%s"}`, parts[1])
	case len(parts) == 3 && parts[2] == "message_templates" && r.Method == "GET":
		fmt.Fprintf(w, `{"data":[{"name":"hello","status":"APPROVED","id":"88%s"}],"paging":{"cursors":{}}}`, parts[1])
	case len(parts) == 3 && parts[2] == "message_templates" && r.Method == "POST":
		fmt.Fprintf(w, `{"id":"89%s","status":"PENDING","category":"MARKETING"}`, parts[1])
	default:
		_, _ = io.WriteString(w, `{"success":true}`)
	}
}

// upload uploads a medium as the key's tenant through pn and returns its id.
func (e *env) upload(key, pn string) string {
	e.t.Helper()
	r := request(e.t, e.srv, "POST", "/v23.0/"+pn+"/media", "--b\r\n\r\n--b--\r\n",
		map[string]string{"Authorization": "Bearer " + key, "Content-Type": "multipart/form-data; boundary=b"})
	var v struct {
		ID string `json:"id"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &v) != nil || v.ID == "" {
		e.t.Fatalf("upload through %s = %d %s", pn, r.status, r.body)
	}
	return v.ID
}

// TestPassThroughIsolation walks every route of the Graph surface as
// tenant A with each of tenant B's objects (number, WABA, uploaded medium,
// listed and created templates) and with ids nobody has (issue 6, item 1).
// Every answer must be Graph's unknown-object error, byte for byte apart
// from fbtrace_id, and none may reach Meta; A's own objects still pass.
// It runs on both store engines.
func TestPassThroughIsolation(t *testing.T) {
	t.Parallel()
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, eng.open(t))
			e.upReply = fakeGraph

			// Each tenant uploads a medium, lists and creates templates.
			own := map[string]map[string]string{}
			for _, tn := range []struct{ name, key, pn, waba string }{{"a", e.keyA, pnA, wabaA}, {"b", e.keyB, pnB, wabaB}} {
				ids := map[string]string{"phone": tn.pn, "waba": tn.waba, "media": e.upload(tn.key, tn.pn)}
				r := request(t, e.srv, "GET", "/v23.0/"+tn.waba+"/message_templates", "", bearer(tn.key))
				if r.status != 200 {
					t.Fatalf("list templates = %d %s", r.status, r.body)
				}
				r = request(t, e.srv, "POST", "/"+tn.waba+"/message_templates", `{"name":"promo","language":"en_US","category":"MARKETING","components":[]}`, bearer(tn.key))
				if r.status != 200 {
					t.Fatalf("create template = %d %s", r.status, r.body)
				}
				ids["listed template"], ids["created template"] = "88"+tn.waba, "89"+tn.waba
				own[tn.name] = ids
			}
			base := len(e.calls())

			var foreign []string
			for _, id := range own["b"] {
				foreign = append(foreign, id)
			}
			nobody := []string{"3003", "9003", "5550009", "1", "99999999999999999"}
			multipart := map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "multipart/form-data; boundary=b"}
			routes := []struct {
				method, path, body string
				headers            map[string]string
			}{
				{"POST", "/%s/messages", textBody("+15551230000", "hi"), bearer(e.keyA)},
				{"POST", "/%s/messages", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.x"}`, bearer(e.keyA)},
				{"POST", "/%s/media", "--b\r\n\r\n--b--\r\n", multipart},
				{"GET", "/%s/message_templates", "", bearer(e.keyA)},
				{"POST", "/%s/message_templates", `{"name":"x","language":"en_US","category":"UTILITY","components":[]}`, bearer(e.keyA)},
				{"DELETE", "/%s/message_templates?name=hello", "", bearer(e.keyA)},
				{"GET", "/%s", "", bearer(e.keyA)},
				{"GET", "/%s?fields=id,name,owned_whatsapp_business_accounts{id}", "", bearer(e.keyA)},
				{"DELETE", "/%s", "", bearer(e.keyA)},
			}
			for _, rt := range routes {
				for _, prefix := range []string{"/v23.0", ""} {
					for _, id := range append(append([]string(nil), foreign...), nobody...) {
						path := prefix + fmt.Sprintf(rt.path, id)
						t.Run(rt.method+" "+path, func(t *testing.T) {
							wantUnknown(t, request(t, e.srv, rt.method, path, rt.body, rt.headers), rt.method, id)
						})
					}
				}
			}
			// Parameters that would carry an allowed call to another object.
			for _, path := range []string{
				"/v23.0/" + own["a"]["media"] + "?phone_number_id=" + pnB,
				"/v23.0/" + own["a"]["media"] + "?phone_number_id=3003",
				"/v23.0/" + pnA + "?ids=" + own["b"]["media"],
				"/v23.0/" + pnA + "?method=delete",
				"/v23.0/" + wabaA + "/message_templates?batch=[]",
			} {
				t.Run("GET "+path, func(t *testing.T) {
					r := request(t, e.srv, "GET", path, "", bearer(e.keyA))
					if r.status != 400 || !strings.Contains(string(r.body), `"error_subcode":33`) {
						t.Errorf("= %d %s, want Graph's 100/33", r.status, r.body)
					}
				})
			}
			if calls := e.calls()[base:]; len(calls) != 0 {
				t.Fatalf("refusals reached Meta %d times: %+v", len(calls), calls)
			}

			// A's own objects still pass, with A's token.
			for _, rt := range []struct{ method, path string }{
				{"GET", "/v23.0/" + pnA},
				{"GET", "/" + wabaA + "?fields=name"},
				{"GET", "/v23.0/" + own["a"]["listed template"]},
				{"GET", "/v23.0/" + own["a"]["created template"]},
				{"GET", "/v23.0/" + own["a"]["media"]},
				{"GET", "/v23.0/" + wabaA + "/message_templates"},
				{"DELETE", "/v23.0/" + own["a"]["media"]},
			} {
				if r := request(t, e.srv, rt.method, rt.path, "", bearer(e.keyA)); r.status != 200 {
					t.Errorf("%s %s = %d %s, want 200", rt.method, rt.path, r.status, r.body)
				}
			}
			decodeSend(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "hi"), bearer(e.keyA)))
			calls := e.calls()[base:]
			if len(calls) != 7 {
				t.Fatalf("%d upstream calls for A's objects, want 7: %+v", len(calls), calls)
			}
			for _, c := range calls {
				if c.auth != "Bearer meta-token-tenant-a" {
					t.Errorf("%s %s went with %q", c.method, c.path, c.auth)
				}
			}
		})
	}
}
