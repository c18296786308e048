package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wabaguard/wabaguard/internal/consent"
)

// chromiumPath finds Debian's Chromium (apt-get install chromium), or the
// one WABAGUARD_CHROMIUM names. The tests never download a browser.
func chromiumPath() string {
	if p := os.Getenv("WABAGUARD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newChrome starts headless Chromium for one test, as a Brazilian
// browser on a 375 px wide phone screen.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed, and CI must run the browser tests: apt-get install -y chromium")
		}
		t.Skip("Chromium is not installed (apt-get install -y chromium); skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("accept-lang", "pt-BR,pt"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser; it lives as long as ctx.
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)))
	return ctx
}

// step runs actions with a bound, so a page that never comes fails the
// test instead of hanging it.
func step(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	return loc
}

// noHorizontalScroll fails when the page is wider than the screen.
func noHorizontalScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	w := eval[[]int](t, ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if len(w) != 2 || w[0] > w[1] || w[1] > 375 {
		t.Errorf("%s scrolls sideways at 375 px: scroll and client width %v", page, w)
	}
}

// screenshot saves the page when WABAGUARD_SCREENSHOTS names a folder
// (how docs/screenshots is made).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("WABAGUARD_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// TestBrowser walks the dashboard in real Chromium: log in, the overview
// with its chart, a contact's consent, the refusals, the language switch,
// keyboard focus, a 375 px screen, log-out.
func TestBrowser(t *testing.T) {
	e := newEnv(t, withTemplates(t))
	seedMessages(t, e)
	_, err := e.ledger.Record(t.Context(), consent.Request{TenantID: "t1", Contact: "+5511987654321", Action: consent.OptIn,
		Category: consent.Marketing, Source: consent.WebForm,
		Evidence: consent.Evidence{Text: "Quero receber ofertas", URL: "https://acme.example/optin", At: time.Now().Add(-time.Hour)}})
	must(t, err)
	ctx := newChrome(t)
	base := e.srv.URL
	type css = chromedp.CSS

	// Logged out, the dashboard sends the browser to the log-in form.
	step(t, ctx, "open the overview logged out", chromedp.Navigate(base+"/ui/overview"), chromedp.WaitVisible(css("#email")))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/ui/login") {
		t.Errorf("logged out, /ui/overview went to %s", loc)
	}
	if h := text(t, ctx, "h1"); h != "Entrar" {
		t.Errorf("log-in page heading %q, want Portuguese", h)
	}
	noHorizontalScroll(t, ctx, "log-in")
	screenshot(t, ctx, "login")

	// Log in with the keyboard: type, then Enter.
	step(t, ctx, "log in",
		chromedp.SendKeys(css("#email"), "ana@acme.example"),
		chromedp.SendKeys(css("#password"), testPassword+"\r"),
		chromedp.WaitVisible(css("#numbers-h")))
	if h := text(t, ctx, "h1"); h != "Visão geral" {
		t.Errorf("overview heading %q", h)
	}
	if n := text(t, ctx, ".number h3"); n != "+55 11 4000-0001" {
		t.Errorf("the number on the overview is %q", n)
	}
	step(t, ctx, "chart loads", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](`document.querySelector('img.chart').complete`, chromedp.WithPollingTimeout(10*time.Second))(ctx, tg)
		return err
	}))
	if w := eval[int](t, ctx, `document.querySelector('img.chart').naturalWidth`); w == 0 {
		t.Error("the chart did not load")
	}
	noHorizontalScroll(t, ctx, "overview")
	screenshot(t, ctx, "overview")
	// On a fresh page the first Tab reaches the skip link, and focus shows.
	step(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if f := eval[string](t, ctx, `document.activeElement.className`); f != "skip" {
		t.Errorf("the first Tab focuses %q, want the skip link", f)
	}
	if o := eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`); o == "none" {
		t.Error("the focused skip link has no outline")
	}

	// Search a contact.
	step(t, ctx, "search a contact",
		chromedp.Click(css(`a[href="/ui/contacts"]`)),
		chromedp.WaitVisible(css("#number")),
		chromedp.SendKeys(css("#number"), "+55 11 98765-4321"),
		chromedp.Click(css("#search")),
		chromedp.WaitVisible(css("#states")))
	if s := text(t, ctx, "#states tbody tr"); !strings.Contains(s, "aceitou") {
		t.Errorf("marketing consent row %q, want an opt-in", s)
	}
	if h := text(t, ctx, "#history"); !strings.Contains(h, "Quero receber ofertas") {
		t.Errorf("history %q lacks the evidence", h)
	}
	if c := text(t, ctx, "#chain"); !strings.HasPrefix(c, "Íntegra") {
		t.Errorf("chain verification %q", c)
	}
	noHorizontalScroll(t, ctx, "contacts")
	screenshot(t, ctx, "contacts")

	// Switch to English: the same page, in English, and it stays so.
	step(t, ctx, "switch to English", chromedp.Click(css(`a[hreflang="en"]`)), chromedp.WaitVisible(css("#states")))
	if h := text(t, ctx, "h1"); h != "Contacts and consent" {
		t.Errorf("after switching to English the heading is %q", h)
	}
	step(t, ctx, "decisions", chromedp.Click(css(`a[href="/ui/decisions"]`)), chromedp.WaitVisible(css("#decisions")))
	if d := text(t, ctx, "#decisions"); !strings.Contains(d, "470110") || !strings.Contains(d, "No consent on record") {
		t.Errorf("decisions %q lack the refusal in English", d)
	}
	noHorizontalScroll(t, ctx, "decisions")
	screenshot(t, ctx, "decisions")
	step(t, ctx, "templates", chromedp.Click(css(`a[href="/ui/templates"]`)), chromedp.WaitVisible(css("#templates")))
	if d := text(t, ctx, "#templates"); !strings.Contains(d, "oferta_relampago") || !strings.Contains(d, "sends refused") {
		t.Errorf("templates %q lack the paused template", d)
	}
	noHorizontalScroll(t, ctx, "templates")

	// Log out: back to the form, and the overview is closed again.
	step(t, ctx, "log out", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#email")),
		chromedp.Navigate(base+"/ui/overview"), chromedp.WaitVisible(css("#email")))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/ui/login") {
		t.Errorf("after log-out /ui/overview went to %s", loc)
	}
}
