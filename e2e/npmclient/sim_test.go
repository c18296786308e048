package npmclient

import (
	"net/http/httptest"
	"testing"

	"github.com/wabaguard/wabaguard/internal/sim"
)

// The project's own Meta simulator must satisfy the same client: if it did
// not, tests run against it would prove nothing about the real API.
func TestRunNpmClientAgainstSimulator(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.AccessTokens = []string{token}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e := env(srv.URL)
	e["WABAGUARD_PHONE_NUMBER_ID"] = sim.DefaultNumber.PhoneNumberID
	e["WABAGUARD_WABA_ID"] = sim.DefaultNumber.WABAID
	RequireAllOK(t, RunNpmClient(t, e))
}
