// Package loadtest is wabaguard's own load tool, exposed as `wabaguard bench`.
// It drives the Graph-compatible send endpoint (RunSend), the Meta webhook
// endpoint with signed status notifications (RunWebhooks), and compares two
// send targets in one process run (RunCompare), e.g. the gateway against the
// simulator it forwards to, to put a number on the gateway's overhead.
//
// Every run is bounded twice: by a request count and by a duration cap.
// Latencies are kept exactly (one slot per request, sorted at the end), and
// in open-loop mode they are measured from each request's scheduled start so
// that a slow target shows up as latency, not as a quietly lower load.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Report kinds.
const (
	KindSend     = "send"
	KindWebhooks = "webhooks"
)

// Defaults and bounds shared by the subcommands.
const (
	DefaultVersion        = "v23.0"
	DefaultDuration       = 60 * time.Second
	DefaultRequestTimeout = 10 * time.Second
	DefaultRecipients     = 1000
	// MaxRequests bounds -n, and with it the latency slice kept in memory.
	MaxRequests = 10_000_000
	// MaxRecipients is how many distinct numbers the generator can produce.
	MaxRecipients = 90_000_000
)

// SendConfig describes a run against POST {BaseURL}/{Version}/{PhoneNumberID}/messages.
type SendConfig struct {
	// BaseURL is the Graph-compatible base, e.g. http://127.0.0.1:8080.
	// Several bases separated by commas are used round robin, as a load
	// balancer in front of replicas would.
	BaseURL string
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// PhoneNumberID is the sender; several separated by commas are cycled
	// (each sender is dispatched by one replica, so a replica benchmark needs
	// several).
	PhoneNumberID string
	// Version is the Graph version path segment; DefaultVersion when empty.
	Version string
	// N is the total number of requests; required.
	N int
	// Concurrency is the number of workers and keep-alive connections; 1
	// when zero.
	Concurrency int
	// Rate, when positive, is a fixed arrival rate in requests per second
	// (open loop); zero sends as fast as the workers allow (closed loop).
	Rate float64
	// Duration caps the run; DefaultDuration when zero.
	Duration time.Duration
	// Recipients is how many distinct Brazilian mobiles to cycle through;
	// DefaultRecipients when zero.
	Recipients int
	// FirstRecipient is the index of the first recipient in the cycle, so
	// that several runs (one per sender, say) can each take their own slice
	// of the same list instead of all writing to its first people.
	FirstRecipient int
	// Type is "text" (default) or "template".
	Type string
	// TemplateName and TemplateLanguage name the template of Type
	// "template"; hello_world and en_US when empty.
	TemplateName, TemplateLanguage string
	// RequestTimeout bounds each request; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// Client, when set, is used instead of the tuned keep-alive client.
	Client *http.Client
	// Progress, when set, prints a line while the run goes on.
	Progress Progress
}

