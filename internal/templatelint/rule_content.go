package templatelint

import (
	"context"
	"fmt"
	"slices"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// checkContent runs the content checks on every text a recipient reads, as
// the business wrote it (variables unfilled). A finding without a rule name
// is filed under "content".
func checkContent(ctx context.Context, tc TextChecker, tenantID string, t *Template) ([]Finding, error) {
	var out []Finding
	for _, ft := range t.texts() {
		tfs, err := tc.CheckText(ctx, tenantID, ft.text)
		if err != nil {
			return nil, fmt.Errorf("templatelint: content check of %s: %w", ft.field, err)
		}
		for _, tf := range tfs {
			sev := Warn
			if tf.Block {
				sev = Block
			}
			code := tf.Rule
			if code == "" {
				code = "content"
			}
			f := Finding{Code: code, Severity: sev, Field: ft.field, Words: slices.Clone(tf.Words),
				text: map[refusal.Lang]Text{}}
			for _, l := range refusal.Langs {
				f.text[l] = Text{Message: tf.In(l), Fix: contentFix[l]}
			}
			out = append(out, f)
		}
	}
	return out, nil
}

var contentFix = map[refusal.Lang]string{
	refusal.PT: "Reescreva o trecho apontado; conteúdo assim leva a denúncias, bloqueios e rejeição pela Meta.",
	refusal.EN: "Rewrite the passage pointed out; content like it leads to reports, blocks and rejection by Meta.",
	refusal.ES: "Reescriba el pasaje señalado; un contenido así lleva a denuncias, bloqueos y rechazo por Meta.",
}
