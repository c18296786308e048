package refusal

import "net/http"

// entries is the catalogue, in code order. Texts say what happened and what
// the business should do; they name no person and hold no personal data.
var entries = []Entry{
	{
		Code: OptedOut, Key: "suppression.opted_out", HTTPStatus: http.StatusForbidden,
		Text: map[Lang]Text{
			PT: {"Contato pediu para não receber mensagens",
				"Esta pessoa pediu para não receber mais mensagens da empresa (opt-out), e nada lhe é enviado até que ela peça de novo. Não reenvie: retire o número das suas listas. Se ela voltar a aceitar, registre o novo opt-in com a prova (POST /api/v1/consent)."},
			EN: {"Contact asked not to be messaged",
				"This person asked to stop receiving messages from the business (opt-out), and nothing is sent to them until they ask again. Do not retry: remove the number from your lists. If they opt in again, record the new opt-in with its proof (POST /api/v1/consent)."},
			ES: {"El contacto pidió no recibir mensajes",
				"Esta persona pidió dejar de recibir mensajes de la empresa (baja), y no se le envía nada hasta que lo pida de nuevo. No reintente: quite el número de sus listas. Si vuelve a aceptar, registre el nuevo consentimiento con su prueba (POST /api/v1/consent)."},
		},
	},
	{
		Code: OptedOutMarketing, Key: "suppression.marketing", HTTPStatus: http.StatusForbidden, Meta: 131050,
		Text: map[Lang]Text{
			PT: {"Contato não aceita mensagens de marketing",
				"Esta pessoa pediu para não receber mensagens de marketing (por palavra-chave, botão, preferência no WhatsApp ou falha 131050 da Meta). Mensagens de utilidade e autenticação com consentimento continuam permitidas. Não reenvie marketing a este número."},
			EN: {"Contact does not accept marketing messages",
				"This person asked to stop marketing messages (by keyword, button, WhatsApp preference or Meta's failure 131050). Utility and authentication messages with consent are still allowed. Do not send marketing to this number again."},
			ES: {"El contacto no acepta mensajes de marketing",
				"Esta persona pidió no recibir mensajes de marketing (por palabra clave, botón, preferencia en WhatsApp o el error 131050 de Meta). Los mensajes de utilidad y autenticación con consentimiento siguen permitidos. No vuelva a enviar marketing a este número."},
		},
	},
	{
		Code: Erased, Key: "suppression.erased", HTTPStatus: http.StatusForbidden,
		Text: map[Lang]Text{
			PT: {"Dados do contato foram eliminados (LGPD)",
				"Os dados pessoais desta pessoa foram eliminados a pedido dela (LGPD, art. 18) e nenhuma mensagem lhe será enviada. Apague o número também nos seus sistemas; só volte a falar com ela se ela mesma iniciar o contato e der novo consentimento."},
			EN: {"Contact's data was erased (LGPD)",
				"This person's personal data was erased at their request (LGPD, art. 18) and no message will be sent to them. Delete the number from your systems too; only message them again if they contact you first and give consent anew."},
			ES: {"Los datos del contacto fueron eliminados (LGPD)",
				"Los datos personales de esta persona se eliminaron a su pedido (LGPD, art. 18) y no se le enviará ningún mensaje. Borre el número también en sus sistemas; vuelva a escribirle solo si ella inicia el contacto y da un nuevo consentimiento."},
		},
	},
	{
		Code: NoConsent, Key: "consent.missing", HTTPStatus: http.StatusForbidden,
		Text: map[Lang]Text{
			PT: {"Sem consentimento registrado",
				"Mensagens iniciadas pela empresa (templates) exigem um opt-in desta pessoa para a categoria do template, e nenhum está registrado. Registre o consentimento com a prova de onde e quando ela aceitou (POST /api/v1/consent ou wabaguard consent record) antes de enviar. Mensagens sem consentimento são a principal causa de denúncias e banimentos."},
			EN: {"No consent on record",
				"Business-initiated messages (templates) need this person's opt-in for the template's category, and none is on record. Record the consent with proof of where and when they agreed (POST /api/v1/consent or wabaguard consent record) before sending. Messages without consent are the first cause of reports and bans."},
			ES: {"Sin consentimiento registrado",
				"Los mensajes iniciados por la empresa (plantillas) requieren el consentimiento de esta persona para la categoría de la plantilla, y no hay ninguno registrado. Registre el consentimiento con la prueba de dónde y cuándo aceptó (POST /api/v1/consent o wabaguard consent record) antes de enviar. Los mensajes sin consentimiento son la primera causa de denuncias y bloqueos."},
		},
	},
	{
		Code: Unconfirmed, Key: "consent.unconfirmed", HTTPStatus: http.StatusForbidden,
		Text: map[Lang]Text{
			PT: {"Opt-in aguardando confirmação",
				"Esta empresa usa confirmação dupla: o opt-in registrado fora do WhatsApp só vale depois que a pessoa responder SIM à mensagem de confirmação enviada a ela. Aguarde a resposta; sem ela, não envie marketing a este número."},
			EN: {"Opt-in awaiting confirmation",
				"This business uses double opt-in: an opt-in recorded off WhatsApp counts only once the person answers YES to the confirmation message sent to them. Wait for the answer; without it, do not send marketing to this number."},
			ES: {"Consentimiento pendiente de confirmación",
				"Esta empresa usa doble confirmación: el consentimiento registrado fuera de WhatsApp solo vale después de que la persona responda SÍ al mensaje de confirmación que se le envió. Espere la respuesta; sin ella, no envíe marketing a este número."},
		},
	},
	{
		Code: WindowClosed, Key: "window.closed", HTTPStatus: http.StatusBadRequest, Meta: 131047,
		Text: map[Lang]Text{
			PT: {"Fora da janela de 24 horas",
				"Mensagens livres (texto, mídia, interativas) só podem ser enviadas até 24 horas depois da última mensagem da pessoa (72 horas vindo de anúncio ou botão de entrada gratuita). A janela está fechada: use um template aprovado para retomar a conversa."},
			EN: {"Outside the 24-hour window",
				"Free-form messages (text, media, interactive) may only be sent within 24 hours of the person's last message (72 hours from a free entry point such as an ad). The window is closed: use an approved template to restart the conversation."},
			ES: {"Fuera de la ventana de 24 horas",
				"Los mensajes libres (texto, multimedia, interactivos) solo se pueden enviar hasta 24 horas después del último mensaje de la persona (72 horas desde un punto de entrada gratuito como un anuncio). La ventana está cerrada: use una plantilla aprobada para retomar la conversación."},
		},
	},
	{
		Code: TemplateUnknown, Key: "template.unknown", HTTPStatus: http.StatusBadRequest, Meta: 132001,
		Text: map[Lang]Text{
			PT: {"Template não existe",
				"Não há template com este nome e idioma na conta (WABA) deste número, segundo a cópia local sincronizada com a Meta. Confira o nome e o código de idioma exatos (por exemplo pt_BR) na lista de templates."},
			EN: {"Template does not exist",
				"There is no template with this name and language in this number's account (WABA), according to the local copy synced from Meta. Check the exact name and language code (for example en_US) in the template list."},
			ES: {"La plantilla no existe",
				"No hay ninguna plantilla con este nombre e idioma en la cuenta (WABA) de este número, según la copia local sincronizada con Meta. Revise el nombre y el código de idioma exactos (por ejemplo es_MX) en la lista de plantillas."},
		},
	},
	{
		Code: TemplateNotApproved, Key: "template.not_approved", HTTPStatus: http.StatusBadRequest, Meta: 132001,
		Text: map[Lang]Text{
			PT: {"Template não aprovado",
				"Este template ainda está em análise ou foi rejeitado pela Meta e não pode ser enviado. Aguarde a aprovação ou corrija e envie de novo para análise."},
			EN: {"Template not approved",
				"This template is still in review or was rejected by Meta and cannot be sent. Wait for approval, or fix it and submit it again."},
			ES: {"Plantilla no aprobada",
				"Esta plantilla aún está en revisión o fue rechazada por Meta y no se puede enviar. Espere la aprobación, o corríjala y envíela de nuevo a revisión."},
		},
	},
	{
		Code: TemplatePaused, Key: "template.paused", HTTPStatus: http.StatusBadRequest, Meta: 132015,
		Text: map[Lang]Text{
			PT: {"Template pausado pela Meta",
				"A Meta pausou este template por baixa qualidade (muitos bloqueios ou denúncias). Envios são recusados até a pausa acabar; revise o conteúdo e o público antes de voltar a usá-lo."},
			EN: {"Template paused by Meta",
				"Meta paused this template for low quality (many blocks or reports). Sends are refused until the pause ends; review its content and audience before using it again."},
			ES: {"Plantilla pausada por Meta",
				"Meta pausó esta plantilla por baja calidad (muchos bloqueos o denuncias). Los envíos se rechazan hasta que termine la pausa; revise su contenido y su público antes de volver a usarla."},
		},
	},
	{
		Code: TemplateDisabled, Key: "template.disabled", HTTPStatus: http.StatusBadRequest, Meta: 132016,
		Text: map[Lang]Text{
			PT: {"Template desativado pela Meta",
				"A Meta desativou este template depois de pausas repetidas por baixa qualidade. Ele não pode mais ser enviado: crie um novo, com conteúdo revisado, para um público que consentiu."},
			EN: {"Template disabled by Meta",
				"Meta disabled this template after repeated pauses for low quality. It can no longer be sent: create a new one, with revised content, for an audience that consented."},
			ES: {"Plantilla desactivada por Meta",
				"Meta desactivó esta plantilla tras pausas repetidas por baja calidad. Ya no se puede enviar: cree una nueva, con contenido revisado, para un público que dio su consentimiento."},
		},
	},
	{
		Code: TemplateParams, Key: "template.params", HTTPStatus: http.StatusBadRequest, Meta: 132000,
		Text: map[Lang]Text{
			PT: {"Parâmetros do template não conferem",
				"Os parâmetros enviados não correspondem aos do template aprovado (quantidade por componente, ou nomeados contra posicionais). Envie exatamente os parâmetros que o template declara."},
			EN: {"Template parameters do not match",
				"The parameters sent do not match the approved template's (count per component, or named versus positional). Send exactly the parameters the template declares."},
			ES: {"Los parámetros de la plantilla no coinciden",
				"Los parámetros enviados no corresponden a los de la plantilla aprobada (cantidad por componente, o con nombre frente a posicionales). Envíe exactamente los parámetros que declara la plantilla."},
		},
	},
	{
		Code: MessagingLimitReached, Key: "messaging_limit.reached", HTTPStatus: http.StatusTooManyRequests,
		Text: map[Lang]Text{
			PT: {"Limite de mensagens do portfólio atingido",
				"O portfólio empresarial deste número já alcançou, nas últimas 24 horas, o número de pessoas que a Meta permite para mensagens iniciadas pela empresa fora da janela de atendimento (o limite é compartilhado por todos os números do portfólio). A mensagem foi aceita e espera: sai sozinha quando uma vaga se abrir, sem ser recusada pela Meta. Respostas dentro de uma janela aberta continuam saindo. Para enviar mais, distribua o envio ao longo de vários dias ou aumente o limite com a Meta (verificação da empresa e mensagens de alta qualidade)."},
			EN: {"Portfolio messaging limit reached",
				"This number's business portfolio has already reached, in the last 24 hours, the number of people Meta allows it to reach with business-initiated messages outside a customer service window (the limit is shared by all the portfolio's numbers). The message was accepted and waits: it goes out by itself when a slot frees, without being refused by Meta. Replies inside an open window keep flowing. To send more, spread the send over several days or raise the limit with Meta (business verification and high-quality messages)."},
			ES: {"Límite de mensajes del portafolio alcanzado",
				"El portafolio empresarial de este número ya alcanzó, en las últimas 24 horas, la cantidad de personas que Meta le permite contactar con mensajes iniciados por la empresa fuera de una ventana de atención (el límite lo comparten todos los números del portafolio). El mensaje fue aceptado y espera: sale solo cuando se libere un cupo, sin que Meta lo rechace. Las respuestas dentro de una ventana abierta siguen saliendo. Para enviar más, reparta el envío en varios días o aumente el límite con Meta (verificación de la empresa y mensajes de alta calidad)."},
		},
	},
}
