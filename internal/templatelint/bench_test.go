package templatelint

import (
	"context"
	"os"
	"testing"
)

// BenchmarkLint lints Meta's example of a UTILITY template with a document
// header, two variables and two buttons.
func BenchmarkLint(b *testing.B) {
	body, err := os.ReadFile("testdata/openapi/create_template_w_document_header_text_body_a_phone_number_button_and_a_url_button.json")
	if err != nil {
		b.Fatal(err)
	}
	l := &Linter{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Lint(context.Background(), "acme", body); err != nil {
			b.Fatal(err)
		}
	}
}
