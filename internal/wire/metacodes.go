package wire

// Meta's error codes in one table: each with Meta's title, the gateway's
// retry advice and why, after meta-platform.md §1.9 (Meta's error-codes page;
// "Retry?" as Meta recommends, or inferred where Meta says nothing). The
// dispatcher reads its retry decisions from here; the refusal catalogue
// (package refusal) names its Meta equivalents from here; the page
// docs/meta-error-codes.md is generated from it.

// Advice is what to do with a message that failed with a code.
type Advice int

// Advices.
const (
	// Fix: the request is wrong or can never succeed; fail the message.
	Fix Advice = iota + 1
	// Backoff: transient trouble at Meta; retry with backoff.
	Backoff
	// Throttle: a rate limit; retry soon, and slow the sender down.
	Throttle
	// PairRate: too many to this recipient; retry this one after 4^X s.
	PairRate
	// StopSender: every message of the number would fail the same way
	// (token, permission, billing, registration, restriction); stop the
	// sender and keep its queue.
	StopSender
	// Later: per-user marketing limit; retry no sooner than 24 hours.
	Later
)

func (a Advice) String() string {
	switch a {
	case Fix:
		return "fix the request; do not retry"
	case Backoff:
		return "retry with backoff"
	case Throttle:
		return "retry soon, slow down"
	case PairRate:
		return "retry this recipient after 4^X s"
	case StopSender:
		return "stop the sender; keep its queue"
	case Later:
		return "retry after 24 h"
	}
	return "unknown"
}

// Codes of §1.9 besides the constants in catalogue.go.
const (
	CodeCapability          = 3
	CodePhoneDeleted        = 33
	CodeUserBlocked         = 130403
	CodeExperiment          = 130472
	CodeCountryRestricted   = 130497
	CodePermissionRemoved   = 131005
	CodeNoDisplayName       = 131037
	CodePayment             = 131042
	CodeRegistration        = 131045
	CodeMediaUpload         = 131053
	CodeAuthToBSUID         = 131062
	CodeMarketingDisabled   = 131063
	CodeClassificationLimit = 131064
	CodeTemplatePolicy      = 132007
	CodeParamFormat         = 132012
	CodeUnknownParams       = 135000
	CodeMaintenanceMode     = 2494100
)

// MetaCode is one of Meta's error codes.
type MetaCode struct {
	Code   int
	Title  string
	Advice Advice
}

// MetaCodes is the table, in code order.
var MetaCodes = []MetaCode{
	{CodeUnknownRequest, "Invalid request or possible server error", Backoff},
	{CodeTemporary, "Temporary downtime or overload", Backoff},
	{CodeCapability, "Capability or permission issue", StopSender},
	{CodeAppRateLimit, "API Too Many Calls", Throttle},
	{CodePermission, "Permission denied", StopSender},
	{CodePhoneDeleted, "Business phone number deleted", StopSender},
	{CodeInvalidParameter, "Invalid parameter", Fix},
	{CodeAccessToken, "Access token has expired", StopSender},
	{CodePermissionDenied, "Permission error", StopSender},
	{CodePolicyRestricted, "Temporarily blocked for policies violations", StopSender},
	{CodeWABARateLimit, "Rate limit hit", Throttle},
	{CodeUserBlocked, "Business has blocked this user", Fix},
	{CodeThroughput, "Rate limit hit", Throttle},
	{CodeExperiment, "User's number is part of an experiment", Fix},
	{CodeCountryRestricted, "Business account is restricted from messaging users in this country", StopSender},
	{CodeGenericUser, "Something went wrong", Backoff},
	{CodePermissionRemoved, "Permission not granted or removed", StopSender},
	{CodeMissingParameter, "Required parameter is missing", Fix},
	{CodeParameterInvalid, "Parameter value is not valid", Fix},
	{CodeServiceUnavailable, "Service unavailable", Backoff},
	{CodeSameRecipient, "Recipient cannot be sender", Fix},
	{CodeUndeliverable, "Message undeliverable", Fix},
	{CodeAccountLocked, "Business Account locked", StopSender},
	{CodeNoDisplayName, "Display name approval needed", StopSender},
	{CodePayment, "Business eligibility payment issue", StopSender},
	{CodeRegistration, "Incorrect certificate", StopSender},
	{CodeWindowClosed, "Re-engagement message", Fix},
	{CodeSpamRateLimit, "Spam rate limit hit", StopSender},
	{CodeEcosystem, "This message was not delivered to maintain healthy ecosystem engagement.", Later},
	{CodeMarketingStopped, "User has stopped marketing messages", Fix},
	{CodeUnsupportedType, "Unsupported message type", Fix},
	{CodeMediaUpload, "Media upload error", Fix},
	{CodePairRate, "(Business Account, Consumer Account) pair rate limit hit", PairRate},
	{CodeMaintenance, "Business Account is in maintenance mode", Backoff},
	{CodeAuthToBSUID, "Authentication templates need a phone number", Fix},
	{CodeMarketingDisabled, "Marketing messages are disabled on Cloud API", Fix},
	{CodeClassificationLimit, "Messaging limited for template classification violations", StopSender},
	{CodeTemplateParams, "Number of parameters does not match the expected number of params", Fix},
	{CodeTemplateMissing, "Template name does not exist in the translation", Fix},
	{CodeTemplatePolicy, "Template content violates a WhatsApp policy", Fix},
	{CodeParamFormat, "Parameter format does not match format in the created template", Fix},
	{CodeTemplatePaused, "Template is Paused", Fix},
	{CodeTemplateDisabled, "Template is Disabled", Fix},
	{CodeUnknownParams, "Generic user error", Fix},
	{CodeMaintenanceMode, "Account in maintenance mode", Backoff},
}

var metaByCode = func() map[int]MetaCode {
	m := make(map[int]MetaCode, len(MetaCodes))
	for _, c := range MetaCodes {
		if _, dup := m[c.Code]; dup {
			panic("wire: Meta code listed twice")
		}
		m[c.Code] = c
	}
	return m
}()

// AdviceFor returns the advice for a code of the table.
func AdviceFor(code int) (Advice, bool) {
	m, ok := metaByCode[code]
	return m.Advice, ok
}
