package appeal

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Langs are the languages of the drafted text and the report, the default
// first.
var Langs = []string{"pt-BR", "en", "es"}

// ValidLang reports whether lang is one of Langs.
func ValidLang(lang string) bool {
	for _, l := range Langs {
		if l == lang {
			return true
		}
	}
	return false
}

func refusalTitle(code int) string {
	if e, ok := refusal.Lookup(refusal.Code(code)); ok {
		return e.In(refusal.EN).Title
	}
	return "Gateway refusal"
}

// tri is one sentence in pt-BR, en and es.
type tri [3]string

func (t tri) in(i int) string { return t[i] }

var missingTexts = map[string]tri{
	"before_tenant": {"O período começa antes de o cliente existir neste gateway (%s): não há dados anteriores.",
		"The window starts before the tenant existed on this gateway (%s): there is no data from before.",
		"El período empieza antes de que el cliente existiera en este gateway (%s): no hay datos anteriores."},
	"no_health": {"O gateway nunca sincronizou este número com a Graph API nem recebeu um webhook de qualidade: classificação, estado e nível são desconhecidos.",
		"The gateway never synced this number with the Graph API nor got a quality webhook: its rating, status and tier are unknown.",
		"El gateway nunca sincronizó este número con la Graph API ni recibió un webhook de calidad: su calificación, estado y nivel son desconocidos."},
	"no_tier": {"O limite de mensagens (nível) do portfólio nunca foi informado: os volumes não são comparados a um limite.",
		"The portfolio's messaging limit (tier) was never learnt: the volumes are not set against a limit.",
		"El límite de mensajes (nivel) del portafolio nunca se conoció: los volúmenes no se comparan con un límite."},
	"no_messages": {"Nenhuma mensagem deste número foi aceita no período.",
		"No message of this number was accepted in the window.",
		"No se aceptó ningún mensaje de este número en el período."},
	"no_consent": {"O cliente não tem nenhum registro de consentimento: nenhum opt-in pode ser demonstrado.",
		"The tenant has no consent record at all: no opt-in can be shown.",
		"El cliente no tiene ningún registro de consentimiento: no se puede demostrar ningún opt-in."},
	"consent_broken": {"A verificação da cadeia de consentimento falhou (%s): os opt-ins não estão comprovados.",
		"The consent chain failed verification (%s): the opt-ins are not proven.",
		"La verificación de la cadena de consentimiento falló (%s): los opt-in no están probados."},
	"no_meta_events": {"Nenhum webhook da Meta sobre a conta, a qualidade ou os modelos chegou no período.",
		"No webhook from Meta about the account, quality or templates arrived in the window.",
		"No llegó en el período ningún webhook de Meta sobre la cuenta, la calidad o las plantillas."},
	"events_truncated": {"Só os %s webhooks mais recentes da Meta foram lidos.",
		"Only the latest %s webhooks from Meta were read.",
		"Solo se leyeron los %s webhooks más recientes de Meta."},
	"no_template_sync": {"Os modelos desta conta nunca foram sincronizados: categoria, estado e qualidade vêm só dos webhooks.",
		"This account's templates were never synced: category, status and quality come from webhooks only.",
		"Las plantillas de esta cuenta nunca se sincronizaron: categoría, estado y calidad vienen solo de los webhooks."},
	"erased_bodies": {"%s mensagens de modelo tiveram o conteúdo apagado a pedido do titular: o nome do modelo não é conhecido.",
		"%s template messages had their content erased on the person's request: the template's name is not known.",
		"%s mensajes de plantilla tuvieron su contenido borrado a pedido del titular: no se conoce el nombre de la plantilla."},
	"no_incidents": {"Este gateway não registra incidentes: a linha do tempo mostra só as decisões do gateway e os webhooks da Meta.",
		"This gateway records no incidents: the timeline shows only the gateway's decisions and Meta's webhooks.",
		"Este gateway no registra incidentes: la línea de tiempo muestra solo las decisiones del gateway y los webhooks de Meta."},
}

