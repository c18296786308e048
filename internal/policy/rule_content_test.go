package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestContentRule(t *testing.T) {
	hint := content.Hint{PT: "Nunca peça um pagamento.", EN: "Never ask for a payment.", ES: "Nunca pida un pago."}
	scam := content.Finding{Layer: content.LayerPattern, Category: content.ScamPIX, Words: []string{"pix", "taxa de liberação"}, Hint: hint}
	alcohol := content.Finding{Layer: content.LayerPattern, Category: content.RestrictedAlcohol, Words: []string{"cerveja"}}
	caps := content.Finding{Layer: content.LayerStructure, Category: content.StructureCaps, Words: []string{"90% capitals"}}
	short := content.Finding{Layer: content.LayerStructure, Category: content.StructureShortener, Words: []string{"bit.ly"}}
	smish := content.Finding{Layer: content.LayerClassifier, Category: content.ClassifierSmishing, Words: []string{"acesse"}, Score: 0.97, Model: "builtin-2026-11-30"}
	tenantActions, err := content.ParseActions(map[string]string{"restricted.alcohol": "warn", "structure": "off", "classifier.smishing": "block"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		actions  content.Actions
		res      *content.Result
		outcome  Outcome
		code     string
		refusal  refusal.Code
		inDetail []string
		notIn    []string
	}{
		{"no checker", content.Actions{}, nil, Allow, "", 0, nil, nil},
		{"nothing found", content.Actions{}, &content.Result{}, Allow, "", 0, nil, nil},
		{"scam blocks", content.Actions{}, &content.Result{Findings: []content.Finding{caps, scam}}, Reject, "content.scam", refusal.ContentScam,
			[]string{"[scam.pix: pix, taxa de liberação]", "Nunca pida un pago."}, []string{"Never ask", "Nunca peça"}},
		{"restricted blocks by default", content.Actions{}, &content.Result{Findings: []content.Finding{alcohol}}, Reject, "content.restricted", refusal.ContentRestricted,
			[]string{"restricted.alcohol: cerveja"}, nil},
		{"the tenant warns on alcohol", tenantActions, &content.Result{Findings: []content.Finding{alcohol}}, Warn, "content.restricted", refusal.ContentRestricted,
			[]string{"restricted.alcohol: cerveja"}, nil},
		{"structure warns by default", content.Actions{}, &content.Result{Findings: []content.Finding{caps, short}}, Warn, "content.structure", refusal.ContentStructure,
			[]string{"structure.caps: 90% capitals", "structure.shortener: bit.ly"}, nil},
		{"the tenant turned structure off", tenantActions, &content.Result{Findings: []content.Finding{caps}}, Allow, "", 0, nil, nil},
		{"smishing warns by default", content.Actions{}, &content.Result{Findings: []content.Finding{smish}}, Warn, "content.classifier", refusal.ContentClassifier,
			[]string{"classifier.smishing: acesse; score 0.97, model builtin-2026-11-30"}, nil},
		{"the tenant blocks on smishing", tenantActions, &content.Result{Findings: []content.Finding{smish}}, Reject, "content.classifier", refusal.ContentClassifier,
			[]string{"classifier.smishing: acesse; puntuación 0.97, modelo builtin-2026-11-30"}, nil},
		{"unreadable text", content.Actions{}, &content.Result{Err: &content.InputError{Field: "text.body", Err: content.ErrUTF8}}, Reject, "content.unreadable", 0,
			[]string{"text.body", "UTF-8"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{Facts: Facts{Loaded: true, Content: tc.res, Lang: refusal.ES}}
			d := Content{Actions: tc.actions}.Check(context.Background(), m)
			if d.Outcome != tc.outcome || d.Code != tc.code || d.Refusal != tc.refusal {
				t.Fatalf("decision %s %s %d, want %s %s %d", d.Outcome, d.Code, d.Refusal, tc.outcome, tc.code, tc.refusal)
			}
			var detail string
			switch d.Outcome {
			case Reject:
				detail = d.Err.Message + " " + d.Err.Details()
				if tc.refusal != 0 && !strings.Contains(detail, refusal.Must(tc.refusal).In(refusal.ES).Explanation) {
					t.Errorf("refusal not explained in Spanish: %s", detail)
				}
				if tc.refusal == 0 && d.Err.Code != wire.CodeInvalidParameter {
					t.Errorf("unreadable text answered with code %d", d.Err.Code)
				}
			case Warn:
				detail = d.Reason
			}
			for _, w := range tc.inDetail {
				if !strings.Contains(detail, w) {
					t.Errorf("detail %q lacks %q", detail, w)
				}
			}
			for _, w := range tc.notIn {
				if strings.Contains(detail, w) {
					t.Errorf("detail %q holds %q, not in the request's language", detail, w)
				}
			}
		})
	}
}

type fixed struct {
	name string
	d    Decision
}

func (f fixed) Name() string                             { return f.name }
func (f fixed) Check(context.Context, *Message) Decision { return f.d }

// A warning does not stop the pipeline: a later rejection wins, and the
// first warning is the decision when everything else allows.
func TestPipelineWarnGoesOn(t *testing.T) {
	warn := fixed{"a", Decision{Outcome: Warn, Code: "a.warn"}}
	warn2 := fixed{"b", Decision{Outcome: Warn, Code: "b.warn"}}
	reject := fixed{"c", Rejected("c", "c.no", 100, "no")}
	allow := fixed{"d", Allowed()}
	if d := New(warn, allow, reject).Evaluate(context.Background(), &Message{}); d.Outcome != Reject || d.Code != "c.no" {
		t.Errorf("warn then reject: %s %s", d.Outcome, d.Code)
	}
	if d := New(allow, warn, warn2, allow).Evaluate(context.Background(), &Message{}); d.Outcome != Warn || d.Code != "a.warn" || d.Rule != "a" {
		t.Errorf("warnings: %s %s %s", d.Outcome, d.Code, d.Rule)
	}
	if d := New(allow).Evaluate(context.Background(), &Message{}); d.Outcome != Allow {
		t.Errorf("allow: %s", d.Outcome)
	}
}
