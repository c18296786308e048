package templatelint

import (
	"os"
	"strings"
	"testing"
)

const okBody = `{"type":"BODY","text":"Olá, {{1}}! Seu pedido {{2}} foi confirmado e chega em breve.","example":{"body_text":[["Ana","12345"]]}}`

func TestRuleName(t *testing.T) {
	runCases(t, []lintCase{
		{"clean", body("UTILITY", "["+okBody+"]"), nil, "name."},
		{"upper case", strings.Replace(body("UTILITY", "["+okBody+"]"), "order_update", "Order_Update", 1), []string{"block name.format name"}, "name."},
		{"hyphen", strings.Replace(body("UTILITY", "["+okBody+"]"), "order_update", "order-update", 1), []string{"block name.format name"}, "name."},
		{"accent", strings.Replace(body("UTILITY", "["+okBody+"]"), "order_update", "promoção", 1), []string{"block name.format name"}, "name."},
		{"empty", strings.Replace(body("UTILITY", "["+okBody+"]"), "order_update", "", 1), []string{"block name.format name"}, "name."},
		{"512 long", strings.Replace(body("UTILITY", "["+okBody+"]"), "order_update", strings.Repeat("a", 512), 1), nil, "name."},
		{"513 long", strings.Replace(body("UTILITY", "["+okBody+"]"), "order_update", strings.Repeat("a", 513), 1), []string{"block name.length name"}, "name."},
	})
}

func TestRuleLanguage(t *testing.T) {
	b := body("UTILITY", "["+okBody+"]")
	runCases(t, []lintCase{
		{"pt_BR", b, nil, "language."},
		{"en_US", strings.Replace(b, "pt_BR", "en_US", 1), nil, "language."},
		{"es", strings.Replace(b, "pt_BR", "es", 1), nil, "language."},
		{"hyphenated", strings.Replace(b, "pt_BR", "pt-BR", 1), []string{"block language.unknown language"}, "language."},
		{"made up", strings.Replace(b, "pt_BR", "xx_YY", 1), []string{"block language.unknown language"}, "language."},
	})
	r := lint(t, strings.Replace(b, "pt_BR", "pt-BR", 1))
	if fix := r.Findings[0].In("en").Fix; fix != "Use pt_BR." {
		t.Errorf("near miss fix %q", fix)
	}
}

func TestRuleComponents(t *testing.T) {
	runCases(t, []lintCase{
		{"clean", body("MARKETING", "["+okBody+"]"), nil, "c"},
		{"lower-case category", body("utility", "["+okBody+"]"), nil, "category."},
		{"unknown category", body("TRANSACTIONAL", "["+okBody+"]"), []string{"block category.unknown category"}, "category."},
		{"two bodies", body("UTILITY", "["+okBody+","+okBody+"]"), []string{"block components.duplicate components[1].type"}, "components."},
		{"no body", body("UTILITY", `[{"type":"FOOTER","text":"Loja Acme"}]`), []string{"block components.body_missing components"}, "components."},
		{"body without text", body("UTILITY", `[{"type":"BODY"}]`), []string{"block components.body_text components[0].text"}, "components."},
		{"carousel is not looked into", body("MARKETING", `[`+okBody+`,{"type":"CAROUSEL","cards":[]}]`), []string{"warn components.unchecked components[1]"}, "components."},
		{"security recommendation outside authentication", body("UTILITY", `[{"type":"BODY","text":"Seu pedido saiu para entrega hoje.","add_security_recommendation":true}]`),
			[]string{"block category.auth_only components[0].add_security_recommendation"}, "category."},
		{"OTP button outside authentication", body("UTILITY", `[`+okBody+`,{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copiar"}]}]`),
			[]string{"block category.auth_only components[1].buttons[0].type"}, "category."},
	})
}

