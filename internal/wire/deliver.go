package wire

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// PostSigned delivers a webhook body the way Meta does: a JSON POST whose
// X-Hub-Signature-256 is the HMAC of the exact bytes under secret. Any 2xx
// is success. The answer is drained (bounded) so the connection is reused,
// and never read whole: a misbehaving receiver cannot stall the sender.
func PostSigned(ctx context.Context, client *http.Client, url string, secret, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &ReceiverError{StatusCode: resp.StatusCode, Status: resp.Status}
	}
	return nil
}

// ReceiverError is a webhook receiver's answer outside 2xx.
type ReceiverError struct {
	StatusCode int
	Status     string
}

func (e *ReceiverError) Error() string {
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		return fmt.Sprintf("webhook receiver answered %s: redirects are not followed, configure the final URL", e.Status)
	}
	return fmt.Sprintf("webhook receiver answered %s", e.Status)
}
