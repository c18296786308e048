package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, email, password string
		status                int
		body                  string
	}{
		{"right password", "ana@acme.example", testPassword, http.StatusSeeOther, ""},
		{"email in capitals", "  ANA@Acme.Example ", testPassword, http.StatusSeeOther, ""},
		{"wrong password", "ana@acme.example", "wrong password!!", http.StatusUnauthorized, "E-mail ou senha incorretos."},
		{"unknown email", "nobody@acme.example", testPassword, http.StatusUnauthorized, "E-mail ou senha incorretos."},
		{"empty", "", "", http.StatusUnauthorized, "E-mail ou senha incorretos."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			a := b.login(tc.email, tc.password)
			if a.status != tc.status || !strings.Contains(a.body, tc.body) {
				t.Fatalf("log-in = %d %q, want %d with %q", a.status, a.body, tc.status, tc.body)
			}
			ov := b.get("/ui/overview")
			if loggedIn := ov.status == http.StatusOK; loggedIn != (tc.status == http.StatusSeeOther) {
				t.Errorf("overview after the attempt: %d", ov.status)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	form := b.get("/ui/login")
	anon := b.cookie(sessionCookie)
	if anon == nil {
		t.Fatal("the log-in form set no session cookie")
	}
	raw := form.header.Values("Set-Cookie")
	if len(raw) != 1 || !strings.Contains(raw[0], "HttpOnly") || !strings.Contains(raw[0], "SameSite=Strict") || !strings.Contains(raw[0], "Path=/ui") {
		t.Errorf("Set-Cookie = %q, want HttpOnly, SameSite=Strict, Path=/ui", raw)
	}
	if strings.Contains(raw[0], "Secure") {
		t.Errorf("Secure on a plain-HTTP answer: the cookie would never come back: %q", raw[0])
	}
	a := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrf(t, form.body)}, "email": {"ana@acme.example"}, "password": {testPassword}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("log-in: %d", a.status)
	}
	after := b.cookie(sessionCookie)
	if after == nil || after.Value == anon.Value {
		t.Fatal("the session id did not change at log-in (session fixation)")
	}
	// The anonymous id does not log anyone in.
	fixed := e.browser()
	u, _ := url.Parse(e.srv.URL + "/ui/")
	fixed.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: anon.Value, Path: "/ui"}})
	if got := fixed.get("/ui/overview"); got.status != http.StatusSeeOther {
		t.Errorf("the pre-log-in session id opens the overview: %d", got.status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	a := e.browser().get("/ui/login")
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
	} {
		if !strings.Contains(a.header.Get(h), want) {
			t.Errorf("%s = %q, want %q in it", h, a.header.Get(h), want)
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	token := b.mustLogin("ana@acme.example")
	other := e.browser()
	otherToken := other.mustLogin("bea@globex.example")
	cases := []struct {
		name   string
		path   string
		form   url.Values
		origin string
	}{
		{"erase without a token", "/ui/contacts/erase", url.Values{"number": {"+5511987654321"}, "confirm": {"+5511987654321"}}, ""},
		{"erase with a wrong token", "/ui/contacts/erase", url.Values{"csrf": {"x" + token}, "number": {"+5511987654321"}, "confirm": {"+5511987654321"}}, ""},
		{"erase with another session's token", "/ui/contacts/erase", url.Values{"csrf": {otherToken}, "number": {"+5511987654321"}, "confirm": {"+5511987654321"}}, ""},
		{"erase from another origin", "/ui/contacts/erase", url.Values{"csrf": {token}, "number": {"+5511987654321"}, "confirm": {"+5511987654321"}}, "https://evil.example"},
		{"log-out without a token", "/ui/logout", url.Values{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+tc.path, strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := b.c.Do(req)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
		})
	}
	// Nothing was erased and the session still works.
	st, err := e.ledger.StateByWaID(t.Context(), "t1", "5511987654321", consent.All)
	must(t, err)
	if st.Action != "" {
		t.Errorf("a refused POST erased: %+v", st)
	}
	if b.get("/ui/overview").status != http.StatusOK {
		t.Error("the session ended after refused POSTs")
	}
	// The log-in form itself needs its token.
	anon := e.browser()
	anon.get("/ui/login")
	if a := anon.do(http.MethodPost, "/ui/login", url.Values{"email": {"ana@acme.example"}, "password": {testPassword}}); a.status != http.StatusForbidden {
		t.Errorf("log-in without a token: %d, want 403", a.status)
	}
}

func TestLoginRateLimited(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LoginBurst, c.LoginPerMinute = 3, 1 })
	b := e.browser()
	for i := range 3 {
		if a := b.login("ana@acme.example", "wrong password!!"); a.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, a.status)
		}
	}
	a := b.login("ana@acme.example", testPassword)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" || !strings.Contains(a.body, "Muitas tentativas") {
		t.Fatalf("after the burst, the right password: %d Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
	if b.get("/ui/overview").status == http.StatusOK {
		t.Error("a limited log-in logged in")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	token := b.mustLogin("ana@acme.example")
	old := b.cookie(sessionCookie).Value
	a := b.do(http.MethodPost, "/ui/logout", url.Values{"csrf": {token}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/login" {
		t.Fatalf("log-out: %d %s", a.status, a.header.Get("Location"))
	}
	// The old cookie, replayed, is dead on the server.
	replay := e.browser()
	u, _ := url.Parse(e.srv.URL + "/ui/")
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: old, Path: "/ui"}})
	if got := replay.get("/ui/overview"); got.status != http.StatusSeeOther {
		t.Errorf("the logged-out session still opens the overview: %d", got.status)
	}
}

