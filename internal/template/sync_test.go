package template

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/wire"
)

const simToken = "sim-token"

// simUpstream runs the simulator on loopback with a second WABA beside the
// default one; templates are approved on creation.
func simUpstream(t *testing.T) (*sim.Sim, *httptest.Server) {
	t.Helper()
	cfg := sim.FastConfig()
	cfg.AccessTokens = []string{simToken}
	cfg.Templates.ReviewDelay = 0
	cfg.Numbers = append(cfg.Numbers, sim.Number{PhoneNumberID: "200", WABAID: "2000"})
	s, err := sim.New(cfg)
	must(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	return s, srv
}

func simCall(t *testing.T, srv *httptest.Server, method, path, body string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+"/v23.0"+path, strings.NewReader(body))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+simToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
}

func TestSyncFromSimulator(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			sm, srv := simUpstream(t)
			waba := sim.DefaultNumber.WABAID
			// More templates than one page holds, one of them named.
			const created = 300
			for i := range created {
				simCall(t, srv, "POST", "/"+waba+"/message_templates", fmt.Sprintf(
					`{"name":"aviso_%03d","category":"UTILITY","language":"pt_BR","components":[{"type":"BODY","text":"Aviso {{1}} de {{2}}"}]}`, i))
			}
			simCall(t, srv, "POST", "/"+waba+"/message_templates", `{"name":"oferta","category":"MARKETING","language":"es",
				"parameter_format":"named","components":[{"type":"BODY","text":"Hola {{nombre}}"}]}`)
			must(t, sm.SetTemplateStatus(waba, "aviso_007", "pt_BR", "PAUSED", "FIRST_PAUSE"))
			must(t, sm.SetTemplateQuality(waba, "oferta", "es", "YELLOW"))

			st := e.open(t)
			ck := &clock{now: t0}
			c := NewCache(st, WithClock(ck.Now))
			client := cloudapi.New(srv.URL, "v23.0", srv.Client())
			accounts := []Account{{WABAID: waba, Token: simToken}, {WABAID: "2000", Token: simToken}}
			sy := NewSyncer(c, client, SyncConfig{Accounts: func(context.Context) ([]Account, error) { return accounts, nil }})
			n, err := sy.SyncWABA(t.Context(), accounts[0])
			must(t, err)
			if want := created + 1 + 3; n != want { // and the three the simulator seeds
				t.Fatalf("synced %d templates, want %d", n, want)
			}
			if at, ok := c.Synced(waba); !ok || !at.Equal(t0.Add(-SyncSkew)) {
				t.Errorf("Synced = %v %v, want %v", at, ok, t0.Add(-SyncSkew))
			}
			if got := len(c.Templates(waba)); got != n {
				t.Errorf("cache holds %d, synced %d", got, n)
			}
			aviso := lookup(t, c, waba, "aviso_299", "pt_BR")
			if !aviso.Sendable() || aviso.Category != CategoryUtility || aviso.Format != Positional || aviso.ID == "" ||
				aviso.Quality != "UNKNOWN" || len(aviso.Slots) != 1 || aviso.Slots[0].Count != 2 {
				t.Errorf("aviso_299 = %+v", aviso)
			}
			if p := lookup(t, c, waba, "aviso_007", "pt_BR"); p.Status != StatusPaused || p.Sendable() {
				t.Errorf("paused aviso_007 = %+v", p)
			}
			oferta := lookup(t, c, waba, "oferta", "es")
			if oferta.Format != Named || oferta.Quality != "YELLOW" || oferta.Slots[0].Names[0] != "nombre" {
				t.Errorf("oferta = %+v", oferta)
			}
			if _, k := c.Lookup(waba, "aviso_299", "en"); k != Absent {
				t.Errorf("a language never created: %v, want absent", k)
			}
			if _, k := c.Lookup("2000", "hello_world", "en_US"); k != NotSynced {
				t.Errorf("the WABA not synced yet: %v", k)
			}

			// Webhooks are timed by Meta's clock: a pause Meta timed a
			// little before the listing began still wins over it, one
			// timed well before does not.
			pause := func(name string, at time.Time) {
				t.Helper()
				ch := wire.Change{Field: wire.FieldTemplateStatus, Value: []byte(`{"event":"PAUSED","message_template_id":1,
					"message_template_name":"` + name + `","message_template_language":"pt_BR","reason":"NONE"}`)}
				if _, err := c.Apply(t.Context(), waba, at, ch); err != nil {
					t.Fatal(err)
				}
			}
			pause("aviso_100", t0.Add(-SyncSkew/2))
			pause("aviso_101", t0.Add(-2*SyncSkew))
			if s100, s101 := lookup(t, c, waba, "aviso_100", "pt_BR").Status, lookup(t, c, waba, "aviso_101", "pt_BR").Status; s100 != StatusPaused || s101 != StatusApproved {
				t.Errorf("pauses timed around the listing: %s and %s, want PAUSED and APPROVED", s100, s101)
			}

			// A send of the synced template checked against it.
			good := sendOf(t, `{"name":"aviso_299","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"1"},{"type":"text","text":"2"}]}]}`)
			if p := Check(&aviso, good); p != nil {
				t.Errorf("a right send: %v", p)
			}

			// Deleted at Meta: the next sync makes it absent; SyncAll
			// reaches the second WABA too.
			simCall(t, srv, "DELETE", "/"+waba+"/message_templates?name=aviso_000", "")
			ck.now = t0.Add(time.Hour)
			must(t, sy.SyncAll(t.Context()))
			if _, k := c.Lookup(waba, "aviso_000", "pt_BR"); k != Absent {
				t.Errorf("deleted at Meta: %v, want absent", k)
			}
			if _, k := c.Lookup("2000", "hello_world", "en_US"); k != Present {
				t.Errorf("second WABA after SyncAll: %v", k)
			}

			// A token Meta refuses: the sync fails, the cache keeps what it had.
			_, err = sy.SyncWABA(t.Context(), Account{WABAID: waba, Token: "wrong"})
			var we *wire.Error
			if !errors.As(err, &we) {
				t.Errorf("a refused listing: err %v, want a Graph error", err)
			}
			if _, k := c.Lookup(waba, "aviso_299", "pt_BR"); k != Present {
				t.Errorf("after a failed sync: %v", k)
			}
		})
	}
}

