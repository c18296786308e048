package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/templatelint"
)

// linter is the real template lint, or an error.
type linter struct{ err error }

func (linter) Lints(string) bool { return true }

func (l linter) LintTemplate(ctx context.Context, tenantID string, body []byte) (templatelint.Report, error) {
	if l.err != nil {
		return templatelint.Report{}, l.err
	}
	return (&templatelint.Linter{}).Lint(ctx, tenantID, body)
}

func TestTemplateLintBeforeRelay(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	m := metrics.NewForTest()
	e := newEnv(t, func(c *gateway.Config, _ *env) {
		c.Metrics = m
		c.TemplateLint = linterFunc(func() error {
			if down.Load() {
				return errors.New("content checker down")
			}
			return nil
		})
	})
	path := "/v23.0/" + wabaA + "/message_templates"
	promo := `{"name":"aviso","language":"es","category":"UTILITY","components":[{"type":"BODY","text":"Tu pedido salió. ¡Aprovecha el cupón de descuento!"}]}`
	form := url.Values{"name": {"aviso"}, "language": {"es"}, "category": {"UTILITY"},
		"components": {`[{"type":"BODY","text":"Tu pedido salió. ¡Aprovecha el cupón de descuento!"}]`}}

	r := request(t, e.srv, "POST", path, promo, map[string]string{"Authorization": "Bearer " + e.keyA, "Accept-Language": "es"})
	ge := wantErr(t, r, http.StatusBadRequest, 470150)
	if !strings.Contains(ge.Message, "Plantilla rechazada") || !strings.Contains(ge.Details(), "promotional.utility") {
		t.Errorf("JSON refusal: %+v %s", ge, ge.Details())
	}
	r = request(t, e.srv, "POST", path, form.Encode(), map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "application/x-www-form-urlencoded"})
	wantErr(t, r, http.StatusBadRequest, 470150)
	r = request(t, e.srv, "POST", path+"?"+form.Encode(), "", bearer(e.keyA))
	wantErr(t, r, http.StatusBadRequest, 470150)
	if n := len(e.calls()); n != 0 {
		t.Fatalf("%d refused creations reached Meta", n)
	}

	r = request(t, e.srv, "POST", path, `{"name":"aviso","language":"es","category":"UTILITY","components":[{"type":"BODY","text":"x"}],"colour":"red"}`, bearer(e.keyA))
	if ge := wantErr(t, r, http.StatusBadRequest, 100); !strings.Contains(ge.Details(), "colour") {
		t.Errorf("unknown field not named: %s", ge.Details())
	}

	clean := `{"name":"aviso","language":"es","category":"UTILITY","components":[{"type":"BODY","text":"Tu pedido salió hoy y llega mañana."}]}`
	if r := request(t, e.srv, "POST", path, clean, bearer(e.keyA)); r.status != http.StatusOK {
		t.Fatalf("clean creation: %d %s", r.status, r.body)
	}
	if calls := e.calls(); len(calls) != 1 || string(calls[0].body) != clean {
		t.Fatalf("Meta got %d calls, want the clean body unchanged", len(calls))
	}

	if b, inv, ok := counterValue(t, m.TemplateLint.WithLabelValues("block")), counterValue(t, m.TemplateLint.WithLabelValues("invalid")),
		counterValue(t, m.TemplateLint.WithLabelValues("clean")); b != 3 || inv != 1 || ok != 1 {
		t.Errorf("lint results counted block %v invalid %v clean %v", b, inv, ok)
	}
	if n := counterValue(t, m.TemplateLintFindings.WithLabelValues("promotional.utility")); n != 3 {
		t.Errorf("promotional findings counted %v", n)
	}

	// A lint that cannot run refuses, and nothing reaches Meta.
	down.Store(true)
	r = request(t, e.srv, "POST", path, clean, bearer(e.keyA))
	wantErr(t, r, http.StatusInternalServerError, 1)
	if n := len(e.calls()); n != 1 {
		t.Fatalf("%d calls after a failed lint", n)
	}
}

// linterFunc lints for real unless err returns an error.
type linterFunc func() error

func (linterFunc) Lints(string) bool { return true }

func (f linterFunc) LintTemplate(ctx context.Context, tenantID string, body []byte) (templatelint.Report, error) {
	return linter{err: f()}.LintTemplate(ctx, tenantID, body)
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// offLinter is a lint switched off: it must never be asked to lint.
type offLinter struct{ t *testing.T }

func (offLinter) Lints(string) bool { return false }

func (l offLinter) LintTemplate(context.Context, string, []byte) (templatelint.Report, error) {
	l.t.Error("a tenant whose lint is off was linted")
	return templatelint.Report{}, nil
}

// A tenant whose lint is off has even a malformed creation relayed as it
// came, for Meta to judge.
func TestTemplateLintOffRelaysAsIs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *gateway.Config, _ *env) { c.TemplateLint = offLinter{t} })
	body := "name=a&name=b&components=%5Boops"
	r := request(t, e.srv, "POST", "/v23.0/"+wabaA+"/message_templates", body,
		map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "application/x-www-form-urlencoded"})
	if r.status != http.StatusOK {
		t.Fatalf("relay: %d %s", r.status, r.body)
	}
	if calls := e.calls(); len(calls) != 1 || string(calls[0].body) != body {
		t.Fatalf("Meta got %d calls, want the body unchanged", len(calls))
	}
}
