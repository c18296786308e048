package intake_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// slowConsent answers from state, and can hold a read until released, so a
// test can commit a record while a load is between its read and its cache
// write.
type slowConsent struct {
	mu      sync.Mutex
	state   consent.Current
	hold    chan struct{} // a read waits on it when not nil
	reading chan struct{} // closed when a held read has read
}

func (s *slowConsent) CurrentByWaID(ctx context.Context, _, _ string) (consent.Current, error) {
	s.mu.Lock()
	c, hold, reading := s.state, s.hold, s.reading
	s.hold = nil
	s.mu.Unlock()
	if hold != nil {
		close(reading)
		select {
		case <-hold:
		case <-ctx.Done():
			return c, ctx.Err()
		}
	}
	return c, nil
}

type noWindow struct{}

func (noWindow) GetWindow(context.Context, string, string) (time.Time, error) {
	return time.Time{}, nil
}

// TestFactsForgetDuringALoad: a load that read the ledger before a record
// was committed (and Forget called) must not put its stale read in the
// cache — the opt-out, or the erasure, would be hidden until the TTL. A
// send-time recheck and an intake read run concurrently with the ledger's
// writes all day.
func TestFactsForgetDuringALoad(t *testing.T) {
	src := &slowConsent{state: consent.Current{Marketing: consent.State{Action: consent.OptIn, Seq: 1}}}
	f := intake.NewFacts(intake.FactsConfig{Consent: src, Windows: noWindow{}, TTL: time.Hour})
	msg := func() *policy.Message {
		req := &wire.SendRequest{MessagingProduct: "whatsapp", To: "5511987654321", Type: "template",
			Template: &wire.Template{Name: "ofertas", Language: &wire.TemplateLanguage{Code: "pt_BR"}}}
		return &policy.Message{TenantID: "acme", PhoneNumberID: "109", WaID: "5511987654321", Request: req}
	}

	hold, reading := make(chan struct{}), make(chan struct{})
	src.mu.Lock()
	src.hold, src.reading = hold, reading
	src.mu.Unlock()
	done := make(chan policy.Facts, 1)
	go func() {
		fa, err := f.Fresh(t.Context(), msg())
		if err != nil {
			t.Error(err)
		}
		done <- fa
	}()
	<-reading // the load has read the opt-in
	// The person opts out: the ledger commits, then forgets the cache.
	src.mu.Lock()
	src.state = consent.Current{Marketing: consent.State{Action: consent.OptOut, Seq: 2}}
	src.mu.Unlock()
	f.Forget("acme", "5511987654321")
	close(hold)
	if fa := <-done; fa.Consent.Marketing.Action != consent.OptIn {
		t.Fatalf("the held load read %q, want the opt-in it read before the record", fa.Consent.Marketing.Action)
	}

	// The next cached load must see the opt-out, not the held load's read.
	fa, err := f.Load(t.Context(), msg())
	if err != nil {
		t.Fatal(err)
	}
	if fa.Consent.Marketing.Action != consent.OptOut {
		t.Fatalf("after the opt-out the cache answers %q", fa.Consent.Marketing.Action)
	}
}
