package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// WebhookConfig describes a run of signed `messages` status notifications
// posted to the gateway's Meta webhook endpoint, the way Meta delivers them.
type WebhookConfig struct {
	// URL is the webhook endpoint, e.g. http://127.0.0.1:8080/webhooks/meta.
	URL string
	// AppSecret signs every body (X-Hub-Signature-256); required.
	AppSecret string
	// PhoneNumberID and WABAID identify the business in the payload.
	PhoneNumberID, WABAID string
	// DisplayPhoneNumber goes into metadata; optional.
	DisplayPhoneNumber string
	// N is the total number of statuses; required.
	N int
	// Concurrency is the number of workers and connections; 1 when zero.
	Concurrency int
	// PerPost is how many statuses one POST carries; 1 when zero.
	PerPost int
	// IDs are the message ids the statuses refer to, cycled; synthetic
	// wamids when empty.
	IDs []string
	// Status is sent, delivered (default) or read.
	Status string
	// Recipients is how many distinct recipient ids to cycle through;
	// DefaultRecipients when zero.
	Recipients int
	// Rate, when positive, is a fixed arrival rate in POSTs per second.
	Rate float64
	// Duration caps the run; DefaultDuration when zero.
	Duration time.Duration
	// RequestTimeout bounds each request; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// Client, when set, is used instead of the tuned keep-alive client.
	Client *http.Client
	// Progress, when set, prints a line while the run goes on.
	Progress Progress
}

func (c *WebhookConfig) withDefaults() (WebhookConfig, error) {
	cfg := *c
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 1
	}
	if cfg.PerPost == 0 {
		cfg.PerPost = 1
	}
	if cfg.Status == "" {
		cfg.Status = wire.StatusDelivered
	}
	if cfg.Recipients == 0 {
		cfg.Recipients = DefaultRecipients
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	var errs []error
	if _, err := checkURL(cfg.URL); err != nil {
		errs = append(errs, fmt.Errorf("url: %w", err))
	}
	if cfg.AppSecret == "" {
		errs = append(errs, errors.New("app-secret: required"))
	}
	if cfg.PhoneNumberID == "" {
		errs = append(errs, errors.New("phone-number-id: required"))
	}
	if cfg.WABAID == "" {
		errs = append(errs, errors.New("waba-id: required"))
	}
	switch cfg.Status {
	case wire.StatusSent, wire.StatusDelivered, wire.StatusRead:
	default:
		errs = append(errs, fmt.Errorf("status: %q is not sent, delivered or read", cfg.Status))
	}
	if cfg.PerPost < 1 || cfg.PerPost > 1000 {
		errs = append(errs, errors.New("per-post: must be 1..1000"))
	}
	if cfg.Recipients < 1 || cfg.Recipients > MaxRecipients {
		errs = append(errs, fmt.Errorf("recipients: must be 1..%d", MaxRecipients))
	}
	errs = append(errs, checkBounds(cfg.N, cfg.Concurrency, cfg.Rate, cfg.Duration, cfg.RequestTimeout)...)
	if len(errs) > 0 {
		return cfg, fmt.Errorf("loadtest: webhooks: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// ReadIDs reads message ids, one per line, skipping blank lines and lines
// starting with '#'.
func ReadIDs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loadtest: ids file: %w", err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids = append(ids, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: ids file %s: %w", path, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("loadtest: ids file %s: no ids", path)
	}
	return ids, nil
}

// posts returns how many POSTs carry n statuses, perPost at a time.
func posts(n, perPost int) int { return (n + perPost - 1) / perPost }

// webhookPayload is the body of POST p: a Meta `messages` notification with
// the statuses [p·perPost, min(n, (p+1)·perPost)).
func webhookPayload(cfg *WebhookConfig, p int, now time.Time) ([]byte, int, error) {
	first := p * cfg.PerPost
	last := min(cfg.N, first+cfg.PerPost)
	ts := strconv.FormatInt(now.Unix(), 10)
	statuses := make([]wire.Status, 0, last-first)
	for e := first; e < last; e++ {
		id := ""
		if len(cfg.IDs) > 0 {
			id = cfg.IDs[e%len(cfg.IDs)]
		} else {
			id = wire.NewMessageID()
		}
		statuses = append(statuses, wire.Status{
			ID:          id,
			Status:      cfg.Status,
			Timestamp:   ts,
			RecipientID: strings.TrimPrefix(Recipient(e%cfg.Recipients), "+"),
		})
	}
	value, err := json.Marshal(wire.MessagesValue{
		MessagingProduct: "whatsapp",
		Metadata:         wire.Metadata{DisplayPhoneNumber: cfg.DisplayPhoneNumber, PhoneNumberID: cfg.PhoneNumberID},
		Statuses:         statuses,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("encode statuses: %w", err)
	}
	body, err := json.Marshal(wire.Notification{
		Object: wire.ObjectWABA,
		Entry: []wire.Entry{{
			ID:      cfg.WABAID,
			Changes: []wire.Change{{Field: "messages", Value: value}},
		}},
	})
	if err != nil {
		return nil, 0, fmt.Errorf("encode notification: %w", err)
	}
	return body, len(statuses), nil
}

// RunWebhooks posts cfg.N statuses, cfg.PerPost per signed POST, and reports
// what came back. A POST succeeds on any 2xx; Events counts the statuses of
// successful POSTs. The error is non-nil for a bad configuration, when ctx
// ends, or when the target never answered.
func RunWebhooks(ctx context.Context, cfg WebhookConfig) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client := cfg.Client
	if client == nil {
		client = newClient(cfg.Concurrency, cfg.RequestTimeout)
		defer closeIdle(client)
	}
	secret := []byte(cfg.AppSecret)
	do := func(ctx context.Context, p int) outcome {
		body, events, err := webhookPayload(&cfg, p, time.Now())
		if err != nil {
			return outcome{err: err}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, bytes.NewReader(body))
		if err != nil {
			return outcome{err: fmt.Errorf("build request: %w", err)}
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "facebookexternalua")
		req.Header.Set(wire.SignatureHeader, wire.Sign(secret, body))
		resp, err := client.Do(req)
		if err != nil {
			return outcome{err: err}
		}
		defer drain(resp.Body)
		o := outcome{responded: true, status: resp.StatusCode}
		if resp.StatusCode/100 != 2 {
			raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
			o.code, o.err = graphError(resp.StatusCode, raw)
			return o
		}
		o.ok, o.events = true, events
		return o
	}
	return run(ctx, plan{
		kind: KindWebhooks, target: cfg.URL, n: posts(cfg.N, cfg.PerPost), c: cfg.Concurrency,
		rate: cfg.Rate, duration: cfg.Duration, do: do, progress: cfg.Progress,
	})
}
