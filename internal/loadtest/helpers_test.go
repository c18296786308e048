package loadtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

const (
	testToken = "test-token"
	testPNID  = "1234567890"
)

// graphServer is a Meta-shaped send endpoint that checks what it receives.
// reply, when set, decides the answer of the k-th request (0-based); it
// returns false to let the default success answer go out.
type graphServer struct {
	*httptest.Server
	t     testing.TB
	reply func(w http.ResponseWriter, r *http.Request, k int) bool

	mu         sync.Mutex
	requests   int
	recipients map[string]int
	types      map[string]int
	templates  map[string]int
	malformed  []string
}

func newGraphServer(t testing.TB, reply func(w http.ResponseWriter, r *http.Request, k int) bool) *graphServer {
	t.Helper()
	g := &graphServer{t: t, reply: reply, recipients: map[string]int{}, types: map[string]int{}, templates: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v23.0/{pnid}/messages", g.messages)
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

func (g *graphServer) messages(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	k := g.requests
	g.requests++
	g.mu.Unlock()
	var req wire.SendRequest
	bad := func(why string) {
		g.mu.Lock()
		g.malformed = append(g.malformed, why)
		g.mu.Unlock()
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, why))
	}
	switch {
	case r.PathValue("pnid") != testPNID:
		bad("phone number id " + r.PathValue("pnid"))
		return
	case r.Header.Get("Authorization") != "Bearer "+testToken:
		bad("authorization " + r.Header.Get("Authorization"))
		return
	case r.Header.Get("Content-Type") != "application/json":
		bad("content type " + r.Header.Get("Content-Type"))
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		bad("body: " + err.Error())
		return
	}
	if req.MessagingProduct != "whatsapp" || req.To == "" {
		bad("not a whatsapp message")
		return
	}
	switch req.Type {
	case wire.TypeText:
		if req.Text == nil || req.Text.Body == "" {
			bad("text without body")
			return
		}
	case wire.TypeTemplate:
		if req.Template == nil || req.Template.Name == "" || req.Template.Language == nil || req.Template.Language.Code == "" {
			bad("template without name or language")
			return
		}
	default:
		bad("type " + req.Type)
		return
	}
	g.mu.Lock()
	g.recipients[req.To]++
	g.types[req.Type]++
	if req.Template != nil {
		g.templates[req.Template.Name+"/"+req.Template.Language.Code]++
	}
	g.mu.Unlock()
	if g.reply != nil && g.reply(w, r, k) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(wire.SendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []wire.SendContact{{Input: req.To, WaID: req.To[1:]}},
		Messages:         []wire.SentMessage{{ID: wire.NewMessageID()}},
	})
}

func (g *graphServer) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.requests
}

func (g *graphServer) checkWellFormed() {
	g.t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.malformed) > 0 {
		g.t.Fatalf("server saw %d malformed requests, first: %s", len(g.malformed), g.malformed[0])
	}
}

func (g *graphServer) sendConfig(n, c int) SendConfig {
	return SendConfig{BaseURL: g.URL, Token: testToken, PhoneNumberID: testPNID, N: n, Concurrency: c}
}

func checkLatency(t testing.TB, r *Report, wantCount int) {
	t.Helper()
	l := r.Latency
	if l.Count != wantCount {
		t.Errorf("latency count = %d, want %d", l.Count, wantCount)
	}
	seq := []struct {
		name string
		v    int64
	}{{"min", int64(l.Min)}, {"p50", int64(l.P50)}, {"p90", int64(l.P90)}, {"p99", int64(l.P99)}, {"p99.9", int64(l.P999)}, {"max", int64(l.Max)}}
	for i := 1; i < len(seq); i++ {
		if seq[i].v < seq[i-1].v {
			t.Errorf("latency %s (%d) < %s (%d)", seq[i].name, seq[i].v, seq[i-1].name, seq[i-1].v)
		}
	}
	if wantCount > 0 && (l.Min <= 0 || l.Mean < l.Min || l.Mean > l.Max) {
		t.Errorf("latency min %v mean %v max %v not sane", l.Min, l.Mean, l.Max)
	}
	if l.Max > r.Elapsed {
		t.Errorf("latency max %v exceeds elapsed %v", l.Max, r.Elapsed)
	}
}
