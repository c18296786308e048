package content

import (
	"fmt"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Hint says how to write the message so that it passes, in each language
// of the refusal catalogue: the client reads it in the language it asked
// for (Accept-Language, --lang), as it reads the refusal itself.
type Hint struct {
	PT, EN, ES string
}

// In returns the hint in lang, pt-BR when lang is not one of the
// catalogue's.
func (h Hint) In(lang refusal.Lang) string {
	switch lang {
	case refusal.EN:
		return h.EN
	case refusal.ES:
		return h.ES
	default:
		return h.PT
	}
}

// Complete reports whether the hint has a text in every language.
func (h Hint) Complete() bool { return h.PT != "" && h.EN != "" && h.ES != "" }

// Every hint the checker gives, one per kind of finding. AllHints lists
// them for the test that none lacks a language.
var (
	hintCaps = Hint{
		PT: "Escreva em letras minúsculas; deixe as maiúsculas para uma ou duas palavras no máximo.",
		EN: "Write in sentence case; keep capitals for a word or two at most.",
		ES: "Escriba en minúsculas; deje las mayúsculas para una o dos palabras como mucho.",
	}
	hintEmoji = Hint{
		PT: "Use poucos emoji, não um paredão deles.",
		EN: "Use a few emoji, not a wall of them.",
		ES: "Use pocos emoji, no una pared de ellos.",
	}
	hintRepeated = Hint{
		PT: "Não repita letras ou sinais (\"!!!!!\", \"siiiim\").",
		EN: "Do not repeat letters or marks (\"!!!!!\", \"siiiim\").",
		ES: "No repita letras ni signos (\"!!!!!\", \"siiiií\").",
	}
	hintInvisible = Hint{
		PT: "Retire espaços de largura zero, junções e marcas de direção: filtros e pessoas os leem como disfarce.",
		EN: "Remove zero-width spaces, joiners and direction marks: filters and people read them as a disguise.",
		ES: "Quite los espacios de ancho cero, uniones y marcas de dirección: filtros y personas los leen como un disfraz.",
	}
	hintShortener = Hint{
		PT: "Use um link do seu próprio domínio: links encurtados escondem aonde levam e são o que o phishing usa.",
		EN: "Link to your own domain: shortened links hide where they go and are what phishing uses.",
		ES: "Enlace a su propio dominio: los enlaces acortados ocultan adónde llevan y son lo que usa el phishing.",
	}
	hintLinkText = Hint{
		PT: "O texto de um link deve nomear o site que ele abre.",
		EN: "A link's text must name the site it opens.",
		ES: "El texto de un enlace debe nombrar el sitio que abre.",
	}
	hintSmishing = Hint{
		PT: "A mensagem parece phishing por mensagem de texto: nada de links para entrar na conta nem pedidos de dados ou pagamento com um pretexto.",
		EN: "The message reads like phishing by text message: no links to log in, no requests for data or payment on a pretext.",
		ES: "El mensaje parece phishing por mensaje de texto: nada de enlaces para iniciar sesión ni pedidos de datos o pagos con un pretexto.",
	}
	hintSpam = Hint{
		PT: "A mensagem parece spam: diga quem você é, por que a pessoa a recebe e uma única coisa clara a fazer.",
		EN: "The message reads like spam: say who you are, why the person gets it, and one clear thing to do.",
		ES: "El mensaje parece spam: diga quién es usted, por qué la persona lo recibe y una sola cosa clara que hacer.",
	}

	hintPIXFee = Hint{
		PT: "Nunca peça um pagamento para liberar dinheiro, prêmio ou empréstimo: é o golpe do adiantamento que as pessoas mais denunciam.",
		EN: "Never ask for a payment to release money, a prize or a loan: it is the advance-fee scam people report most.",
		ES: "Nunca pida un pago para liberar dinero, un premio o un préstamo: es la estafa del adelanto que la gente más denuncia.",
	}
	hintPIXMistake = Hint{
		PT: "Um PIX enviado por engano é devolvido pelo app do próprio banco (MED), nunca por uma transferência pedida numa conversa.",
		EN: "A PIX sent by mistake is returned through the bank's own app (MED), never by a transfer asked for in a chat.",
		ES: "Un PIX enviado por error se devuelve por la app del propio banco (MED), nunca con una transferencia pedida en un chat.",
	}
	hintPIXRelative = Hint{
		PT: "\"Troquei de número, me faz um PIX\" é o golpe do falso parente; uma empresa nunca escreve isso.",
		EN: "\"I changed my number, can you send a PIX\" is the fake-relative scam; a business never writes it.",
		ES: "\"Cambié de número, hazme una transferencia\" es la estafa del falso familiar; una empresa nunca lo escribe.",
	}
	hintBoleto = Hint{
		PT: "Não anuncie numa conversa um boleto substituído ou dados bancários alterados: é a fraude do boleto. Indique seu app ou portal.",
		EN: "Do not announce a replaced boleto or changed bank details in a chat: that is the boleto fraud. Point to your app or portal.",
		ES: "No anuncie en un chat un boleto reemplazado ni datos bancarios cambiados: es el fraude del boleto. Remita a su app o portal.",
	}
	hintBankUpdate = Hint{
		PT: "Bancos não pedem \"atualização cadastral\" por link. Oriente as pessoas a atualizar os dados no seu app.",
		EN: "Banks do not ask for a \"cadastral update\" by link. Tell people to update their details in your app.",
		ES: "Los bancos no piden \"actualizar sus datos\" por enlace. Indique a las personas que los actualicen en su app.",
	}
	hintCredentials = Hint{
		PT: "Nunca peça senhas, códigos, números de cartão ou CVV: a política do WhatsApp proíbe e é assim que contas são roubadas. Envie códigos, não os peça.",
		EN: "Never ask people for passwords, codes, card numbers or CVV: WhatsApp's policy forbids it and it is how accounts are stolen. Send codes, do not ask for them.",
		ES: "Nunca pida contraseñas, códigos, números de tarjeta ni CVV: la política de WhatsApp lo prohíbe y así se roban cuentas. Envíe códigos, no los pida.",
	}
	hintCard = Hint{
		PT: "Nunca peça número de cartão, CVV ou foto do cartão: a política do WhatsApp proíbe e é assim que cartões são clonados.",
		EN: "Never ask people for card numbers, CVV or card photos: WhatsApp's policy forbids it and it is how cards are cloned.",
		ES: "Nunca pida números de tarjeta, CVV ni fotos de la tarjeta: la política de WhatsApp lo prohíbe y así se clonan tarjetas.",
	}
	hintPrize = Hint{
		PT: "Não anuncie prêmios que exigem taxa, clique ou dados para o resgate: é o golpe do prêmio.",
		EN: "Do not announce prizes that need a fee, a click or data to be claimed: it is the prize scam.",
		ES: "No anuncie premios que exigen una tasa, un clic o datos para reclamarlos: es la estafa del premio.",
	}
	hintParcelFee = Hint{
		PT: "Transportadoras não cobram taxa de importação ou de entrega por link numa conversa. Indique sua página ou app de rastreio.",
		EN: "Carriers do not charge customs or delivery fees by a link in a chat. Point to your tracking page or app.",
		ES: "Las empresas de envío no cobran tasas de aduana o entrega por un enlace en un chat. Remita a su página o app de seguimiento.",
	}
	hintImpersonation = Hint{
		PT: "Escreva como a sua própria empresa: mensagens na voz da central de segurança de um banco, da Receita ou do WhatsApp são falsidade ideológica.",
		EN: "Write as your own business: messages in the voice of a bank's security team, the tax office or WhatsApp are impersonation.",
		ES: "Escriba como su propia empresa: los mensajes con la voz del equipo de seguridad de un banco, de la agencia tributaria o de WhatsApp son suplantación.",
	}
	hintUrgency = Hint{
		PT: "Uma ameaça com prazo e link é como o phishing pressiona as pessoas; informe com calma o vencimento e onde pagar.",
		EN: "A threat with a deadline and a link is how phishing pressures people; state the due date and where to pay, calmly.",
		ES: "Una amenaza con plazo y enlace es como el phishing presiona a la gente; indique con calma el vencimiento y dónde pagar.",
	}

	hintProhibited = Hint{
		PT: "As políticas do WhatsApp proíbem este conteúdo; a Meta bane números que o enviam. Retire-o da mensagem.",
		EN: "WhatsApp's policies prohibit this content; Meta bans numbers that send it. Remove it from the message.",
		ES: "Las políticas de WhatsApp prohíben este contenido; Meta bloquea los números que lo envían. Quítelo del mensaje.",
	}
	hintRestricted = Hint{
		PT: "O WhatsApp só permite isto a empresas que a Meta aprovou para o setor, para maiores de idade e sem venda na conversa. Com essa aprovação, marque esta categoria como warn ou off para o tenant; sem ela, retire o conteúdo.",
		EN: "WhatsApp allows this only to businesses Meta approved for the vertical, to adults, without selling in the chat. With that approval, set this category to warn or off for the tenant; without it, remove the content.",
		ES: "WhatsApp solo lo permite a empresas que Meta aprobó para el sector, para adultos y sin venta en el chat. Con esa aprobación, ponga esta categoría en warn u off para el tenant; sin ella, quite el contenido.",
	}
	hintHate = Hint{
		PT: "Ódio, desumanização ou exclusão de pessoas por raça, origem, religião, orientação sexual, identidade de gênero ou deficiência é proibido pelo WhatsApp e é crime no Brasil (Lei 7.716/1989). Retire o trecho.",
		EN: "Hatred, dehumanisation or exclusion of people for their race, origin, religion, sexual orientation, gender identity or disability is prohibited by WhatsApp and a crime in many countries. Remove the passage.",
		ES: "El odio, la deshumanización o la exclusión de personas por su raza, origen, religión, orientación sexual, identidad de género o discapacidad está prohibido por WhatsApp y es delito en muchos países. Quite el pasaje.",
	}
	hintCollection = Hint{
		PT: "Uma cobrança informa valor, vencimento, como pagar e as consequências legais (negativação com aviso prévio, protesto). Ameaçar, expor, xingar ou envolver família, vizinhos ou empregador é cobrança abusiva (CDC, arts. 42 e 71) e proibida pelo WhatsApp.",
		EN: "A collection notice states the amount, the due date, how to pay and the lawful consequences (a credit report after notice, legal action). Threats, shaming, insults or contacting family, neighbours or the employer are abusive collection, prohibited by WhatsApp.",
		ES: "Un aviso de cobro indica el monto, el vencimiento, cómo pagar y las consecuencias legales (reporte al buró de crédito con aviso previo, acción judicial). Amenazar, exhibir, insultar o contactar a la familia, vecinos o empleador es cobranza abusiva, prohibida por WhatsApp.",
	}
)

// hintLinks is the structure.links hint, naming the limit.
func hintLinks(max int) Hint {
	return Hint{
		PT: fmt.Sprintf("Envie no máximo %d links numa mensagem; um é o ideal.", max),
		EN: fmt.Sprintf("Send at most %d links in a message; one is best.", max),
		ES: fmt.Sprintf("Envíe como máximo %d enlaces en un mensaje; uno es lo ideal.", max),
	}
}

// AllHints lists every hint the checker can give, for tests and for
// documentation.
func AllHints() []Hint {
	out := []Hint{hintCaps, hintEmoji, hintRepeated, hintInvisible, hintShortener, hintLinkText, hintSmishing, hintSpam,
		hintLinks(linksMax)}
	for _, p := range allPatterns.patterns {
		out = append(out, p.Hint)
	}
	return out
}
