package npmclient

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

const (
	token  = "gw-token"
	pnid   = "106540352242922"
	wabaID = "102290129340398"
	to     = "+5511987654321"
	secret = "app-secret"
)

// metaShaped mimics the four Graph endpoints run.mjs touches, strictly
// enough that a client speaking another dialect fails.
type metaShaped struct {
	mu       sync.Mutex
	issued   map[string]bool
	seen     []string // "text", "template hello_world/en_US", "read <id>", "templates"
	problems []string
}

func (m *metaShaped) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v23.0/{pnid}/messages", m.messages)
	mux.HandleFunc("GET /v23.0/{waba}/message_templates", m.templates)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		m.problem("unexpected " + r.Method + " " + r.URL.Path)
		wire.WriteError(w, wire.NewError(wire.CodeUnknownRequest, "unknown path"))
	})
	return m.auth(mux)
}

func (m *metaShaped) problem(p string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.problems = append(m.problems, p)
}

func (m *metaShaped) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			wire.WriteError(w, wire.NewError(wire.CodeAccessToken, "Invalid OAuth access token."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (m *metaShaped) messages(w http.ResponseWriter, r *http.Request) {
	var req wire.SendRequest
	if r.PathValue("pnid") != pnid || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		json.NewDecoder(r.Body).Decode(&req) != nil || req.MessagingProduct != "whatsapp" {
		m.problem("malformed send to " + r.URL.Path)
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "malformed"))
		return
	}
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case req.IsMarkRead():
		if !m.issued[req.MessageID] {
			m.problems = append(m.problems, "mark read of unknown "+req.MessageID)
			wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "unknown message"))
			return
		}
		m.seen = append(m.seen, "read "+req.MessageID)
		reply(wire.SuccessResponse{Success: true})
		return
	case req.Type == wire.TypeText && req.Text != nil && req.Text.Body != "" && req.To == to:
		m.seen = append(m.seen, "text")
	case req.IsTemplate() && req.Template.Language != nil && req.To == to:
		m.seen = append(m.seen, "template "+req.Template.Name+"/"+req.Template.Language.Code)
	default:
		m.problems = append(m.problems, "unexpected message type "+req.Type)
		wire.WriteError(w, wire.NewError(wire.CodeUnsupportedType, req.Type))
		return
	}
	id := wire.NewMessageID()
	m.issued[id] = true
	resp := wire.SendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []wire.SendContact{{Input: req.To, WaID: strings.TrimPrefix(req.To, "+")}},
		Messages:         []wire.SentMessage{{ID: id}},
	}
	if req.IsTemplate() {
		resp.Messages[0].MessageStatus = wire.MessageStatusAccepted
	}
	reply(resp)
}

func (m *metaShaped) templates(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("waba") != wabaID {
		m.problem("templates of " + r.PathValue("waba"))
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "unknown WABA"))
		return
	}
	m.mu.Lock()
	m.seen = append(m.seen, "templates")
	m.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"data":[{"name":"hello_world","parameter_format":"POSITIONAL","components":[{"type":"BODY","text":"Hello World"}],"language":"en_US","status":"APPROVED","category":"UTILITY","id":"1192339204654487"}],"paging":{"cursors":{"before":"QVFIUk","after":"QVFIUk"}}}`))
}

func newMetaShaped(t *testing.T) (*metaShaped, string) {
	m := &metaShaped{issued: map[string]bool{}}
	srv := httptest.NewServer(m.handler())
	t.Cleanup(srv.Close)
	return m, srv.URL
}

func env(baseURL string) map[string]string {
	return map[string]string{
		"WABAGUARD_BASE_URL":        baseURL,
		"WABAGUARD_TOKEN":           token,
		"WABAGUARD_PHONE_NUMBER_ID": pnid,
		"WABAGUARD_WABA_ID":         wabaID,
		"WABAGUARD_TO":              to,
		"WABAGUARD_WEBHOOK_SECRET":  secret,
	}
}

func byName(steps []Step) map[string]Step {
	m := make(map[string]Step, len(steps))
	for _, s := range steps {
		m[s.Step] = s
	}
	return m
}

func TestRunNpmClientAgainstMetaShapedAPI(t *testing.T) {
	m, url := newMetaShaped(t)
	steps := RunNpmClient(t, env(url))
	RequireAllOK(t, steps)
	if len(m.problems) > 0 {
		t.Fatalf("server saw problems: %v", m.problems)
	}
	var textID string
	if err := json.Unmarshal(byName(steps)["send_text"].Detail, &textID); err != nil {
		t.Fatal(err)
	}
	want := []string{"text", "template hello_world/en_US", "read " + textID, "templates"}
	if strings.Join(m.seen, "|") != strings.Join(want, "|") {
		t.Fatalf("server saw %q, want %q", m.seen, want)
	}
}

func TestRunNpmClientRejectsWrongSignature(t *testing.T) {
	_, url := newMetaShaped(t)
	e := env(url)
	body := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(body, []byte(SampleWebhookBody), 0o600); err != nil {
		t.Fatal(err)
	}
	e["WABAGUARD_SIGNED_BODY_FILE"] = body
	e["WABAGUARD_SIGNATURE"] = wire.Sign([]byte("another-secret"), []byte(SampleWebhookBody))
	got := byName(RunNpmClient(t, e))
	if got["verify_signature"].OK {
		t.Error("a signature made with another secret verified")
	}
	if !got["reject_tampered"].OK || !got["send_text"].OK {
		t.Errorf("unrelated steps failed: %+v", got)
	}
}

func TestRunNpmClientSurfacesGraphErrors(t *testing.T) {
	_, url := newMetaShaped(t)
	e := env(url)
	e["WABAGUARD_TOKEN"] = "wrong"
	got := byName(RunNpmClient(t, e))
	for _, name := range []string{"send_text", "send_template", "mark_read", "list_templates"} {
		if got[name].OK {
			t.Errorf("%s succeeded with a wrong token", name)
		}
	}
	// The library parsed the Graph error envelope: its error names code 190.
	if d := string(got["send_text"].Detail); !strings.Contains(d, "190") || !strings.Contains(d, "401") {
		t.Errorf("send_text detail %s does not carry HTTP 401 and code 190", d)
	}
	if !got["verify_signature"].OK {
		t.Error("signature steps must not depend on the API")
	}
}

func TestRunNpmClientReportsMissingConfig(t *testing.T) {
	steps := RunNpmClient(t, map[string]string{"WABAGUARD_BASE_URL": "http://127.0.0.1:1"})
	if len(steps) != 1 || steps[0].Step != "config" || steps[0].OK {
		t.Fatalf("steps = %+v, want one failed config step", steps)
	}
}
