package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// quotaHealth is the server's view of a tenant's senders, built the same
// way from a real Quota on the test's store.
type quotaHealth struct {
	st *sqlite.Store
	q  *limits.Quota
}

func (h quotaHealth) SendersOf(ctx context.Context, tenantID string, now time.Time) ([]limits.SenderState, error) {
	all, err := h.st.ListSenders(ctx)
	if err != nil {
		return nil, err
	}
	var out []limits.SenderState
	for _, s := range all {
		if s.TenantID != tenantID {
			continue
		}
		st, err := h.q.SenderState(ctx, s, now)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// withHealth gives the dashboard the limits package's view of the
// senders, on the test's store: t1's p1 in portfolio bp1 at TIER_2K, rated
// YELLOW, with three recipients reached.
func withHealth(t *testing.T) func(*Config) {
	return func(c *Config) {
		st := c.Store.(*sqlite.Store)
		q := limits.New(limits.Config{Store: st, Portfolios: []limits.Portfolio{{ID: "bp1", WABAs: []string{"w1"}, Tier: "TIER_2K"}}})
		c.Health = quotaHealth{st, q}
		ctx, now := t.Context(), time.Now()
		must(t, st.PutSenderHealth(ctx, store.SenderHealth{PhoneNumberID: "p1", PortfolioID: "bp1", Quality: "YELLOW", Status: "CONNECTED",
			Tier: "TIER_2K", UpdatedAt: now.Add(-time.Minute)}))
		for i, who := range []string{"5511990000001", "5511990000002", "5511990000003"} {
			if _, ok, err := q.Reserve(ctx, "p1", who, "m"+string(rune('a'+i)), now); err != nil || !ok {
				t.Fatalf("reserve %s: %v %v", who, ok, err)
			}
		}
	}
}

// TestOverviewHealth: each number shows Meta's quality and status, and its
// portfolio's messaging limit as a gauge with its use in words; a number
// Meta has not reported on says so rather than showing made-up values.
func TestOverviewHealth(t *testing.T) {
	e := newEnv(t, withHealth(t))
	b := e.browser()
	b.mustLogin("ana@acme.example")
	page := b.get("/ui/overview").body
	for _, want := range []string{
		`<span class="badge warn quality">YELLOW</span>`,
		"<dd>CONNECTED</dd>",
		"Limite de mensagens (24 h) · TIER_2K",
		`<meter class="limit" min="0" max="2000" low="1400" high="1800" optimum="0" value="3" aria-labelledby="limit-p1"`,
		"3 de 2000 destinatários",
		"Dados da Meta de ",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("t1's overview lacks %q", want)
		}
	}

	bea := e.browser()
	bea.lang = "en"
	bea.mustLogin("bea@globex.example")
	page = bea.get("/ui/overview").body
	for _, want := range []string{`<span class="badge muted quality">unknown</span>`, "Meta has not reported this number&#39;s state yet."} {
		if !strings.Contains(page, want) {
			t.Errorf("t2's overview lacks %q", want)
		}
	}
	if strings.Contains(page, "YELLOW") || strings.Contains(page, "TIER_2K") {
		t.Error("t2's overview shows t1's number's health")
	}
}

func TestHealthOf(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    limits.SenderState
		class string
		usage string
	}{
		{"green, limited", limits.SenderState{Quality: "GREEN", MessagingLimit: limits.Usage{Tier: "TIER_250", Limit: 250, Used: 249}}, "good", "249 of 250 recipients"},
		{"red", limits.SenderState{Quality: "RED", MessagingLimit: limits.Usage{Limit: 1000}}, "bad", "0 of 1000 recipients"},
		{"unlimited", limits.SenderState{Quality: "UNKNOWN", MessagingLimit: limits.Usage{Tier: "TIER_UNLIMITED", Limit: -1, Used: 12}}, "muted", "12 recipients (unlimited)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := healthOf("en", tc.in)
			if h.QualityClass != tc.class || h.UsageText != tc.usage {
				t.Errorf("got class %q usage %q, want %q %q", h.QualityClass, h.UsageText, tc.class, tc.usage)
			}
			if tc.in.MessagingLimit.Limit > 0 && (h.Low > h.High || h.High > h.Limit) {
				t.Errorf("gauge zones %d/%d out of order for limit %d", h.Low, h.High, h.Limit)
			}
		})
	}
}
