package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestStoppedSenderIsVisible: a sender stopped after an account-level
// error used to leave /readyz saying "ready" with no detail, /metrics
// silent, and new sends answered 200. Now /readyz stays 200 (one stopped
// sender must not take the replica out of a load balancer) but reports it,
// /metrics exports it and the upstream's health, and new sends are refused.
func TestStoppedSenderIsVisible(t *testing.T) {
	t.Parallel()
	const admin = "admin-token-for-the-test"
	g := startGateway(t, "", "", func(c *config.Config) { c.AdminToken = admin })
	if err := g.srv.Store().SetSenderState(t.Context(), testPhoneNumberID, store.SenderStopped,
		wire.CodeAccountLocked, "(#131031) Business Account locked", time.Now()); err != nil {
		t.Fatal(err)
	}
	// A message accepted an hour ago waits (scheduled for later, so that a
	// loop that has not yet seen the stop cannot send it): the backlog's age
	// shows how long.
	accepted := time.Now().Add(-time.Hour)
	m := &store.Message{ID: "wamid.backlog1", TenantID: "acme", SenderID: testPhoneNumberID, Input: "+5511987654321",
		WaID: "5511987654321", Type: "text", Body: []byte(`{"messaging_product":"whatsapp","to":"5511987654321","type":"text","text":{"body":"old"}}`),
		State: store.StateQueued, NextAttemptAt: time.Now().Add(time.Hour), CreatedAt: accepted, UpdatedAt: accepted}
	if err := g.srv.Store().CommitIntake(t.Context(), []*store.Intake{{Message: m, Decision: store.Decision{TenantID: "acme",
		SenderID: testPhoneNumberID, MessageID: m.ID, WaID: m.WaID, Outcome: store.OutcomeAllow, CreatedAt: accepted}}}); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(g.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get("/readyz")
	var rb struct {
		Status   string `json:"status"`
		Upstream struct {
			Up bool `json:"up"`
		} `json:"upstream"`
		StoppedSenders []struct {
			PhoneNumberID string `json:"phone_number_id"`
			Code          int    `json:"code"`
		} `json:"stopped_senders"`
		Backlog []struct {
			PhoneNumberID    string  `json:"phone_number_id"`
			Queued           int     `json:"queued"`
			OldestAgeSeconds float64 `json:"oldest_age_seconds"`
		} `json:"backlog"`
	}
	if err := json.Unmarshal([]byte(body), &rb); err != nil || status != http.StatusOK || rb.Status != "degraded" ||
		!rb.Upstream.Up || len(rb.StoppedSenders) != 1 || rb.StoppedSenders[0].PhoneNumberID != testPhoneNumberID ||
		rb.StoppedSenders[0].Code != wire.CodeAccountLocked {
		t.Fatalf("readyz %d %s (%v)", status, body, err)
	}
	if len(rb.Backlog) != 1 || rb.Backlog[0].PhoneNumberID != testPhoneNumberID || rb.Backlog[0].Queued != 1 ||
		rb.Backlog[0].OldestAgeSeconds < 3600 || rb.Backlog[0].OldestAgeSeconds > 3600+60 {
		t.Fatalf("readyz backlog %s", body)
	}
	_, metrics := get("/metrics")
	if age := metricValue(t, metrics, `wabaguard_backlog_age_seconds{sender="`+testPhoneNumberID+`"}`); age < 3600 || age > 3600+60 {
		t.Errorf("backlog age %v s, want about 3600", age)
	}
	for _, want := range []string{"wabaguard_upstream_up 1", `wabaguard_sender_stopped_state{code="131031",sender="` + testPhoneNumberID + `"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	status, resp := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages",
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`, nil)
	var ge struct {
		Error wire.Error `json:"error"`
	}
	if err := json.Unmarshal(resp, &ge); err != nil || status != http.StatusBadRequest ||
		ge.Error.Code != wire.CodeAccountLocked || ge.Error.ErrorSubcode != dispatch.StoppedSubcode {
		t.Fatalf("send to a stopped sender: %d %s", status, resp)
	}

	// The operator resumes it over HTTP: a token is required.
	resume := func(token string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, g.url+"/_admin/senders/"+testPhoneNumberID+"/resume", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {g.apiKey, http.StatusUnauthorized}, {admin, http.StatusOK}, {admin, http.StatusConflict}} {
		if got := resume(tc.token); got != tc.want {
			t.Fatalf("resume with %q: %d, want %d", tc.token, got, tc.want)
		}
	}
	status, resp = g.post(t, "/v23.0/"+testPhoneNumberID+"/messages",
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`, nil)
	if status != http.StatusOK {
		t.Fatalf("send after resume: %d %s", status, resp)
	}
}

// metricValue returns the value of the sample named exactly series (name
// and labels) in a Prometheus text exposition.
func metricValue(t *testing.T, exposition, series string) float64 {
	t.Helper()
	for line := range strings.Lines(exposition) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return v
		}
	}
	t.Fatalf("no %s in metrics", series)
	return 0
}
