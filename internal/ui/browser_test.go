package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/secret"
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

// stepBound is how long one step may take before the test fails instead
// of hanging: generous, because a log-in derives an argon2id key, which
// the race detector on a loaded machine slows many times over.
const stepBound = time.Minute

// step runs actions with a bound, so a page that never comes fails the
// test instead of hanging it.
func step(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepBound)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepBound)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepBound)
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

// textStarts waits until the text of sel starts with prefix: for a page
// that has an element like sel before the one awaited has loaded.
func textStarts(sel, prefix string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		expr := fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? '').trim().startsWith(%q)`, sel, prefix)
		for {
			// A page being replaced loses its JavaScript context in the
			// middle of an evaluation: that is an answer of "not yet".
			ok, err := chromedp.Evaluate[bool](expr)(ctx, tg)
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s never started with %q: %w", sel, prefix, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// waitImage fails unless the image sel loads.
func waitImage(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	step(t, ctx, "image "+sel+" loads", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](`document.querySelector('`+sel+`').complete`, chromedp.WithPollingTimeout(10*time.Second))(ctx, tg)
		return err
	}))
	if w := eval[int](t, ctx, `document.querySelector('`+sel+`').naturalWidth`); w == 0 {
		t.Errorf("the image %s did not load", sel)
	}
}

// TestBrowser walks the dashboard in real Chromium: log in, the overview
// with its chart, a number's page with its pause and resume, a campaign's
// page with its pause and resume, an incident and its dossier, a contact's
// consent, the refusals, the language switch, the settings with a key
// created and revoked, keyboard focus, a 375 px screen, log-out.
func TestBrowser(t *testing.T) {
	e := newEnv(t, withTemplates(t), withHealth(t), withLint, withCampaigns(t, nil), withIncidents(t))
	seedMessages(t, e)
	seedEvents(t, e)
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
	if v := eval[string](t, ctx, `document.querySelector('meter.limit').getAttribute('value') + '/' + document.querySelector('meter.limit').max`); v != "3/2000" {
		t.Errorf("the messaging-limit gauge reads %q, want 3/2000", v)
	}
	if q := text(t, ctx, ".number .quality"); q != "YELLOW" {
		t.Errorf("the number's quality reads %q", q)
	}
	waitImage(t, ctx, "img.chart")
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

	// Open the number from the overview: its state, its week, its timeline.
	step(t, ctx, "open the number", chromedp.Click(css("a.number-link")), chromedp.WaitVisible(css("#timeline")))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/ui/numbers/p1") {
		t.Errorf("the overview's number link went to %s", loc)
	}
	if s := text(t, ctx, "#state"); s != "ativo" {
		t.Errorf("the number's state %q, want ativo", s)
	}
	if tl := text(t, ctx, "#timeline"); !strings.Contains(tl, "DOWNGRADE") || !strings.Contains(tl, "ACCOUNT_VIOLATION") {
		t.Errorf("the number's timeline %q lacks Meta's events", tl)
	}
	waitImage(t, ctx, "img.chart")
	noHorizontalScroll(t, ctx, "number")
	screenshot(t, ctx, "number")

	// Pause it, by keyboard, and resume it.
	step(t, ctx, "pause", chromedp.Focus(css("#pause")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(css("#resume")))
	if s := text(t, ctx, "#state"); s != "pausado" {
		t.Errorf("after the pause the state is %q", s)
	}
	if n := text(t, ctx, "#page-message"); !strings.HasPrefix(n, "Número pausado") {
		t.Errorf("after the pause the notice is %q", n)
	}
	if tl := text(t, ctx, "#timeline li:first-child"); !strings.Contains(tl, "Pausado") || !strings.Contains(tl, "ana@acme.example") {
		t.Errorf("the timeline's newest event %q, want the pause by ana", tl)
	}
	noHorizontalScroll(t, ctx, "paused number")
	screenshot(t, ctx, "number-paused")
	step(t, ctx, "resume", chromedp.Click(css("#resume")), chromedp.WaitVisible(css("#pause")))
	if s := text(t, ctx, "#state"); s != "ativo" {
		t.Errorf("after the resume the state is %q", s)
	}
	if tl := text(t, ctx, "#timeline li:first-child"); !strings.Contains(tl, "Retomado") {
		t.Errorf("the timeline's newest event %q, want the resume", tl)
	}

	// The campaigns: open the running one, pause it, resume it.
	step(t, ctx, "campaigns", chromedp.Click(css(`a[href="/ui/campaigns"]`)), chromedp.WaitVisible(css("#campaigns")))
	if l := text(t, ctx, `#campaigns tr[data-campaign="natal"]`); !strings.Contains(l, "Natal 2026") || !strings.Contains(l, "enviando") {
		t.Errorf("the campaigns list's row for natal reads %q", l)
	}
	noHorizontalScroll(t, ctx, "campaigns")
	screenshot(t, ctx, "campaigns")
	step(t, ctx, "open the campaign", chromedp.Click(css(`a[href="/ui/campaigns/natal"]`)), chromedp.WaitVisible(css("#campaign-state")))
	if s := text(t, ctx, "#campaign-state"); s != "enviando" {
		t.Errorf("the campaign's state %q, want enviando", s)
	}
	if s := text(t, ctx, `#progress dd[data-k="delivered"]`); s != "1" {
		t.Errorf("the campaign's delivered count %q, want 1", s)
	}
	waitImage(t, ctx, "img.chart")
	noHorizontalScroll(t, ctx, "campaign")
	screenshot(t, ctx, "campaign")
	step(t, ctx, "pause the campaign", chromedp.Focus(css("#campaign-pause")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(css("#campaign-resume")))
	if s := text(t, ctx, "#campaign-state"); s != "pausada" {
		t.Errorf("after the pause the campaign is %q", s)
	}
	if n := text(t, ctx, "#page-message"); !strings.HasPrefix(n, "Campanha pausada") {
		t.Errorf("after the pause the notice is %q", n)
	}
	if v, err := e.ui.campaigns.Get(t.Context(), "t1", "natal"); err != nil || v.State != "paused" {
		t.Errorf("after the dashboard's pause the service has natal %q (%v)", v.State, err)
	}
	step(t, ctx, "resume the campaign", chromedp.Click(css("#campaign-resume")), chromedp.WaitVisible(css("#campaign-pause")))
	if s := text(t, ctx, "#campaign-state"); s != "enviando" {
		t.Errorf("after the resume the campaign is %q", s)
	}
	if n := text(t, ctx, "#page-message"); !strings.HasPrefix(n, "Campanha retomada") {
		t.Errorf("after the resume the notice is %q", n)
	}
	if v, err := e.ui.campaigns.Get(t.Context(), "t1", "natal"); err != nil || v.State != "running" {
		t.Errorf("after the dashboard's resume the service has natal %q (%v)", v.State, err)
	}

	// The incidents: open one, read its timeline, download its dossier.
	step(t, ctx, "incidents", chromedp.Click(css(`a[href="/ui/incidents"]`)), chromedp.WaitVisible(css("#incidents")))
	if l := text(t, ctx, `#incidents tr[data-incident="inc_rest"]`); !strings.Contains(l, "Meta restricted the account") || !strings.Contains(l, "aberto") {
		t.Errorf("the incidents list's row for inc_rest reads %q", l)
	}
	noHorizontalScroll(t, ctx, "incidents")
	screenshot(t, ctx, "incidents")
	step(t, ctx, "open the incident", chromedp.Click(css(`a[href="/ui/incidents/inc_rest"]`)), chromedp.WaitVisible(css("#incident-timeline")))
	if tl := text(t, ctx, "#incident-timeline"); !strings.Contains(tl, "ACCOUNT_RESTRICTION") || !strings.Contains(tl, "brake.pause_business") {
		t.Errorf("the incident's timeline %q", tl)
	}
	noHorizontalScroll(t, ctx, "incident")
	screenshot(t, ctx, "incident")
	downloads := t.TempDir()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	step(t, ctx, "download the dossier", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: new(true)})
		return err
	}), chromedp.Click(css("#dossier-pdf")))
	deadline := time.After(stepBound)
	done := make(chan error, 1)
	go func() {
		for ev, err := range progress {
			if err != nil {
				done <- err
				return
			}
			switch ev.State {
			case cdpbrowser.DownloadProgressStateCompleted:
				done <- nil
				return
			case cdpbrowser.DownloadProgressStateCanceled:
				done <- fmt.Errorf("download cancelled")
				return
			}
		}
		done <- fmt.Errorf("no download finished")
	}()
	select {
	case err := <-done:
		must(t, err)
	case <-deadline:
		t.Fatal("the dossier's download never finished")
	}
	pdf, err := os.ReadFile(filepath.Join(downloads, "appeal-inc_rest.pdf"))
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Errorf("the dossier did not download as appeal-inc_rest.pdf: %v %.10q", err, pdf)
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
	if n := eval[int](t, ctx, `document.querySelectorAll('#templates section.lint').length`); n != 2 {
		t.Errorf("%d templates carry a review, want both", n)
	}
	noHorizontalScroll(t, ctx, "templates")
	screenshot(t, ctx, "templates")

	// Settings: create a key, see it once, revoke it.
	step(t, ctx, "settings", chromedp.Click(css(`a[href="/ui/settings"]`)), chromedp.WaitVisible(css("#create-key")))
	if h := text(t, ctx, "h1"); h != "Settings" {
		t.Errorf("settings heading %q", h)
	}
	step(t, ctx, "create a key", chromedp.Click(css("#create-key")), chromedp.WaitVisible(css("#new-key-value")))
	key := eval[string](t, ctx, `document.querySelector('#new-key-value').value`)
	id := secret.APIKeyID(key)
	if id == "" {
		t.Fatalf("the new key %q is not an API key", key)
	}
	if _, tn, err := e.st.KeyByHash(t.Context(), secret.HashAPIKey(key)); err != nil || tn.ID != "t1" {
		t.Errorf("the key shown does not open t1: %v %v", tn.ID, err)
	}
	if l := eval[string](t, ctx, `document.querySelector('label[for=new-key-value]').textContent`); !strings.Contains(l, id) {
		t.Errorf("the new key's label %q does not name it", l)
	}
	noHorizontalScroll(t, ctx, "settings")
	screenshot(t, ctx, "settings")
	// Reloading the page that showed the key neither shows it again nor
	// makes another key (the form redirected to it).
	keys := eval[int](t, ctx, `document.querySelectorAll('li[data-key]').length`)
	step(t, ctx, "reload the new key's page", chromedp.Reload(), chromedp.WaitVisible(css("#create-key")))
	if eval[int](t, ctx, `document.querySelectorAll('#new-key-value').length`) != 0 {
		t.Error("reloading shows the new key again")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('li[data-key]').length`); n != keys {
		t.Errorf("reloading changed the keys listed from %d to %d", keys, n)
	}
	// The settings page always carries a notice of its own (where the
	// configuration lives): wait for the page's message to say the key
	// went — the revoke's page has loaded — before reading it.
	step(t, ctx, "revoke the key", chromedp.Click(css("#revoke-"+id)),
		textStarts("#page-message", "Key revoked"))
	if n := text(t, ctx, "#page-message"); !strings.HasPrefix(n, "Key revoked") {
		t.Errorf("after revoking, the notice is %q", n)
	}
	if eval[int](t, ctx, `document.querySelectorAll('#new-key-value').length`) != 0 {
		t.Error("the key is shown again after the revoke")
	}
	if st := text(t, ctx, `li[data-key="`+id+`"] .badge`); !strings.HasPrefix(st, "revoked") {
		t.Errorf("the revoked key's state %q", st)
	}
	if _, _, err := e.st.KeyByHash(t.Context(), secret.HashAPIKey(key)); err == nil {
		t.Error("the revoked key still opens the tenant")
	}

	// Log out: back to the form, and the overview is closed again.
	step(t, ctx, "log out", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#email")),
		chromedp.Navigate(base+"/ui/overview"), chromedp.WaitVisible(css("#email")))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/ui/login") {
		t.Errorf("after log-out /ui/overview went to %s", loc)
	}
}
