package wire

import "encoding/json"

// SendRequest is the body of POST /{phone_number_id}/messages: a message of
// one type, or a mark-as-read (Status "read" with MessageID).
//
// PLACEHOLDER: the typed objects of each message type are completed in
// message_types.go together with ParseSendRequest and Validate.
type SendRequest struct {
	MessagingProduct      string          `json:"messaging_product"`
	RecipientType         string          `json:"recipient_type,omitempty"`
	To                    string          `json:"to,omitempty"`
	Type                  string          `json:"type,omitempty"`
	Context               *MessageContext `json:"context,omitempty"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`

	// Mark as read.
	Status          string          `json:"status,omitempty"`
	MessageID       string          `json:"message_id,omitempty"`
	TypingIndicator json.RawMessage `json:"typing_indicator,omitempty"`
}

// MessageContext makes a message a reply to another.
type MessageContext struct {
	MessageID string `json:"message_id"`
}

// IsMarkRead reports whether the request marks a message as read.
func (r *SendRequest) IsMarkRead() bool { return r.Status == "read" }
