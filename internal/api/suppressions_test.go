package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// A do-not-contact list becomes opt-outs with the file's provenance as
// evidence, in the scope each line asks for.
func TestImportSuppressions(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.record(e.keyA, optIn(personE164, "marketing"))
		csv := "\ufefftelefone;escopo;motivo\n" +
			personSpaced + ";;pediu para sair\n" +
			"(21) 99876-5432;marketing;\n" +
			"\n" +
			personNoNine + ";todos;repetido\n"
		r := e.do("POST", "/api/v1/suppressions/import?filename=dnc.csv&proof_url=https%3A%2F%2Facme.example%2Fdnc", e.keyA, "text/csv; charset=utf-8", csv)
		if r.status != 200 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		conforms(t, "POST", "/api/v1/suppressions/import", r)
		var rep struct {
			Imported   int    `json:"imported"`
			Duplicates int    `json:"duplicates"`
			FirstSeq   int64  `json:"first_seq"`
			LastSeq    int64  `json:"last_seq"`
			SHA256     string `json:"sha256"`
		}
		r.json(t, &rep)
		sum := sha256.Sum256([]byte(csv))
		if rep.Imported != 2 || rep.Duplicates != 1 || rep.FirstSeq != 2 || rep.LastSeq != 3 || rep.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("import report = %+v", rep)
		}
		tests := []struct{ number, want string }{
			{personE164, "marketing=opt_out! utility=opt_out! authentication=opt_out! all=opt_out!"},
			{otherE164, "marketing=opt_out! utility=none authentication=none all=none"},
		}
		for _, tc := range tests {
			if got := e.state(e.keyA, tc.number).states(); got != tc.want {
				t.Errorf("%s after import = %s, want %s", tc.number, got, tc.want)
			}
		}
		h := e.history(e.keyA, personE164, "")
		last := h.Consent[len(h.Consent)-1]
		if last.Evidence == nil || !strings.Contains(last.Evidence.Text, "dnc.csv (sha256 "+rep.SHA256+"), line 2: pediu para sair") ||
			last.Evidence.URL != "https://acme.example/dnc" {
			t.Errorf("import evidence = %+v", last.Evidence)
		}
		if n := e.chainLength("tenant-a"); n != 3 {
			t.Errorf("chain has %d records, want 3", n)
		}
		// Another tenant's state is untouched by A's list.
		if got := e.state(e.keyB, personE164).states(); got != "marketing=none utility=none authentication=none all=none" {
			t.Errorf("B after A's import = %s", got)
		}

		// The scope parameter sets the default of lines without one.
		r = e.do("POST", "/api/v1/suppressions/import?scope=marketing", e.keyB, "text/csv", otherE164+"\n")
		if r.status != 200 {
			t.Fatalf("import with scope: %d %s", r.status, r.body)
		}
		if got := e.state(e.keyB, otherE164).states(); got != "marketing=opt_out! utility=none authentication=none all=none" {
			t.Errorf("B after a marketing import = %s", got)
		}
	})
}

// A file with any bad line is refused whole, naming the lines, and nothing
// is written.
func TestImportBadInput(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		many := strings.Builder{}
		for i := range 30 {
			fmt.Fprintf(&many, "not-a-number-%d\n", i)
		}
		tests := []struct {
			name, query, contentType, body string
			status                         int
			want                           string
		}{
			{"fixed line among good ones", "", "text/csv", personE164 + "\n" + otherE164 + "\n" + fixedLine + "\n", 400, "line 3"},
			{"unknown scope on a line", "", "text/csv", "number,scope\n" + personE164 + ",promo\n", 400, "line 2: scope"},
			{"broken quoting", "", "text/csv", personE164 + "\n\"+5521998765432\n", 400, "line 2"},
			{"many bad lines are counted", "", "text/csv", many.String(), 400, "30 bad lines"},
			{"a reason with a control character", "", "text/csv", personE164 + ",all,bad\x01reason\n", 400, "line 1: reason"},
			{"empty file", "", "text/csv", "", 400, "has no numbers"},
			{"header only", "", "text/csv", "telefone;motivo\n", 400, "has no numbers"},
			{"unknown scope parameter", "?scope=promo", "text/csv", personE164 + "\n", 400, "Param scope"},
			{"proof_url not http", "?proof_url=ftp%3A%2F%2Fx", "text/csv", personE164 + "\n", 400, "Param proof_url"},
			{"filename with a newline", "?filename=a%0Ab", "text/csv", personE164 + "\n", 400, "Param filename"},
			{"JSON is not a list", "", "application/json", `{"numbers":[]}`, 415, "Param Content-Type"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", "/api/v1/suppressions/import"+tc.query, e.keyA, tc.contentType, tc.body)
				wantError(t, r, tc.status, wire.CodeInvalidParameter, tc.want)
				if tc.status == 400 {
					conforms(t, "POST", "/api/v1/suppressions/import", r)
				}
			})
		}
		if n := e.chainLength("tenant-a"); n != 0 {
			t.Errorf("refused imports wrote %d records", n)
		}
		if got := e.state(e.keyA, personE164).states(); got != "marketing=none utility=none authentication=none all=none" {
			t.Errorf("a refused file's good lines were recorded: %s", got)
		}
	})
}

// The request examples of the document work against the server as they
// stand, so a reader can copy them.
func TestDocumentedRequestsWork(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		d := openAPIDoc(t)
		consentOp := d.Paths.Value("/api/v1/consent").Post
		mt := consentOp.RequestBody.Value.Content.Get("application/json")
		if len(mt.Examples) == 0 {
			t.Fatal("no consent examples")
		}
		for name, ex := range mt.Examples {
			if r := e.postJSON("/api/v1/consent", e.keyA, ex.Value.Value); r.status != 201 {
				t.Errorf("example %s: %d %s", name, r.status, r.body)
			}
		}
		csv := d.Paths.Value("/api/v1/suppressions/import").Post.RequestBody.Value.Content.Get("text/csv").Example.(string)
		if r := e.do("POST", "/api/v1/suppressions/import?filename=dnc.csv", e.keyA, "text/csv", csv); r.status != 200 {
			t.Errorf("CSV example: %d %s", r.status, r.body)
		}
	})
}
