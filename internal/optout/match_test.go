package optout

import (
	"strings"
	"testing"
)

const (
	out = KindOptOut
	in  = KindOptIn
	no  = KindNone
	all = ScopeAll
	mkt = ScopeMarketing
)

// matchCase is one message and what the default matcher must make of it.
type matchCase struct {
	text  string
	kind  Kind
	scope Scope
	lang  string // checked when not empty
	ctx   Context
}

// ptBRCases are Brazilian Portuguese messages, hard negatives included.
var ptBRCases = []matchCase{
	{"PARAR", out, all, LangPtBR, Context{}},
	{"parar", out, all, "", Context{}},
	{"Parar.", out, all, "", Context{}},
	{"PARE", out, all, "", Context{}},
	{"Pare!!!", out, all, "", Context{}},
	{"parem", out, all, "", Context{}},
	{"SAIR", out, all, LangPtBR, Context{}},
	{"sair 🙏", out, all, "", Context{}},
	{"Sair por favor", out, all, "", Context{}},
	{"Oi, sair", out, all, "", Context{}},
	{"sair sair sair", out, all, "", Context{}},
	{"s a i r", out, all, "", Context{}},
	{"S.A.I.R.", out, all, "", Context{}},
	{"saiiir", out, all, "", Context{}},
	{"paraar", out, all, "", Context{}},
	{"p4r4r", out, all, "", Context{}},
	{"DESCADASTRAR", out, all, "", Context{}},
	{"descadastrar meu número, obrigado", out, all, "", Context{}},
	{"quero me descadastrar", out, all, "", Context{}},
	{"Remover", out, all, "", Context{}},
	{"quero sair", out, all, "", Context{}},
	{"Eu quero sair", out, all, "", Context{}},
	{"Para", out, all, "", Context{}},
	{"stop", out, all, LangEN, Context{}},
	{"CANCELAR", out, mkt, "", Context{}},
	{"cancela", out, mkt, "", Context{}},
	{"Não quero mais receber", out, all, LangPtBR, Context{}},
	{"nao quero mais receber", out, all, "", Context{}},
	{"NÃO QUERO MAIS RECEBER!!!", out, all, "", Context{}},
	{"não quero mais receber essas mensagens", out, all, "", Context{}},
	{"Não quero receber mensagens de vocês", out, all, "", Context{}},
	{"não quero mais receber, obrigado", out, all, "", Context{}},
	{"não quero mais receber promoções", out, mkt, "", Context{}},
	{"Bom dia. Não quero receber propaganda", out, mkt, "", Context{}},
	{"me tire da lista", out, all, "", Context{}},
	{"Me tira da lista por favor", out, all, "", Context{}},
	{"por favor me remova da lista de transmissão", out, all, "", Context{}},
	{"remover meu numero", out, all, "", Context{}},
	{"Tirem meu número dessa lista", out, all, "", Context{}},
	{"para de me mandar mensagem", out, all, "", Context{}},
	{"parem de mandar isso", out, all, "", Context{}},
	{"não me mandem mais nada", out, all, "", Context{}},
	{"Eu não autorizei vocês a me mandarem mensagem", out, all, "", Context{}},
	{"não autorizo", out, all, "", Context{}},
	{"nunca me cadastrei nisso", out, all, "", Context{}},
	{"não pedi isso", out, all, "", Context{}},
	{"como faço para sair?", out, all, "", Context{}},
	{"como faço pra sair dessa lista", out, all, "", Context{}},
	{"vou denunciar esse número", out, all, "", Context{}},
	{"Vou bloquear vocês", out, all, "", Context{}},
	{"me deixem em paz", out, all, "", Context{}},
	{"chega de mensagem", out, all, "", Context{}},
	{"chega de propaganda", out, mkt, "", Context{}},
	{"cancelar inscrição", out, mkt, "", Context{}},
	{"Parar promoções", out, mkt, "", Context{}},
	{"não tenho interesse", out, mkt, "", Context{}},
	{"FIM", out, mkt, "", Context{}},
	{"Ñão quero mais receber", out, all, "", Context{}},
	{"n\u0303a\u0303o quero mais receber", out, all, "", Context{}},
	{"ＰＡＲＡＲ", out, all, "", Context{}},
	{"𝐒𝐀𝐈𝐑", out, all, "", Context{}},
	{"s\u200bair", out, all, "", Context{}}, // invisible characters vanish
	{"s\u200dair", out, all, "", Context{}},
	{"não", out, mkt, "", Context{ReplyToMarketing: true}},
	{"VOLTAR", in, all, LangPtBR, Context{}},
	{"#voltar", in, all, "", Context{}},
	{"#receber", in, mkt, "", Context{}},
	{"Quero receber", in, mkt, "", Context{}},
	{"SIM, quero receber", in, mkt, "", Context{}},
	{"sim quero receber as promoções", in, mkt, "", Context{}},
	{"quero voltar a receber as mensagens", in, all, "", Context{}},
	{"Sim", in, mkt, "", Context{ReplyToOptInRequest: true}},
	{"aceito", in, mkt, "", Context{ReplyToOptInRequest: true}},
	{"iniciar", in, all, "", Context{}},

	// Hard negatives (content-policy §3.2) and their relatives.
	{"pare de fumar", no, "", "", Context{}},
	{"não consigo parar de rir", no, "", "", Context{}},
	{"sair para almoçar", no, "", "", Context{}},
	{"vou sair para almoçar, volto às 14h", no, "", "", Context{}},
	{"cancelar meu pedido", no, "", "", Context{}},
	{"Quero cancelar meu pedido 12345", no, "", "", Context{}},
	{"quero sair mais cedo", no, "", "", Context{}},
	{"pare de me ligar?", no, "", "", Context{}},
	{"Cancelar?", no, "", "", Context{}},
	{"Para?", no, "", "", Context{}},
	{"Chega amanhã?", no, "", "", Context{}},
	{"chega?", no, "", "", Context{}},
	{"não quero receber o pedido amanhã", no, "", "", Context{}},
	{"não quero mais receber o jornal impresso", no, "", "", Context{}},
	{"não autorizei essa compra", no, "", "", Context{}},
	{"Não autorizo o débito", no, "", "", Context{}},
	{"não pedi pizza de calabresa", no, "", "", Context{}},
	{"me tira da lista de espera", no, "", "", Context{}},
	{"quero sair da lista de espera", no, "", "", Context{}},
	{"ele não para de me mandar mensagem", no, "", "", Context{}},
	{"vou denunciar o golpe na polícia", no, "", "", Context{}},
	{"vou bloquear o cartão", no, "", "", Context{}},
	{"não", no, "", "", Context{}},
	{"Sim", no, "", "", Context{}},
	{"não quero", out, mkt, "", Context{}},
	{"não quero receber o reembolso?", no, "", "", Context{}},
	{"não quero receber a encomenda hoje", no, "", "", Context{}},
	{"quero receber o reembolso", no, "", "", Context{}},
	{"Não quero receber, obrigado", out, all, "", Context{}},
	{"como faço para sair do aplicativo", no, "", "", Context{}},
	{"paradas de ônibus", no, "", "", Context{}},
	{"sairá amanhã", no, "", "", Context{}},
	{"Qual o horário para retirar?", no, "", "", Context{}},
	{"Obrigado!", no, "", "", Context{}},
	{"👍", no, "", "", Context{}},
	{"", no, "", "", Context{}},
	{"   ", no, "", "", Context{}},
}

