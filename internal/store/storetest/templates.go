package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

func tmpl(waba, name, lang, status string) store.Template {
	return store.Template{WABAID: waba, Name: name, Language: lang, ID: "1" + name, Category: "UTILITY", Status: status,
		Quality: "GREEN", ParameterFormat: "positional", Components: []byte(`[{"type":"BODY","text":"Hi {{1}}"}]`)}
}

func listTemplates(t *testing.T, s store.Store, waba string) map[string]store.Template {
	t.Helper()
	ts, err := s.ListTemplates(ctx(t), waba)
	must(t, err)
	out := map[string]store.Template{}
	for i, tp := range ts {
		if i > 0 {
			p := ts[i-1]
			if p.WABAID > tp.WABAID || (p.WABAID == tp.WABAID && (p.Name > tp.Name || (p.Name == tp.Name && p.Language >= tp.Language))) {
				t.Errorf("ListTemplates out of order at %d: %s/%s/%s after %s/%s/%s", i, tp.WABAID, tp.Name, tp.Language, p.WABAID, p.Name, p.Language)
			}
		}
		out[tp.WABAID+"/"+tp.Name+"/"+tp.Language] = tp
	}
	return out
}

func sameTemplate(t *testing.T, what string, got, want store.Template) {
	t.Helper()
	checkTime(t, what+" updated", got.UpdatedAt, want.UpdatedAt)
	if !bytes.Equal(got.Components, want.Components) || (got.Components == nil) != (len(want.Components) == 0) {
		t.Errorf("%s components = %q, want %q", what, got.Components, want.Components)
	}
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	got.Components, want.Components = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

// testTemplates covers the template cache: a sync replaces a WABA's
// listing and records when, webhook patches and creations apply only when
// newer than what is stored, and a sync never undoes a change made after
// it began.
func testTemplates(t *testing.T, s store.Store) {
	t0 := base
	t1, t2, t3 := t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(3*time.Minute)

	if got := listTemplates(t, s, ""); len(got) != 0 {
		t.Fatalf("empty store lists %v", got)
	}
	if syncs, err := s.TemplateSyncs(ctx(t)); err != nil || len(syncs) != 0 {
		t.Fatalf("empty store syncs %v %v", syncs, err)
	}

	// First sync of w1 and w2.
	hello, order, ola := tmpl("w1", "hello", "en_US", "APPROVED"), tmpl("w1", "order", "pt_BR", "PENDING"), tmpl("w1", "hello", "pt_BR", "APPROVED")
	ola.ParameterFormat, ola.Category, ola.Quality = "named", "MARKETING", ""
	must(t, s.ReplaceTemplates(ctx(t), "w1", []store.Template{order, hello, ola}, t0))
	other := tmpl("w2", "hello", "en_US", "REJECTED")
	other.Reason = "INVALID_FORMAT"
	must(t, s.ReplaceTemplates(ctx(t), "w2", []store.Template{other}, t0))
	if err := s.ReplaceTemplates(ctx(t), "w1", []store.Template{other}, t1); err == nil {
		t.Error("a listing naming another WABA's template was accepted")
	}
	got := listTemplates(t, s, "w1")
	if len(got) != 3 {
		t.Fatalf("w1 lists %d templates, want 3", len(got))
	}
	for _, want := range []store.Template{hello, order, ola} {
		want.UpdatedAt = t0
		sameTemplate(t, want.Name+"/"+want.Language, got["w1/"+want.Name+"/"+want.Language], want)
	}
	if all := listTemplates(t, s, ""); len(all) != 4 {
		t.Errorf("all WABAs list %d templates, want 4", len(all))
	}

	patches := []struct {
		name       string
		patch      store.TemplatePatch
		wantExists bool
		key        string // "" when the patch must leave no record
		want       func(*store.Template)
	}{
		{"newer status", store.TemplatePatch{WABAID: "w1", Name: "hello", Language: "en_US", Status: "PAUSED", Reason: "FIRST_PAUSE", At: t2},
			true, "w1/hello/en_US", func(tp *store.Template) { tp.Status, tp.Reason, tp.UpdatedAt = "PAUSED", "FIRST_PAUSE", t2 }},
		{"older status ignored", store.TemplatePatch{WABAID: "w1", Name: "hello", Language: "en_US", Status: "APPROVED", At: t1},
			true, "w1/hello/en_US", func(tp *store.Template) { tp.Status, tp.Reason, tp.UpdatedAt = "PAUSED", "FIRST_PAUSE", t2 }},
		{"category only", store.TemplatePatch{WABAID: "w1", Name: "order", Language: "pt_BR", Category: "MARKETING", At: t1},
			true, "w1/order/pt_BR", func(tp *store.Template) { tp.Category, tp.UpdatedAt = "MARKETING", t1 }},
		{"quality only", store.TemplatePatch{WABAID: "w1", Name: "order", Language: "pt_BR", Quality: "RED", At: t1},
			true, "w1/order/pt_BR", func(tp *store.Template) { tp.Category, tp.Quality, tp.UpdatedAt = "MARKETING", "RED", t1 }},
		{"unknown, no insert", store.TemplatePatch{WABAID: "w1", Name: "ghost", Language: "en", Quality: "RED", At: t1},
			false, "", nil},
		{"unknown, insert", store.TemplatePatch{WABAID: "w1", Name: "fresh", Language: "es", ID: "77", Status: "APPROVED", Category: "UTILITY", At: t0.Add(time.Second), Insert: true},
			true, "w1/fresh/es", func(tp *store.Template) {
				*tp = store.Template{WABAID: "w1", Name: "fresh", Language: "es", ID: "77", Status: "APPROVED", Category: "UTILITY", UpdatedAt: t0.Add(time.Second)}
			}},
	}
	expect := map[string]store.Template{}
	for k, v := range got {
		expect[k] = v
	}
	for _, tc := range patches {
		t.Run("patch "+tc.name, func(t *testing.T) {
			exists, err := s.PatchTemplate(ctx(t), tc.patch)
			must(t, err)
			if exists != tc.wantExists {
				t.Errorf("exists = %v, want %v", exists, tc.wantExists)
			}
			now := listTemplates(t, s, "w1")
			if tc.key == "" {
				if _, ok := now["w1/"+tc.patch.Name+"/"+tc.patch.Language]; ok {
					t.Errorf("patch of an unknown template without insert made a record")
				}
				return
			}
			w := expect[tc.key]
			tc.want(&w)
			expect[tc.key] = w
			sameTemplate(t, tc.key, now[tc.key], w)
		})
	}

	// A creation seen through the gateway, then an older one of the same
	// key that must not win.
	created := tmpl("w1", "promo", "en", "PENDING")
	created.UpdatedAt = t2
	stale := created
	stale.Status, stale.UpdatedAt = "REJECTED", t1
	must(t, s.PutTemplates(ctx(t), []store.Template{created}))
	must(t, s.PutTemplates(ctx(t), []store.Template{stale}))
	must(t, s.PutTemplates(ctx(t), nil))
	sameTemplate(t, "created", listTemplates(t, s, "w1")["w1/promo/en"], created)

	// A sync that began at t1 (before the pause at t2 and the creation at
	// t2) lists hello as APPROVED, lists order, and lists neither fresh
	// nor promo nor the pt_BR hello: the paused hello and the created
	// promo stay as they are, fresh (inserted at t0+1s) and the pt_BR
	// hello (listed at t0) go.
	relisted := tmpl("w1", "order", "pt_BR", "APPROVED")
	must(t, s.ReplaceTemplates(ctx(t), "w1", []store.Template{tmpl("w1", "hello", "en_US", "APPROVED"), relisted}, t1))
	now := listTemplates(t, s, "w1")
	if len(now) != 3 {
		t.Errorf("after the second sync w1 lists %v, want hello/en_US, order and promo", keys(now))
	}
	sameTemplate(t, "paused hello", now["w1/hello/en_US"], expect["w1/hello/en_US"])
	sameTemplate(t, "created promo", now["w1/promo/en"], created)
	relisted.UpdatedAt = t1
	sameTemplate(t, "relisted order", now["w1/order/pt_BR"], relisted)
	if _, ok := now["w1/fresh/es"]; ok {
		t.Error("a template the sync did not list survived it")
	}
	sameTemplate(t, "other WABA", listTemplates(t, s, "w2")["w2/hello/en_US"], func() store.Template { o := other; o.UpdatedAt = t0; return o }())

	// An empty listing empties the WABA but still counts as a sync.
	must(t, s.ReplaceTemplates(ctx(t), "w2", nil, t3))
	if got := listTemplates(t, s, "w2"); len(got) != 0 {
		t.Errorf("an empty sync left %v", keys(got))
	}
	syncs, err := s.TemplateSyncs(ctx(t))
	must(t, err)
	if len(syncs) != 2 || syncs[0].WABAID != "w1" || syncs[1].WABAID != "w2" {
		t.Fatalf("syncs = %+v, want w1 and w2", syncs)
	}
	checkTime(t, "w1 synced", syncs[0].At, t1)
	checkTime(t, "w2 synced", syncs[1].At, t3)
}

func keys(m map[string]store.Template) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
