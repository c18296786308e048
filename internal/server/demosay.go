package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// DemoSayPath is where, in demo mode, a simulated person writes to the demo
// business (`wabaguard sim say`). It exists only when the gateway runs with
// its embedded simulator and no declared tenants.
const DemoSayPath = "/_demo/say"

// demoSayWait bounds how long /_demo/say waits for the gateway to record the
// window the inbound message opened.
const demoSayWait = 5 * time.Second

// demoSayResult is the answer of /_demo/say: what the simulator did, and
// whether the gateway has processed the webhook, so a reply sent next is
// inside the window on both sides.
type demoSayResult struct {
	sim.SayResult
	Recorded bool `json:"recorded_by_gateway"`
	// Consent is what the gateway now holds for the person, when the
	// message changed it or it bars messages: "opted_out" (nothing is
	// sent), "opted_out_marketing", "erased"; empty otherwise.
	Consent string `json:"consent,omitempty"`
}

// demoSay lets a newcomer play the customer: the embedded simulator records
// the message (opening Meta's 24-hour window) and sends the signed webhook,
// which the gateway verifies with the app secret it shares with it.
type demoSay struct {
	sim    *sim.Sim
	store  store.Store
	ledger *consent.Ledger
	log    *slog.Logger
	wait   time.Duration
}

func (d *demoSay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, sim.MaxSayBody)
	res, werr := d.sim.SayHTTP(r)
	if werr != nil {
		wire.WriteError(w, werr)
		return
	}
	d.log.Info("demo: simulated person wrote", "from", res.WaID, "to", res.PhoneNumberID, "message_id", res.MessageID)
	out := demoSayResult{SayResult: res, Recorded: d.waitWindow(r.Context(), res)}
	if out.Recorded && d.ledger != nil {
		// Webhook processing records opt-outs before it commits the
		// window, so the state read now includes this message's word.
		if c, err := d.ledger.CurrentByWaID(r.Context(), DemoTenantID, res.WaID); err == nil {
			switch all, _ := c.OptedOutOfAll(); {
			case c.Erased():
				out.Consent = "erased"
			case all:
				out.Consent = "opted_out"
			case c.Marketing.Action == consent.OptOut:
				out.Consent = "opted_out_marketing"
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		d.log.Warn("demo say: writing response", "err", err)
	}
}

// waitWindow polls the store until the gateway's window for the pair is at
// least as recent as the message (webhook timestamps are whole seconds).
func (d *demoSay) waitWindow(ctx context.Context, res sim.SayResult) bool {
	since := res.WindowUntil.Add(-24 * time.Hour).Truncate(time.Second)
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		at, err := d.store.GetWindow(ctx, res.PhoneNumberID, res.WaID)
		if err == nil && !at.Before(since) {
			return true
		}
		if err != nil && ctx.Err() == nil {
			d.log.Warn("demo say: reading window", "err", err)
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}