func TestPagesNeedLogIn(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for _, p := range []string{"/ui/", "/ui/overview", "/ui/overview/chart.svg", "/ui/contacts?number=5511987654321", "/ui/decisions", "/ui/templates"} {
		if a := b.get(p); a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/login" {
			t.Errorf("GET %s logged out: %d %s", p, a.status, a.header.Get("Location"))
		}
	}
}

// seedMessages gives t1 a week of traffic and t2 one message.
func seedMessages(t *testing.T, e *env) {
	ctx := t.Context()
	now := time.Now().UTC()
	var items []*store.Intake
	for i, tenant := range []string{"t1", "t1", "t1", "t2"} {
		sender := map[string]string{"t1": "p1", "t2": "p2"}[tenant]
		id := "wamid.gw." + string(rune('a'+i))
		items = append(items, &store.Intake{Message: &store.Message{ID: id, TenantID: tenant, SenderID: sender, WaID: "5511987654321",
			Type: "text", Body: []byte("{}"), State: store.StateQueued, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now},
			Decision: store.Decision{TenantID: tenant, SenderID: sender, MessageID: id, Outcome: store.OutcomeAllow, CreatedAt: now}})
	}
	items = append(items, &store.Intake{Decision: store.Decision{TenantID: "t1", SenderID: "p1", WaID: "5511987654321",
		Outcome: store.OutcomeReject, Rule: "consent", Code: "consent.missing", GraphCode: 470110, Reason: "no opt-in", CreatedAt: now}})
	items = append(items, &store.Intake{Decision: store.Decision{TenantID: "t2", SenderID: "p2", WaID: "5521999998888",
		Outcome: store.OutcomeReject, Rule: "window", Code: "window.closed", GraphCode: 470120, Reason: "window closed", CreatedAt: now}})
	must(t, e.st.CommitIntake(ctx, items))
	for _, snd := range []string{"p1", "p2"} {
		ms, err := e.st.ClaimMessages(ctx, snd, now, 10, time.Minute)
		must(t, err)
		var out []store.Outcome
		for _, m := range ms {
			out = append(out, store.Outcome{MessageID: m.ID, State: store.StateSent, MetaID: "meta." + m.ID, Attempts: 1, At: now})
		}
		must(t, e.st.RecordOutcomes(ctx, out, nil))
	}
	ev := func(id, status string, at time.Time) store.StatusApply {
		return store.StatusApply{Event: store.StatusEvent{MessageID: id, MetaID: "meta." + id, Status: status, Timestamp: at}, State: store.MessageState(status)}
	}
	yesterday := now.Add(-24 * time.Hour)
	must(t, e.st.ApplyWebhooks(ctx, store.WebhookApply{Statuses: []store.StatusApply{
		ev("wamid.gw.a", "sent", yesterday), ev("wamid.gw.a", "delivered", yesterday), ev("wamid.gw.a", "read", now),
		ev("wamid.gw.b", "sent", now), ev("wamid.gw.c", "sent", now), ev("wamid.gw.c", "failed", now),
		ev("wamid.gw.d", "sent", now), ev("wamid.gw.d", "delivered", now),
	}}))
}