// esCases are Spanish messages, hard negatives included.
var esCases = []matchCase{
	{"BAJA", out, all, LangES, Context{}},
	{"baja por favor", out, all, "", Context{}},
	{"Baja.", out, all, "", Context{}},
	{"SALIR", out, all, LangES, Context{}},
	{"Detener", out, all, "", Context{}},
	{"no más", out, all, "", Context{}},
	{"NO MAS", out, all, "", Context{}},
	{"¡No más!", out, all, "", Context{}},
	{"darme de baja", out, all, "", Context{}},
	{"Quiero darme de baja de la lista", out, all, "", Context{}},
	{"quiero dar de baja mi número", out, all, "", Context{}},
	{"No quiero recibir más mensajes", out, all, "", Context{}},
	{"ya no quiero recibir", out, all, "", Context{}},
	{"no quiero recibir promociones", out, mkt, "", Context{}},
	{"dejen de enviarme mensajes", out, all, "", Context{}},
	{"Dejen de escribirme!!", out, all, "", Context{}},
	{"no me envíen más", out, all, "", Context{}},
	{"no me envien mas mensajes por favor", out, all, "", Context{}},
	{"sáquenme de la lista", out, all, "", Context{}},
	{"sacarme de la lista por favor", out, all, "", Context{}},
	{"eliminar mi número", out, all, "", Context{}},
	{"déjenme en paz", out, all, "", Context{}},
	{"cancelar suscripción", out, mkt, "", Context{}},
	{"ALTO", out, mkt, "", Context{}},
	{"no me interesa", out, mkt, "", Context{}},
	{"Cancelar", out, mkt, "", Context{}},
	{"no", out, mkt, LangES, Context{ReplyToMarketing: true}},
	{"VOLVER", in, all, LangES, Context{}},
	{"#volver", in, all, "", Context{}},
	{"#recibir", in, mkt, "", Context{}},
	{"ALTA", in, mkt, "", Context{}},
	{"quiero recibir promociones", in, mkt, "", Context{}},
	{"sí", in, mkt, "", Context{ReplyToOptInRequest: true}},

	{"alto el fuego", no, "", "", Context{}},
	{"baja de precio", no, "", "", Context{}},
	{"¿Cuándo baja de precio?", no, "", "", Context{}},
	{"quiero dar de baja mi tarjeta", no, "", "", Context{}},
	{"quiero darme de baja del gimnasio", no, "", "", Context{}},
	{"no quiero recibir el pedido hoy", no, "", "", Context{}},
	{"no autoricé esta compra", no, "", "", Context{}},
	{"¿Alto?", no, "", "", Context{}},
	{"salir a cenar", no, "", "", Context{}},
	{"él no deja de escribirme", no, "", "", Context{}},
	{"quítenme de la lista de espera", no, "", "", Context{}},
	{"no", no, "", "", Context{}},
	{"sí", no, "", "", Context{}},
	{"gracias", no, "", "", Context{}},
}

