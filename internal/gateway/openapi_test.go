package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
	"github.com/wabaguard/wabaguard/internal/wire/wiretest"
)

// Answers must validate against Meta's published OpenAPI specification, so
// SDKs generated from it parse them.
func TestAnswersMatchMetaSpecification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/v23.0/" + pnA + "/messages"

	ok := request(t, e.srv, "POST", path, textBody("+15551230000", "x"), bearer(e.keyA))
	decodeSend(t, ok)
	wiretest.ValidateResponse(t, "POST", path, ok.status, ok.body)

	tmpl := `{"messaging_product":"whatsapp","to":"+15551230000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	ok = request(t, e.srv, "POST", path, tmpl, bearer(e.keyA))
	decodeSend(t, ok)
	wiretest.ValidateResponse(t, "POST", path, ok.status, ok.body)

	for _, r := range []response{
		request(t, e.srv, "POST", path, textBody(rejectTo, "x"), bearer(e.keyA)),
		request(t, e.srv, "POST", path, `{"to":`, bearer(e.keyA)),
		request(t, e.srv, "POST", path, textBody("+15551230000", "x"), nil),
		request(t, e.srv, "POST", path, textBody("+15551230000", "x"), bearer(e.keyB)),
		request(t, e.srv, "POST", path, textBody("+15551230000", strings.Repeat("a", 2<<20)), bearer(e.keyA)),
	} {
		if r.status < 400 {
			t.Fatalf("expected an error, got %d %s", r.status, r.body)
		}
		graphErr(t, r)
		wiretest.ValidateResponse(t, "POST", path, r.status, r.body)
	}

	e.st.fail.Store(true)
	r := request(t, e.srv, "POST", path, textBody("+15551230000", "x"), bearer(e.keyA))
	wantErr(t, r, http.StatusInternalServerError, wire.CodeUnknownRequest)
	wiretest.ValidateResponse(t, "POST", path, r.status, r.body)
}
