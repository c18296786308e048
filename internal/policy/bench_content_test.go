package policy_test

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// message300 is a typical 300-character marketing message (a bill reminder
// with an amount, a date, a promotion and an emoji): the checker's own
// benchmark text with a signature, 300 characters.
const message300 = "Olá, Ana! Sua fatura de dezembro da Acme Telecom no valor de R$ 129,90 já está disponível. " +
	"O vencimento é dia 10/12. Você pode pagar pelo app, por Pix ou com o código de barras. " +
	"Aproveite: neste mês, clientes em dia ganham 20% de desconto no plano família. Dúvidas? Responda aqui 🙂. Equipe Acme Tel 🙂"

// BenchmarkContentRule300 measures the whole content check of one message
// as intake runs it: the texts read from the parsed request, the three
// layers with the built-in classifier served by the registry (as the
// gateway serves a tenant without its own model), and the content rule's
// decision. It reports the 99th percentile of the per-call times, measured
// inside the loop as BenchmarkClassify300 does.
func BenchmarkContentRule300(b *testing.B) {
	if n := utf8.RuneCountInString(message300); n != 300 {
		b.Fatalf("the message has %d characters, want 300", n)
	}
	raw, err := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": "+5511987654321", "type": "text",
		"text": map[string]string{"body": message300}})
	if err != nil {
		b.Fatal(err)
	}
	req, werr := wire.ParseSendRequest(raw)
	if werr != nil {
		b.Fatal(werr)
	}
	checker := content.New(content.WithClassifier(classifier.NewRegistry(nil, nil)))
	rule := policy.Content{}
	ctx := context.Background()
	m := &policy.Message{TenantID: "t", Raw: raw, Request: req, Now: time.Now()}
	lat := make([]time.Duration, 0, b.N)
	var d policy.Decision
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		res := checker.Check(ctx, m.TenantID, content.FromRequest(m.Request, ""))
		m.Facts = policy.Facts{Loaded: true, Lang: refusal.PT, Content: &res}
		d = rule.Check(ctx, m)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if d.Outcome == policy.Reject {
		b.Fatalf("an honest bill reminder was refused: %+v", d)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}