func missingText(key, arg string) map[string]string {
	t := missingTexts[key]
	out := make(map[string]string, len(Langs))
	for i, l := range Langs {
		s := t.in(i)
		if strings.Contains(s, "%s") {
			s = fmt.Sprintf(s, arg)
		}
		out[l] = s
	}
	return out
}

// num prints a number the way encoding/json does, so that every figure
// of the text can be found in the JSON.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// caseOf names the appeal's case from what Meta said last.
func caseOf(d *Dossier) string {
	for i := len(d.MetaEvents) - 1; i >= 0; i-- {
		e := d.MetaEvents[i]
		if e.Kind != "account_update" {
			continue
		}
		switch e.Event {
		case "DISABLED_UPDATE":
			if strings.Contains(e.Detail, "REINSTATE") {
				return "reinstated"
			}
			return "ban"
		case "ACCOUNT_RESTRICTION":
			return "restriction"
		case "ACCOUNT_VIOLATION":
			return "violation"
		}
	}
	switch d.Sender.Status {
	case "BANNED":
		return "ban"
	case "RESTRICTED", "FLAGGED":
		return "restriction"
	}
	for _, t := range d.Templates {
		if t.Status == "PAUSED" || t.Status == "DISABLED" {
			return "template"
		}
	}
	if d.Sender.Quality == "RED" {
		return "quality"
	}
	return "none"
}

// draft writes the appeal text from the dossier's figures only: each
// sentence appears when its data exists, and says nothing the data does
// not.
func draft(d *Dossier) AppealInfo {
	a := AppealInfo{Case: caseOf(d), Texts: map[string]string{}, Path: map[string][]Step{}}
	for i, l := range Langs {
		a.Texts[l] = text(d, a.Case, i)
		a.Path[l] = path(a.Case, i)
	}
	return a
}

