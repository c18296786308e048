package contact_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

var base = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	st     store.Store
	ledger *consent.Ledger
	svc    *contact.Service
}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	clock := func() time.Time { return base }
	l := consent.New(st, consent.WithClock(clock), consent.WithDefaultRegion("BR"))
	return &env{st: st, ledger: l, svc: contact.New(st, l, contact.WithClock(clock), contact.WithDefaultRegion("BR"))}
}

func sqliteEnv(t *testing.T) *env { return newEnv(t, sqlitetest.Open(t)) }

func postgresEnv(t *testing.T) *env {
	t.Helper()
	st, err := postgres.Open(t.Context(), pgtest.DSN(t), storetest.Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return newEnv(t, st)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seed gives the tenant a contact that exists before the import and a
// person who opted out of marketing on 15 October.
func (e *env) seed(t *testing.T) {
	t.Helper()
	name := "Existing"
	tags := []string{"old"}
	_, _, err := e.svc.Upsert(t.Context(), "acme", "+5511912345678", contact.Patch{Name: &name, Tags: &tags})
	must(t, err)
	_, err = e.ledger.Record(t.Context(), consent.Request{TenantID: "acme", Contact: "+5531991112222", Action: consent.OptOut,
		Category: consent.Marketing, Source: consent.WhatsAppKeyword,
		Evidence: consent.Evidence{Text: "PARAR", MessageID: "wamid.STOP", At: time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)}})
	must(t, err)
}

// brazilCSV is a spreadsheet saved in a pt-BR locale: ';' separators and
// accented names. Every line is one outcome.
const brazilCSV = `telefone;nome;tags;attr.cidade;opt_in;consent_source;consent_at;consent_text;consent_url;consent_ip
+55 (11) 98765-4321;José Conceição;vip|sp;São Paulo;marketing;web_form;2026-10-01 10:00;Quero receber ofertas;https://acme.example/form;203.0.113.7
551187654321;José sem nono dígito;;;;;;;;
12345;Número curto;;;;;;;;
+5521998765432;Maria;;;marketing;;;;;
+5531991112222;Pediu para parar;;;marketing;import;01/09/2026;Aceito ofertas;https://acme.example/proof.pdf;
+5511912345678;Existing Renamed;novo;;;;;;;
"+5511900001111;quebrada;;;;;;;;
`

// brazilCSVTail follows the broken quote on line 8 in its own file: an
// unclosed quote swallows the rest of a file, as in any CSV reader.
const brazilCSVTail = `telefone;nome;tags;attr.cidade;opt_in;consent_source;consent_at;consent_text;consent_url;consent_ip
+5511955554444;Ana;;Recife;sim;import;2026-10-02T08:00:00-03:00;Aceito receber mensagens;https://acme.example/p/1;
+5511955554444;Ana de novo;;;;;;;;
+5511955553333;Bia;;;;;;;
`

type want struct {
	outcome, reason, waID string
}

func results(t *testing.T, e *env, data string, opt contact.ImportOptions) (contact.ImportReport, map[int]contact.LineResult) {
	t.Helper()
	got := map[int]contact.LineResult{}
	opt.OnLine = func(r contact.LineResult) {
		if _, dup := got[r.Line]; dup {
			t.Errorf("line %d reported twice", r.Line)
		}
		got[r.Line] = r
	}
	rep, err := e.svc.Import(t.Context(), "acme", strings.NewReader(data), opt)
	must(t, err)
	return rep, got
}

func check(t *testing.T, got map[int]contact.LineResult, wants map[int]want) {
	t.Helper()
	for line, w := range wants {
		g, ok := got[line]
		if !ok {
			t.Errorf("line %d: no result", line)
			continue
		}
		if g.Outcome != w.outcome || g.Reason != w.reason || (w.waID != "" && g.WaID != w.waID) {
			t.Errorf("line %d = %+v, want %+v", line, g, w)
		}
	}
	if len(got) != len(wants) {
		t.Errorf("%d lines reported, want %d: %+v", len(got), len(wants), got)
	}
}

var brazilWants = map[int]want{
	2: {contact.Created, "", "5511987654321"},
	3: {contact.Refused, contact.ReasonDuplicate, "5511987654321"},
	4: {contact.Refused, contact.ReasonBadNumber, ""},
	5: {contact.Refused, contact.ReasonMissingEvidence, ""},
	6: {contact.Refused, contact.ReasonSuppressed, "5531991112222"},
	7: {contact.Merged, "", "5511912345678"},
	8: {contact.Refused, contact.ReasonMalformed, ""},
}

var tailWants = map[int]want{
	2: {contact.Created, "", "5511955554444"},
	3: {contact.Refused, contact.ReasonDuplicate, ""},
	4: {contact.Refused, contact.ReasonMalformed, ""},
}

func latin1(t *testing.T, s string) string {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	must(t, err)
	return b
}

// TestImportCSVOutcomes imports the Brazilian spreadsheet as UTF-8, with a
// BOM, and as Latin-1, and checks every line, what landed and what the
// ledger recorded.
func TestImportCSVOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name, enc string
		conv      func(*testing.T, string) string
	}{
		{"utf-8", contact.UTF8, func(_ *testing.T, s string) string { return s }},
		{"utf-8 with BOM", contact.UTF8, func(_ *testing.T, s string) string { return "\uFEFF" + s }},
		{"latin-1", contact.Windows1252, latin1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := sqliteEnv(t)
			e.seed(t)
			rep, got := results(t, e, tc.conv(t, brazilCSV), contact.ImportOptions{ChunkSize: 1})
			check(t, got, brazilWants)
			if rep.Encoding != tc.enc || rep.Format != contact.CSV || !rep.Committed || rep.Created != 1 || rep.Merged != 1 ||
				rep.Refused != 5 || rep.OptIns != 1 {
				t.Errorf("report %+v", rep)
			}
			rep, got = results(t, e, tc.conv(t, brazilCSVTail), contact.ImportOptions{})
			check(t, got, tailWants)
			if !rep.Committed || rep.OptIns != 1 {
				t.Errorf("tail report %+v", rep)
			}

			jose, err := e.svc.Get(t.Context(), "acme", "551187654321") // without the ninth digit: the same person
			must(t, err)
			if jose.Name != "José Conceição" || !slices.Equal(jose.Tags, []string{"sp", "vip"}) ||
				string(jose.Attributes) != `{"cidade":"São Paulo"}` || jose.Consent["marketing"] != "opt_in" || jose.E164 != "+5511987654321" {
				t.Errorf("José = %+v", jose)
			}
			st, err := e.ledger.State(t.Context(), "acme", "+5511987654321", consent.Marketing)
			must(t, err)
			if !st.OptedIn() || st.Source != consent.WebForm {
				t.Errorf("José's ledger state = %+v", st)
			}
			h, err := e.ledger.History(t.Context(), "acme", "+5511987654321", 0, 0)
			must(t, err)
			if len(h) != 1 || h[0].Evidence == nil || h[0].Evidence.URL != "https://acme.example/form" || h[0].Evidence.IP != "203.0.113.7" ||
				!h[0].Evidence.At.Equal(time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("José's evidence = %+v", h)
			}
			ex, err := e.svc.Get(t.Context(), "acme", "+5511912345678")
			must(t, err)
			if ex.Name != "Existing Renamed" || !slices.Equal(ex.Tags, []string{"novo", "old"}) || !ex.CreatedAt.Equal(base) {
				t.Errorf("merged = %+v", ex)
			}
			ana, err := e.svc.Get(t.Context(), "acme", "+5511955554444")
			must(t, err)
			if ana.Name != "Ana" || ana.Consent["marketing"] != "opt_in" {
				t.Errorf("Ana = %+v", ana)
			}
			for _, n := range []string{"+5531991112222", "+5521998765432", "+5511955553333"} {
				if _, err := e.svc.Get(t.Context(), "acme", n); err == nil {
					t.Errorf("refused %s landed", n)
				}
			}
			if n, _ := e.st.CountContacts(t.Context(), "acme"); n != 3 {
				t.Errorf("%d contacts, want 3", n)
			}
		})
	}
}