func TestRuleHeader(t *testing.T) {
	runCases(t, []lintCase{
		{"text header", body("UTILITY", `[{"type":"HEADER","format":"TEXT","text":"Pedido confirmado"},`+okBody+`]`), nil, "header."},
		{"no format", body("UTILITY", `[{"type":"HEADER","text":"Pedido confirmado"},`+okBody+`]`), []string{"block header.format_missing components[0].format"}, "header."},
		{"empty text header", body("UTILITY", `[{"type":"HEADER","format":"TEXT","text":" "},`+okBody+`]`), []string{"block header.text_missing components[0].text"}, "header."},
		{"image with text", body("UTILITY", `[{"type":"HEADER","format":"IMAGE","text":"x","example":{"header_handle":["4::aW1h"]}},`+okBody+`]`),
			[]string{"block header.text_with_media components[0].text"}, "header."},
		{"location", body("UTILITY", `[{"type":"HEADER","format":"LOCATION"},`+okBody+`]`), nil, "header."},
	})
}

func TestRuleVariables(t *testing.T) {
	bodyWith := func(text string, ex string) string {
		return body("UTILITY", `[{"type":"BODY","text":`+quote(text)+`,"example":{"body_text":[`+ex+`]}}]`)
	}
	runCases(t, []lintCase{
		{"sequential", bodyWith("Olá, {{1}}! Seu pedido {{2}} foi enviado hoje.", `["Ana","1"]`), nil, "variables."},
		{"out of order is fine", bodyWith("Seu pedido {{2}} para {{1}} foi enviado hoje.", `["Ana","1"]`), nil, "variables."},
		{"repeated is fine", bodyWith("Olá, {{1}}! Confirme, {{1}}, o pedido de hoje.", `["Ana"]`), nil, "variables."},
		{"gap", bodyWith("Olá, {{1}}! Seu pedido {{3}} foi enviado hoje.", `["Ana","1"]`), []string{"block variables.sequence components[0].text"}, "variables."},
		{"starts at 2", bodyWith("Olá, {{2}}! Seu pedido foi enviado hoje.", `["Ana"]`), []string{"block variables.sequence components[0].text"}, "variables."},
		{"leading zero", bodyWith("Olá, {{01}}! Seu pedido foi enviado hoje.", `["Ana"]`), []string{"block variables.sequence components[0].text"}, "variables."},
		{"spaces inside", bodyWith("Olá, {{ 1 }}! Seu pedido foi enviado hoje.", `["Ana"]`), []string{"block variables.malformed components[0].text"}, "variables."},
		{"unclosed", bodyWith("Olá, {{1! Seu pedido foi enviado hoje.", `["Ana"]`), []string{"block variables.malformed components[0].text"}, "variables."},
		{"single braces", bodyWith("Olá, {1}! Seu pedido foi enviado hoje.", `["Ana"]`), nil, "variables."},
		{"stray closing", bodyWith("Olá, 1}}! Seu pedido foi enviado hoje.", `["Ana"]`), []string{"block variables.malformed components[0].text"}, "variables."},
		{"leading", bodyWith("{{1}}, seu pedido foi enviado hoje.", `["Ana"]`), []string{"block variables.leading components[0].text"}, "variables."},
		{"trailing", bodyWith("Seu pedido foi enviado hoje, {{1}}", `["Ana"]`), []string{"block variables.trailing components[0].text"}, "variables."},
		{"trailing punctuation is fine", bodyWith("Seu pedido foi enviado hoje, {{1}}.", `["Ana"]`), nil, "variables."},
		{"adjacent", bodyWith("Olá, {{1}} {{2}}! Seu pedido foi enviado hoje.", `["Ana","Souza"]`), []string{"block variables.adjacent components[0].text"}, "variables."},
		{"dense", bodyWith("Oi {{1}} {{2}}: {{3}}.", `["a","b","c"]`), []string{"block variables.adjacent components[0].text", "warn variables.density components[0].text"}, "variables."},
		{"named in positional", bodyWith("Olá, {{nome}}! Seu pedido foi enviado hoje.", `["Ana"]`), []string{"block variables.format_mismatch components[0].text"}, "variables."},
		{"positional in named", body("UTILITY", `[{"type":"BODY","text":"Olá, {{1}}! Seu pedido foi enviado hoje.","example":{"body_text_named_params":[{"param_name":"1","example":"Ana"}]}}]`, `"parameter_format":"named"`),
			[]string{"block variables.format_mismatch components[0].text"}, "variables."},
		{"named", body("UTILITY", `[{"type":"BODY","text":"Olá, {{first_name}}! Seu pedido {{order_id}} foi enviado hoje.","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"},{"param_name":"order_id","example":"123"}]}}]`, `"parameter_format":"NAMED"`),
			nil, "variables."},
		{"two in the header", body("UTILITY", `[{"type":"HEADER","format":"TEXT","text":"Pedido {{1}} de {{2}}","example":{"header_text":["1","Ana"]}},`+okBody+`]`),
			[]string{"block variables.header_count components[0].text"}, "variables."},
		{"variable in the footer", body("UTILITY", `[`+okBody+`,{"type":"FOOTER","text":"Loja {{1}}"}]`), []string{"block footer.variables components[1].text"}, "footer."},
	})
}

