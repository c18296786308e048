// Package cloudapi is the gateway's client for Meta's Graph API (or the
// built-in simulator, which speaks the same API). It sends messages for the
// dispatcher and passes other calls (templates, phone numbers, media,
// mark-as-read) through for the gateway's proxy routes.
//
// Access tokens travel only in the Authorization header: no error this
// package returns contains one.
package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// maxBody bounds how much of a response Send reads: a send answer is a few
// hundred bytes, so anything much larger is not one.
const maxBody = 1 << 20

// Client talks to one Graph API host at one API version. It is safe for
// concurrent use.
type Client struct {
	base    string // scheme://host[:port], no trailing slash
	version string // e.g. "v23.0"
	hc      *http.Client
}

// New returns a client for baseURL (e.g. "https://graph.facebook.com" or
// "http://127.0.0.1:8081") and version (e.g. "v23.0"). A nil httpClient
// means NewHTTPClient().
func New(baseURL, version string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = NewHTTPClient()
	}
	return &Client{
		base:    strings.TrimRight(baseURL, "/"),
		version: strings.Trim(version, "/"),
		hc:      httpClient,
	}
}

// NewHTTPClient returns an HTTP client tuned for many concurrent requests to
// a single host: a large idle pool so that paced dispatch at hundreds of
// messages per second reuses connections instead of dialing, and bounded
// timeouts so a stuck upstream cannot hold a dispatcher slot forever.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 25 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// HTTPError is a non-2xx answer whose body is not a Graph error envelope,
// e.g. a proxy's 502 page or a bare 429.
type HTTPError struct {
	StatusCode int
	// RetryAfter is the Retry-After header in seconds (0 when absent).
	RetryAfter int
	// Snippet is the start of the body, for logs.
	Snippet string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("cloudapi: HTTP %d: %s", e.StatusCode, e.Snippet)
}

// Send posts a message body to {base}/{version}/{phoneNumberID}/messages.
// On a Graph error answer it returns a *wire.Error with HTTPStatus and
// RetryAfter set; on another non-2xx answer a *HTTPError; on a transport
// failure or timeout a wrapped error (errors.Is works with context errors
// and net.Error timeouts).
func (c *Client) Send(ctx context.Context, token, phoneNumberID string, body []byte) (*wire.SendResponse, error) {
	u := c.base + "/" + c.version + "/" + url.PathEscape(phoneNumberID) + "/messages"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("cloudapi: build send request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cloudapi: send via %s: %w", phoneNumberID, scrub(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("cloudapi: read send answer (HTTP %d): %w", resp.StatusCode, scrub(err))
	}
	if resp.StatusCode/100 == 2 {
		var sr wire.SendResponse
		if err := json.Unmarshal(data, &sr); err != nil {
			return nil, fmt.Errorf("cloudapi: decode send answer: %w", err)
		}
		return &sr, nil
	}
	return nil, ParseError(resp.StatusCode, resp.Header, data)
}

// ParseError turns a non-2xx answer into a *wire.Error when the body is a
// Graph error envelope, or a *HTTPError otherwise.
func ParseError(status int, h http.Header, body []byte) error {
	ra := retryAfter(h.Get("Retry-After"))
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(body, &env); err == nil && env.Error != nil && (env.Error.Code != 0 || env.Error.Message != "") {
		env.Error.HTTPStatus = status
		env.Error.RetryAfter = ra
		return env.Error
	}
	snip := string(body)
	if len(snip) > 200 {
		snip = snip[:200]
	}
	return &HTTPError{StatusCode: status, RetryAfter: ra, Snippet: snip}
}

// retryAfter parses a Retry-After header given in seconds or as an HTTP
// date; it returns 0 when absent or unparseable.
func retryAfter(v string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return int((d + time.Second - 1) / time.Second)
		}
	}
	return 0
}

// Do performs a pass-through call: method on {base}/{version}/{path} with
// query, the Bearer token and, when body is not nil, contentType. The caller
// owns and must close the response body; non-2xx answers are returned as
// responses, not errors, so the proxy can relay them unchanged.
func (c *Client) Do(ctx context.Context, token, method, path string, query url.Values, contentType string, body io.Reader) (*http.Response, error) {
	u := c.base + "/" + c.version + "/" + strings.TrimLeft(path, "/")
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("cloudapi: build %s request: %w", method, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cloudapi: %s %s: %w", method, path, scrub(err))
	}
	return resp, nil
}

