package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
)

func call(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The management API is served under /api/v1 of the gateway's listener,
// with the demo tenant's key, and writes the ledger the CLI reads.
func TestManagementAPIMounted(t *testing.T) {
	t.Parallel()
	srv := startServer(t, nil)
	key := srv.First.APIKey
	steps := []struct {
		method, path, key, body string
		status                  int
		want                    string
	}{
		{"GET", "/api/v1/openapi.json", "", "", 200, `"openapi": "3.1.0"`},
		{"GET", "/api/v1/consent/verify", "", "", 401, `"code":190`},
		{"POST", "/api/v1/consent", key, `{"number":"+55 11 98765-4321","action":"opt_out","category":"all","source":"api"}`, 201, `"seq":1`},
		{"GET", "/api/v1/consent/11987654321", key, "", 200, `"state":"opt_out"`}, // default_region BR
		{"GET", "/api/v1/consent/verify", key, "", 200, `"ok":true,"records":1`},
		{"GET", "/api/v1/nothing", key, "", 400, `"code":100`}, // its text in pt-BR by default
	}
	for _, s := range steps {
		status, body := call(t, s.method, srv.URL()+s.path, s.key, s.body)
		if status != s.status || !strings.Contains(body, s.want) {
			t.Errorf("%s %s = %d %s, want %d with %s", s.method, s.path, status, body, s.status, s.want)
		}
	}
	heads, err := srv.Store().ConsentHead(t.Context(), DemoTenantID)
	if err != nil || heads.Seq != 1 {
		t.Errorf("the demo tenant's chain head = %+v, %v; want seq 1", heads, err)
	}
}

// Failed authentications on the management API spend the same budget as
// on the Graph surface: one limiter, not two.
func TestManagementAPIShareTheAuthLimit(t *testing.T) {
	t.Parallel()
	srv := startServer(t, func(c *config.Config) { c.Auth.FailureBurst, c.Auth.FailuresPerMinute = 2, 1 })
	bad := "wg_000000000000_notakeynotakeynotakeynotakey0000"
	for range 2 {
		if status, body := call(t, "GET", srv.URL()+"/api/v1/consent/verify", bad, ""); status != 401 {
			t.Fatalf("bad key on /api/v1 = %d %s, want 401", status, body)
		}
	}
	status, body := call(t, "POST", srv.URL()+"/v23.0/100000000000001/messages", bad, `{}`)
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	if status != http.StatusTooManyRequests || e.Error.Code != 4 {
		t.Errorf("Graph surface after two failures on /api/v1 = %d %s, want 429 with code 4", status, body)
	}
}

// The content classifier is wired: a model trained through the API serves
// the tenant through Server.Classifier().
func TestContentClassifierWired(t *testing.T) {
	t.Parallel()
	srv := startServer(t, nil)
	cl := srv.Classifier()
	v, err := cl.Classify(t.Context(), DemoTenantID, "hello")
	if err != nil || v.Model != cl.BuiltinName() {
		t.Fatalf("before training: %+v, %v; want the built-in model", v, err)
	}
	// Training rebuilds the whole model: under the race detector on a
	// busy machine it can take longer than testClient waits.
	req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL()+"/api/v1/content/models",
		strings.NewReader(`{"text":"Your parcel was delivered today. Thank you for shopping with us.","label":"ham","lang":"en"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.First.APIKey)
	req.Header.Set("Content-Type", "application/jsonl")
	res, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("train = %d %s", res.StatusCode, body)
	}
	v, err = cl.Classify(t.Context(), DemoTenantID, "hello")
	if err != nil || v.Model != DemoTenantID+"-v1" {
		t.Errorf("after training: %+v, %v; want %s-v1", v, err, DemoTenantID)
	}
}

// The sender pages show what the Graph reader learned from the simulator
// at start, the portfolio's limit and its use, for the tenant's own
// senders only, and the forecast refuses bad sizes naming the field.
func TestSenderPages(t *testing.T) {
	t.Parallel()
	srv := startServer(t, nil)
	key := srv.First.APIKey
	base := srv.URL() + "/api/v1/senders"
	for _, s := range []struct {
		path   string
		status int
		want   []string
	}{
		{"", 200, []string{`"phone_number_id":"` + DemoPhoneNumberID + `"`, `"messaging_limit":{`}},
		{"/" + DemoPhoneNumberID, 200, []string{`"tier":"TIER_250"`, `"limit":250`, `"used":0`, `"quality_rating":"GREEN"`,
			`"health_status":"AVAILABLE"`, `"level":"STANDARD"`, `"state":"active"`}},
		{"/109999999999999", 404, []string{`"code":100`}},
		{"/" + DemoPhoneNumberID + "/forecast?recipients=500", 200, []string{`"recipients":500`, `"finish":"`, `"mps":`}},
		{"/" + DemoPhoneNumberID + "/forecast?recipients=-2", 400, []string{"metro recipients:"}}, // Parâmetro: pt-BR by default
		{"/" + DemoPhoneNumberID + "/forecast", 400, []string{"recipients"}},
		{"/" + DemoPhoneNumberID + "/forecast?recipients=5&tz=Mars/Olympus", 400, []string{"metro tz:"}},
	} {
		status, body := call(t, "GET", base+s.path, key, "")
		if status != s.status {
			t.Errorf("GET %s = %d %s, want %d", s.path, status, body, s.status)
			continue
		}
		for _, w := range s.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s = %s, want it to contain %s", s.path, body, w)
			}
		}
	}
	if status, _ := call(t, "GET", base, "", ""); status != 401 {
		t.Errorf("without a key: %d, want 401", status)
	}
}