func TestRuleLengths(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	runCases(t, []lintCase{
		{"body at 1024", body("UTILITY", `[{"type":"BODY","text":"`+long(1024)+`"}]`), nil, "length."},
		{"body over", body("UTILITY", `[{"type":"BODY","text":"`+long(1025)+`"}]`), []string{"block length.body components[0].text"}, "length."},
		{"body counts characters, not bytes", body("UTILITY", `[{"type":"BODY","text":"`+strings.Repeat("ç", 1024)+`"}]`), nil, "length."},
		{"header over", body("UTILITY", `[{"type":"HEADER","format":"TEXT","text":"`+long(61)+`"},`+okBody+`]`), []string{"block length.header components[0].text"}, "length."},
		{"footer at 60", body("UTILITY", `[`+okBody+`,{"type":"FOOTER","text":"`+long(60)+`"}]`), nil, "length."},
		{"footer over", body("UTILITY", `[`+okBody+`,{"type":"FOOTER","text":"`+long(61)+`"}]`), []string{"block length.footer components[1].text"}, "length."},
		{"button text over", body("UTILITY", `[`+okBody+`,{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"`+long(26)+`"}]}]`), []string{"block length.button_text components[1].buttons[0].text"}, "length."},
		{"url over", body("UTILITY", `[`+okBody+`,{"type":"BUTTONS","buttons":[{"type":"URL","text":"Ver","url":"https://acme.example/`+long(2000)+`"}]}]`), []string{"block length.url components[1].buttons[0].url"}, "length."},
	})
}

