package content

import (
	"context"
	"slices"
	"testing"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// categories returns the categories found in a text body.
func categories(t *testing.T, text string) []Category {
	t.Helper()
	res := New().Check(context.Background(), "t1", Message{Texts: []Text{{Field: "text.body", Value: text}}})
	if res.Err != nil {
		t.Fatalf("%q: %v", text, res.Err)
	}
	var cats []Category
	for _, f := range res.Findings {
		if f.Layer == LayerPattern {
			cats = append(cats, f.Category)
		}
	}
	return cats
}

// Texts written as the scams reach people in Brazil (and in Spanish and
// English), each with the category it must be found under.
func TestPatternsFindScams(t *testing.T) {
	for _, tc := range []struct {
		want Category
		text string
	}{
		{ScamPIX, "Parabéns! Seu empréstimo de R$ 5.000 foi aprovado. Para liberar o valor faça um PIX de R$ 89,90 referente à taxa de liberação."},
		{ScamPIX, "Oi, boa tarde. Fiz um pix errado pra sua conta de R$ 450, consegue devolver pra essa chave? Obrigada"},
		{ScamPIX, "Oi mãe, troquei de número, salva esse aqui. Preciso pagar uma conta urgente, me faz um pix?"},
		{ScamPIX, "Hola mamá, cambié de número. ¿Me puedes hacer una transferencia hoy? Te lo devuelvo mañana"},
		{ScamBoleto, "Prezado cliente, seu boleto foi atualizado e o anterior foi cancelado. Pague somente o novo boleto: bit.ly/2vIaX9"},
		{ScamBankUpdate, "BRADESCO: Sua chave de segurança expirou. Evite o bloqueio, faça a atualização cadastral em www.bradesco-seguranca.com"},
		{ScamBankUpdate, "Itaú informa: seu token foi desativado. Acesse o link e regularize: https://itau-token.net/app"},
		{ScamBankUpdate, "BBVA: Su cuenta fue suspendida, actualice sus datos aquí: http://bbva-mx.site/act"},
		{ScamBankUpdate, "Your account is on hold. Verify your account now: http://secure-nubank.top/login"},
		{ScamCredentials, "Olá, aqui é do suporte. Para confirmar sua identidade me passe o código de verificação que chegou por SMS."},
		{ScamCredentials, "Para concluir o estorno informe o número completo do cartão e o CVV."},
		{ScamCredentials, "Hi, this is the support team. Please reply with the verification code we just sent you."},
		{ScamPrize, "Parabéns!!! Seu número foi sorteado na promoção Magalu 25 anos. Para resgatar seu prêmio pague o frete de R$ 29,90: bit.ly/x"},
		{ScamPrize, "¡Felicidades! Has ganado un iPhone 15. Reclama tu premio aquí: http://premios-claro.xyz"},
		{ScamParcelFee, "CORREIOS: Sua encomenda está retida aguardando pagamento da taxa de importação. Pague em 24h em correios-rastreio.top"},
		{ScamParcelFee, "Your parcel is held at customs. Pay the customs fee of $1.99 here: http://usps-track.info/pay"},
		{ScamImpersonation, "Central de Segurança Santander: identificamos uma compra suspeita de R$ 2.890. Se não reconhece, ligue agora 0800 000 0000."},
		{ScamImpersonation, "Receita Federal: seu CPF irregular será cancelado. Regularize em gov-br-receita.site"},
		{ScamUrgency, "Sua conta será bloqueada hoje! Clique no link para evitar: https://bit.ly/3abc"},
		{ProhibitedDrugs, "Entrega de maconha e skunk na zona sul, delivery discreto"},
		{ProhibitedTobacco, "Promoção de vape e pod descartável, entregamos hoje"},
		{ProhibitedWeapons, "Vendo pistola 9mm e munição, sem burocracia"},
		{ProhibitedAdult, "Novo pack liberado no OnlyFans, link na bio"},
		{ProhibitedIllegal, "Fazemos CNH sem autoescola e diploma sem estudar, chama no privado"},
		{ProhibitedCurrency, "Robô de trade com lucro garantido: dobre seu dinheiro em 30 dias"},
		{ProhibitedDeceptive, "Empréstimo para negativados sem consulta ao SPC, dinheiro na hora"},
		{ProhibitedPiracy, "Lista IPTV com todos os canais liberados por R$ 25 ao mês"},
		{ProhibitedCounterfeit, "Réplica primeira linha de relógio Rolex, pronta entrega"},
		{ProhibitedSupplements, "Perca 10 kg em 15 dias com nosso emagrecedor natural"},
		{ProhibitedDating, "Conheça solteiras na sua região hoje mesmo, cadastro grátis"},
		{ProhibitedMisinformation, "URGENTE: compartilhe antes que apaguem, a grande mídia esconde a verdade"},
		{RestrictedAlcohol, "Sexta é dia de cerveja gelada: balde com 6 long necks por R$ 39,90"},
		{RestrictedGambling, "Bônus de depósito de 100% no Fortune Tiger, aposte agora"},
		{RestrictedMedical, "Ozempic original com entrega em 24h"},
		{ProhibitedTobacco, "ＶＡＰＥ ｄｅｓｃａｒｔáｖｅｌ com entrega"},                // fullwidth letters
		{ProhibitedDrugs, "ma\u200bco\u200bnha com entrega rápida"},        // zero-width spaces
		{ScamPIX, "PIX por ENGANO! Por favor DEVOLVA o valor nesta chave"}, // shouting, accents
	} {
		if got := categories(t, tc.text); !slices.Contains(got, tc.want) {
			t.Errorf("%q: found %v, want %s", tc.text, got, tc.want)
		}
	}
}

// Hard negatives: what banks, shops, carriers and services really send,
// with the very words scams use. None may be found by the pattern layer.
func TestPatternsPassLegitimateMessages(t *testing.T) {
	for _, text := range []string{
		"Seu boleto de dezembro vence dia 10, código de barras no app.",
		"Olá, Maria! A segunda via do seu boleto está disponível no app e no site acme.com.br/faturas.",
		"Seu pedido #48213 saiu para entrega e chega hoje até as 18h.",
		"Seu pedido foi entregue. Avalie sua experiência no app.",
		"Seu código de verificação é 482913. Não compartilhe este código com ninguém.",
		"Your verification code is 482913. Never share it with anyone, we will never ask for it.",
		"Tu código de verificación es 482913. No lo compartas con nadie.",
		"Nubank: Pix de R$ 150,00 recebido de João S. Confira no app.",
		"Compra aprovada de R$ 89,90 no cartão final 1234. Não reconhece? Fale com a Central de Segurança pelo app.",
		"Para sua segurança: nunca pedimos que atualize seus dados por link. Em caso de dúvida, acesse o app.",
		"Recebeu um Pix por engano? Use o botão Devolver no app, nunca faça uma nova transferência.",
		"Sua fatura de R$ 320,50 vence hoje. Evite o bloqueio do cartão pagando pelo app.",
		"Parabéns! Você ganhou 10% de desconto na próxima compra com o cupom VOLTA10.",
		"Promoção relâmpago: só hoje, frete grátis em todo o site!",
		"Bolsa de couro cor vinho, nova coleção, a partir de R$ 199.",
		"Sua consulta com a Dra. Ana está confirmada para terça, 14h. Responda SIM para confirmar.",
		"Curso de tiro para porte de arma: turma nova no clube de tiro em janeiro.",
		"Pistola de cola quente em promoção na Casa do Artesão.",
		"Dipirona e paracetamol com 20% de desconto. Seu pedido com receita está pronto para retirada.",
		"Hoje é o Dia Mundial sem Tabaco: conheça nosso programa para parar de fumar.",
		"Seu cartão foi enviado. Acompanhe a entrega pelo app.",
		"Atualize o app para a versão 8.2 e aproveite o novo extrato.",
		"Lembrete: sua parcela do financiamento vence amanhã. Pague pelo app ou no internet banking.",
		"Sua compra internacional foi taxada. O imposto de importação pode ser pago no app dos Correios.",
		"Informamos que o horário de atendimento no feriado será das 9h às 13h.",
		"CPF: XXX.XXX.123-45 — cadastro concluído.",
		"Temos slots de horário disponíveis amanhã para sua revisão.",
		"Adote um filhote! Feira de adoção neste sábado no parque.",
		"Promoção explosiva: descontos de até 70%!",
		"Reply STOP to unsubscribe. Your order has shipped and will arrive Tuesday.",
		"Tu pedido salió a reparto y llegará hoy.",
		"Seu pedido está pendente de pagamento. Pague pelo link: acme.com.br/pagar",
		"Para confirmar seu cadastro, informe no site o código que enviamos por SMS.",
		"Sua encomenda não foi retirada e será devolvida ao remetente. Acompanhe em acme.com.br/rastreio",
		"Frete grátis acima de R$ 199 só hoje! Acesse acme.com.br",
		"Seu pacote está aguardando retirada na agência. Leve um documento com foto.",
		"Your card number ending in 1234 was charged $25.00. Confirm it in the app if it was you.",
	} {
		if got := categories(t, text); len(got) > 0 {
			t.Errorf("%q: found %v, want nothing", text, got)
		}
	}
}

// The words of a finding are the lexicon's, never the message's.
func TestPatternFindingNamesWords(t *testing.T) {
	res := New().Check(context.Background(), "t1", Message{Texts: []Text{{Field: "text.body",
		Value: "Seu empréstimo foi aprovado, para liberar o valor pague a taxa de liberação por PIX"}}})
	var f *Finding
	for i := range res.Findings {
		if res.Findings[i].Category == ScamPIX {
			f = &res.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("no scam.pix finding in %+v", res.Findings)
	}
	if f.Layer != LayerPattern || f.Severity != High || !f.Hint.Complete() {
		t.Errorf("finding %+v", f)
	}
	if !slices.Contains(f.Words, "pix") || !slices.Contains(f.Words, "taxa de liberação") {
		t.Errorf("words %q, want pix and taxa de liberação", f.Words)
	}
}

// Hateful content and abusive collection: the harassment and threats
// people report, each with its category.
func TestPatternsFindHateAndAbusiveCollection(t *testing.T) {
	for _, tc := range []struct {
		want Category
		text string
	}{
		{ProhibitedHate, "Esses nordestinos são uma praga, voltem para sua terra"},
		{ProhibitedHate, "Imigrantes venezuelanos não são gente, têm que morrer"},
		{ProhibitedHate, "Los inmigrantes son basura y deben morir"},
		{ProhibitedHate, "Muslims are vermin and should die"},
		{ProhibitedHate, "Sieg heil! O holocausto nunca existiu"},
		{ProhibitedHate, "GAYS SÃO ANIMAIS"},
		{ProhibitedDebtCollection, "Sua dívida está em aberto. Sabemos onde você mora e vamos até sua casa."},
		{ProhibitedDebtCollection, "Débito em atraso: se não pagar hoje vai ser preso, já tem mandado de prisão."},
		{ProhibitedDebtCollection, "Caloteiro! Vamos divulgar sua dívida para todo mundo."},
		{ProhibitedDebtCollection, "Você está na lista de caloteiros. Pague o débito."},
		{ProhibitedDebtCollection, "Seu vagabundo, paga a dívida que você nos deve."},
		{ProhibitedDebtCollection, "Se não quitar o débito, vamos ligar para seu chefe e contar tudo."},
		{ProhibitedDebtCollection, "Como sua dívida continua aberta, entraremos em contato com seus familiares e vizinhos."},
		{ProhibitedDebtCollection, "Tiene una deuda pendiente. Sabemos dónde vive, vamos a su casa."},
		{ProhibitedDebtCollection, "Su adeudo sigue vencido: llamaremos a su jefe y a su familia."},
		{ProhibitedDebtCollection, "Your account is past due. We know where you live."},
		{ProhibitedDebtCollection, "You owe us $300, deadbeat. We will post your name."},
		{ProhibitedDebtCollection, "Your debt is overdue. We will call your employer tomorrow."},
	} {
		if got := categories(t, tc.text); !slices.Contains(got, tc.want) {
			t.Errorf("%q: found %v, want %s", tc.text, got, tc.want)
		}
	}
}

// Hard negatives: honest collection notices, with the amount, the due date
// and the lawful consequences, and messages that name protected groups to
// include them or fight discrimination. Neither category may be found.
func TestPatternsPassCollectionNoticesAndInclusion(t *testing.T) {
	for _, text := range []string{
		"Olá, Maria. Identificamos um débito em aberto de R$ 150,00 vencido em 05/11. Regularize pelo app e evite a inclusão do seu CPF no SPC e na Serasa.",
		"Sua parcela vencida pode ser paga com desconto até sexta. Se já pagou, desconsidere.",
		"Aviso de cobrança: o título vencido será enviado a protesto em cartório em 10 dias úteis caso não seja pago.",
		"Sua dívida com a Acme pode ser negociada em até 12 vezes sem juros pelo site acme.com.br/negocie.",
		"Informamos que o débito em atraso poderá ser cobrado judicialmente, conforme contrato. Fale com nosso atendimento.",
		"Conta em atraso? Fale com a gente antes que vire uma bola de neve: renegociação pelo app.",
		"Su cuenta tiene un pago vencido de $1.200. Pague en la app o llame a nuestro centro de atención.",
		"Your account is past due. Please pay by the 15th to avoid late fees; call us if you need a payment plan.",
		"This is a reminder from Acme Collections: you owe $240. Visit acme.com/pay or reply to set up a plan.",
		"Cuidado com golpes de cobrança: nunca ligaremos para seus familiares nem pediremos PIX para terceiros.",
		"Dívida paga! Obrigado, seu nome será retirado dos cadastros de inadimplentes em até 5 dias úteis.",
		"Vagas afirmativas para pessoas negras e indígenas: inscrições abertas até dia 30.",
		"Mês do orgulho LGBT: 20% de desconto em toda a coleção arco-íris.",
		"Atendemos imigrantes e refugiados de segunda a sexta; aos sábados o escritório fecha.",
		"Racismo é crime. Presenciou discriminação contra negros ou nordestinos? Denuncie pelo Disque 100.",
		"Campanha contra a homofobia: gays e lésbicas merecem respeito.",
		"Nuestra clínica atiende a migrantes e indígenas sin costo.",
		"We welcome immigrants and refugees: free English classes every Tuesday.",
		"Dedetização: exterminamos cupins e baratas com garantia de 6 meses.",
		"Vinhos de origem: conheça a vinícola fundada por imigrantes italianos.",
	} {
		for _, c := range categories(t, text) {
			if c == ProhibitedHate || c == ProhibitedDebtCollection {
				t.Errorf("%q: found %s", text, c)
			}
		}
	}
}

// Every hint the checker gives has a text in each of the refusal
// catalogue's languages, different from the others: a hint missing a
// language would reach a client in the wrong one.
func TestEveryHintHasEveryLanguage(t *testing.T) {
	hints := AllHints()
	if len(hints) < 20 {
		t.Fatalf("only %d hints listed", len(hints))
	}
	for _, h := range hints {
		if !h.Complete() {
			t.Errorf("hint lacks a language: %+v", h)
		}
		if h.PT == h.EN || h.EN == h.ES || h.PT == h.ES {
			t.Errorf("hint not translated: %+v", h)
		}
		for _, l := range refusal.Langs {
			if h.In(l) == "" {
				t.Errorf("hint has no %s text: %+v", l, h)
			}
		}
	}
	if h := hints[0]; h.In("de") != h.PT {
		t.Error("a language the catalogue does not speak must fall back to pt-BR")
	}
}
