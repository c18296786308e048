package inbound

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/wabaguard/wabaguard/internal/forward"
)

// TestForwardKeepsEveryEntryField runs Meta's account_update payloads through
// the handler and the processor and checks that the envelope the tenant
// receives has every member of Meta's entry, entry.time included, with the
// same values.
func TestForwardKeepsEveryEntryField(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/account_update.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixtures map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fixtures); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(fixtures))
	for n := range fixtures {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := fixtures[name]
			var sent struct {
				Entry []map[string]json.RawMessage `json:"entry"`
			}
			if err := json.Unmarshal(body, &sent); err != nil {
				t.Fatal(err)
			}
			var waba string
			if err := json.Unmarshal(sent.Entry[0]["id"], &waba); err != nil {
				t.Fatal(err)
			}
			st := newTestStore(t)
			seedTenant(t, st, tenantID, waba, pnid)
			r := newRig(t, st, 0)
			if code := r.post(t, body); code != 200 {
				t.Fatalf("POST = %d", code)
			}
			r.drain(t)
			fws := r.forwards(t)
			if len(fws) == 0 {
				t.Fatal("nothing forwarded")
			}
			var got struct {
				Entry []map[string]json.RawMessage `json:"entry"`
			}
			if err := json.Unmarshal(forward.Envelope(fws), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Entry) != len(sent.Entry) {
				t.Fatalf("entries = %d, want %d", len(got.Entry), len(sent.Entry))
			}
			for i, want := range sent.Entry {
				for k, v := range want {
					g, ok := got.Entry[i][k]
					if !ok {
						t.Errorf("entry[%d].%s dropped", i, k)
						continue
					}
					if !reflect.DeepEqual(decode(t, g), decode(t, v)) {
						t.Errorf("entry[%d].%s = %s, want %s", i, k, g, v)
					}
				}
			}
		})
	}
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}