func TestRuleButtons(t *testing.T) {
	buttons := func(bs ...string) string {
		return body("UTILITY", `[`+okBody+`,{"type":"BUTTONS","buttons":[`+strings.Join(bs, ",")+`]}]`)
	}
	qr := `{"type":"QUICK_REPLY","text":"Falar com atendente"}`
	url := `{"type":"URL","text":"Acompanhar","url":"https://acme.example/pedido"}`
	phone := `{"type":"PHONE_NUMBER","text":"Ligar","phone_number":"+5511987654321"}`
	many := func(b string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = b
		}
		return out
	}
	runCases(t, []lintCase{
		{"one of each", buttons(qr, url, phone), nil, "buttons."},
		{"ten quick replies", buttons(many(qr, 10)...), nil, "buttons."},
		{"eleven quick replies", buttons(many(qr, 11)...), []string{"block buttons.total components[1].buttons", "block buttons.count components[1].buttons"}, "buttons."},
		{"three URLs", buttons(url, url, url), []string{"block buttons.count components[1].buttons"}, "buttons."},
		{"two phones", buttons(phone, phone), []string{"block buttons.count components[1].buttons"}, "buttons."},
		{"interleaved", buttons(qr, url, qr), []string{"block buttons.grouping components[1].buttons"}, "buttons."},
		{"quick replies after actions", buttons(url, phone, qr, qr), nil, "buttons."},
		{"no text", buttons(`{"type":"QUICK_REPLY"}`), []string{"block buttons.text_missing components[1].buttons[0].text"}, "buttons."},
		{"not http", buttons(`{"type":"URL","text":"Ver","url":"javascript:alert(1)"}`), []string{"block buttons.url_invalid components[1].buttons[0].url"}, "buttons."},
		{"relative", buttons(`{"type":"URL","text":"Ver","url":"/pedido"}`), []string{"block buttons.url_invalid components[1].buttons[0].url"}, "buttons."},
		{"variable at end", buttons(`{"type":"URL","text":"Ver","url":"https://acme.example/p/{{1}}","example":["https://acme.example/p/1"]}`), nil, "buttons."},
		{"variable in the middle", buttons(`{"type":"URL","text":"Ver","url":"https://acme.example/{{1}}/p","example":["x"]}`), []string{"block buttons.url_variable components[1].buttons[0].url"}, "buttons."},
		{"two variables", buttons(`{"type":"URL","text":"Ver","url":"https://acme.example/{{1}}{{2}}","example":["x"]}`), []string{"block buttons.url_variable components[1].buttons[0].url"}, "buttons."},
		{"variable as host", buttons(`{"type":"URL","text":"Ver","url":"{{1}}","example":["https://x.example"]}`), []string{"block buttons.url_invalid components[1].buttons[0].url"}, "buttons."},
		{"bad phone", buttons(`{"type":"PHONE_NUMBER","text":"Ligar","phone_number":"call us"}`), []string{"block buttons.phone_invalid components[1].buttons[0].phone_number"}, "buttons."},
		{"long phone", buttons(`{"type":"PHONE_NUMBER","text":"Ligar","phone_number":"+123456789012345678901"}`), []string{"block buttons.phone_invalid components[1].buttons[0].phone_number"}, "buttons."},
	})
}

func TestRuleExamples(t *testing.T) {
	runCases(t, []lintCase{
		{"given", body("UTILITY", "["+okBody+"]"), nil, "examples."},
		{"none needed", body("UTILITY", `[{"type":"BODY","text":"Seu pedido foi enviado hoje."}]`), nil, "examples."},
		{"missing", body("UTILITY", `[{"type":"BODY","text":"Olá, {{1}}! Seu pedido foi enviado hoje."}]`), []string{"block examples.missing components[0].example.body_text"}, "examples."},
		{"too few", body("UTILITY", `[{"type":"BODY","text":"Olá, {{1}}! Seu pedido {{2}} foi enviado hoje.","example":{"body_text":[["Ana"]]}}]`), []string{"block examples.count components[0].example.body_text"}, "examples."},
		{"empty", body("UTILITY", `[{"type":"BODY","text":"Olá, {{1}}! Seu pedido foi enviado hoje.","example":{"body_text":[[" "]]}}]`), []string{"block examples.empty components[0].example.body_text"}, "examples."},
		{"header text", body("UTILITY", `[{"type":"HEADER","format":"TEXT","text":"Pedido {{1}}"},`+okBody+`]`), []string{"block examples.missing components[0].example.header_text"}, "examples."},
		{"header text given", body("UTILITY", `[{"type":"HEADER","format":"TEXT","text":"Pedido {{1}}","example":{"header_text":["123"]}},`+okBody+`]`), nil, "examples."},
		{"image without handle", body("UTILITY", `[{"type":"HEADER","format":"IMAGE"},`+okBody+`]`), []string{"block examples.header_handle components[0].example.header_handle"}, "examples."},
		{"document with handle", body("UTILITY", `[{"type":"HEADER","format":"DOCUMENT","example":{"header_handle":["4::YXBw"]}},`+okBody+`]`), nil, "examples."},
		{"named missing one", body("UTILITY", `[{"type":"BODY","text":"Olá, {{first_name}}! Seu pedido {{order_id}} foi enviado hoje.","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"}]}}]`, `"parameter_format":"named"`),
			[]string{"block examples.names components[0].example.body_text_named_params"}, "examples."},
		{"named given positionally", body("UTILITY", `[{"type":"BODY","text":"Olá, {{first_name}}! Seu pedido foi enviado hoje.","example":{"body_text":[["Ana"]]}}]`, `"parameter_format":"named"`),
			[]string{"block examples.missing components[0].example.body_text_named_params"}, "examples."},
		{"url variable", body("UTILITY", `[`+okBody+`,{"type":"BUTTONS","buttons":[{"type":"URL","text":"Ver","url":"https://acme.example/p/{{1}}"}]}]`),
			[]string{"block examples.missing components[1].buttons[0].example"}, "examples."},
		{"url example as a string", body("UTILITY", `[`+okBody+`,{"type":"BUTTONS","buttons":[{"type":"URL","text":"Ver","url":"https://acme.example/p/{{1}}","example":"https://acme.example/p/1"}]}]`),
			nil, "examples."},
	})
}

