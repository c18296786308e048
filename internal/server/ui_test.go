package server

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The dashboard is served under /ui of the gateway's listener: the demo
// admin printed at first start logs in, and a contact erased there is
// erased for the management API too (one ledger).
func TestDashboardMounted(t *testing.T) {
	t.Parallel()
	srv := startServer(t, nil)
	key := srv.First.APIKey
	if status, _ := call(t, "POST", srv.URL()+"/api/v1/consent", key,
		`{"number":"+55 11 98765-4321","action":"opt_out","category":"marketing","source":"api"}`); status != 201 {
		t.Fatalf("record consent: %d", status)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(path string) string {
		t.Helper()
		res, err := c.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return string(b)
	}
	post := func(path string, form url.Values) string {
		t.Helper()
		res, err := c.PostForm(srv.URL()+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("POST %s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	page := get("/ui/login")
	page = post("/ui/login", url.Values{"csrf": {token.FindStringSubmatch(page)[1]},
		"email": {srv.First.DashboardEmail}, "password": {srv.First.DashboardPassword}})
	if !strings.Contains(page, DemoDisplayNumber) && !strings.Contains(page, strings.Replace(DemoDisplayNumber, "+", "&#43;", 1)) {
		t.Fatalf("the overview after log-in lacks the demo number:\n%s", page)
	}
	page = get("/ui/contacts?number=5511987654321")
	if !strings.Contains(page, "recusou") {
		t.Errorf("the dashboard does not show the opt-out the API recorded")
	}
	page = post("/ui/contacts/erase", url.Values{"csrf": {token.FindStringSubmatch(page)[1]}, "number": {"+5511987654321"}, "confirm": {"+5511987654321"}})
	if !strings.Contains(page, "Contato apagado") {
		t.Errorf("erasure not confirmed")
	}
	if status, body := call(t, "GET", srv.URL()+"/api/v1/consent/5511987654321", key, ""); status != 200 || !strings.Contains(body, `"state":"erased"`) {
		t.Errorf("the API after the dashboard's erasure: %d %s", status, body)
	}
}

// A pause in the dashboard refuses the number's next send at once (the
// intake forgets its cached sender), and a resume lets sends through again.
func TestDashboardPauseRefusesSendsAtOnce(t *testing.T) {
	t.Parallel()
	srv := startServer(t, nil)
	key := srv.First.APIKey
	send := func() (int, string) {
		return call(t, "POST", srv.URL()+"/v23.0/"+DemoPhoneNumberID+"/messages", key,
			`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"oi"}}`)
	}
	// A first send fills the intake's sender cache with the active number.
	if status, body := send(); strings.Contains(body, "4990001") {
		t.Fatalf("before the pause the send is refused as stopped: %d %s", status, body)
	}
	jar, _ := cookiejar.New(nil)
	// A log-in derives an argon2id key: slow under the race detector on a
	// loaded machine, so the bound is generous.
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	do := func(path string, form url.Values) string {
		t.Helper()
		var res *http.Response
		var err error
		if form == nil {
			res, err = c.Get(srv.URL() + path)
		} else {
			res, err = c.PostForm(srv.URL()+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	page := do("/ui/login", nil)
	do("/ui/login", url.Values{"csrf": {token.FindStringSubmatch(page)[1]},
		"email": {srv.First.DashboardEmail}, "password": {srv.First.DashboardPassword}})
	page = do("/ui/numbers/"+DemoPhoneNumberID, nil)
	csrf := token.FindStringSubmatch(page)[1]
	if page = do("/ui/numbers/"+DemoPhoneNumberID+"/pause", url.Values{"csrf": {csrf}}); !strings.Contains(page, "Número pausado") {
		t.Fatalf("the pause is not confirmed")
	}
	status, body := send()
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"error_subcode":4990001`) || !strings.Contains(body, "paused") {
		t.Errorf("a send right after the pause: %d %s", status, body)
	}
	if page = do("/ui/numbers/"+DemoPhoneNumberID+"/resume", url.Values{"csrf": {csrf}}); !strings.Contains(page, "Número retomado") {
		t.Fatalf("the resume is not confirmed")
	}
	if status, body := send(); strings.Contains(body, "4990001") {
		t.Errorf("a send right after the resume is still refused as stopped: %d %s", status, body)
	}
}

// A campaign made through the management API is on the dashboard, and what
// the dashboard does to it (a pre-flight, a cancel) the API sees at once:
// both go through the one campaign service.
func TestDashboardCampaignsAreTheAPIs(t *testing.T) {
	t.Parallel()
	srv := startServer(t, nil)
	key := srv.First.APIKey
	if status, body := call(t, "POST", srv.URL()+"/api/v1/audiences", key, `{"id":"todos","name":"Todos","filter":{}}`); status != 201 && status != 200 {
		t.Fatalf("create audience: %d %s", status, body)
	}
	if status, body := call(t, "POST", srv.URL()+"/api/v1/campaigns", key, `{"id":"natal","name":"Natal pela API","phone_number_id":"`+
		DemoPhoneNumberID+`","template":"ofertas","language":"pt_BR","audience_id":"todos"}`); status != 201 {
		t.Fatalf("create campaign: %d %s", status, body)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	do := func(path string, form url.Values) string {
		t.Helper()
		var res *http.Response
		var err error
		if form == nil {
			res, err = c.Get(srv.URL() + path)
		} else {
			res, err = c.PostForm(srv.URL()+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	page := do("/ui/login", nil)
	do("/ui/login", url.Values{"csrf": {token.FindStringSubmatch(page)[1]},
		"email": {srv.First.DashboardEmail}, "password": {srv.First.DashboardPassword}})
	if page = do("/ui/campaigns", nil); !strings.Contains(page, "Natal pela API") || !strings.Contains(page, "rascunho") {
		t.Fatalf("the campaigns page lacks the API's draft")
	}
	page = do("/ui/campaigns/natal", nil)
	csrf := token.FindStringSubmatch(page)[1]
	if page = do("/ui/campaigns/natal/preflight", url.Values{"csrf": {csrf}}); !strings.Contains(page, `id="preflight"`) {
		t.Fatalf("the pre-flight shows no report")
	}
	if status, body := call(t, "GET", srv.URL()+"/api/v1/campaigns/natal", key, ""); status != 200 || !strings.Contains(body, `"state":"preflight"`) {
		t.Errorf("the API after the dashboard's pre-flight: %d %s", status, body)
	}
	if page = do("/ui/campaigns/natal/cancel", url.Values{"csrf": {csrf}, "confirm": {"1"}}); !strings.Contains(page, "Campanha cancelada") {
		t.Fatalf("the cancel is not confirmed")
	}
	if status, body := call(t, "GET", srv.URL()+"/api/v1/campaigns/natal", key, ""); status != 200 || !strings.Contains(body, `"state":"cancelled"`) {
		t.Errorf("the API after the dashboard's cancel: %d %s", status, body)
	}
}