func (c *SendConfig) withDefaults() (SendConfig, error) {
	cfg := *c
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 1
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Recipients == 0 {
		cfg.Recipients = DefaultRecipients
	}
	if cfg.Type == "" {
		cfg.Type = wire.TypeText
	}
	if cfg.TemplateName == "" {
		cfg.TemplateName = "hello_world"
	}
	if cfg.TemplateLanguage == "" {
		cfg.TemplateLanguage = "en_US"
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	var errs []error
	for _, u := range strings.Split(cfg.BaseURL, ",") {
		if _, err := checkURL(u); err != nil {
			errs = append(errs, fmt.Errorf("url: %w", err))
		}
	}
	for _, id := range strings.Split(cfg.PhoneNumberID, ",") {
		if id == "" || strings.Contains(id, "/") {
			errs = append(errs, errors.New("phone-number-id: required, without slashes"))
			break
		}
	}
	if strings.Contains(cfg.Version, "/") {
		errs = append(errs, errors.New("version: must be one path segment, e.g. v23.0"))
	}
	if cfg.Type != wire.TypeText && cfg.Type != wire.TypeTemplate {
		errs = append(errs, fmt.Errorf("type: %q is not text or template", cfg.Type))
	}
	if cfg.Recipients < 1 || cfg.Recipients > MaxRecipients {
		errs = append(errs, fmt.Errorf("recipients: must be 1..%d", MaxRecipients))
	}
	if cfg.FirstRecipient < 0 || cfg.FirstRecipient >= max(cfg.Recipients, 1) {
		errs = append(errs, fmt.Errorf("first-recipient: must be 0..recipients-1 (%d)", cfg.Recipients-1))
	}
	errs = append(errs, checkBounds(cfg.N, cfg.Concurrency, cfg.Rate, cfg.Duration, cfg.RequestTimeout)...)
	if len(errs) > 0 {
		return cfg, fmt.Errorf("loadtest: send: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// checkURL accepts only absolute http(s) URLs with a host.
func checkURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q: no host", raw)
	}
	return u, nil
}

func checkBounds(n, c int, rate float64, d, timeout time.Duration) []error {
	var errs []error
	if n < 1 || n > MaxRequests {
		errs = append(errs, fmt.Errorf("n: required, 1..%d", MaxRequests))
	}
	if c < 1 || c > 10_000 {
		errs = append(errs, errors.New("c: must be 1..10000"))
	}
	if rate < 0 {
		errs = append(errs, errors.New("rate: must not be negative"))
	}
	if d < 0 {
		errs = append(errs, errors.New("duration: must not be negative"))
	}
	if timeout < 0 {
		errs = append(errs, errors.New("request timeout: must not be negative"))
	}
	return errs
}

// Recipient returns the i-th of the distinct Brazilian mobile numbers the
// send bench cycles through: +55 11 9xxxx-xxxx, E.164. Numbers differ for
// i in [0, MaxRecipients).
func Recipient(i int) string {
	// 7919 is prime and coprime with 9e7, so i ↦ i·7919 mod 9e7 is one to one
	// and spreads consecutive recipients across the range.
	return fmt.Sprintf("+55119%08d", 10_000_000+(i%MaxRecipients)*7919%90_000_000)
}

type textBody struct {
	Body string `json:"body"`
}

type templateLanguage struct {
	Code string `json:"code"`
}

type templateBody struct {
	Name     string           `json:"name"`
	Language templateLanguage `json:"language"`
}

type sendBody struct {
	MessagingProduct string        `json:"messaging_product"`
	RecipientType    string        `json:"recipient_type"`
	To               string        `json:"to"`
	Type             string        `json:"type"`
	Text             *textBody     `json:"text,omitempty"`
	Template         *templateBody `json:"template,omitempty"`
}

// sendPayload is the Meta-shaped body of request i.
func sendPayload(cfg *SendConfig, i int) ([]byte, error) {
	b := sendBody{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               Recipient((cfg.FirstRecipient + i) % cfg.Recipients),
		Type:             cfg.Type,
	}
	if cfg.Type == wire.TypeTemplate {
		b.Template = &templateBody{Name: cfg.TemplateName, Language: templateLanguage{Code: cfg.TemplateLanguage}}
	} else {
		b.Text = &textBody{Body: fmt.Sprintf("wabaguard bench message %d", i)}
	}
	return json.Marshal(b)
}

// SendURL is the (first) endpoint a send run posts to.
func SendURL(cfg SendConfig) string {
	return sendURLs(cfg)[0]
}

// sendURLs lists the endpoints a run cycles through: request i goes to base
// i mod len(bases) and, across rounds of bases, to each sender in turn.
func sendURLs(cfg SendConfig) []string {
	v := cfg.Version
	if v == "" {
		v = DefaultVersion
	}
	bases := strings.Split(cfg.BaseURL, ",")
	ids := strings.Split(cfg.PhoneNumberID, ",")
	out := make([]string, 0, len(bases)*len(ids))
	for j := range len(bases) * len(ids) {
		b, id := bases[j%len(bases)], ids[(j/len(bases))%len(ids)]
		out = append(out, strings.TrimRight(b, "/")+"/"+v+"/"+url.PathEscape(id)+"/messages")
	}
	return out
}

// RunSend sends cfg.N Meta-shaped messages and reports what came back. A
// request succeeds when the answer is 2xx with a message id. The error is
// non-nil for a bad configuration, when ctx ends, or when the target never
// answered; the report, when non-nil, holds what was measured anyway.
func RunSend(ctx context.Context, cfg SendConfig) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client := cfg.Client
	if client == nil {
		client = newClient(cfg.Concurrency, cfg.RequestTimeout)
		defer closeIdle(client)
	}
	endpoints := sendURLs(cfg)
	auth := "Bearer " + cfg.Token
	do := func(ctx context.Context, i int) outcome {
		body, err := sendPayload(&cfg, i)
		if err != nil {
			return outcome{err: fmt.Errorf("encode message %d: %w", i, err)}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoints[i%len(endpoints)], bytes.NewReader(body))
		if err != nil {
			return outcome{err: fmt.Errorf("build request: %w", err)}
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			return outcome{err: err}
		}
		defer drain(resp.Body)
		o := outcome{responded: true, status: resp.StatusCode}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			o.err = fmt.Errorf("read response: %w", err)
			return o
		}
		if resp.StatusCode/100 != 2 {
			o.code, o.err = graphError(resp.StatusCode, raw)
			return o
		}
		var sr wire.SendResponse
		if err := json.Unmarshal(raw, &sr); err != nil || len(sr.Messages) == 0 || sr.Messages[0].ID == "" {
			o.err = fmt.Errorf("HTTP %d without a message id: %.200s", resp.StatusCode, raw)
			o.badBody = true
			return o
		}
		o.ok, o.events = true, 1
		return o
	}
	return run(ctx, plan{
		kind: KindSend, target: strings.Join(endpoints, " "), n: cfg.N, c: cfg.Concurrency,
		rate: cfg.Rate, duration: cfg.Duration, do: do, progress: cfg.Progress,
	})
}

// StatusBadBody is the ErrorsByStatus key of 2xx answers whose body was not
// what a Graph client expects.
const StatusBadBody = "bad_body"

// maxBody bounds how much of a response is read.
const maxBody = 64 << 10

// graphError extracts the Graph code from an error body, if it is one.
func graphError(status int, raw []byte) (int, error) {
	var env wire.ErrorEnvelope
	if json.Unmarshal(raw, &env) == nil && env.Error != nil && env.Error.Code != 0 {
		return env.Error.Code, fmt.Errorf("HTTP %d: %w", status, env.Error)
	}
	return 0, fmt.Errorf("HTTP %d: %.200s", status, bytes.TrimSpace(raw))
}

// drain empties and closes a body so its connection returns to the pool.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxBody))
	_ = body.Close()
}
