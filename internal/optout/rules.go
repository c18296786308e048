package optout

import "slices"

// defaultRules are the built-in rules, in priority order: pt-BR, es, en.
var defaultRules = slices.Concat(rulesPtBR, rulesES, rulesEN)

// rules builds rules of one kind, scope and mode for each text.
func rules(langs []string, kind Kind, scope Scope, mode Mode, texts ...string) []Rule {
	out := make([]Rule, len(texts))
	for i, t := range texts {
		out[i] = Rule{Text: t, Kind: kind, Scope: scope, Mode: mode, Langs: langs}
	}
	return out
}

// with applies f to every rule of rs.
func with(rs []Rule, f func(*Rule)) []Rule {
	for i := range rs {
		f(&rs[i])
	}
	return rs
}

func ambiguous(rs []Rule) []Rule { return with(rs, func(r *Rule) { r.Ambiguous = true }) }

func needs(n Need, rs []Rule) []Rule { return with(rs, func(r *Rule) { r.Need = n }) }

func tail(words []string, rs []Rule) []Rule {
	return with(rs, func(r *Rule) { r.Tail, r.TailWords = true, words })
}

func notBefore(seqs []string, rs []Rule) []Rule {
	return with(rs, func(r *Rule) { r.NotBefore = seqs })
}

func notAfter(seqs []string, rs []Rule) []Rule {
	return with(rs, func(r *Rule) { r.NotAfter = seqs })
}

// set folds words into a set of keys.
func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		for _, k := range keys(w) {
			m[k] = true
		}
	}
	return m
}

// seqs folds phrases into word sequences.
func seqs(phrases ...string) [][]string {
	out := make([][]string, len(phrases))
	for i, p := range phrases {
		out[i] = keys(p)
	}
	return out
}

// courtesyLead and courtesyTrail are the words a keyword may be wrapped in:
// "Oi, PARAR por favor" is the keyword PARAR.
var (
	courtesyLead = seqs(
		"oi", "olá", "ola", "opa", "ei", "bom dia", "boa tarde", "boa noite", "por favor", "pf", "pfv",
		"pfvr", "porfa", "eu", "hola", "buenos días", "buenas tardes", "buenas noches", "buenas", "yo",
		"hi", "hello", "hey", "please", "pls", "plz", "i", "ok", "okay")
	courtesyTrail = seqs(
		"por favor", "pf", "pfv", "pfvr", "porfa", "porfavor", "obrigado", "obrigada", "obg", "obgd",
		"brigado", "valeu", "vlw", "grato", "grata", "agora", "já", "urgente", "gracias", "ya", "ahora",
		"please", "pls", "plz", "thanks", "thank you", "thx", "ty", "now")
)

// messageWords name messages: a Tail accepts them after a phrase
// ("não quero receber mensagens"). marketingWords, a subset, name
// promotions and narrow the phrase's scope to marketing.
var (
	marketingWords = set(
		"promoção", "promoções", "promo", "promos", "propaganda", "propagandas", "oferta", "ofertas",
		"novidade", "novidades", "anúncio", "anúncios", "publicidade", "marketing", "campanha",
		"campanhas", "newsletter", "promoción", "promociones", "publicidad", "anuncio", "anuncios",
		"novedades", "promotion", "promotions", "offer", "offers", "ad", "ads", "advertising", "deals")
	messageWords = union(marketingWords, set(
		"mensagem", "mensagens", "msg", "msgs", "mensagen", "notificação", "notificações", "notícia",
		"notícias", "comunicação", "comunicações", "comunicado", "comunicados", "lembrete", "lembretes",
		"alerta", "alertas", "cobrança", "cobranças", "spam", "sms", "whatsapp", "whats", "zap", "zapzap",
		"contato", "contatos", "lista", "envio", "envios", "isso", "disso", "nada", "grupo",
		"mensaje", "mensajes", "notificaciones", "noticias", "contacto", "esto", "eso", "grupo",
		"message", "messages", "text", "texts", "notifications", "this", "anything", "list", "group",
		"spam", "contact",
		// Verbs of sending: "não autorizei vocês a me mandarem mensagem".
		"mandar", "mandarem", "mandando", "enviar", "enviarem", "enviando", "contatar", "escrever",
		"enviarme", "mandarme", "escribirme", "contactar", "contactarme", "send", "sending", "texting",
		"messaging", "contacting"))
	smallWords = set(
		"de", "da", "do", "das", "dos", "a", "o", "as", "os", "essa", "esse", "essas", "esses",
		"esta", "este", "estas", "estes", "sua", "suas", "seu", "seus", "tua", "tuas", "mais",
		"nenhuma", "nenhum", "tipo", "tanta", "tantas", "de vocês", "vocês", "vcs", "voces", "pelo",
		"por", "aqui", "del", "la", "el", "los", "las", "sus", "tus", "mas", "ninguna", "ningún",
		"ustedes", "tantos", "from", "of", "the", "your", "these", "those", "any", "more", "me",
		"you", "guys", "all", "to", "dessa", "desse", "dessas", "desses", "desta", "deste", "na", "no",
		"nas", "nos", "nessa", "nesse", "em", "pra", "para", "minha", "meu", "meus", "minhas", "mi",
		"mis", "my", "esa", "ese", "esas", "esos", "al", "en")
)

func union(a, b map[string]bool) map[string]bool {
	for k := range a {
		b[k] = true
	}
	return b
}
