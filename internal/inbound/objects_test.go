package inbound

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

// fixture returns one named sample of a testdata file.
func fixture(t *testing.T, file, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var samples map[string]json.RawMessage
	if err := json.Unmarshal(raw, &samples); err != nil {
		t.Fatal(err)
	}
	b, ok := samples[name]
	if !ok {
		t.Fatalf("%s has no sample %q", file, name)
	}
	return b
}

// Media received by a tenant's number and templates named in its WABA's
// webhooks become that tenant's objects, which the Graph pass-through then
// lets it (and only it) reach.
func TestWebhookObjectsRecordedForTheirTenant(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	r := newRig(t, st, 0)
	// message.json's number and WABA are tenant a's; the template
	// fixtures' WABA 102290129340398 is tenant b's, 57438975935 nobody's.
	seedTenant(t, st, "tenant-a", "1234567890987654321", "1122334455667")
	seedTenant(t, st, "tenant-b", "102290129340398", "2002")

	for _, f := range []struct{ file, name string }{
		{"message.json", "image"}, {"message.json", "video"}, {"message.json", "static_sticker"}, {"message.json", "text"},
		{"template_status_update.json", "approved"}, {"template_quality_update.json", "yellow"},
		{"template_category_update.json", "marketing"},
	} {
		if code := r.post(t, fixture(t, f.file, f.name)); code != http.StatusOK {
			t.Fatalf("%s/%s: status %d", f.file, f.name, code)
		}
	}
	r.drain(t)

	tests := []struct {
		id   string
		want *store.OwnedObject
	}{
		{"65463453", &store.OwnedObject{TenantID: "tenant-a", Kind: store.ObjectMedia, SenderID: "1122334455667", WABAID: "1234567890987654321"}},
		{"765756756", &store.OwnedObject{TenantID: "tenant-a", Kind: store.ObjectMedia, SenderID: "1122334455667", WABAID: "1234567890987654321"}},
		{"1689556908129832", &store.OwnedObject{TenantID: "tenant-b", Kind: store.ObjectTemplate, WABAID: "102290129340398"}},
		{"806312974732579", &store.OwnedObject{TenantID: "tenant-b", Kind: store.ObjectTemplate, WABAID: "102290129340398"}},
		// A template of a WABA the gateway does not serve is nobody's.
		{"12345678", nil},
		// A text message carries no object.
		{"wamid.xyzxyz", nil},
	}
	for _, tc := range tests {
		got, err := st.GetObject(t.Context(), tc.id)
		if tc.want == nil {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s recorded as %+v (err %v), want nothing", tc.id, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.id, err)
			continue
		}
		want := *tc.want
		want.ID, want.CreatedAt = tc.id, got.CreatedAt
		if got != want || got.CreatedAt.IsZero() {
			t.Errorf("%s = %+v, want %+v", tc.id, got, want)
		}
	}
}
