package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestMainSendJSON(t *testing.T) {
	g := newGraphServer(t, nil)
	var out bytes.Buffer
	err := Main(testCtx(t), []string{"send", "--url", g.URL, "--token", testToken, "--phone-number-id", testPNID,
		"-n", "30", "-c", "3", "--recipients", "7", "--json"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Requests   int            `json:"requests"`
		Successes  int            `json:"successes"`
		Stopped    string         `json:"stopped"`
		Throughput float64        `json:"throughput_rps"`
		Latency    map[string]any `json:"latency"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if got.Requests != 30 || got.Successes != 30 || got.Stopped != StopCount || got.Throughput <= 0 ||
		got.Latency["count"] != 30.0 || len(g.recipients) != 7 {
		t.Fatalf("report %+v, %d recipients", got, len(g.recipients))
	}
}

func TestMainWebhooksText(t *testing.T) {
	s := newWebhookSink(t, testSecret)
	var out bytes.Buffer
	err := Main(testCtx(t), []string{"webhooks", "--url", s.URL, "--app-secret", testSecret,
		"--phone-number-id", testPNID, "--waba-id", testWABA, "-n", "10", "--per-post", "5", "--status", "sent"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"bench webhooks", "requests    2 (stopped: count)", "statuses/s", "p99.9"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if s.statuses["sent"] != 10 {
		t.Errorf("sink saw %v", s.statuses)
	}
}

func TestMainCompare(t *testing.T) {
	target := newGraphServer(t, nil)
	baseline := newGraphServer(t, nil)
	args := []string{"compare", "--url", target.URL, "--token", testToken, "--phone-number-id", testPNID,
		"--baseline-url", baseline.URL, "-n", "20", "-c", "2"}

	var out bytes.Buffer
	if err := Main(testCtx(t), append(args, "--json"), &out); err != nil {
		t.Fatal(err)
	}
	var c struct {
		Target          map[string]any `json:"target"`
		Baseline        map[string]any `json:"baseline"`
		ThroughputRatio float64        `json:"throughput_ratio"`
	}
	if err := json.Unmarshal(out.Bytes(), &c); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if c.Target["successes"] != 20.0 || c.Baseline["successes"] != 20.0 || c.ThroughputRatio <= 0 {
		t.Fatalf("comparison %s", out.String())
	}
	// The baseline inherits the target's token and sender: both servers
	// check them, so 20 well-formed requests each.
	if target.count() != 20 || baseline.count() != 20 {
		t.Fatalf("target saw %d, baseline %d", target.count(), baseline.count())
	}
	target.checkWellFormed()
	baseline.checkWellFormed()

	out.Reset()
	if err := Main(testCtx(t), args, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bench compare", target.URL, baseline.URL, "ratio", "req/s", "p99.9", "of the baseline's throughput"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMainErrors(t *testing.T) {
	var out bytes.Buffer
	ctx := testCtx(t)
	if err := Main(ctx, nil, &out); err == nil {
		t.Error("no command: want an error")
	}
	if err := Main(ctx, []string{"frobnicate"}, &out); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: err = %v", err)
	}
	if err := Main(ctx, []string{"send", "-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("send -h: err = %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(out.String(), "-rate") {
		t.Errorf("help does not list -rate:\n%s", out.String())
	}
	err := Main(ctx, []string{"send", "--url", "http://127.0.0.1:1", "--phone-number-id", "1"}, &out)
	if err == nil || !strings.Contains(err.Error(), "n: required") {
		t.Errorf("send without -n: err = %v", err)
	}
	if err := Main(ctx, []string{"webhooks", "--ids-file", "/nonexistent/ids"}, &out); err == nil {
		t.Error("webhooks with a missing ids file: want an error")
	}
}
