package template

import (
	"fmt"
	"testing"

	"github.com/wabaguard/wabaguard/internal/store"
)

// benchCache is a cache over a real SQLite store holding 3 WABAs of 1,000
// templates each, half positional and half named.
func benchCache(b *testing.B) *Cache {
	b.Helper()
	st := openBenchStore(b)
	for w := range 3 {
		waba := fmt.Sprintf("90%d", w)
		ts := make([]store.Template, 0, 1000)
		for i := range 1000 {
			tp := store.Template{WABAID: waba, Name: fmt.Sprintf("t_%04d", i), Language: "pt_BR", ID: fmt.Sprint(i),
				Category: CategoryUtility, Status: StatusApproved, ParameterFormat: "positional",
				Components: []byte(`[{"type":"HEADER","format":"TEXT","text":"Pedido {{1}}"},{"type":"BODY","text":"Olá {{1}}, pedido {{2}} sai {{3}}."},
					{"type":"BUTTONS","buttons":[{"type":"URL","text":"Ver","url":"https://x.example/{{1}}"},{"type":"QUICK_REPLY","text":"Parar"}]}]`)}
			if i%2 == 1 {
				tp.ParameterFormat = "named"
				tp.Components = []byte(`[{"type":"BODY","text":"Oi {{nome}}, seu código é {{codigo}} até {{data}}."}]`)
			}
			ts = append(ts, tp)
		}
		must(b, st.ReplaceTemplates(b.Context(), waba, ts, t0))
	}
	c := NewCache(st)
	must(b, c.Load(b.Context()))
	return c
}

func BenchmarkLookupCheck(b *testing.B) {
	c := benchCache(b)
	cases := []struct{ name, tmpl, send string }{
		{"positional", "t_0500", `{"name":"t_0500","language":{"code":"pt_BR"},"components":[
			{"type":"header","parameters":[{"type":"text","text":"42"}]},
			{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"42"},{"type":"text","text":"hoje"}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"42"}]}]}`},
		{"named", "t_0501", `{"name":"t_0501","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[
			{"type":"text","parameter_name":"nome","text":"Ana"},{"type":"text","parameter_name":"codigo","text":"X1"},
			{"type":"text","parameter_name":"data","text":"amanhã"}]}]}`},
	}
	for _, tc := range cases {
		send := sendOf(b, tc.send)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				info, k := c.LookupRef("901", tc.tmpl, "pt_BR")
				if k != Present || !info.Sendable() {
					b.Fatal("template not found")
				}
				if p := Check(info, send); p != nil {
					b.Fatal(p)
				}
			}
		})
		b.Run(tc.name+"/by value", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				info, k := c.Lookup("901", tc.tmpl, "pt_BR")
				if k != Present {
					b.Fatal("template not found")
				}
				if p := Check(&info, send); p != nil {
					b.Fatal(p)
				}
			}
		})
	}
	b.Run("absent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, k := c.LookupRef("901", "nope", "pt_BR"); k != Absent {
				b.Fatal(k)
			}
		}
	})
}