// The classic rejection: a UTILITY template that sells.
func TestRulePromotional(t *testing.T) {
	util := func(text string) string {
		return body("UTILITY", `[{"type":"BODY","text":`+quote(text)+`}]`)
	}
	runCases(t, []lintCase{
		{"order update", util("Seu pedido foi enviado e chega amanhã. Acompanhe pelo app."), nil, "promotional."},
		{"promotion pt", util("Seu pedido foi enviado! Aproveite a PROMOÇÃO de hoje."), []string{"block promotional.utility components[0].text"}, "promotional."},
		{"accent-free", util("Seu pedido foi enviado. Use o cupom VOLTA10 na proxima compra, promocao valida."), []string{"block promotional.utility components[0].text"}, "promotional."},
		{"percent off", util("Your order shipped. Get 20% off your next purchase."), []string{"block promotional.utility components[0].text"}, "promotional."},
		{"percent de desconto", util("Pedido enviado. Ganhe 15 % de descuento en su próxima compra."), []string{"block promotional.utility components[0].text"}, "promotional."},
		{"free shipping es", util("Tu pedido salió. ¡Envío gratis en tu próxima compra!"), []string{"block promotional.utility components[0].text"}, "promotional."},
		{"frete grátis in the footer", body("UTILITY", `[{"type":"BODY","text":"Seu pedido foi enviado hoje."},{"type":"FOOTER","text":"Frete grátis acima de R$ 99"}]`),
			[]string{"block promotional.utility components[1].text"}, "promotional."},
		{"in a button", body("UTILITY", `[{"type":"BODY","text":"Seu pedido foi enviado hoje."},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Ver ofertas"}]}]`),
			[]string{"block promotional.utility components[1].buttons[0].text"}, "promotional."},
		{"receipt is not a coupon", util("Segue o cupom fiscal da sua compra de hoje."), nil, "promotional."},
		{"payroll deduction", util("O desconto em folha do seu empréstimo foi processado."), nil, "promotional."},
		{"inside a word", util("Seu pedido de compresas foi enviado."), nil, "promotional."},
		{"marketing may promote", body("MARKETING", `[{"type":"BODY","text":"Aproveite a promoção: 20% off em tudo! Responda PARAR para sair."}]`), nil, "promotional."},
	})
	r := lint(t, util("Oferta imperdível: compre já com desconto!"))
	if len(r.Findings) != 1 {
		t.Fatalf("findings %q", codes(r))
	}
	got := strings.Join(r.Findings[0].Words, "|")
	for _, w := range []string{"oferta", "imperdivel", "compre ja", "desconto"} {
		if !strings.Contains(got, w) {
			t.Errorf("words %q lack %q", got, w)
		}
	}
	if msg := r.Findings[0].In("en").Message; !strings.Contains(msg, "MARKETING") || !strings.Contains(msg, `"desconto"`) {
		t.Errorf("message %q", msg)
	}
}

