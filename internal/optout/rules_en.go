package optout

import "slices"

var (
	en     = []string{LangEN}
	enPtES = []string{LangEN, LangPtBR, LangES}
)

// rulesEN are the English rules: the SMS industry's keywords (Twilio, AWS,
// Telnyx), which WhatsApp users type too, and STOP in every language.
var rulesEN = slices.Concat(
	rules(enPtES, KindOptOut, ScopeAll, ModeKeyword, "stop"),
	rules(en, KindOptOut, ScopeAll, ModeKeyword,
		"stopall", "stop all", "unsubscribe", "quit", "optout", "opt out", "revoke", "remove",
		"remove me", "unsub", "stop it", "stop messaging", "stop texting", "leave me alone"),
	ambiguous(rules(en, KindOptOut, ScopeMarketing, ModeKeyword, "cancel", "end", "not interested")),
	needs(NeedReplyToMarketing, rules(en, KindOptOut, ScopeMarketing, ModeKeyword, "no", "nope")),

	notAfter([]string{"dont", "not", "never", "cant", "can not"}, rules(en, KindOptOut, ScopeAll, ModePhrase,
		"stop messaging me", "stop texting me", "stop sending", "stop sending me", "stop contacting me",
		"stop spamming", "stop spamming me", "stop messaging", "stop texting", "stop contacting")),
	rules(en, KindOptOut, ScopeAll, ModePhrase,
		"unsubscribe", "remove my number", "delete my number", "do not contact", "dont contact",
		"do not message", "dont message", "do not text", "dont text", "leave me alone",
		"no more messages", "i never signed up", "never signed up", "i didnt sign up",
		"i did not sign up", "opt me out", "lose my number"),
	tail([]string{"number"}, rules(en, KindOptOut, ScopeAll, ModePhrase,
		"take me off", "remove me", "i will report", "ill report", "reporting you", "im blocking",
		"i will block", "ill block", "block this number", "report this number")),
	rules(en, KindOptOut, ScopeMarketing, ModePhrase,
		"stop promotions", "stop promotion", "no more promotions", "not interested", "no promotions"),

	rules(en, KindOptIn, ScopeAll, ModeKeyword, "start", "unstop", "resume", "restart"),
	rules(en, KindOptIn, ScopeMarketing, ModeKeyword, "subscribe", "opt in", "optin", "sign me up",
		"subscribe me", "resume promotions"),
	needs(NeedReplyToOptInRequest, rules(en, KindOptIn, ScopeMarketing, ModeKeyword,
		"yes", "yeah", "yep", "i agree", "i accept", "sure", "ok sure")),
	notAfter([]string{"dont", "not", "never"}, rules(en, KindOptIn, ScopeMarketing, ModePhrase,
		"opt me in", "sign me up", "subscribe me", "resume promotions", "i want to receive")),
)