func text(d *Dossier, kase string, i int) string {
	var b strings.Builder
	say := func(t tri, args ...any) {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, t.in(i), args...)
	}
	s := d.Sender
	say(tri{"Escrevemos sobre o número %s (ID do número %s) da conta do WhatsApp Business %s.",
		"We are writing about the number %s (phone number ID %s) of WhatsApp Business Account %s.",
		"Escribimos sobre el número %s (ID del número %s) de la cuenta de WhatsApp Business %s."},
		s.DisplayPhoneNumber, s.PhoneNumberID, s.WABAID)
	switch kase {
	case "ban":
		say(tri{"A Meta desativou a conta e pedimos a revisão dessa decisão.", "Meta disabled the account, and we ask for a review of that decision.", "Meta desactivó la cuenta y pedimos la revisión de esa decisión."})
	case "restriction":
		say(tri{"A Meta restringiu o envio de mensagens e pedimos a revisão dessa restrição.", "Meta restricted the account's messaging, and we ask for a review of that restriction.", "Meta restringió el envío de mensajes y pedimos la revisión de esa restricción."})
	case "violation":
		say(tri{"A Meta registrou uma violação de política e pedimos a sua revisão.", "Meta recorded a policy violation, and we ask for its review.", "Meta registró una infracción de política y pedimos su revisión."})
	}
	if s.Status != "" || s.Quality != "" {
		say(tri{"A Meta informou por último o estado %s e a classificação de qualidade %s.", "Meta last reported the status %s and the quality rating %s.", "Meta informó por último el estado %s y la calificación de calidad %s."},
			orDash(s.Status), orDash(s.Quality))
	}
	t := d.Totals
	say(tri{"De %s a %s, o número enviou %d mensagens aceitas pela Meta: %d de marketing, %d de utilidade, %d de autenticação e %d respostas de atendimento.",
		"From %s to %s the number sent %d messages that Meta accepted: %d marketing, %d utility, %d authentication and %d customer-service replies.",
		"Del %s al %s el número envió %d mensajes aceptados por Meta: %d de marketing, %d de utilidad, %d de autenticación y %d respuestas de atención."},
		day(d.Window.From), day(d.Window.To), t.Sent, t.Marketing, t.Utility, t.Authentication, t.Service)
	if d.Limit.Limit > 0 && d.Limit.WithinLimit {
		say(tri{"Em nenhum dia as mensagens iniciadas pela empresa passaram do limite de %d destinatários do nível %s (máximo diário: %d).",
			"On no day did business-initiated messages exceed the %d-recipient limit of tier %s (daily peak: %d).",
			"Ningún día los mensajes iniciados por la empresa superaron el límite de %d destinatarios del nivel %s (máximo diario: %d)."},
			d.Limit.Limit, d.Limit.Tier, d.Limit.PeakBusinessInitiated)
	}
	c := d.Consent
	if c.Recipients > 0 && c.Records > 0 {
		say(tri{"Dos %d destinatários de mensagens iniciadas pela empresa, %d (%s%%) tinham um opt-in registrado para a categoria recebida.",
			"Of the %d recipients of business-initiated messages, %d (%s%%) had an opt-in on record for the category they received.",
			"De los %d destinatarios de mensajes iniciados por la empresa, %d (%s%%) tenían un opt-in registrado para la categoría recibida."},
			c.Recipients, c.WithOptIn, num(c.Percent))
	}
	if c.Records > 0 {
		if c.Verified {
			say(tri{"O registro de consentimento, encadeado por hash com %d registros, foi verificado íntegro em %s.",
				"The hash-chained consent ledger of %d records was verified intact on %s.",
				"El registro de consentimiento, encadenado por hash con %d registros, se verificó íntegro el %s."},
				c.Records, day(d.GeneratedAt))
		} else {
			say(tri{"A verificação do registro de consentimento (%d registros) falhou em %s.",
				"Verification of the consent ledger (%d records) failed on %s.",
				"La verificación del registro de consentimiento (%d registros) falló el %s."},
				c.Records, day(d.GeneratedAt))
		}
	}
	o := d.OptOuts
	if o.OfRecipients > 0 {
		say(tri{"Das %d solicitações de opt-out de destinatários no período, %d não receberam mais nenhuma mensagem da categoria recusada.",
			"Of %d opt-out requests from recipients in the window, %d received no further message of the category they declined.",
			"De las %d solicitudes de baja de destinatarios en el período, %d no recibieron ningún mensaje más de la categoría rechazada."},
			o.OfRecipients, o.Honoured)
		if o.MessagedAfter > 0 {
			say(tri{"%d receberam %d mensagens depois; o maior intervalo até a última foi de %s segundos.",
				"%d received %d messages afterwards; the longest time to the last of them was %s seconds.",
				"%d recibieron %d mensajes después; el mayor intervalo hasta el último fue de %s segundos."},
				o.MessagedAfter, o.MessagesAfter, num(o.MaxLatencySeconds))
		}
	}
	if t.Refused > 0 || t.Deferred > 0 {
		say(tri{"O nosso gateway de conformidade recusou %d mensagens antes de chegarem ao WhatsApp e adiou %d.",
			"Our compliance gateway refused %d messages before they reached WhatsApp and deferred %d.",
			"Nuestro gateway de cumplimiento rechazó %d mensajes antes de que llegaran a WhatsApp y aplazó %d."},
			t.Refused, t.Deferred)
	}
	if o.SuppressionRefusals > 0 {
		say(tri{"Destas, %d foram recusadas porque a pessoa tinha pedido para não receber mensagens.",
			"Of these, %d were refused because the person had asked not to be messaged.",
			"De ellos, %d se rechazaron porque la persona había pedido no recibir mensajes."},
			o.SuppressionRefusals)
	}
	if t.ContentWarned > 0 || t.ContentRefused > 0 {
		say(tri{"A verificação de conteúdo sinalizou %d mensagens e recusou %d.",
			"Content checks flagged %d messages and refused %d.",
			"La verificación de contenido señaló %d mensajes y rechazó %d."},
			t.ContentWarned, t.ContentRefused)
	}
	say(tri{"Podemos fornecer estes registros na íntegra.", "We can provide these records in full.", "Podemos proporcionar estos registros completos."})
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Meta's appeal places (docs/appeal.md explains them).
const (
	supportHomeURL = "https://business.facebook.com/business-support-home"
	waManagerURL   = "https://business.facebook.com/wa/manage/home/"
)