func TestRuleAuthentication(t *testing.T) {
	copyCode := `{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copiar código"}]}`
	auth := func(comps ...string) string { return body("AUTHENTICATION", "["+strings.Join(comps, ",")+"]") }
	sec := `{"type":"BODY","add_security_recommendation":true}`
	exp := `{"type":"FOOTER","code_expiration_minutes":10}`
	runCases(t, []lintCase{
		{"Meta's copy code example", auth(sec, exp, copyCode), nil, "authentication."},
		{"one tap with app", auth(sec, exp, `{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"ONE_TAP","text":"Copy Code","autofill_text":"Autofill","package_name":"com.example.app","signature_hash":"K8a%2FAINcGX7"}]}`), nil, "authentication."},
		{"zero tap with supported apps", auth(sec, exp, `{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"ZERO_TAP","zero_tap_terms_accepted":true,"supported_apps":[{"package_name":"a","signature_hash":"b"}]}]}`), nil, "authentication."},
		{"one tap without app", auth(sec, exp, `{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"ONE_TAP"}]}`), []string{"block authentication.otp_app components[2].buttons[0].package_name"}, "authentication."},
		{"no button", auth(sec, exp), []string{"block authentication.otp_button components"}, "authentication."},
		{"two OTP buttons", auth(sec, exp, `{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE"},{"type":"OTP","otp_type":"COPY_CODE"}]}`), []string{"block authentication.otp_button components[2].buttons"}, "authentication."},
		{"quick reply instead", auth(sec, exp, `{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Não fui eu"}]}`),
			[]string{"block authentication.button_type components[2].buttons[0].type", "block authentication.otp_button components[2].buttons"}, "authentication."},
		{"bad otp type", auth(sec, exp, `{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"MAGIC"}]}`), []string{"block authentication.otp_type components[2].buttons[0].otp_type"}, "authentication."},
		{"own body text", auth(`{"type":"BODY","text":"Seu código é {{1}}.","example":{"body_text":[["123456"]]}}`, exp, copyCode), []string{"block authentication.body_text components[0].text"}, "authentication."},
		{"url in body", auth(`{"type":"BODY","text":"Entre em https://acme.example/login para ver seu código agora."}`, exp, copyCode),
			[]string{"block authentication.body_text components[0].text", "block authentication.url components[0].text"}, "authentication."},
		{"bare domain", auth(`{"type":"BODY","text":"Acesse acme.com.br e use o código enviado."}`, exp, copyCode),
			[]string{"block authentication.body_text components[0].text", "block authentication.url components[0].text"}, "authentication."},
		{"emoji in button", auth(sec, exp, `{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copiar 🔑"}]}`),
			[]string{"block authentication.emoji components[2].buttons[0].text"}, "authentication."},
		{"media header", auth(`{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW1h"]}}`, sec, exp, copyCode), []string{"block authentication.header components[0]"}, "authentication."},
		{"footer text", auth(sec, `{"type":"FOOTER","text":"Não compartilhe","code_expiration_minutes":5}`, copyCode), []string{"block authentication.footer_text components[1].text"}, "authentication."},
		{"expiry 0", auth(sec, `{"type":"FOOTER","code_expiration_minutes":0}`, copyCode), []string{"block authentication.code_expiry components[1].code_expiration_minutes"}, "authentication."},
		{"expiry 91", auth(sec, `{"type":"FOOTER","code_expiration_minutes":91}`, copyCode), []string{"block authentication.code_expiry components[1].code_expiration_minutes"}, "authentication."},
		{"expiry 90", auth(sec, `{"type":"FOOTER","code_expiration_minutes":90}`, copyCode), nil, "authentication."},
		{"no expiry", auth(sec, copyCode), []string{"warn authentication.no_expiry components"}, "authentication."},
	})
}

func quote(s string) string {
	b := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
	return `"` + b + `"`
}

// docs/templates.md names every finding code.
func TestEveryCodeIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	for code := range texts {
		if !strings.Contains(string(doc), "`"+code+"`") && !strings.Contains(string(doc), code+"` /") {
			t.Errorf("docs/templates.md does not name %s", code)
		}
	}
}
