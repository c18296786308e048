package api_test

import (
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestAPIErrorsInThreeLanguages asks for each refusal in pt-BR, en and es,
// with no Accept-Language (pt-BR) and with one the API does not speak
// (pt-BR again), and checks the Graph error each answer is: same code and
// status whatever the language, the explanation in the one asked for.
func TestAPIErrorsInThreeLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engines[0].open(t))
	type want struct{ pt, en, es string }
	tests := []struct {
		name                   string
		method, path, ct, body string
		status, code           int
		want                   want
	}{
		{"missing parameter", "POST", "/api/v1/consent", "application/json", `{"number":"` + personE164 + `"}`,
			400, wire.CodeMissingParameter, want{
				"O parâmetro action é obrigatório.", "The parameter action is required.", "El parámetro action es obligatorio."}},
		{"unknown field", "POST", "/api/v1/consent", "application/json", `{"number":"` + personE164 + `","colour":"red"}`,
			400, wire.CodeInvalidParameter, want{
				"Parâmetro colour: não é um campo desta solicitação", "Param colour: is not a field of this request",
				"Parámetro colour: no es un campo de esta solicitud"}},
		{"wrong type", "POST", "/api/v1/consent", "application/json", `{"number":5511987654321}`,
			400, wire.CodeInvalidParameter, want{
				"Parâmetro number: deve ser um texto, veio number", "Param number: must be a string, got number",
				"Parámetro number: debe ser un texto, llegó number"}},
		{"wrong content type", "POST", "/api/v1/consent", "text/plain", `{}`,
			415, wire.CodeInvalidParameter, want{
				`Parâmetro Content-Type: "text/plain" não é application/json`, `Param Content-Type: "text/plain" is not application/json`,
				`Parámetro Content-Type: "text/plain" no es application/json`}},
		{"bad scope", "POST", "/api/v1/suppressions/import?scope=some", "text/csv", personE164 + "\n",
			400, wire.CodeInvalidParameter, want{
				`Parâmetro scope: "some" não é all nem marketing`, `Param scope: "some" is not all or marketing`,
				`Parámetro scope: "some" no es all ni marketing`}},
		{"bad page size", "GET", "/api/v1/contacts/" + personWaID + "/history?limit=0", "", "",
			400, wire.CodeInvalidParameter, want{
				`Parâmetro limit: "0" não é um número inteiro de 1 a`, `Param limit: "0" is not a whole number from 1 to`,
				`Parámetro limit: "0" no es un número entero de 1 a`}},
		{"unknown path", "GET", "/api/v1/nowhere", "", "",
			400, wire.CodeInvalidParameter, want{
				"Componentes de caminho desconhecidos: /api/v1/nowhere", "Unknown path components: /api/v1/nowhere",
				"Componentes de ruta desconocidos: /api/v1/nowhere"}},
	}
	langs := []struct {
		header string
		pick   func(want) string
	}{
		{"pt-BR", func(w want) string { return w.pt }},
		{"en", func(w want) string { return w.en }},
		{"es", func(w want) string { return w.es }},
		{"", func(w want) string { return w.pt }},               // the default
		{"fr-FR,fr;q=0.9", func(w want) string { return w.pt }}, // nothing close: the default
		{"es-MX,en;q=0.5", func(w want) string { return w.es }},
		{"en-GB", func(w want) string { return w.en }},
	}
	for _, tc := range tests {
		for _, l := range langs {
			t.Run(tc.name+"/"+l.header, func(t *testing.T) {
				r := e.doIn(l.header, tc.method, tc.path, e.keyA, tc.ct, tc.body)
				wantError(t, r, tc.status, tc.code, l.pick(tc.want))
			})
		}
	}
}
