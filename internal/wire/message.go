package wire

// SendRequest is the body of POST /{phone_number_id}/messages: a message of
// one type, or a mark-as-read (Status "read" with MessageID).
//
// Only the object named by Type is meaningful; the others are nil. Fields the
// gateway does not model are ignored on decode, so Raw, the body exactly as
// the client sent it, is what the gateway forwards to Meta.
type SendRequest struct {
	MessagingProduct      string          `json:"messaging_product"`
	RecipientType         string          `json:"recipient_type,omitempty"`
	To                    string          `json:"to,omitempty"`
	Type                  string          `json:"type,omitempty"`
	Context               *MessageContext `json:"context,omitempty"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`

	Text        *Text        `json:"text,omitempty"`
	Template    *Template    `json:"template,omitempty"`
	Image       *Media       `json:"image,omitempty"`
	Video       *Media       `json:"video,omitempty"`
	Audio       *Media       `json:"audio,omitempty"`
	Document    *Media       `json:"document,omitempty"`
	Sticker     *Media       `json:"sticker,omitempty"`
	Interactive *Interactive `json:"interactive,omitempty"`
	Location    *Location    `json:"location,omitempty"`
	Contacts    ContactList  `json:"contacts,omitempty"`
	Reaction    *Reaction    `json:"reaction,omitempty"`

	// Mark as read.
	Status          string           `json:"status,omitempty"`
	MessageID       string           `json:"message_id,omitempty"`
	TypingIndicator *TypingIndicator `json:"typing_indicator,omitempty"`

	// Raw is the request body as received; ParseSendRequest sets it.
	Raw []byte `json:"-"`
}

// MessageContext makes a message a reply to another.
type MessageContext struct {
	MessageID string `json:"message_id"`
}

// TypingIndicator asks WhatsApp to show "typing…" along a read receipt.
type TypingIndicator struct {
	Type string `json:"type"`
}

// Message types the send endpoint accepts.
const (
	TypeText        = "text"
	TypeTemplate    = "template"
	TypeImage       = "image"
	TypeVideo       = "video"
	TypeAudio       = "audio"
	TypeDocument    = "document"
	TypeSticker     = "sticker"
	TypeInteractive = "interactive"
	TypeLocation    = "location"
	TypeContacts    = "contacts"
	TypeReaction    = "reaction"
)

// IsMarkRead reports whether the request marks a message as read.
func (r *SendRequest) IsMarkRead() bool { return r.Status == "read" }

// IsTemplate reports whether the request sends a template, the only kind of
// message allowed outside the customer service window.
func (r *SendRequest) IsTemplate() bool {
	return !r.IsMarkRead() && r.Type == TypeTemplate && r.Template != nil
}

// Media returns the media object of a media message (image, video, audio,
// document, sticker), or nil for other types.
func (r *SendRequest) Media() *Media {
	switch r.Type {
	case TypeImage:
		return r.Image
	case TypeVideo:
		return r.Video
	case TypeAudio:
		return r.Audio
	case TypeDocument:
		return r.Document
	case TypeSticker:
		return r.Sticker
	}
	return nil
}
