package wire

import "encoding/json"

// ObjectWABA is the object of every WhatsApp Business Account notification.
const ObjectWABA = "whatsapp_business_account"

// Notification is the envelope of a webhook POST.
type Notification struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

// Entry groups changes for one WABA.
type Entry struct {
	ID      string   `json:"id"`
	Time    int64    `json:"time,omitempty"`
	Changes []Change `json:"changes"`
}

// Change is one update; Value's shape depends on Field.
type Change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// MessagesValue is the value of a "messages" change: inbound messages,
// statuses of outgoing messages, or value-level errors.
type MessagesValue struct {
	MessagingProduct string            `json:"messaging_product"`
	Metadata         Metadata          `json:"metadata"`
	Contacts         []WebhookContact  `json:"contacts,omitempty"`
	Messages         []json.RawMessage `json:"messages,omitempty"`
	Statuses         []Status          `json:"statuses,omitempty"`
	Errors           []StatusError     `json:"errors,omitempty"`
}

// Metadata identifies the business number a messages change is about.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// WebhookContact is a user as a webhook describes them.
type WebhookContact struct {
	Profile      *Profile `json:"profile,omitempty"`
	WaID         string   `json:"wa_id"`
	UserID       string   `json:"user_id,omitempty"`
	ParentUserID string   `json:"parent_user_id,omitempty"`
}

// Profile is a user's WhatsApp profile.
type Profile struct {
	Name string `json:"name"`
}

// InboundHeader is the part of an inbound message every type shares.
type InboundHeader struct {
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
}

// Status is one status update of an outgoing message.
type Status struct {
	ID                    string          `json:"id"`
	Status                string          `json:"status"`
	Timestamp             string          `json:"timestamp"`
	RecipientID           string          `json:"recipient_id,omitempty"`
	RecipientType         string          `json:"recipient_type,omitempty"`
	RecipientUserID       string          `json:"recipient_user_id,omitempty"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`
	Conversation          json.RawMessage `json:"conversation,omitempty"`
	Pricing               json.RawMessage `json:"pricing,omitempty"`
	Errors                []StatusError   `json:"errors,omitempty"`
}

// StatusError is an asynchronous error in a webhook.
type StatusError struct {
	Code      int              `json:"code"`
	Title     string           `json:"title"`
	Message   string           `json:"message,omitempty"`
	ErrorData *StatusErrorData `json:"error_data,omitempty"`
	Href      string           `json:"href,omitempty"`
}

// StatusErrorData explains an asynchronous error.
type StatusErrorData struct {
	Details string `json:"details"`
}

// Outgoing message statuses, in the order they can only move forward.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
)
