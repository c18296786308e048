package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

const trainingJSONL = `{"text":"Your parcel was delivered today at 09:10 and left at your door. Thank you for shopping with us.","label":"ham","lang":"en"}
{"text":"Your order has been delivered and left with your neighbour at number 12. Thank you for shopping with us.","label":"ham","lang":"en"}
{"text":"Good news: your parcel was delivered this afternoon. Thank you for shopping with us.","label":"ham","lang":"en"}
{"text":"Seu pedido 48213 saiu para entrega e chega hoje até as 18h.","label":"ham","lang":"pt-BR"}
{"text":"Sua conta foi bloqueada. Regularize agora em http://banco-seguro.example.top","label":"smishing","lang":"pt-BR"}
`

type modelJSON struct {
	Version      int    `json:"version"`
	Name         string `json:"name"`
	Active       bool   `json:"active"`
	TenantRows   int    `json:"tenant_rows"`
	TrainingRows int    `json:"training_rows"`
}

type modelListJSON struct {
	Active  string      `json:"active"`
	Builtin string      `json:"builtin"`
	Data    []modelJSON `json:"data"`
}

func multipartFile(t *testing.T, field, content string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, "labelled.csv")
	must(t, err)
	_, err = fw.Write([]byte(content))
	must(t, err)
	must(t, mw.Close())
	return mw.FormDataContentType(), buf.String()
}

func TestContentModelsTrainListActivate(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/v1/content/models", e.keyA, "application/jsonl", trainingJSONL)
		if r.status != http.StatusCreated {
			t.Fatalf("train: %d %s", r.status, r.body)
		}
		conforms(t, "POST", "/api/v1/content/models", r)
		var m modelJSON
		r.json(t, &m)
		if m.Version != 1 || m.Name != "tenant-a-v1" || !m.Active || m.TenantRows != 5 || m.TrainingRows < 5000 {
			t.Errorf("trained %+v", m)
		}

		ct, body := multipartFile(t, "file", "text,label\n\"Your parcel is out for delivery today, thank you for shopping with us\",ham\n")
		r = e.do("POST", "/api/v1/content/models", e.keyA, ct, body)
		if r.status != http.StatusCreated {
			t.Fatalf("train multipart: %d %s", r.status, r.body)
		}
		r.json(t, &m)
		if m.Version != 2 || m.TenantRows != 1 {
			t.Errorf("second training %+v", m)
		}

		list := func(key string) modelListJSON {
			t.Helper()
			r := e.do("GET", "/api/v1/content/models", key, "", "")
			if r.status != http.StatusOK {
				t.Fatalf("list: %d %s", r.status, r.body)
			}
			conforms(t, "GET", "/api/v1/content/models", r)
			var l modelListJSON
			r.json(t, &l)
			return l
		}
		l := list(e.keyA)
		if l.Active != "tenant-a-v2" || len(l.Data) != 2 || l.Data[0].Version != 2 || !l.Data[0].Active || l.Data[1].Active {
			t.Errorf("list A = %+v", l)
		}
		if lb := list(e.keyB); lb.Active != lb.Builtin || len(lb.Data) != 0 {
			t.Errorf("tenant B sees %+v", lb)
		}

		steps := []struct {
			name, key, version string
			status             int
			want               string // the active model afterwards, or the error's text
		}{
			{"roll back to v1", e.keyA, "1", http.StatusOK, "tenant-a-v1"},
			{"another tenant's version", e.keyB, "1", http.StatusBadRequest, "version"},
			{"unknown version", e.keyA, "9", http.StatusBadRequest, "no model version 9"},
			{"not a number", e.keyA, "v1", http.StatusBadRequest, "Param version"},
			{"negative", e.keyA, "-1", http.StatusBadRequest, "Param version"},
			{"built-in", e.keyA, "0", http.StatusOK, l.Builtin},
		}
		for _, s := range steps {
			r := e.do("POST", "/api/v1/content/models/"+s.version+"/activate", s.key, "", "")
			if s.status != http.StatusOK {
				wantError(t, r, s.status, 100, s.want)
				continue
			}
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", s.name, r.status, r.body)
			}
			conforms(t, "POST", "/api/v1/content/models/{version}/activate", r)
			if got := list(e.keyA).Active; got != s.want {
				t.Errorf("%s: active %s, want %s", s.name, got, s.want)
			}
			if got := e.models.Model("tenant-a").Name(); got != s.want {
				t.Errorf("%s: the registry serves %s, want %s", s.name, got, s.want)
			}
		}
	})
}

func TestContentModelsRefusals(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		tests := []struct {
			name, key, contentType, body string
			status                       int
			want                         string
		}{
			{"bad lines", e.keyA, "application/jsonl", `{"text":"ok","label":"ham"}` + "\n" + `{"text":"x","label":"phishing"}` + "\n" + `{"label":"ham"}`,
				http.StatusBadRequest, `2 bad lines, nothing was trained: line 2: label: "phishing" is not one of ham, spam, smishing; line 3: text: is missing`},
			{"bad csv", e.keyA, "text/csv", "text,label\nhello,ham,fr\n", http.StatusBadRequest, `line 2: lang: "fr"`},
			{"empty", e.keyA, "text/csv", "", http.StatusBadRequest, "no examples"},
			{"wrong type", e.keyA, "image/png", "x", http.StatusUnsupportedMediaType, "Param Content-Type"},
			{"multipart without file", e.keyA, "", "", http.StatusBadRequest, "file"},
			{"too large", e.keyA, "text/csv", strings.Repeat("a", 16<<20+1), http.StatusRequestEntityTooLarge, "larger than"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ct, body := tc.contentType, tc.body
				if tc.name == "multipart without file" {
					ct, body = multipartFile(t, "other", "hello,ham\n")
				}
				r := e.do("POST", "/api/v1/content/models", tc.key, ct, body)
				code := 100
				if tc.name == "multipart without file" {
					code = 131008 // a required parameter is missing
				}
				wantError(t, r, tc.status, code, tc.want)
				if tc.status == http.StatusBadRequest {
					conforms(t, "POST", "/api/v1/content/models", r)
				}
			})
		}
		r := e.do("GET", "/api/v1/content/models", e.keyA, "", "")
		var l modelListJSON
		r.json(t, &l)
		if len(l.Data) != 0 {
			t.Errorf("refused files trained %+v", l.Data)
		}
		if r := e.do("GET", "/api/v1/content/models", "", "", ""); r.status != http.StatusUnauthorized {
			t.Errorf("without a key: %d", r.status)
		}
	})
}