// TestRunSyncsAtStartAndOnRequest runs the Syncer's loop: it syncs every
// WABA at start, and syncs a WABA again when a webhook tells of a
// template it lacks.
func TestRunSyncsAtStartAndOnRequest(t *testing.T) {
	_, srv := simUpstream(t)
	waba := sim.DefaultNumber.WABAID
	st := engines[0].open(t)
	c := NewCache(st)
	client := cloudapi.New(srv.URL, "v23.0", srv.Client())
	sy := NewSyncer(c, client, SyncConfig{Accounts: func(context.Context) ([]Account, error) {
		return []Account{{WABAID: waba, Token: simToken}}, nil
	}, Refresh: 20 * time.Millisecond, MinResync: time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sy.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	waitFor(t, "the start-up sync", func() bool { _, ok := c.Synced(waba); return ok })

	// Created at Meta behind the gateway's back, then approved: the
	// webhook alone records it without components and asks for a sync,
	// which brings them (after the minimum spacing of syncs).
	simCall(t, srv, "POST", "/"+waba+"/message_templates", `{"name":"novo","category":"UTILITY","language":"pt_BR",
		"components":[{"type":"BODY","text":"Novo {{1}}"}]}`)
	change := wire.Change{Field: wire.FieldTemplateStatus, Value: []byte(`{"event":"APPROVED","message_template_id":1,
		"message_template_name":"novo","message_template_language":"pt_BR","reason":"NONE","message_template_category":"UTILITY"}`)}
	ok, err := c.Apply(t.Context(), waba, time.Now().Add(-time.Hour), change)
	if !ok || err != nil {
		t.Fatalf("Apply = %v, %v", ok, err)
	}
	waitFor(t, "the requested sync", func() bool {
		i, k := c.Lookup(waba, "novo", "pt_BR")
		return k == Present && i.ParamsKnown
	})
}

// waitFor polls cond until it holds, failing the test after a bound. It
// asserts an outcome, not a duration: the bound only stops a broken run.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSimulatorWebhooksApplied: the simulator's own template webhooks
// (review, pause, quality), posted over loopback to a receiver that hands
// each entry to ApplyEntry as the webhook processor does, bring the cache
// to what the simulator lists.
func TestSimulatorWebhooksApplied(t *testing.T) {
	st := engines[0].open(t)
	c := NewCache(st)
	errs := make(chan error, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		n, err := wire.ParseNotification(b)
		if err == nil {
			for _, e := range n.Entry {
				if err = c.ApplyEntry(r.Context(), e); err != nil {
					break
				}
			}
		}
		if err != nil {
			select {
			case errs <- err:
			default:
			}
		}
	}))
	t.Cleanup(recv.Close)
	cfg := sim.DefaultConfig()
	cfg.Limits = sim.LimitsConfig{}
	cfg.AccessTokens = []string{simToken}
	cfg.Templates.ReviewDelay = 0
	cfg.WebhookURL = recv.URL
	sm, err := sim.New(cfg)
	must(t, err)
	srv := httptest.NewServer(sm.Handler())
	t.Cleanup(srv.Close)
	sm.Start(t.Context())
	t.Cleanup(sm.Close)
	waba := sim.DefaultNumber.WABAID

	simCall(t, srv, "POST", "/"+waba+"/message_templates", `{"name":"promo","category":"MARKETING","language":"pt_BR",
		"components":[{"type":"BODY","text":"Oferta {{1}}"}]}`)
	waitFor(t, "the review's webhook", func() bool { i, k := c.Lookup(waba, "promo", "pt_BR"); return k == Present && i.Sendable() })
	must(t, sm.SetTemplateStatus(waba, "promo", "pt_BR", "PAUSED", "FIRST_PAUSE"))
	must(t, sm.SetTemplateQuality(waba, "promo", "pt_BR", "RED"))
	waitFor(t, "the pause and quality webhooks", func() bool {
		i, _ := c.Lookup(waba, "promo", "pt_BR")
		return i.Status == StatusPaused && i.Quality == "RED"
	})
	if i, _ := c.Lookup(waba, "promo", "pt_BR"); i.Reason != "FIRST_PAUSE" || i.Category != CategoryMarketing || i.ParamsKnown {
		t.Errorf("after the webhooks: %+v (components come with the next sync)", i)
	}
	select {
	case err := <-errs:
		t.Errorf("a simulator webhook was not applied: %v", err)
	default:
	}
}