// TestImportDryRunChangesNothing: a dry run reports every line as the
// import would, and writes nothing (no contact, no ledger record, no
// journal).
func TestImportDryRunChangesNothing(t *testing.T) {
	e := sqliteEnv(t)
	e.seed(t)
	head, err := e.st.ConsentHead(t.Context(), "acme")
	must(t, err)
	before, err := e.svc.List(t.Context(), contact.Query{TenantID: "acme"})
	must(t, err)
	rep, got := results(t, e, brazilCSV, contact.ImportOptions{DryRun: true})
	check(t, got, brazilWants)
	if rep.Committed || rep.ID != "" {
		t.Errorf("dry run committed: %+v", rep)
	}
	after, err := e.svc.List(t.Context(), contact.Query{TenantID: "acme"})
	must(t, err)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("contacts changed:\n%v\n%v", before, after)
	}
	if h, _ := e.st.ConsentHead(t.Context(), "acme"); h != head {
		t.Errorf("ledger head moved from %+v to %+v", head, h)
	}
}

// TestImportStrict: with one bad line nothing lands; without bad lines
// the same strict import lands.
func TestImportStrict(t *testing.T) {
	e := sqliteEnv(t)
	e.seed(t)
	rep, _ := results(t, e, brazilCSV, contact.ImportOptions{Strict: true})
	if rep.Committed || rep.Refused != 5 {
		t.Errorf("strict import with refusals: %+v", rep)
	}
	if n, _ := e.st.CountContacts(t.Context(), "acme"); n != 1 {
		t.Errorf("%d contacts after a refused strict import, want the 1 seeded", n)
	}
	if _, err := e.svc.Get(t.Context(), "acme", "+5511987654321"); err == nil {
		t.Error("a good line of a refused strict import landed")
	}
	good := "phone,name\n+5511987654321,José\n+5511955554444,Ana\n"
	rep, got := results(t, e, good, contact.ImportOptions{Strict: true})
	check(t, got, map[int]want{2: {contact.Created, "", ""}, 3: {contact.Created, "", ""}})
	if !rep.Committed {
		t.Errorf("strict import without refusals: %+v", rep)
	}
}

