package wire

import (
	"strings"
	"testing"
)

// envelope wraps a type object into a full send request to a fixed number.
func envelope(typ, object string) string {
	return `{"messaging_product":"whatsapp","to":"+5511987654321","type":"` + typ + `","` + typ + `":` + object + `}`
}

func TestParseSendRequestAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, r *SendRequest)
	}{
		{"text", envelope("text", `{"body":"hi","preview_url":true}`), func(t *testing.T, r *SendRequest) {
			if r.Text.Body != "hi" || !r.Text.PreviewURL || r.IsTemplate() || r.IsMarkRead() {
				t.Errorf("got %+v", r.Text)
			}
		}},
		{"text type defaults", `{"messaging_product":"whatsapp","to":"1","text":{"body":"x"}}`, func(t *testing.T, r *SendRequest) {
			if r.Type != TypeText {
				t.Errorf("type = %q, want text", r.Type)
			}
		}},
		{"text at limit", envelope("text", `{"body":"`+strings.Repeat("é", MaxTextBody)+`"}`), nil},
		{"unknown fields ignored", `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x","x_sdk":1},"sdk_meta":{"a":[1]}}`, nil},
		{"reply context", `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x"},"context":{"message_id":"wamid.A"},"biz_opaque_callback_data":"t-1"}`, func(t *testing.T, r *SendRequest) {
			if r.Context.MessageID != "wamid.A" || r.BizOpaqueCallbackData != "t-1" {
				t.Errorf("got %+v", r)
			}
		}},
		{"image by id", envelope("image", `{"id":"123","caption":"c"}`), func(t *testing.T, r *SendRequest) {
			if r.Media() != r.Image || r.Image.ID != "123" {
				t.Errorf("media = %+v", r.Media())
			}
		}},
		{"document by link", envelope("document", `{"link":"https://example.com/a.pdf","filename":"a.pdf"}`), nil},
		{"audio", envelope("audio", `{"link":"http://example.com/a.ogg"}`), nil},
		{"sticker", envelope("sticker", `{"id":"9"}`), nil},
		{"video", envelope("video", `{"id":"9","caption":"`+strings.Repeat("a", MaxCaption)+`"}`), nil},
		{"location numbers", envelope("location", `{"latitude":-23.55,"longitude":-46.63,"name":"SP"}`), func(t *testing.T, r *SendRequest) {
			if *r.Location.Latitude != -23.55 {
				t.Errorf("lat = %v", *r.Location.Latitude)
			}
		}},
		{"location strings", envelope("location", `{"latitude":"-23.55","longitude":"-46.63"}`), nil},
		{"reaction", envelope("reaction", `{"message_id":"wamid.X","emoji":"👍"}`), nil},
		{"unreaction", envelope("reaction", `{"message_id":"wamid.X","emoji":""}`), nil},
		{"contacts", envelope("contacts", `[{"name":{"formatted_name":"Ana"},"phones":[{"phone":"+55 11 98765-4321","type":"CELL"},{"wa_id":"5511987654321"}]}]`), nil},
		{"template minimal", envelope("template", `{"name":"hello_world","language":{"code":"en_US"}}`), func(t *testing.T, r *SendRequest) {
			if !r.IsTemplate() || r.Template.Language.Code != "en_US" {
				t.Errorf("got %+v", r.Template)
			}
		}},
		{"template full", envelope("template", `{"name":"order","language":{"code":"pt_BR","policy":"deterministic"},"components":[
			{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/a.png"}}]},
			{"type":"BODY","parameters":[{"type":"text","text":"Ana"},{"type":"currency","currency":{"fallback_value":"R$10","code":"BRL","amount_1000":10000}},{"type":"date_time","date_time":{"fallback_value":"amanhã"}}]},
			{"type":"button","sub_type":"quick_reply","index":0,"parameters":[{"type":"payload","payload":"P"}]},
			{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"x"}]},
			{"type":"button","sub_type":"copy_code","index":2,"parameters":[{"type":"coupon_code","coupon_code":"OFF10"}]}]}`), func(t *testing.T, r *SendRequest) {
			if got := *r.Template.Components[2].Index; got != "0" {
				t.Errorf("index = %q, want 0", got)
			}
		}},
		{"template named params", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"header","parameters":[{"type":"image","image":{"id":"1"}}]},{"type":"body","parameters":[{"type":"text","parameter_name":"first","text":"A"},{"type":"text","parameter_name":"second","text":"B"}]}]}`), nil},
		{"reply buttons", envelope("interactive", `{"type":"button","header":{"type":"text","text":"H"},"body":{"text":"pick"},"footer":{"text":"f"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"b","title":"`+strings.Repeat("b", MaxReplyButtonTitle)+`"}},{"type":"reply","reply":{"id":"c","title":"C"}}]}}`), nil},
		{"list", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"Menu","sections":[{"title":"S1","rows":[{"id":"1","title":"one","description":"d"}]},{"title":"S2","rows":[{"id":"2","title":"two"}]}]}}`), nil},
		{"cta_url", envelope("interactive", `{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://example.com"}}}`), nil},
		{"flow passes through", envelope("interactive", `{"type":"flow","body":{"text":"b"},"action":{"name":"flow","parameters":{"flow_id":"1"}}}`), nil},
		{"mark read", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`, func(t *testing.T, r *SendRequest) {
			if !r.IsMarkRead() || r.IsTemplate() {
				t.Error("want mark-as-read")
			}
		}},
		{"mark read typing", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X","typing_indicator":{"type":"text"}}`, nil},
		{"group", `{"messaging_product":"whatsapp","recipient_type":"group","to":"g1","type":"text","text":{"body":"x"}}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, e := ParseSendRequest([]byte(tc.body))
			if e != nil {
				t.Fatalf("ParseSendRequest: %v", e)
			}
			if string(r.Raw) != tc.body {
				t.Error("Raw is not the body as received")
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestParseSendRequestRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		code    int
		details string // substring the details must contain
	}{
		{"empty", ``, 100, "empty"},
		{"malformed", `{"messaging_product":"whatsapp",}`, 100, "at byte 32"},
		{"not object", `"hello"`, 100, "JSON object"},
		{"body wrong type", envelope("text", `{"body":5}`), 100, "text['body'] must be a string"},
		{"to wrong type", `{"messaging_product":"whatsapp","to":5511,"type":"text","text":{"body":"x"}}`, 100, "to must be a string"},
		{"components wrong type", envelope("template", `{"name":"n","language":{"code":"en"},"components":{}}`), 100, "template['components'] must be an array"},
		{"latitude garbage", envelope("location", `{"latitude":"north","longitude":1}`), 100, "location['latitude'] must be a number"},
		{"index bool", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"button","sub_type":"url","index":true}]}`), 100, "['index'] must be an integer or a string"},
		{"product missing", `{"to":"1","type":"text","text":{"body":"x"}}`, 100, "messaging_product is required"},
		{"product wrong", `{"messaging_product":"sms","to":"1","type":"text","text":{"body":"x"}}`, 100, `got "sms"`},
		{"to missing", `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, 131008, "parameter to is required"},
		{"type missing", `{"messaging_product":"whatsapp","to":"1","image":{"id":"1"}}`, 131008, "parameter type is required"},
		{"type object missing", `{"messaging_product":"whatsapp","to":"1","type":"image"}`, 131008, "parameter image is required"},
		{"type object null", `{"messaging_product":"whatsapp","to":"1","type":"text","text":null}`, 131008, "parameter text is required"},
		{"unknown type", `{"messaging_product":"whatsapp","to":"1","type":"fax","fax":{}}`, 131051, "supported types are text, template"},
		{"recipient_type", `{"messaging_product":"whatsapp","recipient_type":"all","to":"1","type":"text","text":{"body":"x"}}`, 100, "recipient_type"},
		{"context no id", `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x"},"context":{}}`, 131008, "context['message_id']"},
		{"opaque too long", `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x"},"biz_opaque_callback_data":"` + strings.Repeat("a", MaxBizOpaqueCallback+1) + `"}`, 100, "at most 512"},
		{"text empty", envelope("text", `{"body":""}`), 131008, "text['body']"},
		{"text too long", envelope("text", `{"body":"`+strings.Repeat("é", MaxTextBody+1)+`"}`), 100, "at most 4096"},
		{"media none", envelope("image", `{"caption":"c"}`), 131008, "one of id or link"},
		{"media both", envelope("image", `{"id":"1","link":"https://example.com/a"}`), 131009, "not both"},
		{"media ftp", envelope("document", `{"link":"ftp://example.com/a"}`), 131009, "document['link'] must be an absolute http or https URL"},
		{"media relative", envelope("video", `{"link":"/a.mp4"}`), 131009, "http or https"},
		{"caption too long", envelope("image", `{"id":"1","caption":"`+strings.Repeat("a", MaxCaption+1)+`"}`), 100, "image['caption']"},
		{"lat range", envelope("location", `{"latitude":91,"longitude":0}`), 131009, "between -90 and 90"},
		{"long range", envelope("location", `{"latitude":0,"longitude":-180.5}`), 131009, "between -180 and 180"},
		{"long missing", envelope("location", `{"latitude":0}`), 131008, "location['longitude']"},
		{"reaction no id", envelope("reaction", `{"emoji":"x"}`), 131008, "reaction['message_id']"},
		{"contacts empty", envelope("contacts", `[]`), 131008, "contacts"},
		{"contact no name", envelope("contacts", `[{"phones":[{"phone":"1"}]}]`), 131008, "contacts[0]['name']['formatted_name']"},
		{"contact empty phone", envelope("contacts", `[{"name":{"formatted_name":"A"},"phones":[{"type":"CELL"}]}]`), 131008, "contacts[0]['phones'][0]"},
		{"template no name", envelope("template", `{"language":{"code":"en"}}`), 131008, "template['name']"},
		{"template no language", envelope("template", `{"name":"n"}`), 131008, "template['language']"},
		{"template no code", envelope("template", `{"name":"n","language":{}}`), 131008, "template['language']['code']"},
		{"template policy", envelope("template", `{"name":"n","language":{"code":"en","policy":"fallback"}}`), 100, "policy"},
		{"component type", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"side"}]}`), 100, "template['components'][0]['type']"},
		{"button no sub_type", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"button","index":"0"}]}`), 131008, "sub_type"},
		{"button no index", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"button","sub_type":"url"}]}`), 131008, "['index']"},
		{"button index range", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"button","sub_type":"url","index":"10"}]}`), 100, "0 to 9"},
		{"param type", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"emoji"}]}]}`), 100, "['parameters'][0]['type']"},
		{"param text empty", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text"}]}]}`), 131008, "['parameters'][0]['text']"},
		{"currency amount", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"currency","currency":{"fallback_value":"$1","code":"USD"}}]}]}`), 131008, "amount_1000"},
		{"date_time fallback", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"date_time","date_time":{}}]}]}`), 131008, "fallback_value"},
		{"header media both", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"header","parameters":[{"type":"image","image":{"id":"1","link":"https://x.y"}}]}]}`), 131009, "template['components'][0]['parameters'][0]['image']"},
		{"mixed named", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","parameter_name":"a","text":"A"},{"type":"text","text":"B"}]}]}`), 100, "mixes named"},
		{"payload empty", envelope("template", `{"name":"n","language":{"code":"en"},"components":[{"type":"button","sub_type":"quick_reply","index":0,"parameters":[{"type":"payload"}]}]}`), 131008, "payload"},
		{"interactive no type", envelope("interactive", `{"body":{"text":"b"}}`), 131008, "interactive['type']"},
		{"interactive bad type", envelope("interactive", `{"type":"carousel_x"}`), 100, "interactive['type']"},
		{"buttons no body", envelope("interactive", `{"type":"button","action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}`), 131008, "interactive['body']['text']"},
		{"buttons none", envelope("interactive", `{"type":"button","body":{"text":"b"},"action":{}}`), 131008, "interactive['action']['buttons']"},
		{"buttons four", envelope("interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"b","title":"B"}},{"type":"reply","reply":{"id":"c","title":"C"}},{"type":"reply","reply":{"id":"d","title":"D"}}]}}`), 131009, "between 1 and 3"},
		{"button title long", envelope("interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"`+strings.Repeat("t", MaxReplyButtonTitle+1)+`"}}]}}`), 131009, "interactive['action']['buttons'][0]['reply']['title']"},
		{"button id long", envelope("interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"`+strings.Repeat("i", MaxReplyButtonID+1)+`","title":"A"}}]}}`), 131009, "['reply']['id']"},
		{"button dup id", envelope("interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"a","title":"B"}}]}}`), 131009, "unique"},
		{"button wrong type", envelope("interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"url","reply":{"id":"a","title":"A"}}]}}`), 100, "['buttons'][0]['type']"},
		{"body too long", envelope("interactive", `{"type":"button","body":{"text":"`+strings.Repeat("b", MaxInteractiveBody+1)+`"}}`), 100, "interactive['body']['text']"},
		{"footer too long", envelope("interactive", `{"type":"button","body":{"text":"b"},"footer":{"text":"`+strings.Repeat("f", MaxInteractiveFooter+1)+`"}}`), 100, "interactive['footer']['text']"},
		{"header too long", envelope("interactive", `{"type":"button","header":{"type":"text","text":"`+strings.Repeat("h", MaxInteractiveHeader+1)+`"},"body":{"text":"b"}}`), 100, "interactive['header']['text']"},
		{"header bad type", envelope("interactive", `{"type":"button","header":{"type":"gif"},"body":{"text":"b"}}`), 100, "interactive['header']['type']"},
		{"header image missing", envelope("interactive", `{"type":"button","header":{"type":"image"},"body":{"text":"b"}}`), 131008, "interactive['header']['image']"},
		{"list no button", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"sections":[{"rows":[{"id":"1","title":"t"}]}]}}`), 131008, "interactive['action']['button']"},
		{"list button long", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"`+strings.Repeat("m", MaxListButton+1)+`","sections":[{"rows":[{"id":"1","title":"t"}]}]}}`), 131009, "interactive['action']['button']"},
		{"list eleven sections", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"m","sections":[`+strings.Repeat(`{"title":"s","rows":[{"id":"1","title":"t"}]},`, 10)+`{"title":"s","rows":[{"id":"1","title":"t"}]}]}}`), 131009, "sections"},
		{"list eleven rows", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"m","sections":[{"title":"a","rows":[`+rows(0, 6)+`]},{"title":"b","rows":[`+rows(6, 5)+`]}]}}`), 131009, "at most 10 rows"},
		{"list section title", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"m","sections":[{"rows":[{"id":"1","title":"t"}]},{"title":"b","rows":[{"id":"2","title":"t"}]}]}}`), 131008, "['sections'][0]['title']"},
		{"row title long", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"m","sections":[{"rows":[{"id":"1","title":"`+strings.Repeat("r", MaxListRowTitle+1)+`"}]}]}}`), 131009, "['rows'][0]['title']"},
		{"row description long", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"m","sections":[{"rows":[{"id":"1","title":"t","description":"`+strings.Repeat("d", MaxListRowDescription+1)+`"}]}]}}`), 131009, "['description']"},
		{"row id long", envelope("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"m","sections":[{"rows":[{"id":"`+strings.Repeat("i", MaxListRowID+1)+`","title":"t"}]}]}}`), 131009, "['rows'][0]['id']"},
		{"cta no url", envelope("interactive", `{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"Go"}}}`), 131008, "['parameters']['url']"},
		{"cta bad url", envelope("interactive", `{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"Go","url":"javascript:alert(1)"}}}`), 131009, "http or https"},
		{"cta display type", envelope("interactive", `{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":1}}}`), 100, "interactive['action']['parameters']['display_text'] must be a string"},
		{"mark read status", `{"messaging_product":"whatsapp","status":"delivered","message_id":"wamid.X"}`, 100, "status"},
		{"mark read no id", `{"messaging_product":"whatsapp","status":"read"}`, 131008, "message_id"},
		{"typing type", `{"messaging_product":"whatsapp","status":"read","message_id":"w","typing_indicator":{"type":"audio"}}`, 100, "typing_indicator"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, e := ParseSendRequest([]byte(tc.body))
			if e == nil {
				t.Fatalf("accepted %+v, want code %d", r, tc.code)
			}
			if r != nil {
				t.Error("request returned along an error")
			}
			if e.Code != tc.code || !strings.Contains(e.Details(), tc.details) {
				t.Errorf("got (#%d) %q, want (#%d) containing %q", e.Code, e.Details(), tc.code, tc.details)
			}
			if e.Message != NewError(tc.code, "").Message || e.HTTPStatus != 400 {
				t.Errorf("message %q status %d, want Meta's title and 400", e.Message, e.HTTPStatus)
			}
		})
	}
}

// rows renders n list rows with ids from first.
func rows(first, n int) string {
	var parts []string
	for i := first; i < first+n; i++ {
		parts = append(parts, `{"id":"r`+string(rune('a'+i))+`","title":"t"}`)
	}
	return strings.Join(parts, ",")
}
