package content

import (
	"context"
	"slices"
	"testing"
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
	if f.Layer != LayerPattern || f.Severity != High || f.Hint == "" {
		t.Errorf("finding %+v", f)
	}
	if !slices.Contains(f.Words, "pix") || !slices.Contains(f.Words, "taxa de liberação") {
		t.Errorf("words %q, want pix and taxa de liberação", f.Words)
	}
}
