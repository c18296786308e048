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
				"Mensagens livres (texto, mídia, interativas) só podem ser enviadas até 24 horas depois da última mensagem da pessoa, também quando ela chegou por um anúncio ou botão de entrada gratuita (as 72 horas desse caso valem para o preço, não para a janela). A janela está fechada: use um template aprovado para retomar a conversa."},
			EN: {"Outside the 24-hour window",
				"Free-form messages (text, media, interactive) may only be sent within 24 hours of the person's last message, also when they came from a free entry point such as an ad (its 72 hours concern pricing, not the window). The window is closed: use an approved template to restart the conversation."},
			ES: {"Fuera de la ventana de 24 horas",
				"Los mensajes libres (texto, multimedia, interactivos) solo se pueden enviar hasta 24 horas después del último mensaje de la persona, también cuando llegó desde un punto de entrada gratuito como un anuncio (sus 72 horas valen para el precio, no para la ventana). La ventana está cerrada: use una plantilla aprobada para retomar la conversación."},
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
		Code: ContentScam, Key: "content.scam", HTTPStatus: http.StatusUnprocessableEntity,
		Text: map[Lang]Text{
			PT: {"Conteúdo com padrão de golpe",
				"O texto da mensagem tem a forma de um golpe comum no Brasil (cobrança por PIX ou boleto sob pretexto, atualização cadastral por link, pedido de senha ou código, prêmio ou encomenda com taxa, falsa urgência). Quem recebe denuncia, e a Meta limita ou bane o número. Reescreva a mensagem sem o trecho indicado; se ela é legítima, mande as pessoas ao seu app ou site em vez de pedir dados ou pagamentos na conversa. O detalhe diz a regra e as palavras que a acionaram."},
			EN: {"Content looks like a scam",
				"The message's text has the shape of a scam common in Brazil (a PIX or boleto charge on a pretext, a details update by link, a request for a password or code, a prize or parcel held for a fee, fake urgency). People report such messages and Meta limits or bans the number. Rewrite the message without the part named; if it is genuine, send people to your app or site instead of asking for data or payments in the chat. The detail names the rule and the words that triggered it."},
			ES: {"El contenido parece una estafa",
				"El texto del mensaje tiene la forma de una estafa común (un cobro por PIX o boleto con un pretexto, una actualización de datos por enlace, un pedido de contraseña o código, un premio o paquete retenido por una tasa, una falsa urgencia). Quien lo recibe lo denuncia y Meta limita o bloquea el número. Reescriba el mensaje sin la parte indicada; si es legítimo, envíe a las personas a su app o sitio en lugar de pedir datos o pagos en el chat. El detalle indica la regla y las palabras que la activaron."},
		},
	},
	{
		Code: ContentProhibited, Key: "content.prohibited", HTTPStatus: http.StatusUnprocessableEntity,
		Text: map[Lang]Text{
			PT: {"Conteúdo proibido pelas políticas do WhatsApp",
				"A mensagem trata de algo que as políticas de mensagens comerciais e de comércio do WhatsApp proíbem (drogas, armas, tabaco, conteúdo adulto, produtos ilegais, falsificações, pirataria, esquemas financeiros enganosos, discurso de ódio, cobrança com ameaça, exposição ou xingamento, entre outros). A Meta bane números que enviam esse conteúdo. Remova o trecho indicado; o detalhe diz a categoria e as palavras que a acionaram."},
			EN: {"Content prohibited by WhatsApp's policies",
				"The message is about something WhatsApp's Business Messaging and Commerce policies prohibit (drugs, weapons, tobacco, adult content, illegal products, counterfeits, piracy, deceptive financial schemes, hate, debt collection by threats, shaming or insults, among others). Meta bans numbers that send such content. Remove the part named; the detail gives the category and the words that triggered it."},
			ES: {"Contenido prohibido por las políticas de WhatsApp",
				"El mensaje trata de algo que las políticas de mensajería comercial y de comercio de WhatsApp prohíben (drogas, armas, tabaco, contenido para adultos, productos ilegales, falsificaciones, piratería, esquemas financieros engañosos, discurso de odio, cobranza con amenazas, exhibición o insultos, entre otros). Meta bloquea los números que envían ese contenido. Quite la parte indicada; el detalle da la categoría y las palabras que la activaron."},
		},
	},
	{
		Code: ContentRestricted, Key: "content.restricted", HTTPStatus: http.StatusUnprocessableEntity,
		Text: map[Lang]Text{
			PT: {"Conteúdo restrito sem autorização",
				"A mensagem fala de bebidas alcoólicas, medicamentos ou apostas, que o WhatsApp só permite a empresas aprovadas pela Meta para o segmento, para maiores de 18 anos e sem venda na conversa. Se a sua empresa tem essa aprovação, peça ao administrador do gateway para marcar a categoria como warn ou off para o seu cliente; se não tem, remova o trecho indicado."},
			EN: {"Restricted content without approval",
				"The message is about alcohol, medicines or gambling, which WhatsApp allows only to businesses Meta approved for the vertical, to adults, and never selling in the chat. If your business has that approval, ask the gateway's administrator to set the category to warn or off for your tenant; if not, remove the part named."},
			ES: {"Contenido restringido sin autorización",
				"El mensaje habla de bebidas alcohólicas, medicamentos o apuestas, que WhatsApp solo permite a empresas aprobadas por Meta para el sector, para mayores de 18 años y sin venta en el chat. Si su empresa tiene esa aprobación, pida al administrador del gateway que marque la categoría como warn u off para su cliente; si no, quite la parte indicada."},
		},
	},
	{
		Code: ContentStructure, Key: "content.structure", HTTPStatus: http.StatusUnprocessableEntity,
		Text: map[Lang]Text{
			PT: {"Forma da mensagem parece spam",
				"A forma da mensagem é a que as pessoas denunciam como spam ou golpe: texto todo em maiúsculas, excesso de emojis ou links, links encurtados, caracteres repetidos ou invisíveis, ou um link cujo texto mostra outro site. Reescreva a mensagem corrigindo o item indicado no detalhe."},
			EN: {"Message is shaped like spam",
				"The message looks like what people report as spam or phishing: all in capitals, too many emoji or links, shortened links, repeated or invisible characters, or a link whose text shows another site. Rewrite the message fixing the item the detail names."},
			ES: {"La forma del mensaje parece spam",
				"La forma del mensaje es la que las personas denuncian como spam o estafa: todo en mayúsculas, demasiados emojis o enlaces, enlaces acortados, caracteres repetidos o invisibles, o un enlace cuyo texto muestra otro sitio. Reescriba el mensaje corrigiendo lo que indica el detalle."},
		},
	},
	{
		Code: ContentClassifier, Key: "content.classifier", HTTPStatus: http.StatusUnprocessableEntity,
		Text: map[Lang]Text{
			PT: {"Mensagem classificada como spam ou golpe",
				"O classificador estatístico do gateway, treinado com mensagens rotuladas, considera esta mensagem spam ou golpe por SMS com alta probabilidade. Reescreva-a dizendo quem é a empresa, por que a pessoa a recebe e uma única ação clara, sem pedir dados ou pagamentos por link. O detalhe traz as palavras que mais pesaram, a pontuação e o modelo."},
			EN: {"Message classified as spam or smishing",
				"The gateway's statistical classifier, trained on labelled messages, rates this message as spam or text-message phishing with high probability. Rewrite it saying who the business is, why the person gets it and one clear action, without asking for data or payments by link. The detail gives the words that weighed most, the score and the model."},
			ES: {"Mensaje clasificado como spam o estafa",
				"El clasificador estadístico del gateway, entrenado con mensajes etiquetados, considera este mensaje spam o estafa por SMS con alta probabilidad. Reescríbalo diciendo quién es la empresa, por qué la persona lo recibe y una sola acción clara, sin pedir datos o pagos por enlace. El detalle trae las palabras que más pesaron, la puntuación y el modelo."},
		},
	},
	{
		Code: TemplateLintRejected, Key: "template_lint.rejected", HTTPStatus: http.StatusBadRequest, Meta: 100,
		Text: map[Lang]Text{
			PT: {"Template recusado antes do envio à Meta",
				"O gateway verificou este template e encontrou problemas que levariam a Meta a rejeitá-lo, ou que contariam como infração da empresa (como linguagem promocional num template UTILITY). Nada foi enviado à Meta. Corrija cada ponto listado abaixo e envie de novo; wabaguard check --template mostra o mesmo resultado antes do envio."},
			EN: {"Template refused before submission to Meta",
				"The gateway checked this template and found problems that would make Meta reject it, or that would count against the business (such as promotional wording in a UTILITY template). Nothing was sent to Meta. Fix each point listed below and submit again; wabaguard check --template shows the same result before you submit."},
			ES: {"Plantilla rechazada antes del envío a Meta",
				"El gateway revisó esta plantilla y encontró problemas que harían que Meta la rechace, o que contarían como infracción de la empresa (como lenguaje promocional en una plantilla UTILITY). No se envió nada a Meta. Corrija cada punto listado abajo y envíela de nuevo; wabaguard check --template muestra el mismo resultado antes del envío."},
		},
	},
	{
		Code: FrequencyCap, Key: "frequency.cap", HTTPStatus: http.StatusBadRequest, Meta: 131049,
		Text: map[Lang]Text{
			PT: {"Limite de mensagens para este contato atingido",
				"Esta pessoa já recebeu o número máximo de mensagens desta categoria que a empresa permite no período (por exemplo 2 de marketing em 7 dias). Mensagens demais levam a bloqueios e denúncias, que derrubam a qualidade do número. Envie depois que o período liberar, ou ajuste o limite na configuração do tenant."},
			EN: {"Message cap for this contact reached",
				"This person has already received the most messages of this category the business allows within the period (for example 2 marketing messages in 7 days). Too many messages lead to blocks and reports, which lower the number's quality. Send once the period frees up, or change the cap in the tenant's configuration."},
			ES: {"Límite de mensajes para este contacto alcanzado",
				"Esta persona ya recibió la cantidad máxima de mensajes de esta categoría que la empresa permite en el período (por ejemplo 2 de marketing en 7 días). Demasiados mensajes llevan a bloqueos y denuncias, que bajan la calidad del número. Envíe cuando el período se libere, o ajuste el límite en la configuración del tenant."},
		},
	},
	{
		Code: FrequencyRepeat, Key: "frequency.repeat", HTTPStatus: http.StatusBadRequest, Meta: 131049,
		Text: map[Lang]Text{
			PT: {"Conteúdo idêntico enviado há pouco a este contato",
				"Esta pessoa já recebeu este mesmo template com os mesmos parâmetros dentro do período de repetição (24 horas por padrão). Uma repetição costuma ser um reenvio por engano e é vista como spam. Se foi de propósito, mude o conteúdo ou espere o período passar; para repetir um pedido com segurança use o cabeçalho Idempotency-Key."},
			EN: {"Identical content sent to this contact recently",
				"This person already received this same template with the same parameters within the repeat period (24 hours by default). A repeat is usually a resend by mistake and reads as spam. If it was meant, change the content or wait for the period to pass; to retry a request safely use the Idempotency-Key header."},
			ES: {"Contenido idéntico enviado hace poco a este contacto",
				"Esta persona ya recibió esta misma plantilla con los mismos parámetros dentro del período de repetición (24 horas por defecto). Una repetición suele ser un reenvío por error y se percibe como spam. Si fue a propósito, cambie el contenido o espere a que pase el período; para reintentar una solicitud con seguridad use el encabezado Idempotency-Key."},
		},
	},
	{
		Code: QuietHoursClosed, Key: "quiet_hours.closed", HTTPStatus: http.StatusBadRequest,
		Text: map[Lang]Text{
			PT: {"Fora do horário permitido: mensagem adiada",
				"Não é uma recusa: a mensagem de marketing foi aceita e espera o horário permitido no fuso do destinatário (pelo número; por padrão 09:00–21:00 de segunda a sexta e 10:00–16:00 aos sábados), e é enviada quando ele abre, em ritmo. O código aparece no registro da decisão, nunca como erro HTTP."},
			EN: {"Outside the allowed hours: message deferred",
				"Not a refusal: the marketing message was accepted and waits for the allowed hours in the recipient's time zone (from the number; by default 09:00–21:00 Monday to Friday and 10:00–16:00 on Saturdays), and is sent, paced, when they open. The code appears in the decision record, never as an HTTP error."},
			ES: {"Fuera del horario permitido: mensaje aplazado",
				"No es un rechazo: el mensaje de marketing fue aceptado y espera el horario permitido en la zona horaria del destinatario (por el número; por defecto 09:00–21:00 de lunes a viernes y 10:00–16:00 los sábados), y se envía, de forma pausada, cuando se abre. El código aparece en el registro de la decisión, nunca como error HTTP."},
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
	{
		Code: WarmupReached, Key: "warmup.reached", HTTPStatus: http.StatusTooManyRequests,
		Text: map[Lang]Text{
			PT: {"Aquecimento do número: cota do dia atingida",
				"Este número está em aquecimento (é novo ou voltou de uma restrição): o volume de mensagens iniciadas pela empresa cresce dia a dia, bem abaixo do limite da Meta, para que o número ganhe reputação antes de enviar em grande escala. A cota destas 24 horas já foi usada. A mensagem foi aceita e espera: sai sozinha quando a cota se abrir (no dia seguinte do aquecimento ou quando um envio anterior sair da janela de 24 horas). Respostas dentro de uma janela aberta continuam saindo."},
			EN: {"Number warming up: today's allowance used",
				"This number is warming up (it is new or back from a restriction): its volume of business-initiated messages grows day by day, well under Meta's limit, so that the number earns a reputation before it sends at scale. The allowance of these 24 hours is used. The message was accepted and waits: it goes out by itself when the allowance frees (on the warm-up's next day, or when an earlier send leaves the 24-hour window). Replies inside an open window keep flowing."},
			ES: {"Calentamiento del número: cupo del día agotado",
				"Este número está en calentamiento (es nuevo o volvió de una restricción): su volumen de mensajes iniciados por la empresa crece día a día, muy por debajo del límite de Meta, para que el número gane reputación antes de enviar a gran escala. El cupo de estas 24 horas ya se usó. El mensaje fue aceptado y espera: sale solo cuando el cupo se libere (en el día siguiente del calentamiento o cuando un envío anterior salga de la ventana de 24 horas). Las respuestas dentro de una ventana abierta siguen saliendo."},
		},
	},
	{
		Code: USMarketing, Key: "us_marketing.blocked", HTTPStatus: http.StatusBadRequest, Meta: 131049,
		Text: map[Lang]Text{
			PT: {"Marketing não é entregue a números dos EUA",
				"Desde 1º de abril de 2025 o WhatsApp não entrega templates de marketing a números dos Estados Unidos (+1 com código de área dos EUA); a Meta aceitaria o envio e depois o daria como falho. Para este número use um template de utilidade ou autenticação, se o conteúdo for de fato desse tipo, ou responda dentro da janela de 24 horas depois que a pessoa escrever."},
			EN: {"Marketing is not delivered to US numbers",
				"Since April 1, 2025 WhatsApp does not deliver marketing templates to United States numbers (+1 with a US area code); Meta would accept the send and then fail it. For this number use a utility or authentication template if the content truly is of that kind, or reply within the 24-hour window after the person writes."},
			ES: {"El marketing no se entrega a números de EE. UU.",
				"Desde el 1 de abril de 2025 WhatsApp no entrega plantillas de marketing a números de Estados Unidos (+1 con código de área de EE. UU.); Meta aceptaría el envío y luego lo daría por fallido. Para este número use una plantilla de utilidad o de autenticación si el contenido es realmente de ese tipo, o responda dentro de la ventana de 24 horas después de que la persona escriba."},
		},
	},
	{
		Code: CampaignParamMissing, Key: "campaign.param_missing", HTTPStatus: http.StatusUnprocessableEntity, Meta: 132000,
		Text: map[Lang]Text{
			PT: {"Contato sem o dado de um parâmetro do template",
				"A campanha preenche os parâmetros do template com os dados de cada contato, e falta a este contato o atributo (ou o nome) que um parâmetro pede. Nada lhe foi enviado: um template com parâmetro vazio seria recusado pela Meta. Complete o contato (importação ou /api/v1/contacts) e, se quiser alcançá-lo, crie outra campanha; os demais contatos seguem."},
			EN: {"Contact lacks a template parameter's data",
				"The campaign fills the template's parameters from each contact's data, and this contact lacks the attribute (or name) a parameter asks for. Nothing was sent to them: a template with an empty parameter would be refused by Meta. Complete the contact (import or /api/v1/contacts) and, to reach them, create another campaign; the other contacts go on."},
			ES: {"Al contacto le falta el dato de un parámetro de la plantilla",
				"La campaña rellena los parámetros de la plantilla con los datos de cada contacto, y a este contacto le falta el atributo (o el nombre) que pide un parámetro. No se le envió nada: una plantilla con un parámetro vacío sería rechazada por Meta. Complete el contacto (importación o /api/v1/contacts) y, para alcanzarlo, cree otra campaña; los demás contactos siguen."},
		},
	},
}