// TestSyncFallsBackToBasicFields: a Graph that does not know one of the
// fields asked for (error 100, as an older API version answers) is asked
// again for the basic ones, and the format is inferred from the variables.
func TestSyncFallsBackToBasicFields(t *testing.T) {
	var asked []string
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := r.URL.Query().Get("fields")
		asked = append(asked, f)
		if strings.Contains(f, "parameter_format") {
			wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "Tried accessing nonexisting field (parameter_format)"))
			return
		}
		fmt.Fprint(w, `{"data":[{"id":"1","name":"oi","language":"pt_BR","status":"APPROVED","category":"UTILITY",
			"components":[{"type":"BODY","text":"Oi {{nome}}"}]}],"paging":{"cursors":{}}}`)
	}))
	t.Cleanup(graph.Close)
	c := NewCache(engines[0].open(t))
	sy := NewSyncer(c, cloudapi.New(graph.URL, "v23.0", graph.Client()), SyncConfig{Accounts: func(context.Context) ([]Account, error) { return nil, nil }})
	n, err := sy.SyncWABA(t.Context(), Account{WABAID: "9001", Token: "t"})
	if err != nil || n != 1 {
		t.Fatalf("SyncWABA = %d, %v", n, err)
	}
	if want := []string{strings.Join(Fields, ","), strings.Join(BasicFields, ",")}; !slices.Equal(asked, want) {
		t.Errorf("asked for %q, want %q", asked, want)
	}
	if i := lookup(t, c, "9001", "oi", "pt_BR"); i.Format != Named || i.Quality != "" || !i.Sendable() {
		t.Errorf("oi = %+v", i)
	}
}
