package sim

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkSendFast measures the send handler as the instantly answering
// upstream of the gateway's throughput benchmark: limits and webhooks off.
func BenchmarkSendFast(b *testing.B) {
	s, err := New(FastConfig())
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	body := `{"messaging_product":"whatsapp","to":"+16505551234","type":"text","text":{"body":"hello"}}`
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/v23.0/"+DefaultNumber.PhoneNumberID+"/messages", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer x")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkSendBehaviour is BenchmarkSendFast's send with the population,
// quality and enforcement models on: the per-message cost of deciding a
// recipient's reaction and re-rating the number and the template (webhooks
// off, 10 000 consenting recipients in turn, so every send is delivered and
// nothing gets paused or blocked).
func BenchmarkSendBehaviour(b *testing.B) {
	cfg := FastConfig()
	cfg.Population.Enabled, cfg.Population.ConsentShare = true, 1
	cfg.Quality.Enabled, cfg.Enforcement.Enabled = true, true
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body := `{"messaging_product":"whatsapp","to":"+55119` + strconv.Itoa(10000000+i%10000) +
			`","type":"template","template":{"name":"confirmacao_pedido","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"48213"}]}]}}`
		req := httptest.NewRequest(http.MethodPost, "/v23.0/"+DefaultNumber.PhoneNumberID+"/messages", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	if q := s.Quality(DefaultNumber.PhoneNumberID); q != "GREEN" {
		b.Fatalf("quality %s: the benchmark should measure a healthy number", q)
	}
}

// BenchmarkPopulationOnSend is the population model alone: one reaction.
func BenchmarkPopulationOnSend(b *testing.B) {
	p := newPopulation(PopulationConfig{ConsentShare: 0.5}, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC)
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = "55119" + strconv.Itoa(10000000+i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		p.OnSend(context.Background(), Delivery{WABAID: "w", To: ids[i%len(ids)], MessageID: "wamid.ab", Category: "MARKETING",
			Content: "Oi Ana! As ofertas da semana chegaram. Responda PARAR para não receber mais.", At: at.Add(time.Duration(i) * time.Second)}, rng)
	}
}

// BenchmarkSpamminess scores a typical marketing text.
func BenchmarkSpamminess(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Spamminess("Oi Ana! As ofertas da semana chegaram: 20% de desconto, clique https://loja.example/o. Responda PARAR para não receber mais.")
	}
}
