package optout

import "testing"

// inboundTexts are typical inbound messages: most are not opt-outs.
var inboundTexts = []string{
	"Oi, boa tarde! Meu pedido ainda não chegou, pode verificar?",
	"ok obrigado",
	"PARAR",
	"Qual o valor do frete para Campinas?",
	"Não quero mais receber essas mensagens, por favor me tire da lista",
	"👍",
	"Hola, ¿tienen la talla M en azul?",
	"stop",
	"I would like to cancel my order #12345, it was a mistake",
	"Bom dia, gostaria de saber se vocês abrem no feriado e até que horas funcionam hoje, obrigado 😊",
}

func BenchmarkMatch(b *testing.B) {
	m := Default()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Match(inboundTexts[i%len(inboundTexts)])
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Normalize(inboundTexts[i%len(inboundTexts)])
	}
}
