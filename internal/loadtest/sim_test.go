package loadtest

import (
	"net/http/httptest"
	"testing"

	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// The simulator enforces Meta's pair rate limit (bursts of 45 per
// recipient); sending 60 messages to one recipient must show the excess as
// 131056 errors, classified, with every request accounted for.
func TestRunSendAgainstSimulator(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.AccessTokens = []string{testToken}
	cfg.Limits = sim.LimitsConfig{PairRate: true}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	r, err := RunSend(testCtx(t), SendConfig{
		BaseURL: srv.URL, Token: testToken, PhoneNumberID: sim.DefaultNumber.PhoneNumberID,
		N: 60, Concurrency: 4, Recipients: 1, Type: wire.TypeTemplate,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("successes %d, errors %v %v", r.Successes, r.ErrorsByStatus, r.ErrorsByCode)
	if r.Requests != 60 || r.Successes+r.ErrorsByCode[wire.CodePairRate] != 60 || r.Successes == 0 || r.Successes == 60 {
		t.Fatalf("report %+v: want some successes and the rest 131056", r)
	}
}
