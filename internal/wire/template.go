package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Webhook fields about message templates (meta-platform.md §4).
const (
	FieldTemplateStatus     = "message_template_status_update"
	FieldTemplateQuality    = "message_template_quality_update"
	FieldTemplateCategory   = "template_category_update"
	FieldTemplateComponents = "message_template_components_update"
)

// GraphID is a Graph object id. Meta writes some as JSON numbers
// (message_template_id in webhooks) and others as strings; both decode.
type GraphID string

// UnmarshalJSON accepts a JSON string or an integer.
func (id *GraphID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = GraphID(s)
		return nil
	}
	if string(b) == "null" {
		*id = ""
		return nil
	}
	if _, err := strconv.ParseUint(string(b), 10, 64); err != nil {
		return fmt.Errorf("wire: id %s is neither a string nor an integer", truncate(b, 40))
	}
	*id = GraphID(b)
	return nil
}

// TemplateStatusUpdate is the value of a message_template_status_update
// change: a template was approved, rejected, paused, disabled, deleted…
type TemplateStatusUpdate struct {
	Event    string  `json:"event"`
	ID       GraphID `json:"message_template_id"`
	Name     string  `json:"message_template_name"`
	Language string  `json:"message_template_language"`
	// Reason is null when the template is scheduled for deletion.
	Reason   *string `json:"reason"`
	Category string  `json:"message_template_category,omitempty"`
	// OtherInfo says which pause (FIRST_PAUSE, SECOND_PAUSE…) or UNPAUSE.
	OtherInfo *struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"other_info,omitempty"`
	RejectionInfo *struct {
		Reason         string `json:"reason"`
		Recommendation string `json:"recommendation"`
	} `json:"rejection_info,omitempty"`
}

// TemplateQualityUpdate is the value of a message_template_quality_update
// change. Scores are GREEN, YELLOW, RED or UNKNOWN.
type TemplateQualityUpdate struct {
	PreviousQualityScore string  `json:"previous_quality_score,omitempty"`
	NewQualityScore      string  `json:"new_quality_score"`
	ID                   GraphID `json:"message_template_id"`
	Name                 string  `json:"message_template_name"`
	Language             string  `json:"message_template_language"`
}

// TemplateCategoryUpdate is the value of a template_category_update change.
type TemplateCategoryUpdate struct {
	ID               GraphID `json:"message_template_id"`
	Name             string  `json:"message_template_name"`
	Language         string  `json:"message_template_language"`
	NewCategory      string  `json:"new_category"`
	PreviousCategory string  `json:"previous_category,omitempty"`
	CorrectCategory  string  `json:"correct_category,omitempty"`
}

// TemplateRef names the template a message_template_components_update
// change is about; its other fields describe the new components.
type TemplateRef struct {
	ID       GraphID `json:"message_template_id"`
	Name     string  `json:"message_template_name"`
	Language string  `json:"message_template_language"`
}

// MessageTemplate is one template as GET /{waba_id}/message_templates lists
// it; which fields are present depends on the request's fields=.
type MessageTemplate struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
	Status   string `json:"status"`
	Category string `json:"category"`
	// ParameterFormat is POSITIONAL or NAMED (Meta writes it upper case
	// in listings and accepts lower case on creation).
	ParameterFormat string `json:"parameter_format,omitempty"`
	// Components are HEADER, BODY, FOOTER and BUTTONS definitions.
	Components       json.RawMessage       `json:"components,omitempty"`
	QualityScore     *TemplateQualityScore `json:"quality_score,omitempty"`
	RejectedReason   string                `json:"rejected_reason,omitempty"`
	PreviousCategory string                `json:"previous_category,omitempty"`
}

// TemplateQualityScore is a template's quality as listed.
type TemplateQualityScore struct {
	Score string `json:"score"`
	Date  int64  `json:"date,omitempty"`
}

// MessageTemplatePage is one page of a template listing.
type MessageTemplatePage struct {
	Data   []MessageTemplate `json:"data"`
	Paging Paging            `json:"paging"`
}

// Paging is Graph's cursor pagination.
type Paging struct {
	Cursors  Cursors `json:"cursors"`
	Next     string  `json:"next,omitempty"`
	Previous string  `json:"previous,omitempty"`
}

// Cursors bracket a page.
type Cursors struct {
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// TemplateCreate is the body of POST /{waba_id}/message_templates.
type TemplateCreate struct {
	Name            string          `json:"name"`
	Category        string          `json:"category"`
	Language        string          `json:"language"`
	ParameterFormat string          `json:"parameter_format,omitempty"`
	Components      json.RawMessage `json:"components"`
}

// TemplateCreated is Meta's answer to a template creation.
type TemplateCreated struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Category string `json:"category"`
}