// enCases are English messages, hard negatives included.
var enCases = []matchCase{
	{"STOP", out, all, LangEN, Context{}},
	{"Stop.", out, all, "", Context{}},
	{"stop please", out, all, "", Context{}},
	{"Please stop", out, all, "", Context{}},
	{"STOP STOP", out, all, "", Context{}},
	{"stoooop", out, all, "", Context{}},
	{"st0p", out, all, "", Context{}},
	{"S T O P", out, all, "", Context{}},
	{"🛑 STOP 🛑", out, all, "", Context{}},
	{"STOPALL", out, all, "", Context{}},
	{"stop all", out, all, "", Context{}},
	{"UNSUBSCRIBE", out, all, "", Context{}},
	{"unsubscribe me", out, all, "", Context{}},
	{"Please unsubscribe me from this", out, all, "", Context{}},
	{"quit", out, all, "", Context{}},
	{"opt-out", out, all, "", Context{}},
	{"OPT OUT", out, all, "", Context{}},
	{"optout", out, all, "", Context{}},
	{"revoke", out, all, "", Context{}},
	{"remove me", out, all, "", Context{}},
	{"Remove me from your list", out, all, "", Context{}},
	{"take me off your list", out, all, "", Context{}},
	{"stop messaging me", out, all, "", Context{}},
	{"Stop texting me!", out, all, "", Context{}},
	{"don't message me again", out, all, "", Context{}},
	{"Don’t text me", out, all, "", Context{}},
	{"do not contact me", out, all, "", Context{}},
	{"leave me alone", out, all, "", Context{}},
	{"no more messages please", out, all, "", Context{}},
	{"I never signed up for this", out, all, "", Context{}},
	{"stop promotions", out, mkt, "", Context{}},
	{"Not interested", out, mkt, "", Context{}},
	{"cancel", out, mkt, "", Context{}},
	{"END", out, mkt, "", Context{}},
	{"no", out, mkt, "", Context{ReplyToMarketing: true}},
	{"START", in, all, LangEN, Context{}},
	{"unstop", in, all, "", Context{}},
	{"resume", in, all, "", Context{}},
	{"subscribe", in, mkt, "", Context{}},
	{"Yes", in, mkt, "", Context{ReplyToOptInRequest: true}},
	{"yes please sign me up", in, mkt, "", Context{}},

	{"stop by the store", no, "", "", Context{}},
	{"I can't stop laughing", no, "", "", Context{}},
	{"cancel my order", no, "", "", Context{}},
	{"Cancel?", no, "", "", Context{}},
	{"remove the item from my cart", no, "", "", Context{}},
	{"take me off hold", no, "", "", Context{}},
	{"please don't stop sending me updates", no, "", "", Context{}},
	{"where does the bus stop", no, "", "", Context{}},
	{"at the end of the day", no, "", "", Context{}},
	{"yes", no, "", "", Context{}},
	{"no", no, "", "", Context{}},
	{"thanks!", no, "", "", Context{}},
}

