// Package npmclient runs run.mjs, a script that drives wabaguard with an
// independent WhatsApp Cloud API client from npm (@kapso/whatsapp-cloud-api,
// pinned in package.json) using only the library's public API, and hands the
// outcome of each step to a Go test. It proves a business can keep its
// existing client and change only the base URL and the token.
//
// Typical use in an integration test:
//
//	steps := npmclient.RunNpmClient(t, map[string]string{
//		"WABAGUARD_BASE_URL":        gatewayURL,
//		"WABAGUARD_TOKEN":           apiKey,
//		"WABAGUARD_PHONE_NUMBER_ID": pnid,
//		"WABAGUARD_WABA_ID":         wabaID,
//		"WABAGUARD_TO":              "+5511987654321",
//		"WABAGUARD_WEBHOOK_SECRET":  appSecret,
//	})
//	npmclient.RequireAllOK(t, steps)
package npmclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Step is one line of run.mjs output: a library call and whether it did what
// Meta's API would have done.
type Step struct {
	// Step names the call: one of Steps.
	Step string `json:"step"`
	// OK reports whether the step succeeded.
	OK bool `json:"ok"`
	// Detail is the step's evidence (a message id, the templates listed, the
	// library's error), as JSON.
	Detail json.RawMessage `json:"detail"`
}

// Steps are the steps run.mjs reports, in order, when it is configured.
var Steps = []string{"send_text", "send_template", "mark_read", "list_templates", "verify_signature", "reject_tampered"}

// ReceiveSteps follow Steps when run.mjs is also the tenant's webhook
// receiver (WABAGUARD_RECEIVER_PORT): a real delivery checked with the
// library's signature check and parsed by it, and the inbound medium it
// announces downloaded through the gateway.
var ReceiveSteps = []string{"receive_webhook", "parse_webhook", "download_media", "download_webhook_url", "download_needs_key"}

// Timeouts bounding the external processes.
const (
	InstallTimeout = 3 * time.Minute
	RunTimeout     = 2 * time.Minute
)

// SampleWebhookBody is the webhook body RunNpmClient signs when the caller
// passes a secret but no signed body of its own.
const SampleWebhookBody = `{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"0"},"statuses":[{"id":"wamid.sample","status":"delivered","timestamp":"1700000000","recipient_id":"5511987654321"}]}}]}]}`

// Dir returns the directory holding package.json and run.mjs.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

var installMu sync.Mutex

// RunNpmClient runs `node run.mjs` in Dir with env (added to this process's
// environment minus any WABAGUARD_* variables, so only env configures the
// run) and returns the steps it reported. It runs `npm ci` first when
// node_modules is missing. When WABAGUARD_WEBHOOK_SECRET is set but
// WABAGUARD_SIGNED_BODY_FILE is not, it signs SampleWebhookBody itself.
//
// Without node or npm it skips the test, unless CI=true, where it fails.
// A step failing is not a test failure here: check the steps, e.g. with
// RequireAllOK. The test fails when the script could not run or printed no
// step.
func RunNpmClient(t testing.TB, env map[string]string) []Step {
	t.Helper()
	node, npm := lookPath(t, "node"), lookPath(t, "npm")
	dir := Dir()
	install(t, npm, dir)

	env = withSignedSample(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run.mjs")
	cmd.Dir = dir
	cmd.Env = environ(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("npmclient: node run.mjs did not finish within %v; stderr:\n%s", RunTimeout, stderr.String())
	}

	var steps []Step
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var s Step
		if err := json.Unmarshal(line, &s); err != nil || s.Step == "" {
			t.Logf("npmclient: (not a step) %s", line)
			continue
		}
		t.Logf("npmclient: %s ok=%v %s", s.Step, s.OK, s.Detail)
		steps = append(steps, s)
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		t.Fatalf("npmclient: node run.mjs: %v; stderr:\n%s", runErr, stderr.String())
	}
	if len(steps) == 0 {
		t.Fatalf("npmclient: node run.mjs printed no step (%v); stderr:\n%s", runErr, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("npmclient: stderr:\n%s", stderr.String())
	}
	return steps
}

// RequireAllOK fails the test unless every step in Steps was reported and ok.
func RequireAllOK(t testing.TB, steps []Step) {
	t.Helper()
	RequireOK(t, steps, Steps...)
}

// RequireOK fails the test unless every named step was reported and ok.
func RequireOK(t testing.TB, steps []Step, names ...string) {
	t.Helper()
	got := make(map[string]Step, len(steps))
	for _, s := range steps {
		got[s.Step] = s
	}
	for _, name := range names {
		s, ok := got[name]
		switch {
		case !ok:
			t.Errorf("npmclient: step %s was not reported", name)
		case !s.OK:
			t.Errorf("npmclient: step %s failed: %s", name, s.Detail)
		}
	}
}

// lookPath finds a tool or skips (fails under CI=true) without it.
func lookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := "npmclient: " + name + " not found on PATH; install Node.js ≥ 20.19 to run the npm client end-to-end check"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// install runs `npm ci` once when the pinned library is not installed. The
// mutex serialises tests of one binary; the lock on package.json serialises
// test binaries running side by side.
func install(t testing.TB, npm, dir string) {
	t.Helper()
	installMu.Lock()
	defer installMu.Unlock()
	marker := filepath.Join(dir, "node_modules", "@kapso", "whatsapp-cloud-api", "package.json")
	if _, err := os.Stat(marker); err == nil {
		return
	}
	unlock, err := lockFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatalf("npmclient: lock package.json: %v", err)
	}
	defer unlock()
	if _, err := os.Stat(marker); err == nil {
		return // another process installed it while this one waited
	}
	ctx, cancel := context.WithTimeout(context.Background(), InstallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npmclient: npm ci in %s: %v (timeout %v)\n%s", dir, err, InstallTimeout, out)
	}
}

// withSignedSample adds a signed sample body when the caller gave a secret
// and no body.
func withSignedSample(t testing.TB, env map[string]string) map[string]string {
	t.Helper()
	secret, ok := env["WABAGUARD_WEBHOOK_SECRET"]
	if !ok || env["WABAGUARD_SIGNED_BODY_FILE"] != "" {
		return env
	}
	path := filepath.Join(t.TempDir(), "webhook.json")
	if err := os.WriteFile(path, []byte(SampleWebhookBody), 0o600); err != nil {
		t.Fatalf("npmclient: write sample body: %v", err)
	}
	out := make(map[string]string, len(env)+2)
	for k, v := range env {
		out[k] = v
	}
	out["WABAGUARD_SIGNED_BODY_FILE"] = path
	if out["WABAGUARD_SIGNATURE"] == "" {
		out["WABAGUARD_SIGNATURE"] = wire.Sign([]byte(secret), []byte(SampleWebhookBody))
	}
	return out
}

// environ is this process's environment without WABAGUARD_* plus env.
func environ(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WABAGUARD_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}
