package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/sim"
)

func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "say" {
		return runSimSay(ctx, args[1:], stdout)
	}
	fs := newFlags("sim", "[flags] | sim say --from NUMBER --text TEXT", `Run the Cloud API simulator alone: Meta's send, template, phone-number and
media endpoints with Meta's limits and error codes, and signed webhooks.
A simulated person writes to a business number with 'wabaguard sim say'.`, stdout)
	listen := fs.String("listen", "127.0.0.1:8081", "listen address")
	webhookURL := fs.String("webhook-url", "", "`URL` where to post webhooks, e.g. the gateway's /webhooks/meta (empty: none)")
	appSecret := fs.String("app-secret", "sim-app-secret", "app secret signing the webhooks (X-Hub-Signature-256); the gateway's graph.app_secret must match")
	tokens := fs.String("tokens", "", "comma-separated access tokens the simulator accepts (empty: any)")
	seed := fs.Int64("seed", 1, "random seed (same seed, same ids and webhooks)")
	limits := fs.Bool("limits", true, "enforce throughput, pair-rate and messaging limits")
	throughput := fs.Int("throughput", 80, "messages per second per number")
	numbers := fs.String("numbers", "100000000000001:200000000000001:+55 11 4000-0000", "business phone numbers as phone_number_id:waba_id:display, comma-separated")
	sentDelay := fs.Duration("sent-delay", 200*time.Millisecond, "delay of the sent status")
	deliveredDelay := fs.Duration("delivered-delay", 800*time.Millisecond, "delay of the delivered status")
	readDelay := fs.Duration("read-delay", 2*time.Second, "delay of the read status")
	reorder := fs.Float64("reorder", 0, "probability that a status arrives out of order")
	duplicate := fs.Float64("duplicate", 0, "probability that a status arrives twice")
	behaviour := fs.Bool("behaviour", false, "model the recipients (read, reply, mute, block, report, opt out), the quality ratings and template pauses their feedback drives, and Meta's enforcement ladder (see docs/simulator.md)")
	consentShare := fs.Float64("consent-share", 0, "with --behaviour: share of recipients who consented (0..1)")
	consented := fs.String("consented", "", "with --behaviour: comma-separated wa_ids that consented")
	quietHours := fs.String("quiet-hours", "22-8", "with --behaviour: recipients' local quiet hours as `START-END` (24-hour clock)")
	enforcement := fs.Bool("enforcement", true, "with --behaviour: apply the enforcement ladder (warning, template block, messaging block, lock, disable)")
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	cfg := sim.DefaultConfig()
	cfg.Seed = *seed
	cfg.AppSecret = *appSecret
	cfg.WebhookURL = *webhookURL
	if *tokens != "" {
		cfg.AccessTokens = strings.Split(*tokens, ",")
	}
	if !*limits {
		cfg.Limits = sim.LimitsConfig{}
	}
	cfg.Webhooks.Enabled = *webhookURL != ""
	cfg.Webhooks.SentDelay, cfg.Webhooks.DeliveredDelay, cfg.Webhooks.ReadDelay = *sentDelay, *deliveredDelay, *readDelay
	cfg.Webhooks.ReorderProbability, cfg.Webhooks.DuplicateProbability = *reorder, *duplicate
	if *behaviour {
		var qs, qe int
		if _, err := fmt.Sscanf(*quietHours, "%d-%d", &qs, &qe); err != nil || qs < 0 || qs > 23 || qe < 0 || qe > 23 {
			return usagef("sim", "--quiet-hours: %q is not START-END with hours 0..23", *quietHours)
		}
		if *consentShare < 0 || *consentShare > 1 {
			return usagef("sim", "--consent-share: %v is not between 0 and 1", *consentShare)
		}
		cfg.Population = sim.DefaultPopulation()
		cfg.Population.Enabled, cfg.Population.ConsentShare = true, *consentShare
		cfg.Population.QuietStart, cfg.Population.QuietEnd = qs, qe
		if *consented != "" {
			cfg.Population.Consented = strings.Split(*consented, ",")
		}
		cfg.Quality = sim.DefaultQuality()
		cfg.Quality.Enabled = true
		cfg.Enforcement = sim.DefaultEnforcement()
		cfg.Enforcement.Enabled = *enforcement
	}
	cfg.Numbers = nil
	for _, spec := range strings.Split(*numbers, ",") {
		parts := strings.SplitN(spec, ":", 3)
		if len(parts) != 3 {
			return fmt.Errorf("--numbers: %q is not id:waba:display", spec)
		}
		cfg.Numbers = append(cfg.Numbers, sim.Number{PhoneNumberID: parts[0], WABAID: parts[1], DisplayPhoneNumber: parts[2], ThroughputMPS: *throughput})
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	cfg.MediaBaseURL = "http://" + ln.Addr().String()
	s, err := sim.New(cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer s.Close()
	s.Start(ctx)
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "Cloud API simulator listening on http://%s (seed %d, limits %v, behaviour %v)\n", ln.Addr(), *seed, *limits, *behaviour)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
