package templatelint_test

import (
	"context"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/templatelint"
)

// A UTILITY template that sells is blocked before Meta sees it.
func ExampleLinter_Lint() {
	body := `{"name":"pedido_enviado","language":"pt_BR","category":"UTILITY","components":[
		{"type":"BODY","text":"Olá, {{1}}! Seu pedido foi enviado. Aproveite o cupom VOLTA10!","example":{"body_text":[["Ana"]]}}]}`
	r, err := (&templatelint.Linter{}).Lint(context.Background(), "acme", []byte(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("blocked:", r.Blocked())
	for _, f := range r.Localize(refusal.EN) {
		fmt.Println(f.Severity, f.Code, f.Field, f.Words)
	}
	// Output:
	// blocked: true
	// block promotional.utility components[0].text [aproveite cupom]
}