// TestImportHeaderRefused: an unknown column refuses the file, on line 1,
// and writes nothing.
func TestImportHeaderRefused(t *testing.T) {
	e := sqliteEnv(t)
	rep, got := results(t, e, "phone,nome_completo\n+5511987654321,José\n", contact.ImportOptions{})
	check(t, got, map[int]want{1: {contact.Refused, contact.ReasonUnknownColumn, ""}})
	if rep.Committed || !strings.Contains(rep.Refusal, "nome_completo") {
		t.Errorf("report %+v", rep)
	}
	if n, _ := e.st.CountContacts(t.Context(), "acme"); n != 0 {
		t.Errorf("%d contacts", n)
	}
}

// TestImportJSON imports JSON Lines and a JSON array.
func TestImportJSON(t *testing.T) {
	lines := `{"phone":"+5511987654321","name":"José","tags":["vip"],"attributes":{"plan":"gold","seats":3},"opt_in":{"categories":["marketing","utility"],"source":"web_form","at":"2026-10-01T10:00:00Z","text":"Quero ofertas","url":"https://acme.example/f","user_agent":"Mozilla/5.0"}}

{"phone":"+5511955554444","nickname":"Ana"}
not json
{"phone":"+5511955553333","opt_in":{"categories":["marketing"],"source":"web_form","text":"Quero"}}
{"phone":"+5511955552222","language":"pt-BR"}
`
	e := sqliteEnv(t)
	rep, got := results(t, e, lines, contact.ImportOptions{})
	check(t, got, map[int]want{
		1: {contact.Created, "", "5511987654321"},
		3: {contact.Refused, contact.ReasonMalformed, ""},
		4: {contact.Refused, contact.ReasonMalformed, ""},
		5: {contact.Refused, contact.ReasonMissingEvidence, ""},
		6: {contact.Created, "", "5511955552222"},
	})
	if rep.Format != contact.JSON || rep.OptIns != 2 || !rep.Committed {
		t.Errorf("report %+v", rep)
	}
	j, err := e.svc.Get(t.Context(), "acme", "+5511987654321")
	must(t, err)
	if string(j.Attributes) != `{"plan":"gold","seats":3}` || j.Consent["utility"] != "opt_in" || j.Consent["marketing"] != "opt_in" {
		t.Errorf("José = %+v", j)
	}
	if v, _ := e.svc.Get(t.Context(), "acme", "+5511955552222"); v.Language != "pt_BR" {
		t.Errorf("language = %q, want pt_BR", v.Language)
	}

	arr := `[{"phone":"+5521998765432","name":"Maria"}, {"phone":"x"}]`
	_, got = results(t, e, arr, contact.ImportOptions{})
	check(t, got, map[int]want{1: {contact.Created, "", ""}, 2: {contact.Refused, contact.ReasonBadNumber, ""}})
}