func TestOverview(t *testing.T) {
	e := newEnv(t)
	seedMessages(t, e)
	b := e.browser()
	b.mustLogin("ana@acme.example")
	a := b.get("/ui/overview")
	if !strings.Contains(a.body, "+55 11 4000-0001") && !strings.Contains(a.body, "&#43;55 11 4000-0001") {
		t.Errorf("the tenant's number is not on the overview")
	}
	if strings.Contains(a.body, "4000-0002") {
		t.Error("another tenant's number is on the overview")
	}
	if !strings.Contains(a.body, "<dd>80</dd>") {
		t.Error("the number's throughput is not shown")
	}
	bea := e.browser()
	bea.mustLogin("bea@globex.example")
	if b := bea.get("/ui/overview").body; !strings.Contains(b, "<dd>80 (padrão)</dd>") || strings.Contains(b, "4000-0001") {
		t.Error("t2's overview: its number without a throughput of its own should show the default, and only its number")
	}
	today := time.Now().UTC().Format("2006-01-02")
	yesterday := time.Now().UTC().Add(-24 * time.Hour).Format("2006-01-02")
	for day, row := range map[string]string{
		yesterday: "<th scope=\"row\">" + yesterday + "</th><td>1</td><td>1</td><td>0</td><td>0</td>",
		today:     "<th scope=\"row\">" + today + "</th><td>2</td><td>0</td><td>1</td><td>1</td>",
	} {
		if !strings.Contains(a.body, row) {
			t.Errorf("the week's table lacks %s's row %q", day, row)
		}
	}
	svg := b.get("/ui/overview/chart.svg")
	if svg.status != http.StatusOK || svg.header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(svg.body, "<svg") ||
		!strings.Contains(svg.body, "Enviadas") {
		t.Errorf("chart: %d %s %.200q", svg.status, svg.header.Get("Content-Type"), svg.body)
	}
}

func TestDecisions(t *testing.T) {
	e := newEnv(t)
	seedMessages(t, e)
	cases := []struct {
		user, lang, query string
		want, notWant     []string
	}{
		{"ana@acme.example", "", "", []string{"470110", "Sem consentimento registrado", "consent.missing"}, []string{"470120"}},
		{"ana@acme.example", "en", "+55 11 98765-4321", []string{"470110", "No consent on record"}, nil},
		{"ana@acme.example", "", "5521999998888", []string{"Nenhuma recusa encontrada."}, []string{"470120"}},
		{"bea@globex.example", "es", "", []string{"470120"}, []string{"470110"}},
	}
	for _, tc := range cases {
		t.Run(tc.user+" "+tc.query, func(t *testing.T) {
			b := e.browser()
			b.lang = tc.lang
			b.mustLogin(tc.user)
			a := b.get("/ui/decisions?q=" + url.QueryEscape(tc.query))
			for _, w := range tc.want {
				if !strings.Contains(a.body, w) {
					t.Errorf("decisions lack %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(a.body, w) {
					t.Errorf("decisions show %q", w)
				}
			}
		})
	}
}

func TestContactsAndErase(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	at := time.Now().Add(-time.Hour)
	_, err := e.ledger.Record(ctx, consent.Request{TenantID: "t1", Contact: "+5511987654321", Action: consent.OptIn, Category: consent.Marketing,
		Source: consent.WebForm, Evidence: consent.Evidence{Text: "Quero ofertas", URL: "https://acme.example/optin", At: at}})
	must(t, err)

	ana := e.browser()
	anaToken := ana.mustLogin("ana@acme.example")
	a := ana.get("/ui/contacts?number=" + url.QueryEscape("+55 11 98765-4321"))
	for _, w := range []string{"aceitou", "Quero ofertas", "https://acme.example/optin", "Íntegra: 1 registros verificados", `id="erase"`} {
		if !strings.Contains(a.body, w) {
			t.Errorf("contact page lacks %q", w)
		}
	}

	// Another tenant sees a number nobody recorded.
	bea := e.browser()
	bea.mustLogin("bea@globex.example")
	other := bea.get("/ui/contacts?number=5511987654321")
	if strings.Contains(other.body, "Quero ofertas") || strings.Contains(other.body, "aceitou") || !strings.Contains(other.body, "Nenhum registro para este número.") {
		t.Error("another tenant's contact is visible")
	}

	// A viewer sees no erase button and may not erase.
	vic := e.browser()
	vicToken := vic.mustLogin("vic@acme.example")
	if strings.Contains(vic.get("/ui/contacts?number=5511987654321").body, `id="erase"`) {
		t.Error("a viewer is offered erasure")
	}
	erase := url.Values{"number": {"+5511987654321"}, "confirm": {"+5511987654321"}}
	erase.Set("csrf", vicToken)
	if got := vic.do(http.MethodPost, "/ui/contacts/erase", erase); got.status != http.StatusForbidden {
		t.Errorf("a viewer's erasure: %d, want 403", got.status)
	}

	// An admin must confirm.
	unconfirmed := url.Values{"csrf": {anaToken}, "number": {"+5511987654321"}}
	if got := ana.do(http.MethodPost, "/ui/contacts/erase", unconfirmed); got.status != http.StatusBadRequest {
		t.Errorf("an unconfirmed erasure: %d, want 400", got.status)
	}
	st, err := e.ledger.StateByWaID(ctx, "t1", "5511987654321", consent.Marketing)
	must(t, err)
	if st.Action != consent.OptIn {
		t.Fatalf("refused erasures changed the state: %+v", st)
	}
	erase.Set("csrf", anaToken)
	got := ana.do(http.MethodPost, "/ui/contacts/erase", erase)
	if got.status != http.StatusSeeOther {
		t.Fatalf("erasure: %d %s", got.status, got.body)
	}
	st, err = e.ledger.StateByWaID(ctx, "t1", "5511987654321", consent.Marketing)
	must(t, err)
	if st.Action != consent.Erased {
		t.Errorf("after erasure the state is %+v", st)
	}
	page := ana.get(got.header.Get("Location"))
	if !strings.Contains(page.body, "Contato apagado e bloqueado.") || strings.Contains(page.body, "Quero ofertas") {
		t.Error("the page after erasure does not say so, or still shows the evidence")
	}
	// t2's ledger is untouched.
	if hs, err := e.ledger.History(ctx, "t2", "+5511987654321", 0, 0); err != nil || len(hs) != 0 {
		t.Errorf("t2's history after t1's erasure: %v %v", hs, err)
	}
}

func TestContactsBadNumber(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.mustLogin("ana@acme.example")
	a := b.get("/ui/contacts?number=abc")
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "não é válido") {
		t.Errorf("a bad number: %d", a.status)
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		accept, cookie string
		want, lang     string
	}{
		{"", "", "Visão geral", "pt-BR"},
		{"en-US,en;q=0.9", "", "Overview", "en"},
		{"es-AR", "", "Resumen", "es"},
		{"de-DE", "", "Visão geral", "pt-BR"},
		{"en-US", "es", "Resumen", "es"},
	}
	for _, tc := range cases {
		t.Run(tc.accept+"/"+tc.cookie, func(t *testing.T) {
			b := e.browser()
			b.lang = tc.accept
			b.mustLogin("ana@acme.example")
			if tc.cookie != "" {
				a := b.get("/ui/lang?l=" + tc.cookie + "&next=%2Fui%2Foverview")
				if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/overview" {
					t.Fatalf("switch: %d %s", a.status, a.header.Get("Location"))
				}
			}
			a := b.get("/ui/overview")
			if !strings.Contains(a.body, "<h1>"+tc.want+"</h1>") || !strings.Contains(a.body, `<html lang="`+tc.lang+`">`) {
				t.Errorf("overview not in %s", tc.lang)
			}
		})
	}
}

