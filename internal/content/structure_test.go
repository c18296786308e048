package content

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func structureOf(t *testing.T, m Message) map[Category]Finding {
	t.Helper()
	res := New().Check(context.Background(), "t1", m)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	out := map[Category]Finding{}
	for _, f := range res.Findings {
		if f.Layer == LayerStructure {
			out[f.Category] = f
		}
	}
	return out
}

func body(s string) Message { return Message{Texts: []Text{{Field: "text.body", Value: s}}} }

func TestStructure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		msg   Message
		want  []Category
		words string // one of the finding's words, when want has one category
	}{
		{"shouting", body("ÚLTIMA CHANCE!!!!! APROVEITE AGORA A MAIOR PROMOÇÃO DO ANO"), []Category{StructureCaps, StructureRepeated}, ""},
		{"caps in a short code is fine", body("Seu código: AB12CD"), nil, ""},
		{"a few capitals are fine", body("Promoção de NATAL: descontos em toda a loja até domingo."), nil, ""},
		{"emoji wall", body("🔥🔥🔥🔥🔥🔥 OFERTA 🔥🔥🔥🔥🔥🔥"), []Category{StructureEmoji, StructureRepeated}, ""},
		{"two emoji are fine", body("Feliz Natal! 🎄🎁 Obrigado por ser nosso cliente."), nil, ""},
		{"family emoji joiners are not invisible", body("Plano família 👨‍👩‍👧 com desconto"), nil, ""},
		{"repeated letters", body("Simmmmmm, chegou a promoção"), []Category{StructureRepeated}, "mmmmm"},
		{"a divider is layout", body("Pedido 123\n----------\nTotal: R$ 100,00"), nil, ""},
		{"bar code digits are not repeated characters", body("Código de barras: 23790000000000000000000000000000000000000000000"), nil, ""},
		{"shortener", body("Acompanhe seu pedido em https://bit.ly/3xYz"), []Category{StructureShortener}, "bit.ly"},
		{"own domain is fine", body("Acompanhe seu pedido em https://www.acme.com.br/pedidos/123"), nil, ""},
		{"many links", body("Veja a.com.br/1 e b.com.br/2 e c.com.br/3 e d.com.br/4"), []Category{StructureLinks}, "a.com.br"},
		{"zero-width spaces", body("Pa\u200bgue\u200b já"), []Category{StructureInvisible}, "2 invisible characters"},
		{"direction override", body("Arquivo \u202egpj.exe"), []Category{StructureInvisible}, ""},
		{"markdown link to another site", body("Acesse [www.itau.com.br](https://itau-seguro.top/login)"), []Category{StructureLinkText}, "shows itau.com.br, goes to itau-seguro.top"},
		{"markdown link to the same site", body("Acesse [www.acme.com.br](https://loja.acme.com.br/x)"), nil, ""},
		{"cta_url showing another site", Message{
			Texts: []Text{{Field: "interactive.body.text", Value: "Confira sua fatura"}},
			Links: []Link{{Field: "interactive.action.parameters", Shown: "caixa.gov.br", URL: "https://caixa-fatura.xyz/p"}},
		}, []Category{StructureLinkText}, "shows caixa.gov.br, goes to caixa-fatura.xyz"},
		{"cta_url with plain words", Message{
			Texts: []Text{{Field: "interactive.body.text", Value: "Confira sua fatura"}},
			Links: []Link{{Field: "interactive.action.parameters", Shown: "Ver fatura", URL: "https://acme.com.br/f"}},
		}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := structureOf(t, tc.msg)
			var cats []Category
			for c := range got {
				cats = append(cats, c)
			}
			slices.Sort(cats)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(cats, want) {
				t.Fatalf("found %v, want %v", cats, want)
			}
			if tc.words != "" {
				f := got[tc.want[0]]
				if !slices.ContainsFunc(f.Words, func(w string) bool { return strings.Contains(w, tc.words) }) {
					t.Errorf("words %q lack %q", f.Words, tc.words)
				}
			}
		})
	}
}