// TestExportRoundTrip exports as CSV and JSON Lines and imports each
// export into another tenant: the contacts come back the same.
func TestExportRoundTrip(t *testing.T) {
	e := sqliteEnv(t)
	e.seed(t)
	_, _ = results(t, e, brazilCSV, contact.ImportOptions{})
	for _, format := range []string{contact.CSV, contact.JSONL} {
		var buf bytes.Buffer
		n, err := e.svc.Export(t.Context(), "acme", nil, format, &buf)
		must(t, err)
		if n != 2 {
			t.Fatalf("%s: exported %d, want 2", format, n)
		}
		other := "copy-" + format
		var lines []contact.LineResult
		rep, err := e.svc.Import(t.Context(), other, bytes.NewReader(buf.Bytes()), contact.ImportOptions{Format: format,
			OnLine: func(r contact.LineResult) { lines = append(lines, r) }})
		must(t, err)
		if rep.Created != 2 || rep.Refused != 0 {
			t.Fatalf("%s: re-import %+v %+v\n%s", format, rep, lines, buf.String())
		}
		a, err := e.svc.List(t.Context(), contact.Query{TenantID: "acme"})
		must(t, err)
		b, err := e.svc.List(t.Context(), contact.Query{TenantID: other})
		must(t, err)
		for i := range a {
			if a[i].WaID != b[i].WaID || a[i].Name != b[i].Name || !slices.Equal(a[i].Tags, b[i].Tags) ||
				string(a[i].Attributes) != string(b[i].Attributes) || a[i].Language != b[i].Language {
				t.Errorf("%s: %+v came back as %+v", format, a[i], b[i])
			}
		}
	}
}

// TestAudiences evaluates filters on both stores against contacts whose
// consent is in the ledger and whose activity is their inbound.
func TestAudiences(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *env{"sqlite": sqliteEnv, "postgres": postgresEnv} {
		t.Run(name, func(t *testing.T) {
			e := open(t)
			c := t.Context()
			people := []struct {
				number, name string
				tags         []string
				attrs        string
			}{
				{"+5511987654321", "José", []string{"vip"}, `{"city":"Recife"}`},
				{"+5521998765432", "Maria", []string{"vip", "rj"}, `{"city":"Rio"}`},
				{"+5531991112222", "Carla", nil, `{}`},
			}
			for _, p := range people {
				tags := p.tags
				_, _, err := e.svc.Upsert(c, "acme", p.number, contact.Patch{Name: &p.name, Tags: &tags, Attributes: json.RawMessage(p.attrs)})
				must(t, err)
			}
			ev := consent.Evidence{Text: "Quero ofertas", URL: "https://acme.example/f", At: base.Add(-time.Hour)}
			for _, r := range []consent.Request{
				{TenantID: "acme", Contact: "+5511987654321", Action: consent.OptIn, Category: consent.Marketing, Source: consent.WebForm, Evidence: ev},
				{TenantID: "acme", Contact: "+5521998765432", Action: consent.OptIn, Category: consent.All, Source: consent.WebForm, Evidence: ev},
				{TenantID: "acme", Contact: "+5521998765432", Action: consent.OptOut, Category: consent.Marketing, Source: consent.API, Evidence: consent.Evidence{At: base}},
			} {
				_, err := e.ledger.Record(c, r)
				must(t, err)
			}
			must(t, e.st.PutSender(c, store.Sender{PhoneNumberID: "p1", TenantID: "acme", WABAID: "w1", State: store.SenderActive}))
			must(t, e.st.ApplyWebhooks(c, store.WebhookApply{Windows: []store.Window{
				{SenderID: "p1", WaID: "5511987654321", At: base.Add(-40 * 24 * time.Hour)},
				{SenderID: "p1", WaID: "5531991112222", At: base.Add(-2 * 24 * time.Hour)},
			}}))
			for _, tc := range []struct {
				filter string
				want   []string
			}{
				{`{}`, []string{"5511987654321", "5521998765432", "5531991112222"}},
				{`{"tag":"vip"}`, []string{"5511987654321", "5521998765432"}},
				{`{"consent":{"category":"marketing","state":"opted_in"}}`, []string{"5511987654321"}},
				{`{"consent":{"category":"utility","state":"opted_in"}}`, []string{"5521998765432"}},
				{`{"consent":{"category":"marketing","state":"suppressed"}}`, []string{"5521998765432"}},
				{`{"consent":{"category":"marketing","state":"none"}}`, []string{"5531991112222"}},
				{`{"inbound_within_days":30}`, []string{"5531991112222"}},
				{`{"inbound_within_days":60}`, []string{"5511987654321", "5531991112222"}},
				{`{"all":[{"tag":"vip"},{"not":{"consent":{"category":"marketing","state":"opted_out"}}}]}`, []string{"5511987654321"}},
				{`{"any":[{"attribute":{"name":"city","equals":"Rio"}},{"inbound_within_days":7}]}`, []string{"5521998765432", "5531991112222"}},
				{`{"attribute":{"name":"city","exists":true}}`, []string{"5511987654321", "5521998765432"}},
			} {
				av, err := e.svc.PutAudience(c, "acme", "a1", "test", []byte(tc.filter))
				must(t, err)
				_, f, err := e.svc.Audience(c, "acme", av.ID)
				must(t, err)
				var got []string
				must(t, e.svc.Each(c, "acme", f, func(v contact.View) error { got = append(got, v.WaID); return nil }))
				n, err := e.svc.Count(c, "acme", f)
				must(t, err)
				if !slices.Equal(got, tc.want) || n != int64(len(tc.want)) {
					t.Errorf("%s: %v (count %d), want %v", tc.filter, got, n, tc.want)
				}
			}
		})
	}
}

