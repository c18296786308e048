package content

// Scam and phishing patterns common in Brazil (and their Spanish and
// English forms): charges by PIX and boleto on a pretext, the bank's fake
// "atualização cadastral", requests for passwords and codes, prizes and
// parcels held for a fee, impersonated institutions, and fake urgency. The
// same words in a bank's, a shop's or a carrier's real messages ("your
// boleto is due on the 10th", "never share this code") are what Unless and
// the second group keep out: a false block costs a business as much as a
// ban.

// Scam categories.
const (
	ScamPIX           Category = "scam.pix"
	ScamBoleto        Category = "scam.boleto"
	ScamBankUpdate    Category = "scam.bank_update"
	ScamCredentials   Category = "scam.credentials"
	ScamPrize         Category = "scam.prize"
	ScamParcelFee     Category = "scam.parcel_fee"
	ScamImpersonation Category = "scam.impersonation"
	ScamUrgency       Category = "scam.urgency"
)

// clickWords are the calls to open something that turn a warning into
// phishing.
var clickWords = phrases(aLink, "clique", "clica", "acesse", "acessar", "link", "http*", "www", "toque aqui", "entre no site",
	"click", "tap here", "haga clic", "haz clic", "ingrese", "ingresa", "pinche")

// selfServe names the business's own app or branch: where real banks and
// carriers send people, instead of a link.
var selfServe = phrases("no app", "no aplicativo", "pelo app", "pelo aplicativo", "na agência", "in the app",
	"en la app", "en la aplicación")

// credentialsSafe are the warnings every bank and service sends with its
// codes: "do not share it".
var credentialsSafe = phrases("não compartilhe", "nunca compartilhe", "não informe", "nunca informe", "não envie", "nunca envie",
	"não passe", "nunca passe", "não forneça", "nunca pedimos", "nunca solicitamos", "nunca pede", "nunca peça",
	"do not share", "don t share", "never share", "never ask", "no compartas", "no comparta", "nunca compartas",
	"nunca comparta", "no lo compartas", "nunca le pediremos", "nunca solicitamos")

