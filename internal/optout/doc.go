// Package optout recognises opt-out and opt-in requests in what WhatsApp
// users send a business: free text in Brazilian Portuguese, Spanish and
// English, template quick-reply buttons, interactive replies, Meta's
// user_preferences webhook and 131050 failures. It only classifies; the
// consent ledger records, and the send path enforces.
//
// Text is folded first (accents, case, punctuation, emoji, spacing and a few
// evasions such as "s a i r" or "st0p"), then matched against rules of two
// shapes: keywords, which must be the whole message ("PARAR", "stop por
// favor"), and phrases, which may appear anywhere in a short message ("não
// quero mais receber"). Guards around each phrase keep the hard negatives of
// the content policy out: "cancelar meu pedido", "sair para almoçar" and
// "não quero receber o pedido amanhã" are not opt-outs.
//
// Every rule carries a scope: ScopeAll for an unambiguous request to stop
// all contact, ScopeMarketing for words that in a transactional reply may
// mean something else (CANCELAR, FIM, "não tenho interesse") or that name
// promotions explicitly. docs/opt-out-keywords.md lists the rules.
package optout
