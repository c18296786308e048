package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// change is one change of a non-status webhook, in delivery order.
type change struct {
	Field  string
	WABAID string
	Time   int64
	Value  map[string]any
}

// changes returns the received changes of the given fields (all but
// messages when none are given), in delivery order.
func (rc *receiver) changes(t *testing.T, fields ...string) []change {
	t.Helper()
	var out []change
	for _, b := range rc.all() {
		var n struct {
			Object string `json:"object"`
			Entry  []struct {
				ID      string `json:"id"`
				Time    int64  `json:"time"`
				Changes []struct {
					Field string         `json:"field"`
					Value map[string]any `json:"value"`
				} `json:"changes"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &n); err != nil {
			t.Fatalf("webhook body is not a notification: %v", err)
		}
		for _, e := range n.Entry {
			for _, c := range e.Changes {
				if c.Field == "messages" && len(fields) == 0 {
					continue
				}
				if len(fields) > 0 && !contains(fields, c.Field) {
					continue
				}
				out = append(out, change{Field: c.Field, WABAID: e.ID, Time: e.Time, Value: c.Value})
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fixtureChange reads the first change of case name in a testdata fixture.
func fixtureChange(t *testing.T, file, name string) change {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "meta", file))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	raw, ok := all[name]
	if !ok {
		t.Fatalf("%s has no case %q", file, name)
	}
	rc := &receiver{bodies: [][]byte{raw}}
	cs := rc.changes(t)
	if len(cs) != 1 {
		t.Fatalf("%s %s: %d changes", file, name, len(cs))
	}
	return cs[0]
}

// sameShape fails unless got has exactly want's keys (less the optional
// ones) with values of the same JSON kinds, recursively.
func sameShape(t *testing.T, label string, want, got any, optional ...string) {
	t.Helper()
	kind := func(v any) string {
		switch v.(type) {
		case nil:
			return "null"
		case map[string]any:
			return "object"
		case []any:
			return "array"
		case string:
			return "string"
		case float64:
			return "number"
		case bool:
			return "bool"
		}
		return fmt.Sprintf("%T", v)
	}
	if want == nil {
		return // Meta sends null or a value there
	}
	if kind(want) != kind(got) {
		t.Errorf("%s: got %s %v, fixture has %s", label, kind(got), got, kind(want))
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				if !contains(optional, k) {
					t.Errorf("%s: missing key %q", label, k)
				}
				continue
			}
			sameShape(t, label+"."+k, wv, gv, optional...)
		}
		for k := range g {
			if _, ok := w[k]; !ok && !contains(optional, k) {
				t.Errorf("%s: key %q is not in the fixture", label, k)
			}
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) > 0 {
			sameShape(t, label+"[0]", w[0], g[0], optional...)
		}
	}
}

// modelHarness is a harness with the population and quality models on and
// room for large campaigns (unlimited tier).
func modelHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	return newHarness(t, func(c *Config) {
		c.Numbers[0].MessagingLimitTier = "TIER_UNLIMITED"
		c.Population.Enabled = true
		c.Quality.Enabled = true
		if mutate != nil {
			mutate(c)
		}
	})
}

func recipient(i int) string { return fmt.Sprintf("55119%08d", i) }

func (h *harness) sendTemplate(t *testing.T, to, name, lang string, params ...string) (int, map[string]any) {
	t.Helper()
	var ps []map[string]string
	for _, p := range params {
		ps = append(ps, map[string]string{"type": "text", "text": p})
	}
	tpl := map[string]any{"name": name, "language": map[string]string{"code": lang}}
	if len(ps) > 0 {
		tpl["components"] = []map[string]any{{"type": "body", "parameters": ps}}
	}
	b, _ := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "template", "template": tpl})
	return h.do(t, http.MethodPost, "/v23.0/"+pnid+"/messages", string(b))
}

// createTemplate creates an approved template and waits out its review.
func (h *harness) createTemplate(t *testing.T, name, category, body string) {
	t.Helper()
	comps, _ := json.Marshal([]map[string]any{{"type": "BODY", "text": body, "example": map[string]any{"body_text": [][]string{{"Ana"}}}}})
	req, _ := json.Marshal(map[string]any{"name": name, "category": category, "language": "pt_BR", "components": json.RawMessage(comps)})
	if s, m := h.do(t, http.MethodPost, "/v23.0/"+wabaID+"/message_templates", string(req)); s != 200 {
		t.Fatalf("create template: %d %v", s, m)
	}
	h.clock.Advance(time.Minute)
	h.flush(t)
}

// campaign sends template name to recipients [from, from+n), one every
// step of virtual time, and counts the answers by Graph code (0 = accepted).
func (h *harness) campaign(t *testing.T, from, n int, step time.Duration, name, lang string, params ...string) map[int]int {
	t.Helper()
	codes := map[int]int{}
	for i := from; i < from+n; i++ {
		_, m := h.sendTemplate(t, recipient(i), name, lang, params...)
		codes[errCode(m)]++
		h.clock.Advance(step)
		if i%100 == 99 {
			h.flush(t)
		}
	}
	h.flush(t)
	return codes
}

// events lists "field:event" (or "field:previous→new" for quality) of the
// received changes, in order.
func events(cs []change) []string {
	var out []string
	for _, c := range cs {
		switch c.Field {
		case "message_template_quality_update":
			out = append(out, fmt.Sprintf("%s:%v→%v", c.Field, c.Value["previous_quality_score"], c.Value["new_quality_score"]))
		case "message_template_status_update":
			title := ""
			if oi, ok := c.Value["other_info"].(map[string]any); ok {
				title = "/" + fmt.Sprint(oi["title"])
			}
			out = append(out, fmt.Sprintf("%s:%v%s", c.Field, c.Value["event"], title))
		default:
			out = append(out, fmt.Sprintf("%s:%v", c.Field, c.Value["event"]))
		}
	}
	return out
}

// indexOf is the position of the first event starting with prefix, or -1.
func indexOf(evs []string, prefix string) int {
	for i, e := range evs {
		if strings.HasPrefix(e, prefix) {
			return i
		}
	}
	return -1
}
