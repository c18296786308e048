package loadtest

import (
	"bytes"
	"errors"
	"flag"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineWriter collects progress lines and signals the first one.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan struct{}
	once  sync.Once
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.once.Do(func() { close(w.first) })
	return w.buf.Write(p)
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var progressLine = regexp.MustCompile(`^bench send: +\d+\.\ds  \d+/10 done  \d+ ok  \d+ errors  \d+/s$`)

// A run prints progress while it goes on: the last request is held until a
// line has been printed, so the test needs no timing, only the ticker.
func TestRunSendPrintsProgress(t *testing.T) {
	pw := &lineWriter{first: make(chan struct{})}
	g := newGraphServer(t, func(w http.ResponseWriter, r *http.Request, k int) bool {
		if k == 9 { // the last of 10 (k counts from 0)
			select {
			case <-pw.first:
			case <-r.Context().Done():
			}
		}
		return false
	})
	cfg := g.sendConfig(10, 1)
	cfg.Progress = Progress{W: pw, Every: 5 * time.Millisecond}
	r, err := RunSend(testCtx(t), cfg)
	if err != nil || r.Successes != 10 {
		t.Fatalf("RunSend: %v, %+v", err, r)
	}
	lines := strings.Split(strings.TrimSpace(pw.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("no progress line")
	}
	for _, l := range lines {
		if !progressLine.MatchString(l) {
			t.Errorf("progress line %q does not match %s", l, progressLine)
		}
	}
	// Nothing is written after the run returned.
	n := len(pw.String())
	time.Sleep(20 * time.Millisecond)
	if len(pw.String()) != n {
		t.Error("progress kept printing after RunSend returned")
	}
}

func TestProgressFlag(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		lines bool
	}{
		{"off", []string{"-progress", "0"}, false},
		{"nil writer", nil, false}, // Main passes no stderr
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGraphServer(t, nil)
			var out, errOut bytes.Buffer
			args := append([]string{"send", "-url", g.URL, "-token", testToken, "-phone-number-id", testPNID, "-n", "5"}, tc.flags...)
			var err error
			if tc.flags == nil {
				err = Main(testCtx(t), args, &out)
			} else {
				err = Run(testCtx(t), args, &out, &errOut)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := errOut.Len() > 0; got != tc.lines {
				t.Errorf("progress printed: %v, want %v: %q", got, tc.lines, errOut.String())
			}
		})
	}
}

func TestUsageMistakesAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"send", "-nope"}, {"send", "-n", "x"}, {"webhooks", "extra"}} {
		var out bytes.Buffer
		err := Run(testCtx(t), args, &out, nil)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: err = %v, want a UsageError", args, err)
		}
	}
	var out bytes.Buffer
	if err := Run(testCtx(t), []string{"webhooks", "--help"}, &out, nil); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("webhooks --help: %v", err)
	}
	for _, want := range []string{"Post signed Meta status notifications", "Usage:", "wabaguard bench webhooks", "-progress", "-app-secret"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}