var scamPatterns = []pattern{
	{
		Category: ScamPIX, Severity: High,
		Need: [][]string{
			phrases("pix", "chave aleatória", "transferência", "transferencia", "depósito", "deposito"),
			phrases("taxa de liberação", "taxa de desbloqueio", "taxa para liberar", "para liberar o", "para liberar seu",
				"para liberar sua", "para desbloquear o valor", "pagar uma taxa", "pague a taxa", "pagamento da taxa",
				"taxa de saque", "taxa de resgate", "tarifa de liberación", "release fee", "unlock fee"),
		},
		Hint: hintPIXFee,
	},
	{
		Category: ScamPIX, Severity: High,
		Need: [][]string{
			phrases("pix", "transferência", "transferencia"),
			phrases("por engano", "errado", "errei o", "sin querer", "by mistake"),
			phrases("devolv*", "devolución", "devolucion", "manda de volta", "send it back", "return it"),
		},
		Unless: selfServe,
		Hint:   hintPIXMistake,
	},
	{
		Category: ScamPIX, Severity: High,
		Need: [][]string{
			phrases("troquei de número", "troquei de numero", "mudei de número", "meu número novo", "meu novo número",
				"esse é meu novo número", "este é meu novo número", "salva esse número", "salve esse número",
				"cambié de número", "mi número nuevo", "mi nuevo número", "my new number", "changed my number"),
			phrases("pix", "transferência", "transferencia", "depósito", "deposito", "pagar uma conta", "me empresta",
				"empresta", "transferencia", "préstamo", "transfer", "lend me"),
		},
		Hint: hintPIXRelative,
	},
	{
		Category: ScamBoleto, Severity: High,
		Need: [][]string{
			phrases("boleto", "código de barras", "codigo de barras"),
			phrases("foi atualizado", "boleto atualizado", "novo boleto", "anterior foi cancelado", "desconsidere o boleto anterior",
				"desconsidere o anterior", "pague somente o novo", "pague apenas o novo", "código de barras foi alterado",
				"boleto foi alterado", "mudança de conta", "nova conta para pagamento", "dados bancários foram alterados"),
		},
		Unless: selfServe,
		Hint:   hintBoleto,
	},
	{
		Category: ScamBankUpdate, Severity: High,
		Need: [][]string{
			phrases("atualização cadastral", "atualizacao cadastral", "atualizar seu cadastro", "atualize seu cadastro",
				"atualize seus dados", "atualizar seus dados", "recadastramento", "token expirado", "token vencido",
				"seu token", "chave de segurança", "módulo de segurança", "modulo de seguranca", "dispositivo de segurança",
				"validar sua conta", "valide sua conta", "confirmar seus dados", "confirme seus dados", "regularizar seu cadastro",
				"regularize seu cadastro", "desbloquear sua conta", "desbloqueie sua conta", "actualizar sus datos",
				"actualice sus datos", "actualización de datos", "verifique su cuenta", "verify your account",
				"update your account", "confirm your details", "update your details"),
			clickWords,
		},
		Unless: phrases("nunca pedimos", "nunca solicitamos", "nunca pede", "nunca envia", "nunca enviamos", "não pedimos",
			"não enviamos links", "never ask", "we will never", "nunca pedimos", "nunca le pediremos", "nunca solicitamos"),
		Hint: hintBankUpdate,
	},
	{
		Category: ScamCredentials, Severity: High,
		Need: [][]string{
			phrases("sua senha", "senha do cartão", "senha do banco", "senha de 4", "senha de 6", "código de verificação",
				"codigo de verificacao", "código que você recebeu", "código que chegou", "código que enviamos",
				"código de 6 dígitos", "código por sms", "cvv", "código de segurança do cartão", "número completo do cartão",
				"numero completo do cartao", "foto do cartão", "frente e verso do cartão", "seu token", "your password",
				"verification code", "the code you received", "your pin", "su contraseña", "código de verificación",
				"el código que recibió", "el código que recibiste", "su clave"),
			// Said to the chat ("send us the code"), not where to type it
			// ("informe no site o código"): the business's own form is fine.
			phrases("envie", "envia", "responda com", "responda esta", "mande", "manda", "me passe", "me passa",
				"me envie", "nos envie", "nos informe", "me informe", "compartilhe", "send us", "send me", "reply with",
				"tell us", "share it", "envíe", "envíenos", "envíanos", "mándanos", "compártalo", "responda con", "díganos"),
		},
		Unless: credentialsSafe,
		Hint:   hintCredentials,
	},
	{
		// Card data is never asked for in a chat, whatever the verb.
		Category: ScamCredentials, Severity: High,
		Need: [][]string{
			phrases("cvv", "código de segurança do cartão", "número completo do cartão", "numero completo do cartao",
				"foto do cartão", "frente e verso do cartão", "senha do cartão", "full card number", "security code of your card",
				"número completo de la tarjeta", "foto de la tarjeta"),
			phrases("informe", "informar", "confirme", "confirmar", "digite", "envie", "mande", "passe", "nos passe",
				"provide", "confirm", "send", "enter", "informe", "indique", "envíe", "confirme"),
		},
		Unless: credentialsSafe,
		Hint:   hintCard,
	},
	{
		Category: ScamPrize, Severity: High,
		Need: [][]string{
			phrases("foi sorteado", "foi sorteada", "foi contemplado", "foi contemplada", "foi premiado", "foi premiada",
				"sorteado para receber", "ganhador do sorteio", "seu prêmio", "prêmio em dinheiro", "premio em dinheiro",
				"you won", "you have won", "you ve won", "you ve been selected", "claim your prize", "ganaste", "has ganado",
				"usted ha ganado", "has sido seleccionado", "su premio", "tu premio"),
			phrases(aLink, "taxa", "pague", "pagar", "frete", "resgate", "resgatar", "clique", "link", "http*", "claim", "fee", "pay",
				"tarifa", "costo de envío", "reclam*", "cobrar"),
		},
		Hint: hintPrize,
	},
	{
		Category: ScamParcelFee, Severity: High,
		Need: [][]string{
			phrases("encomenda", "pacote", "objeto", "entrega", "correios", "remessa", "pedido", "package", "parcel",
				"delivery", "shipment", "paquete", "envío", "envio", "pedido"),
			// A fee, not a state: "pending payment" and "returned to sender"
			// are what real shops and carriers write too.
			phrases("taxa de importação", "taxa alfandegária", "taxa alfandegaria", "tributação", "taxa de entrega",
				"taxa de reenvio", "taxa de liberação", "taxa de armazenagem", "customs fee", "delivery fee", "redelivery fee",
				"held at customs", "unpaid shipping", "impuesto de aduana", "tasa de aduana", "tasa de envío"),
			phrases(aLink, "pague", "pagamento", "pagar", "clique", "link", "http*", "www", "acesse", "pay", "click", "haga clic"),
		},
		Unless: selfServe,
		Hint:   hintParcelFee,
	},
	{
		Category: ScamImpersonation, Severity: High,
		Need: [][]string{
			phrases("central de segurança", "central de seguranca", "setor de segurança", "departamento de segurança",
				"suporte do whatsapp", "equipe do whatsapp", "whatsapp support", "receita federal", "detran", "serasa",
				"gov br", "inss", "central de fraudes", "departamento de fraudes", "security department",
				"departamento de seguridad", "soporte de whatsapp"),
			phrases("cpf irregular", "cpf será cancelado", "cpf suspenso", "cpf bloqueado", "pendência", "multa pendente",
				"restituição", "débito pendente", "compra suspeita", "compra não reconhecida", "transação suspeita",
				"acesso suspeito", "desbloquear", "regularizar", "suspicious", "compra sospechosa", "cuenta bloqueada"),
			phrases(aLink, "clique", "link", "acesse", "ligue", "ligar para", "http*", "www", "responda", "click", "call", "llame",
				"haga clic"),
		},
		Unless: selfServe,
		Hint:   hintImpersonation,
	},
	{
		Category: ScamUrgency, Severity: Medium,
		Need: [][]string{
			phrases("será bloqueada", "será bloqueado", "será suspensa", "será suspenso", "será cancelada", "será cancelado",
				"será desativada", "será desativado", "será encerrada", "bloqueio da sua conta", "bloqueio do seu",
				"suspensão da sua conta", "será negativado", "nome negativado", "protesto em cartório", "evitar o protesto",
				"evite o protesto", "evite o bloqueio", "will be blocked", "will be suspended", "will be closed",
				"account suspended", "será bloqueada", "será suspendida", "será cancelada"),
			phrases("hoje", "24 horas", "24h", "48 horas", "48h", "2 horas", "imediatamente", "urgente", "agora mesmo",
				"últimas horas", "ainda hoje", "today", "immediately", "within 24", "hoy", "inmediatamente"),
			clickWords,
		},
		Hint: hintUrgency,
	},
}