func path(kase string, i int) []Step {
	var steps []Step
	add := func(where tri, url string, what tri) {
		steps = append(steps, Step{Where: where.in(i), URL: url, What: what.in(i)})
	}
	support := tri{"Central de Suporte da Empresa (Business Support Home)", "Business Support Home", "Centro de Soporte Empresarial (Business Support Home)"}
	manager := tri{"Gerenciador do WhatsApp (WhatsApp Manager)", "WhatsApp Manager", "Administrador de WhatsApp (WhatsApp Manager)"}
	switch kase {
	case "ban", "restriction", "violation":
		add(support, supportHomeURL, tri{
			"Escolha a conta do WhatsApp, abra a violação e clique em «Solicitar análise» (Request review). Cole o texto da apelação no campo de justificativa e anexe o PDF deste dossiê. A Meta costuma decidir em 24–48 h; nem toda violação de spam pode ser contestada, e os BSPs relatam um prazo de 90 dias para apelar.",
			"Pick the WhatsApp account, open the violation and click \"Request review\". Paste the appeal text into the explanation field and attach this dossier's PDF. Meta usually decides in 24–48 h; not every spam violation can be appealed, and BSPs report a 90-day window to appeal.",
			"Elija la cuenta de WhatsApp, abra la infracción y haga clic en «Solicitar revisión» (Request review). Pegue el texto de la apelación en el campo de explicación y adjunte el PDF de este expediente. Meta suele decidir en 24–48 h; no toda infracción por spam se puede apelar, y los BSP informan un plazo de 90 días para apelar."})
		add(manager, waManagerURL, tri{
			"O banner da conta restrita também leva a «Solicitar análise»: use o mesmo texto. Acompanhe o resultado (Inalterado / Revertido) ali e no webhook account_update.",
			"The restricted account's banner also leads to \"Request review\": use the same text. Follow the outcome (Unchanged / Reversed) there and in the account_update webhook.",
			"El aviso de la cuenta restringida también lleva a «Solicitar revisión»: use el mismo texto. Siga el resultado (Sin cambios / Revertido) allí y en el webhook account_update."})
	case "template":
		add(manager, waManagerURL, tri{
			"Em Modelos de mensagem, abra o modelo pausado ou desativado e solicite a análise; um modelo desativado (132016) não volta: crie um novo. Cole a seção de modelos e de conteúdo deste dossiê.",
			"Under Message templates, open the paused or disabled template and request its review; a disabled template (132016) does not come back: create a new one. Paste this dossier's templates and content sections.",
			"En Plantillas de mensaje, abra la plantilla pausada o desactivada y solicite su revisión; una plantilla desactivada (132016) no vuelve: cree una nueva. Pegue las secciones de plantillas y contenido de este expediente."})
	default:
		add(manager, waManagerURL, tri{
			"Não há restrição da Meta registrada neste período: guarde este dossiê como prova. Se a qualidade cair, acompanhe-a em Visão geral do número.",
			"No restriction by Meta is on record in this window: keep this dossier as evidence. If quality drops, follow it on the number's overview.",
			"No hay ninguna restricción de Meta registrada en este período: guarde este expediente como prueba. Si la calidad baja, sígala en la vista general del número."})
	}
	add(support, supportHomeURL, tri{
		"Se a análise não estiver disponível, abra um caso no Suporte da Empresa (Business Support), cole o texto e anexe o PDF e o JSON.",
		"If review is not offered, open a case with Business Support, paste the text and attach the PDF and the JSON.",
		"Si no se ofrece la revisión, abra un caso con el Soporte Empresarial (Business Support), pegue el texto y adjunte el PDF y el JSON."})
	return steps
}