func TestMatchDefaults(t *testing.T) {
	t.Parallel()
	m := Default()
	for _, set := range []struct {
		name  string
		cases []matchCase
	}{{"pt-BR", ptBRCases}, {"es", esCases}, {"en", enCases}} {
		t.Run(set.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range set.cases {
				got := m.MatchContext(c.text, c.ctx)
				if got.Kind != c.kind || got.Scope != c.scope || (c.lang != "" && got.Language != c.lang) {
					t.Errorf("MatchContext(%q, %+v) = %+v; want kind %s scope %q lang %q", c.text, c.ctx, got, c.kind, c.scope, c.lang)
				}
				if got.Kind != KindNone && (got.RuleID == "" || got.Phrase == "" || got.Matched == "" || got.Strength == "") {
					t.Errorf("MatchContext(%q) = %+v: a match must say why", c.text, got)
				}
			}
		})
	}
}

func TestMatchCaseCount(t *testing.T) {
	t.Parallel()
	if n := len(ptBRCases) + len(esCases) + len(enCases); n < 100 {
		t.Fatalf("%d cases; the suite promises at least 100", n)
	}
}

func TestMatchReportsRule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want Match
	}{
		{"Não quero mais receber!", Match{Kind: out, Scope: all, Phrase: "não quero mais receber",
			Matched: "nao quero mais receber", Language: LangPtBR,
			RuleID: "pt-BR/opt_out/phrase/nao_quero_mais_receber", Strength: StrengthPhrase}},
		{"Oi, PARAR por favor", Match{Kind: out, Scope: all, Phrase: "parar", Matched: "parar",
			Language: LangPtBR, RuleID: "pt-BR/opt_out/keyword/parar", Strength: StrengthKeyword}},
		{"sim", Match{Kind: in, Scope: mkt, Phrase: "sim", Matched: "sim", Language: LangPtBR,
			RuleID: "pt-BR/opt_in/keyword/sim", Strength: StrengthContext}},
		{"pizza", None},
	}
	for _, c := range cases {
		if got := Default().MatchContext(c.text, Context{ReplyToOptInRequest: true}); got != c.want {
			t.Errorf("Match(%q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

// An opt-out in the same message as an opt-in wins: stopping is the safe
// reading, and a later opt-in can always undo it.
func TestMatchOptOutBeatsOptIn(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"quero receber só o boleto, não quero mais receber promoções",
		"sim. parar",
		"não quero receber, quero sair da lista",
	} {
		if got := Default().Match(text); got.Kind != out {
			t.Errorf("Match(%q) = %+v, want an opt-out", text, got)
		}
	}
	// Scope all beats marketing when both are asked for.
	if got := Default().Match("não quero promoções. me tire da lista"); got.Scope != all {
		t.Errorf("scope = %q, want all", got.Scope)
	}
}

func TestMatchLongMessagesHaveNoPhrases(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("o pedido chegou bem ", 12) + "não quero mais receber"
	if got := Default().Match(long); got.Kind != KindNone {
		t.Errorf("a %d-word message matched %+v", len(strings.Fields(long)), got)
	}
	short := strings.Repeat("o pedido chegou ", 5) + "mas não quero mais receber"
	if got := Default().Match(short); got.Kind != out {
		t.Errorf("a short message did not match: %+v", got)
	}
}

// TestRules lists what a tenant's matcher applies: the defaults of its
// languages minus the disabled ones, then its own.
func TestRules(t *testing.T) {
	m, err := New(Options{Languages: []string{"es"}, Disabled: []string{"baja"},
		Rules: []Rule{{Text: "chega de ofertas", Kind: KindOptOut, Scope: ScopeMarketing, Mode: ModePhrase, Langs: []string{"pt-BR"}}}})
	if err != nil {
		t.Fatal(err)
	}
	rules := m.Rules()
	if len(rules) < 2 {
		t.Fatalf("Rules() = %d rules", len(rules))
	}
	for _, r := range rules[:len(rules)-1] {
		if len(r.Langs) == 0 || r.Langs[0] != "es" {
			t.Errorf("default rule %q kept for %v, want es first", r.Text, r.Langs)
		}
		if Normalize(r.Text) == "baja" {
			t.Error("the disabled default baja is listed")
		}
	}
	if last := rules[len(rules)-1]; last.Text != "chega de ofertas" || last.Mode != ModePhrase || last.Scope != ScopeMarketing {
		t.Errorf("the tenant's own rule is listed as %+v", last)
	}
	if n := len(Default().Rules()); n != len(DefaultRules()) {
		t.Errorf("the default matcher applies %d rules, DefaultRules has %d", n, len(DefaultRules()))
	}
}
