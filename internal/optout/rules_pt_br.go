package optout

import "slices"

var (
	pt   = []string{LangPtBR}
	ptES = []string{LangPtBR, LangES}
)

// rulesPtBR are the Brazilian Portuguese rules. SAIR is the Brazilian habit
// since Anatel's 2012 rule for carriers' SMS; PARAR/PARE are the common
// footers ("Responda PARE p/ sair"); DESCADASTRAR, REMOVER and CANCELAR are
// what Brazilian platforms accept.
var rulesPtBR = slices.Concat(
	// Requests to stop every message.
	rules(ptES, KindOptOut, ScopeAll, ModeKeyword, "parar", "pare", "parem"),
	rules(pt, KindOptOut, ScopeAll, ModeKeyword,
		"sair", "descadastrar", "descadastro", "descadastre", "descadastra", "remover", "remova",
		"bloquear", "quero sair", "quero parar", "sair da lista", "pare tudo", "parar tudo"),
	// "Para" as a whole message is "stop"; "Para?" is not.
	ambiguous(rules(ptES, KindOptOut, ScopeAll, ModeKeyword, "para")),
	// Words that in a transactional reply may mean the order, the plan or
	// the appointment: marketing only, never a question.
	ambiguous(rules(ptES, KindOptOut, ScopeMarketing, ModeKeyword, "cancelar")),
	ambiguous(rules(pt, KindOptOut, ScopeMarketing, ModeKeyword,
		"cancela", "quero cancelar", "fim", "chega", "basta", "não quero", "não quero mais",
		"sem interesse", "não tenho interesse", "não pedi")),
	// "NÃO" answers the message before it.
	needs(NeedReplyToMarketing, rules(pt, KindOptOut, ScopeMarketing, ModeKeyword, "não")),

	notAfter([]string{"não", "nao", "ele não", "ela não"}, rules(pt, KindOptOut, ScopeAll, ModePhrase,
		"para de me mandar", "pare de me mandar", "parem de me mandar", "para de mandar",
		"pare de mandar", "parem de mandar", "para de enviar", "pare de enviar", "parem de enviar",
		"pare de me enviar", "parem de me enviar", "não me mande mais", "não me mandem mais",
		"não mandem mais", "não me envie mais", "não me enviem mais", "não enviem mais",
		"parem de me incomodar", "pare de me incomodar")),
	tail(nil, rules(pt, KindOptOut, ScopeAll, ModePhrase,
		"não quero mais receber", "não quero receber", "nao quero receber mais", "quero parar de receber",
		"parar de receber", "não desejo receber", "não desejo mais receber", "deixar de receber",
		"não autorizo", "não autorizei", "nunca autorizei", "não pedi", "nunca pedi",
		"como faço para sair", "como faço pra sair", "como faço para parar", "chega de")),
	tail([]string{"número", "numero", "vocês", "voces", "empresa", "contato"}, rules(pt, KindOptOut, ScopeAll, ModePhrase,
		"vou denunciar", "vou bloquear", "vou te bloquear", "vou bloquear vocês", "vou denunciar vocês")),
	notBefore([]string{"de espera", "de presença", "de presenca", "de convidados", "de chamada", "de compras", "vip"},
		rules(pt, KindOptOut, ScopeAll, ModePhrase,
			"sair da lista", "me tira da lista", "me tire da lista", "me tirem da lista",
			"me retire da lista", "me retirem da lista", "me remove da lista", "me remova da lista",
			"me removam da lista", "me exclua da lista", "me excluam da lista", "tirar da lista",
			"me tira dessa lista", "me tire dessa lista", "me tira desta lista")),
	rules(pt, KindOptOut, ScopeAll, ModePhrase,
		"remover meu número", "remova meu número", "removam meu número", "tirar meu número",
		"tire meu número", "tirem meu número", "excluir meu número", "exclua meu número",
		"excluam meu número", "apaguem meu número", "apague meu número", "deletem meu número",
		"descadastrar", "descadastre", "descadastra", "descadastrem", "me descadastrar",
		"não pedi para receber", "não pedi pra receber", "nunca me cadastrei", "não me cadastrei",
		"não me inscrevi", "nunca me inscrevi", "me deixa em paz", "me deixem em paz",
		"não me perturbe", "não me perturbem", "não me incomode", "não me incomodem",
		"não entrem mais em contato", "não entre mais em contato", "parem de me contatar",
		"não quero mais mensagens", "não quero mais mensagem"),
	tail(nil, ambiguous(rules(pt, KindOptOut, ScopeMarketing, ModePhrase,
		"cancelar inscrição", "cancelar minha inscrição", "cancelar assinatura", "cancelar a assinatura"))),
	rules(pt, KindOptOut, ScopeMarketing, ModePhrase,
		"parar promoções", "parar as promoções", "parar de receber promoções", "pare as promoções",
		"não quero promoções", "não quero propaganda", "sem propaganda", "sem promoções",
		"não tenho interesse", "não tenho mais interesse"),

	// Opt-ins. Resubscribing words undo a keyword opt-out (scope all);
	// wanting to receive offers is consent for marketing.
	rules(pt, KindOptIn, ScopeAll, ModeKeyword, "voltar", "quero voltar", "iniciar"),
	rules(pt, KindOptIn, ScopeMarketing, ModeKeyword, "receber", "cadastrar", "quero receber",
		"me cadastrar", "quero participar", "assinar"),
	needs(NeedReplyToOptInRequest, rules(pt, KindOptIn, ScopeMarketing, ModeKeyword,
		"sim", "aceito", "eu aceito", "concordo", "pode mandar", "pode enviar", "quero", "claro")),
	notAfter([]string{"não", "nao", "nunca", "jamais"}, tail(nil, rules(pt, KindOptIn, ScopeMarketing, ModePhrase,
		"quero receber", "gostaria de receber", "aceito receber", "pode me mandar", "podem me mandar",
		"pode me enviar", "podem me enviar"))),
	notAfter([]string{"não", "nao", "nunca", "jamais"}, rules(pt, KindOptIn, ScopeAll, ModePhrase,
		"voltar a receber", "quero voltar a receber", "me cadastra de novo", "reativar as mensagens")),
)
