package template

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Components as Meta lists them.
const (
	positionalComps = `[
		{"type":"HEADER","format":"TEXT","text":"Pedido {{1}}"},
		{"type":"BODY","text":"Olá {{1}}, seu pedido {{2}} sai {{3}}. Obrigado, {{1}}!"},
		{"type":"FOOTER","text":"Loja"},
		{"type":"BUTTONS","buttons":[
			{"type":"URL","text":"Rastrear","url":"https://loja.example/r/{{1}}"},
			{"type":"QUICK_REPLY","text":"Parar"},
			{"type":"PHONE_NUMBER","text":"Ligar","phone_number":"+5511999999999"},
			{"type":"URL","text":"Site","url":"https://loja.example/"}]}]`
	namedComps = `[
		{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW"]}},
		{"type":"BODY","text":"Hi {{first_name}}, use {{code}} before {{ date }}.","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"}]}},
		{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SALE25"}]}]`
	authComps = `[
		{"type":"BODY","text":"*{{1}}* is your verification code."},
		{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy code"}]}]`
)

func mustInfo(t testing.TB, comps string, format Format) *Info {
	t.Helper()
	ss, f, err := slots([]byte(comps), format)
	if err != nil {
		t.Fatal(err)
	}
	return &Info{Name: "t", Language: "pt_BR", Status: StatusApproved, Format: f, ParamsKnown: true, Slots: ss}
}

func sendOf(t testing.TB, js string) *wire.Template {
	t.Helper()
	var tp wire.Template
	if err := json.Unmarshal([]byte(js), &tp); err != nil {
		t.Fatal(err)
	}
	return &tp
}

func TestSlots(t *testing.T) {
	tests := []struct {
		name   string
		comps  string
		format Format
		want   Format
		slots  []Slot
	}{
		{"positional, repeated variable counted once", positionalComps, "", Positional, []Slot{
			{Type: "header", Index: -1, Count: 1, Label: "header"},
			{Type: "body", Index: -1, Count: 3, Label: "body"},
			{Type: "button", Index: 0, SubType: "url", Count: 1, Label: "button 0"},
			{Type: "button", Index: 1, SubType: "quick_reply", Count: 1, Optional: true, Label: "button 1"},
		}},
		{"named inferred from the variables", namedComps, "", Named, []Slot{
			{Type: "header", Index: -1, Media: "image", Count: 1, Label: "header"},
			{Type: "body", Index: -1, Count: 3, Names: []string{"first_name", "code", "date"}, Label: "body"},
			{Type: "button", Index: 0, SubType: "copy_code", Count: 1, Label: "button 0"},
		}},
		{"declared format wins", `[{"type":"BODY","text":"{{1}} and {{2}}"}]`, Named, Named, []Slot{
			{Type: "body", Index: -1, Count: 2, Names: []string{"1", "2"}, Label: "body"},
		}},
		{"authentication", authComps, Positional, Positional, []Slot{
			{Type: "body", Index: -1, Count: 1, Label: "body"},
			{Type: "button", Index: 0, SubType: "url", Count: 1, Label: "button 0"},
		}},
		{"no variables at all", `[{"type":"HEADER","format":"TEXT","text":"Hello"},{"type":"BODY","text":"Welcome"}]`, "", Positional, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ss, f, err := slots([]byte(tc.comps), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.want {
				t.Errorf("format = %q, want %q", f, tc.want)
			}
			if !slices.EqualFunc(ss, tc.slots, func(a, b Slot) bool {
				return a.Type == b.Type && a.Index == b.Index && a.SubType == b.SubType && a.Media == b.Media &&
					a.Count == b.Count && slices.Equal(a.Names, b.Names) && a.Optional == b.Optional && a.Label == b.Label
			}) {
				t.Errorf("slots =\n%+v\nwant\n%+v", ss, tc.slots)
			}
		})
	}
	if _, _, err := slots([]byte(`{"type":"BODY"}`), ""); err == nil {
		t.Error("components that are not an array parsed")
	}
	if _, err := parseFormat("mixed"); err == nil {
		t.Error("an unknown parameter_format parsed")
	}
}