// scrub drops the request URL from a *url.Error: the URL carries no token
// today, but query strings of pass-through calls may carry access_token
// parameters, so they never reach an error message. The underlying error
// (timeouts, context cancellation) stays reachable through errors.Is/As.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &scrubbed{op: ue.Op, err: ue.Err}
	}
	return err
}

type scrubbed struct {
	op  string
	err error
}

func (s *scrubbed) Error() string { return s.op + ": " + s.err.Error() }
func (s *scrubbed) Unwrap() error { return s.err }

// Timeout reports whether the wrapped error is a timeout, like *url.Error.
func (s *scrubbed) Timeout() bool {
	var ne net.Error
	return errors.As(s.err, &ne) && ne.Timeout()
}

// maxTemplatePages bounds a template listing: 6,000 templates (the most a
// WABA may have) at templatePageSize a page, with room to spare, so a
// listing whose cursors never end cannot loop for ever.
const (
	templatePageSize = 250
	maxTemplatePages = 100
)

// ListTemplates lists every template of a WABA, following the listing's
// after cursors page by page: GET /{waba_id}/message_templates with
// fields= (nil for Graph's default fields). Each page is requested from
// this client's base URL, never from the next URL an answer carries.
func (c *Client) ListTemplates(ctx context.Context, token, wabaID string, fields []string) ([]wire.MessageTemplate, error) {
	var out []wire.MessageTemplate
	q := url.Values{}
	q.Set("limit", strconv.Itoa(templatePageSize))
	if len(fields) > 0 {
		q.Set("fields", strings.Join(fields, ","))
	}
	for page := 0; ; page++ {
		if page == maxTemplatePages {
			return nil, fmt.Errorf("cloudapi: templates of %s: more than %d pages", wabaID, maxTemplatePages)
		}
		p, err := c.templatePage(ctx, token, wabaID, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Data...)
		after := p.Paging.Cursors.After
		if p.Paging.Next == "" || after == "" || len(p.Data) == 0 || after == q.Get("after") {
			return out, nil
		}
		q.Set("after", after)
	}
}

func (c *Client) templatePage(ctx context.Context, token, wabaID string, q url.Values) (*wire.MessageTemplatePage, error) {
	resp, err := c.Do(ctx, token, http.MethodGet, "/"+url.PathEscape(wabaID)+"/message_templates", q, "", nil)
	if err != nil {
		return nil, fmt.Errorf("cloudapi: templates of %s: %w", wabaID, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16*maxBody))
	if err != nil {
		return nil, fmt.Errorf("cloudapi: read templates of %s (HTTP %d): %w", wabaID, resp.StatusCode, scrub(err))
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("cloudapi: templates of %s: %w", wabaID, ParseError(resp.StatusCode, resp.Header, data))
	}
	var p wire.MessageTemplatePage
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("cloudapi: decode templates of %s: %w", wabaID, err)
	}
	return &p, nil
}

// PhoneNumber reads fields of a business phone number: GET
// /{phone_number_id}?fields=….
func (c *Client) PhoneNumber(ctx context.Context, token, phoneNumberID string, fields []string) (*wire.PhoneNumberInfo, error) {
	q := url.Values{}
	if len(fields) > 0 {
		q.Set("fields", strings.Join(fields, ","))
	}
	resp, err := c.Do(ctx, token, http.MethodGet, "/"+url.PathEscape(phoneNumberID), q, "", nil)
	if err != nil {
		return nil, fmt.Errorf("cloudapi: phone number %s: %w", phoneNumberID, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("cloudapi: read phone number %s (HTTP %d): %w", phoneNumberID, resp.StatusCode, scrub(err))
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("cloudapi: phone number %s: %w", phoneNumberID, ParseError(resp.StatusCode, resp.Header, data))
	}
	var p wire.PhoneNumberInfo
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("cloudapi: decode phone number %s: %w", phoneNumberID, err)
	}
	return &p, nil
}