// TestParseFilterRefuses: bad expressions are refused with the path at fault.
func TestParseFilterRefuses(t *testing.T) {
	for _, tc := range []struct{ filter, field string }{
		{`{"tag":"a","language":"pt"}`, "filter"},
		{`{"colour":"red"}`, "filter"},
		{`{"consent":{"category":"all","state":"opted_in"}}`, "filter.consent.category"},
		{`{"all":[{"consent":{"category":"marketing","state":"maybe"}}]}`, "filter.all[0].consent.state"},
		{`{"attribute":{"name":"x"}}`, "filter.attribute"},
		{`{"inbound_within_days":-1}`, "filter.inbound_within_days"},
		{`{"not":{"not":{"not":{"not":{"not":{"not":{"not":{"not":{"tag":"x"}}}}}}}}}`, "filter.not.not.not.not.not.not.not.not"},
	} {
		_, err := contact.ParseFilter([]byte(tc.filter))
		var fe *contact.FieldError
		if !errorsAs(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want a refusal of %s", tc.filter, err, tc.field)
		}
	}
}

func errorsAs(err error, target **contact.FieldError) bool { return errors.As(err, target) }

// TestImportResumes: an import cut during its commit (here after its first
// chunk) leaves that chunk written and the journal committing; importing
// the same file again continues after it, and every good line lands once.
func TestImportResumes(t *testing.T) {
	e := sqliteEnv(t)
	data := "phone,name,opt_in,consent_source,consent_at,consent_text,consent_url\n" +
		"+5511987654321,A,marketing,import,2026-10-01,Aceito,https://acme.example/p\n" +
		"+5521998765432,B,marketing,import,2026-10-01,Aceito,https://acme.example/p\n" +
		"+5531991112222,C,,,,,\n"
	ctx, cancel := context.WithCancel(t.Context())
	_, err := e.svc.Import(ctx, "acme", strings.NewReader(data), contact.ImportOptions{ChunkSize: 1,
		OnProgress: func(p contact.Progress) {
			if p.Phase == "commit" {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cut import: %v", err)
	}
	if n, _ := e.st.CountContacts(t.Context(), "acme"); n != 1 {
		t.Fatalf("%d contacts after the cut, want the first chunk's 1", n)
	}
	rep, err := e.svc.Import(t.Context(), "acme", strings.NewReader(data), contact.ImportOptions{ChunkSize: 1})
	must(t, err)
	if !rep.Resumed || !rep.Committed {
		t.Errorf("second import %+v, want a resumed commit", rep)
	}
	if n, _ := e.st.CountContacts(t.Context(), "acme"); n != 3 {
		t.Errorf("%d contacts, want 3", n)
	}
	h, err := e.st.ConsentHead(t.Context(), "acme")
	must(t, err)
	if h.Seq != 2 {
		t.Errorf("ledger has %d records, want the 2 opt-ins once each", h.Seq)
	}
	// Done: the same file again is a new import, all merges.
	rep, err = e.svc.Import(t.Context(), "acme", strings.NewReader(data), contact.ImportOptions{DryRun: true})
	must(t, err)
	if rep.Resumed || rep.Merged != 3 {
		t.Errorf("after done: %+v", rep)
	}
}
