package campaign_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// BenchmarkStartCampaign measures starting a campaign of N recipients:
// the pre-flight over the whole audience and the enqueue of every message
// through the intake path (group commit, idempotency rows, checkpoints),
// on SQLite. The target is N = 1,000,000 in under 60 s:
//
//	WABAGUARD_CAMPAIGN_BENCH_N=1000000 go test -run '^$' -bench StartCampaign -benchtime 1x ./internal/campaign
//
// N defaults to 2,000 so that the benchmark stays cheap when run by
// accident. Contacts are written straight to the store (the import has its
// own benchmark) and the fact rules are suppression only: the consent
// ledger's reads are measured by intake's own benchmarks.
func BenchmarkStartCampaign(b *testing.B) {
	n := 2000
	if v := os.Getenv("WABAGUARD_CAMPAIGN_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("WABAGUARD_CAMPAIGN_BENCH_N=%q", v)
		}
	}
	for range b.N {
		b.StopTimer()
		box, _ := secret.NewBox(secret.NewKey())
		st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "w.db"), box)
		if err != nil {
			b.Fatal(err)
		}
		ctx := b.Context()
		must2(b, st.PutTenant(ctx, store.Tenant{ID: tenant, Name: "Acme", CreatedAt: now}))
		must2(b, st.PutSender(ctx, store.Sender{PhoneNumberID: pnid, TenantID: tenant, WABAID: waba, ThroughputMPS: 80, State: store.SenderActive}))
		const page = 5000
		for i := 0; i < n; i += page {
			var cs []store.Contact
			for j := i; j < min(i+page, n); j++ {
				wa := fmt.Sprintf("55119%08d", j)
				cs = append(cs, store.Contact{TenantID: tenant, WaID: wa, E164: "+" + wa, ContactKey: "k" + wa, Name: "Pessoa",
					Tags: []string{}, Attributes: []byte(`{"order":"A-1"}`), CreatedAt: now, UpdatedAt: now})
			}
			must2(b, st.PutContacts(ctx, cs, nil))
		}
		must2(b, st.PutAudience(ctx, store.Audience{TenantID: tenant, ID: "everyone", Name: "Everyone", Filter: []byte(`{}`), CreatedAt: now, UpdatedAt: now}))
		in, err := intake.New(intake.Config{Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...), Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		svc, err := campaign.New(campaign.Config{Store: st, Intake: in, Forecaster: limits.New(limits.Config{Store: st, Now: clock}),
			Chunk: 1000, Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		_, err = svc.Create(ctx, tenant, campaign.Spec{ID: "big", Name: "Big", PhoneNumberID: pnid, TemplateName: "promo",
			TemplateLanguage: "pt_BR", Params: []string{"{{name}}", "{{attr.order}}"}, AudienceID: "everyone"})
		must2(b, err)
		b.StartTimer()
		start := time.Now()
		pf, err := svc.Preflight(ctx, tenant, "big")
		must2(b, err)
		preflight := time.Since(start)
		_, err = svc.Start(ctx, tenant, "big")
		must2(b, err)
		// Rounds run one after another as the worker loop would with a
		// full backlog; 16 campaigns' chunks would share them.
		var v campaign.View
		for v.State != "completed" {
			if _, err := svc.Round(ctx); err != nil {
				b.Fatal(err)
			}
			if v, err = svc.Get(ctx, tenant, "big"); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if pf.Eligible != int64(n) || v.Accepted != int64(n) {
			b.Fatalf("eligible %d, accepted %d, want %d", pf.Eligible, v.Accepted, n)
		}
		total := time.Since(start)
		b.ReportMetric(preflight.Seconds(), "preflight-s")
		b.ReportMetric(total.Seconds(), "start-s")
		b.ReportMetric(float64(n)/total.Seconds(), "recipients/s")
		in.Close()
		_ = st.Close()
	}
}

func must2(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