func TestLanguageSwitchStaysOnTheDashboard(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for next, want := range map[string]string{
		"/ui/decisions?q=1":     "/ui/decisions?q=1",
		"https://evil.example/": "/ui/overview",
		"//evil.example/ui/":    "/ui/overview",
		"/ui/\\evil":            "/ui/overview",
		"/api/v1/openapi.json":  "/ui/overview",
	} {
		a := b.get("/ui/lang?l=en&next=" + url.QueryEscape(next))
		if a.header.Get("Location") != want {
			t.Errorf("next=%q went to %q, want %q", next, a.header.Get("Location"), want)
		}
	}
}

func TestEveryMessageHasEveryLanguage(t *testing.T) {
	for key, m := range messages {
		for _, l := range []string{"pt-BR", "en", "es"} {
			found := false
			for k, v := range m {
				found = found || (string(k) == l && v != "")
			}
			if !found {
				t.Errorf("message %q has no %s", key, l)
			}
		}
	}
}

func TestTemplatesPage(t *testing.T) {
	e := newEnv(t, withTemplates(t))
	for _, tc := range []struct {
		user, lang    string
		want, notWant []string
	}{
		{"ana@acme.example", "", []string{"confirmacao_pedido", "oferta_relampago", "PAUSED — envios recusados", "FIRST_PAUSE", "MARKETING"}, []string{"segredo_da_globex"}},
		{"vic@acme.example", "en", []string{"Your accounts", "PAUSED — sends refused"}, []string{"segredo_da_globex"}},
		{"bea@globex.example", "es", []string{"segredo_da_globex", "Plantillas de sus cuentas"}, []string{"confirmacao_pedido", "oferta_relampago"}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			b := e.browser()
			b.lang = tc.lang
			b.mustLogin(tc.user)
			a := b.get("/ui/templates")
			if a.status != http.StatusOK {
				t.Fatalf("status %d", a.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(a.body, w) {
					t.Errorf("templates page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(a.body, w) {
					t.Errorf("templates page shows another tenant's %q", w)
				}
			}
		})
	}
	// Without a cache the page says so rather than failing.
	b := newEnv(t).browser()
	b.mustLogin("ana@acme.example")
	if a := b.get("/ui/templates"); a.status != http.StatusOK || !strings.Contains(a.body, "Nenhum template conhecido") {
		t.Fatalf("without a cache: %d", a.status)
	}
}
