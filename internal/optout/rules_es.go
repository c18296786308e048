package optout

import "slices"

var es = []string{LangES}

// rulesES are the Spanish rules: BAJA and SALIR are the habits of Latin
// American SMS, DETENER and SALIR what Spanish-language WhatsApp platforms
// accept. PARAR, PARA and CANCELAR are shared with pt-BR.
var rulesES = slices.Concat(
	rules(es, KindOptOut, ScopeAll, ModeKeyword,
		"baja", "detener", "salir", "no más", "darme de baja", "dar de baja", "quiero salir",
		"me quiero salir", "deténganse", "dejen de escribir"),
	ambiguous(rules(es, KindOptOut, ScopeMarketing, ModeKeyword,
		"alto", "fin", "no quiero", "no quiero más", "ya no", "no me interesa", "quiero cancelar")),
	needs(NeedReplyToMarketing, rules(es, KindOptOut, ScopeMarketing, ModeKeyword, "no")),

	notAfter([]string{"no", "él no", "ella no"}, rules(es, KindOptOut, ScopeAll, ModePhrase,
		"dejen de enviar", "dejen de enviarme", "dejen de escribirme", "dejen de mandar",
		"dejen de mandarme", "deja de enviarme", "deja de escribirme", "deja de mandarme",
		"dejen de molestar", "dejen de molestarme", "no me envíen más", "no me manden más",
		"no me escriban más", "no me envíen mensajes", "no me manden mensajes")),
	tail(nil, rules(es, KindOptOut, ScopeAll, ModePhrase,
		"no quiero recibir", "no quiero recibir más", "ya no quiero recibir", "no deseo recibir",
		"no quiero más", "no autorizo", "nunca autoricé", "no autoricé", "dejar de recibir")),
	tail([]string{"número", "numero"},
		rules(es, KindOptOut, ScopeAll, ModePhrase, "darme de baja", "dar de baja", "denme de baja", "quiero la baja")),
	tail([]string{"número", "numero", "ustedes", "empresa"}, rules(es, KindOptOut, ScopeAll, ModePhrase,
		"voy a denunciar", "voy a bloquear", "los voy a denunciar", "los voy a bloquear")),
	notBefore([]string{"de espera", "de invitados", "vip"}, rules(es, KindOptOut, ScopeAll, ModePhrase,
		"sacarme de la lista", "sáquenme de la lista", "sácame de la lista", "quitarme de la lista",
		"quítenme de la lista", "quítame de la lista", "eliminarme de la lista", "elimínenme de la lista",
		"borrarme de la lista", "bórrenme de la lista")),
	rules(es, KindOptOut, ScopeAll, ModePhrase,
		"eliminar mi número", "eliminen mi número", "borrar mi número", "borren mi número",
		"nunca me suscribí", "no me suscribí", "déjenme en paz", "déjame en paz",
		"no me contacten", "no me contacten más"),
	tail(nil, ambiguous(rules(es, KindOptOut, ScopeMarketing, ModePhrase,
		"cancelar suscripción", "cancelar mi suscripción", "anular suscripción"))),
	rules(es, KindOptOut, ScopeMarketing, ModePhrase,
		"detener promociones", "dejar de recibir promociones", "no quiero promociones",
		"no quiero publicidad", "no me interesa", "sin publicidad"),

	rules(es, KindOptIn, ScopeAll, ModeKeyword, "volver", "reanudar", "continuar"),
	rules(ptES, KindOptIn, ScopeAll, ModeKeyword, "reativar"),
	rules(es, KindOptIn, ScopeMarketing, ModeKeyword, "recibir", "suscribir", "suscribirme", "alta",
		"darme de alta", "quiero recibir", "suscribirse"),
	needs(NeedReplyToOptInRequest, rules(es, KindOptIn, ScopeMarketing, ModeKeyword,
		"sí", "acepto", "yo acepto", "de acuerdo", "claro que sí", "quiero")),
	notAfter([]string{"no", "nunca", "jamás"}, tail(nil, rules(es, KindOptIn, ScopeMarketing, ModePhrase,
		"quiero recibir", "me gustaría recibir", "acepto recibir"))),
	notAfter([]string{"no", "nunca", "jamás"}, rules(es, KindOptIn, ScopeAll, ModePhrase,
		"volver a recibir", "quiero volver a recibir")),
)
