package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/loadtest"
	"github.com/wabaguard/wabaguard/internal/server"
)

// runBenchConsent records opt-ins for the numbers `bench send` cycles
// through, so a benchmark can run with the consent rules on: the realistic
// case of many distinct contacts, each with consent on record.
func runBenchConsent(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("bench consent", "--tenant ID --recipients N [--config FILE]", `Record an opt-in (category all, source import, with a placeholder proof URL)
for each of the first N numbers bench send cycles through, in the tenant's
consent ledger, in batches of one transaction each. For benchmarks only: the
evidence says it was generated.`, stdout)
	path := fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration file")
	tenant := fs.String("tenant", "", "tenant id (required)")
	n := fs.Int("recipients", loadtest.DefaultRecipients, "how many of bench send's numbers")
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if *tenant == "" || *n < 1 || *n > loadtest.MaxRecipients {
		return usagef("bench consent", "--tenant and --recipients 1..%d are required", loadtest.MaxRecipients)
	}
	cfg, err := config.Load(*path, os.Getenv)
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	l := consent.New(st, consent.WithDefaultRegion(cfg.DefaultRegion))
	start := time.Now()
	at := start.Add(-time.Minute)
	for i := 0; i < *n; {
		k := min(consent.MaxBatch, *n-i)
		reqs := make([]consent.Request, k)
		for j := range reqs {
			reqs[j] = consent.Request{Contact: loadtest.Recipient(i + j), Action: consent.OptIn, Category: consent.All,
				Source: consent.Import, Evidence: consent.Evidence{Text: "generated for a benchmark", URL: "https://bench.invalid/optin", At: at}}
		}
		if _, err := l.RecordAll(ctx, *tenant, reqs); err != nil {
			return fmt.Errorf("bench consent: records %d..%d: %w", i, i+k-1, err)
		}
		i += k
	}
	fmt.Fprintf(stdout, "recorded %d opt-ins for tenant %s in %.1f s\n", *n, *tenant, time.Since(start).Seconds())
	return nil
}
