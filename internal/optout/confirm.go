package optout

import "context"

// Confirmation is the reply that tells a person their opt-out was heard:
// sent once, inside the window their own message opened, in the language
// of the words they used.
type Confirmation struct {
	TenantID      string
	PhoneNumberID string
	WaID          string
	// Text is the reply's body.
	Text string
}

// Confirmer sends a Confirmation. The recorder calls it after writing an
// opt-out a person sent on WhatsApp, for tenants that want one; a failure
// is logged, never retried (a second confirmation is worse than none).
type Confirmer func(ctx context.Context, c Confirmation) error

// defaultConfirmations, by language of the matched rule, by scope.
var defaultConfirmations = map[string]map[Scope]string{
	"pt-BR": {
		ScopeAll:       "Pronto: você não vai mais receber mensagens nossas por aqui. Se mudar de ideia, é só escrever VOLTAR.",
		ScopeMarketing: "Pronto: você não vai mais receber promoções nossas por aqui. Avisos sobre seus pedidos continuam chegando.",
	},
	"es": {
		ScopeAll:       "Listo: ya no recibirás mensajes nuestros por aquí. Si cambias de opinión, escribe VOLVER.",
		ScopeMarketing: "Listo: ya no recibirás promociones nuestras por aquí. Los avisos sobre tus pedidos seguirán llegando.",
	},
	"en": {
		ScopeAll:       "Done: you will not get any more messages from us here. If you change your mind, just write START.",
		ScopeMarketing: "Done: you will not get any more promotions from us here. Notices about your orders will still arrive.",
	},
}

// ConfirmationText is the confirmation for an opt-out in a language and
// scope; custom replaces the default for its language. Unknown languages
// get pt-BR.
func ConfirmationText(lang string, scope Scope, custom map[string]string) string {
	if t := custom[lang]; t != "" {
		return t
	}
	byScope, ok := defaultConfirmations[lang]
	if !ok {
		byScope = defaultConfirmations["pt-BR"]
	}
	if t, ok := byScope[scope]; ok {
		return t
	}
	return byScope[ScopeAll]
}
