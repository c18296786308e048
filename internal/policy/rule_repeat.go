package policy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Repeat refuses a template identical to one the contact received within
// Within (same name, language and parameters): a repeat is nearly always a
// resend by mistake — a retry without an idempotency key, a campaign run
// twice — and reads as spam to the person. Free-form messages are not
// guarded: a conversation may say "thank you" twice.
//
// Like Frequency, the commit checks again inside its transaction.
type Repeat struct {
	Within time.Duration
}

// Name implements Rule.
func (Repeat) Name() string { return "frequency" }

// Check implements Rule.
func (r Repeat) Check(_ context.Context, m *Message) Decision {
	if r.Within <= 0 || !m.Facts.Loaded || m.Request == nil || !m.Request.IsTemplate() {
		return Allowed()
	}
	if SeenSince(m.Facts.Recent, ContentHash(m.Request), m.Now.Add(-r.Within)) {
		return Refused(r.Name(), refusal.FrequencyRepeat, m.Facts.Lang, "("+FormatWindow(r.Within)+")")
	}
	return Allowed()
}

// SeenSince reports whether content hash h was sent at or after since.
func SeenSince(sent []Sent, h string, since time.Time) bool {
	if h == "" {
		return false
	}
	for _, s := range sent {
		if s.ContentHash == h && !s.At.Before(since) {
			return true
		}
	}
	return false
}

// ContentHash identifies what a template message shows the person: its
// name, language and parameters, the JSON re-encoded from the parsed
// request so that spacing and key order do not matter, and the name and
// language case-folded as Meta folds them. "" for anything but a template.
func ContentHash(r *wire.SendRequest) string {
	if r == nil || !r.IsTemplate() {
		return ""
	}
	t := *r.Template
	t.Name = strings.ToLower(strings.TrimSpace(t.Name))
	if t.Language != nil {
		l := *t.Language
		l.Code = strings.ToLower(strings.TrimSpace(l.Code))
		l.Policy = ""
		t.Language = &l
	}
	b, err := json.Marshal(t)
	if err != nil {
		return "" // a parsed request always encodes
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
