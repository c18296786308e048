package wire

// PhoneNumberInfo is what GET /{phone_number_id}?fields=… answers about a
// business phone number, for the fields the gateway reads. Fields Meta
// leaves out stay zero.
type PhoneNumberInfo struct {
	ID                 string `json:"id"`
	DisplayPhoneNumber string `json:"display_phone_number,omitempty"`
	QualityRating      string `json:"quality_rating,omitempty"`
	Status             string `json:"status,omitempty"`
	// MessagingLimit is whatsapp_business_manager_messaging_limit (v24+);
	// MessagingLimitTier the deprecated messaging_limit_tier.
	MessagingLimit     string `json:"whatsapp_business_manager_messaging_limit,omitempty"`
	MessagingLimitTier string `json:"messaging_limit_tier,omitempty"`
	Throughput         *struct {
		Level string `json:"level"`
	} `json:"throughput,omitempty"`
	HealthStatus *struct {
		CanSendMessage string `json:"can_send_message"`
	} `json:"health_status,omitempty"`
}
