package wire

// SendResponse is Meta's answer to an accepted send: acceptance, not delivery.
type SendResponse struct {
	MessagingProduct string        `json:"messaging_product"`
	Contacts         []SendContact `json:"contacts"`
	Messages         []SentMessage `json:"messages"`
}

// SendContact echoes the recipient as given and as WhatsApp knows it.
type SendContact struct {
	Input  string `json:"input"`
	WaID   string `json:"wa_id"`
	UserID string `json:"user_id,omitempty"`
}

// SentMessage is the id of an accepted message and its pacing status.
type SentMessage struct {
	ID            string `json:"id"`
	MessageStatus string `json:"message_status,omitempty"`
}

// SuccessResponse answers mark-as-read and other boolean Graph calls.
type SuccessResponse struct {
	Success bool `json:"success"`
}

// Message statuses in send responses (template pacing).
const (
	MessageStatusAccepted = "accepted"
	MessageStatusHeld     = "held_for_quality_assessment"
	MessageStatusPaused   = "paused"
)
