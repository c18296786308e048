package refusal

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

var update = flag.Bool("update", false, "rewrite docs/refusals.md from the catalogue")

func TestEveryCodeHasAnEntry(t *testing.T) {
	codes := []Code{OptedOut, OptedOutMarketing, Erased, NoConsent, Unconfirmed, WindowClosed,
		TemplateUnknown, TemplateNotApproved, TemplatePaused, TemplateDisabled, TemplateParams,
		ContentScam, ContentProhibited, ContentRestricted, ContentStructure, ContentClassifier,
		TemplateLintRejected, FrequencyCap, FrequencyRepeat, QuietHoursClosed,
		USMarketing, MessagingLimitReached, WarmupReached, CampaignParamMissing}
	if len(codes) != len(entries) {
		t.Fatalf("%d code constants, %d entries: keep them one to one", len(codes), len(entries))
	}
	for _, c := range codes {
		e, ok := Lookup(c)
		if !ok {
			t.Fatalf("code %d has no entry", c)
		}
		if back, ok := ByKey(e.Key); !ok || back.Code != c {
			t.Errorf("key %q does not lead back to %d", e.Key, c)
		}
	}
}

func TestEntriesAreComplete(t *testing.T) {
	prev := Code(0)
	for _, e := range entries {
		if e.Code < 470000 || e.Code > 470999 {
			t.Errorf("%d is outside the gateway's range 470000–470999", e.Code)
		}
		if e.Code <= prev {
			t.Errorf("%d comes after %d: keep the catalogue in code order", e.Code, prev)
		}
		prev = e.Code
		if !strings.Contains(e.Key, ".") {
			t.Errorf("%d: key %q is not <rule>.<reason>", e.Code, e.Key)
		}
		if e.HTTPStatus < 400 || e.HTTPStatus > 599 {
			t.Errorf("%d: HTTP status %d is not an error", e.Code, e.HTTPStatus)
		}
		if e.Meta != 0 && wire.Title(e.Meta) == "Error" {
			t.Errorf("%d: Meta's equivalent %d has no title in wire's catalogue", e.Code, e.Meta)
		}
		seen := map[string]Lang{}
		for _, l := range Langs {
			tx, ok := e.Text[l]
			if !ok || tx.Title == "" || len(tx.Explanation) < 60 {
				t.Errorf("%d: %s text missing or too short to say what to do", e.Code, l)
			}
			if other, dup := seen[tx.Explanation]; dup {
				t.Errorf("%d: %s explanation is a copy of %s", e.Code, l, other)
			}
			seen[tx.Explanation] = l
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Lang
	}{
		{"", PT},
		{"pt-BR", PT},
		{"pt", PT},
		{"pt-PT", PT},
		{"en-US,en;q=0.9", EN},
		{"es-MX", ES},
		{"es-AR;q=0.8, en;q=0.9", EN},
		{"fr-FR, es;q=0.5", ES},
		{"de", PT},
		{"*", PT},
		{"???", PT},
		{"en;q=0, es", ES},
	} {
		if got := Negotiate(tc.header); got != tc.want {
			t.Errorf("Negotiate(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestErrorShape(t *testing.T) {
	for _, l := range Langs {
		e := Must(OptedOutMarketing).Error(l, "")
		if e.HTTPStatus != http.StatusForbidden || e.Code != 470101 {
			t.Fatalf("%s: status %d code %d", l, e.HTTPStatus, e.Code)
		}
		body, err := json.Marshal(map[string]any{"error": e})
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			Error struct {
				Message   string `json:"message"`
				Type      string `json:"type"`
				Code      int    `json:"code"`
				ErrorData struct {
					Details string `json:"details"`
				} `json:"error_data"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &back); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(back.Error.Message, "(#470101) ") || back.Error.Type != "OAuthException" {
			t.Errorf("%s: message %q type %q", l, back.Error.Message, back.Error.Type)
		}
		d := back.Error.ErrorData.Details
		if !strings.Contains(d, "131050") || !strings.Contains(d, "#r470101") || !strings.Contains(d, Must(OptedOutMarketing).In(l).Explanation) {
			t.Errorf("%s: details lack Meta's code, the link or the explanation: %q", l, d)
		}
	}
	se := Must(WindowClosed).StatusError(EN, "")
	if se.Message != se.Title || se.Href == "" || se.ErrorData == nil || !strings.Contains(se.ErrorData.Details, "131047") {
		t.Errorf("status error not in Meta's asynchronous shape: %+v", se)
	}
}

func TestCataloguePageIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePage(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "refusals.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/refusal -update)", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Fatal("docs/refusals.md is out of date: run go test ./internal/refusal -update")
	}
	for _, e := range entries {
		if !bytes.Contains(have, []byte(`<a id="`+e.Anchor()+`">`)) {
			t.Errorf("page lacks the anchor of %d", e.Code)
		}
	}
}