func TestCheck(t *testing.T) {
	pos := mustInfo(t, positionalComps, "")
	named := mustInfo(t, namedComps, "")
	auth := mustInfo(t, authComps, Positional)
	const posOK = `{"type":"header","parameters":[{"type":"text","text":"42"}]},
		{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"42"},{"type":"text","text":"hoje"}]},
		{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"42"}]}`
	const namedBody = `{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ana"},
		{"type":"text","parameter_name":"code","text":"X1"},{"type":"text","parameter_name":"date","text":"amanhã"}]}`
	const namedRest = `{"type":"header","parameters":[{"type":"image","image":{"link":"https://x.example/a.png"}}]},
		{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code","coupon_code":"SALE25"}]}`
	tests := []struct {
		name string
		info *Info
		send string
		want []Problem
	}{
		{"positional, all right", pos, `{"name":"t","components":[` + posOK + `]}`, nil},
		{"positional, quick-reply payload given", pos, `{"name":"t","components":[` + posOK +
			`,{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"STOP"}]}]}`, nil},
		{"body one short", pos, `{"name":"t","components":[
			{"type":"header","parameters":[{"type":"text","text":"42"}]},
			{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"42"}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"42"}]}]}`,
			[]Problem{{Kind: CountMismatch, Component: "body", Want: 3, Got: 2}}},
		{"no components at all", pos, `{"name":"t"}`, []Problem{
			{Kind: CountMismatch, Component: "header", Want: 1},
			{Kind: CountMismatch, Component: "body", Want: 3},
			{Kind: CountMismatch, Component: "button 0", Want: 1}}},
		{"named parameters to a positional template", pos, `{"name":"t","components":[
			{"type":"header","parameters":[{"type":"text","parameter_name":"n","text":"42"}]},
			{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"42"},{"type":"text","text":"hoje"}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"42"}]}]}`,
			[]Problem{{Kind: FormatMismatch, Component: "header", Name: "positional"}}},
		{"parameters for a static button", pos, `{"name":"t","components":[` + posOK +
			`,{"type":"button","sub_type":"url","index":"3","parameters":[{"type":"text","text":"x"}]}]}`,
			[]Problem{{Kind: UnexpectedComponent, Component: "button 3", Got: 1}}},
		{"a button addressed with another sub_type", pos, `{"name":"t","components":[` + posOK +
			`,{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"payload","payload":"STOP"}]}]}`,
			[]Problem{{Kind: SubTypeMismatch, Component: "button 1", Name: "quick_reply"}}},
		{"named, all right, any order", named, `{"name":"t","components":[` + namedRest + `,{"type":"body","parameters":[
			{"type":"text","parameter_name":"date","text":"amanhã"},{"type":"text","parameter_name":"first_name","text":"Ana"},
			{"type":"text","parameter_name":"code","text":"X1"}]}]}`, nil},
		{"named, positional parameters given", named, `{"name":"t","components":[` + namedRest + `,{"type":"body","parameters":[
			{"type":"text","text":"Ana"},{"type":"text","text":"X1"},{"type":"text","text":"amanhã"}]}]}`,
			[]Problem{{Kind: FormatMismatch, Component: "body", Name: "named"}}},
		{"named, one missing and one unknown", named, `{"name":"t","components":[` + namedRest + `,{"type":"body","parameters":[
			{"type":"text","parameter_name":"first_name","text":"Ana"},{"type":"text","parameter_name":"coupon","text":"X1"},
			{"type":"text","parameter_name":"date","text":"amanhã"}]}]}`,
			[]Problem{{Kind: UnknownName, Component: "body", Name: "coupon"}, {Kind: MissingName, Component: "body", Name: "code"}}},
		{"named, body left out", named, `{"name":"t","components":[` + namedRest + `]}`, []Problem{
			{Kind: CountMismatch, Component: "body", Want: 3},
			{Kind: MissingName, Component: "body", Name: "first_name"},
			{Kind: MissingName, Component: "body", Name: "code"},
			{Kind: MissingName, Component: "body", Name: "date"}}},
		{"media header of the wrong type", named, `{"name":"t","components":[` + namedBody + `,
			{"type":"header","parameters":[{"type":"video","video":{"link":"https://x.example/a.mp4"}}]},
			{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code","coupon_code":"SALE25"}]}]}`,
			[]Problem{{Kind: MediaMismatch, Component: "header", Name: "image"}}},
		{"authentication, code twice", auth, `{"name":"t","components":[{"type":"body","parameters":[{"type":"text","text":"123456"}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"123456"}]}]}`, nil},
		{"authentication, button left out", auth, `{"name":"t","components":[{"type":"body","parameters":[{"type":"text","text":"123456"}]}]}`,
			[]Problem{{Kind: CountMismatch, Component: "button 0", Want: 1}}},
		{"button without index", auth, `{"name":"t","components":[{"type":"body","parameters":[{"type":"text","text":"1"}]},
			{"type":"button","sub_type":"url","parameters":[{"type":"text","text":"1"}]}]}`,
			[]Problem{{Kind: UnexpectedComponent, Component: "button (no index)", Got: 1}, {Kind: CountMismatch, Component: "button 0", Want: 1}}},
		{"unmodelled components are ignored", auth, `{"name":"t","components":[{"type":"body","parameters":[{"type":"text","text":"1"}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"1"}]},{"type":"carousel","cards":[]}]}`, nil},
		{"components unknown: nothing to say", &Info{Status: StatusApproved}, `{"name":"t","components":[{"type":"body","parameters":[{"type":"text","text":"1"}]}]}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(tc.info, sendOf(t, tc.send))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Check =\n%+v\nwant\n%+v", got, tc.want)
			}
			for _, p := range got {
				if p.String() == "" {
					t.Errorf("problem %+v explains nothing", p)
				}
			}
		})
	}
	if Check(nil, sendOf(t, `{"name":"t"}`)) != nil || Check(pos, nil) != nil {
		t.Error("Check of nothing found problems")
	}
}

func TestMetaCode(t *testing.T) {
	tests := []struct {
		status   string
		sendable bool
		code     int
	}{
		{StatusApproved, true, 0},
		{StatusPaused, false, wire.CodeTemplatePaused},
		{StatusDisabled, false, wire.CodeTemplateDisabled},
		{StatusPending, false, wire.CodeTemplateMissing},
		{StatusRejected, false, wire.CodeTemplateMissing},
		{StatusDeleted, false, wire.CodeTemplateMissing},
		{StatusFlagged, false, wire.CodeTemplateMissing},
		{"", false, wire.CodeTemplateMissing},
	}
	for _, tc := range tests {
		i := Info{Status: tc.status}
		if i.Sendable() != tc.sendable || i.MetaCode() != tc.code {
			t.Errorf("%q: sendable %v code %d, want %v %d", tc.status, i.Sendable(), i.MetaCode(), tc.sendable, tc.code)
		}
	}
}
