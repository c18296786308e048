package templatelint

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// wordChecker is a content checker that flags the texts holding a word.
type wordChecker struct {
	word  string
	block bool
	err   error
	seen  []string
}

func (c *wordChecker) CheckText(_ context.Context, tenantID, text string) ([]TextFinding, error) {
	c.seen = append(c.seen, tenantID+":"+text)
	if c.err != nil {
		return nil, c.err
	}
	if !strings.Contains(strings.ToLower(text), c.word) {
		return nil, nil
	}
	return []TextFinding{{Rule: "content.test", Words: []string{c.word}, Block: c.block,
		Messages: map[refusal.Lang]string{refusal.PT: "marcado " + c.word, refusal.EN: "flagged " + c.word, refusal.ES: "señalado " + c.word}}}, nil
}

func TestContentChecks(t *testing.T) {
	b := []byte(body("MARKETING", `[{"type":"BODY","text":"Ganhe dinheiro fácil hoje mesmo, sem sair de casa."},{"type":"FOOTER","text":"Acme"}]`))
	block := &wordChecker{word: "dinheiro fácil", block: true}
	r, err := (&Linter{Text: block}).Lint(context.Background(), "acme", b)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Blocked() || len(r.Findings) != 1 || r.Findings[0].Field != "components[0].text" || r.Findings[0].In("es").Message != "señalado dinheiro fácil" || r.Findings[0].In(refusal.EN).Message != "flagged dinheiro fácil" {
		t.Fatalf("findings %q %+v", codes(r), r.Findings)
	}
	if len(block.seen) != 2 || block.seen[1] != "acme:Acme" {
		t.Errorf("checker saw %q", block.seen)
	}
	warn := &wordChecker{word: "dinheiro fácil"}
	if r, err := (&Linter{Text: warn}).Lint(context.Background(), "acme", b); err != nil || r.Blocked() || len(r.Warnings()) != 1 {
		t.Errorf("warning: %q %v", codes(r), err)
	}
	boom := errors.New("classifier down")
	if _, err := (&Linter{Text: &wordChecker{err: boom}}).Lint(context.Background(), "acme", b); !errors.Is(err, boom) {
		t.Errorf("error %v, want it wrapped", err)
	}
}

func TestBlocksComeFirst(t *testing.T) {
	r := lint(t, body("AUTHENTICATION", `[{"type":"BODY","add_security_recommendation":true},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"x"}]}]`))
	if len(r.Findings) < 2 || r.Findings[0].Severity != Block || r.Findings[len(r.Findings)-1].Severity != Warn {
		t.Fatalf("order %q", codes(r))
	}
}

// Every finding code has its message and fix in the three languages.
func TestTextsInEveryLanguage(t *testing.T) {
	for code, byLang := range texts {
		for _, l := range refusal.Langs {
			tx, ok := byLang[l]
			if !ok || tx.Message == "" || tx.Fix == "" {
				t.Errorf("%s lacks %s", code, l)
			}
		}
	}
}
