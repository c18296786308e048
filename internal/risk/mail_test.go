package risk_test

import (
	"bufio"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/risk"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// smtpServer is a minimal SMTP server on loopback: it speaks enough of
// RFC 5321 for net/smtp (EHLO with AUTH PLAIN, MAIL, RCPT, DATA, QUIT),
// records what it got, and stops with the test.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	auth []string // decoded AUTH PLAIN credentials
	from []string
	rcpt []string
	data []string
	done chan struct{}
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.serve(c)
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-s.done })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	say("220 localhost test SMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		s.mu.Lock()
		switch cmd {
		case "EHLO", "HELO":
			say("250-localhost")
			say("250 AUTH PLAIN")
		case "AUTH":
			parts := strings.Fields(line)
			if len(parts) == 3 {
				b, _ := base64.StdEncoding.DecodeString(parts[2])
				s.auth = append(s.auth, string(b))
			}
			say("235 2.7.0 ok")
		case "MAIL":
			s.from = append(s.from, line)
			say("250 ok")
		case "RCPT":
			s.rcpt = append(s.rcpt, line)
			say("250 ok")
		case "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					s.mu.Unlock()
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.data = append(s.data, b.String())
			say("250 queued")
		case "QUIT":
			say("221 bye")
			s.mu.Unlock()
			return
		default:
			say("250 ok")
		}
		s.mu.Unlock()
	}
}

// A brake change is emailed through the configured SMTP server, with
// authentication, and the password never reaches the log.
func TestSMTPAlert(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t)
	addr := srv.ln.Addr().(*net.TCPAddr)
	const password = "s3cret-smtp-pass"
	r := newRig(t, func(c *risk.Config) {
		c.Mailer = &risk.Mailer{Host: "127.0.0.1", Port: addr.Port, From: "wabaguard@acme.example",
			To: []string{"ops@acme.example", "ana@acme.example"}, Username: "alerts", Password: password}
	})
	r.feed(t, status(wire.StatusFailed, 1, 131048)...)

	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.data) != 1 {
		t.Fatalf("emails received %d, want 1", len(srv.data))
	}
	mail := srv.data[0]
	for _, want := range []string{"Subject: [wabaguard] +55 11 4000 0000: SENDER_BUSINESS_PAUSED", "To: ops@acme.example, ana@acme.example",
		"Brake: pause_business (was none)", "131048"} {
		if !strings.Contains(mail, want) {
			t.Errorf("email lacks %q:\n%s", want, mail)
		}
	}
	if len(srv.rcpt) != 2 || len(srv.auth) != 1 || srv.auth[0] != "\x00alerts\x00"+password {
		t.Errorf("rcpt %v auth %q", srv.rcpt, srv.auth)
	}
	if strings.Contains(r.logs.String(), password) {
		t.Error("the SMTP password reached the log")
	}
	if s := r.eng.Config().Mailer.String(); strings.Contains(s, password) {
		t.Errorf("Mailer.String shows the password: %s", s)
	}
}

// A mail server that is down does not undo the decision: the brake
// stands and the failure is logged.
func TestSMTPDownKeepsTheBrake(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // nothing listens there now
	r := newRig(t, func(c *risk.Config) {
		c.Mailer = &risk.Mailer{Host: "127.0.0.1", Port: port, From: "a@b.example", To: []string{"c@d.example"}, Timeout: 2 * time.Second}
	})
	r.feed(t, status(wire.StatusFailed, 1, 131048)...)
	if b := r.brake(t); b.Level != "pause_business" {
		t.Errorf("brake %+v", b)
	}
	if !strings.Contains(r.logs.String(), "alert email") {
		t.Errorf("log lacks the failed email:\n%s", r.logs.String())
	}
}
