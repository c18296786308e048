package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	strict := Policy{}
	loop := Policy{AllowLoopback: true}
	priv := Policy{AllowPrivate: true}
	listed := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.1.2.0/24"), netip.MustParsePrefix("169.254.170.2/32")}}
	cases := []struct {
		addr   string
		p      Policy
		reason string // "" when allowed
	}{
		{"93.184.215.14", strict, ""},
		{"2606:4700::1111", strict, ""},
		{"127.0.0.1", strict, "loopback"},
		{"127.9.9.9", strict, "loopback"},
		{"::1", strict, "loopback"},
		{"::ffff:127.0.0.1", strict, "loopback"},
		{"127.0.0.1", loop, ""},
		{"::ffff:127.0.0.1", loop, ""},
		{"10.0.0.5", strict, "private"},
		{"172.16.3.4", strict, "private"},
		{"192.168.1.1", strict, "private"},
		{"::ffff:192.168.1.1", strict, "private"},
		{"fd00::1", strict, "private"},
		{"fd00:ec2::254", strict, "private"}, // AWS's IPv6 metadata address
		{"100.64.0.1", strict, "private"},
		{"100.127.255.254", strict, "private"},
		{"10.0.0.5", priv, ""},
		{"100.64.0.1", priv, ""},
		{"127.0.0.1", priv, "loopback"},
		{"169.254.169.254", strict, "link-local"},
		{"169.254.169.254", priv, "link-local"},
		{"169.254.169.254", loop, "link-local"},
		{"::ffff:169.254.169.254", strict, "link-local"},
		{"64:ff9b::a9fe:a9fe", strict, "link-local"}, // NAT64 form of 169.254.169.254
		{"fe80::1", strict, "link-local"},
		{"0.0.0.0", strict, "unspecified"},
		{"::", strict, "unspecified"},
		{"224.0.0.1", strict, "multicast"},
		{"ff02::1", strict, "multicast"},
		{"255.255.255.255", strict, "reserved"},
		{"0.1.2.3", strict, "reserved"},
		{"::7f00:1", strict, "reserved"}, // IPv4-compatible 127.0.0.1
		{"10.1.2.3", listed, ""},
		{"10.1.3.3", listed, "private"},
		{"169.254.170.2", listed, ""},
		{"169.254.169.254", listed, "link-local"},
	}
	for _, tc := range cases {
		err := tc.p.CheckAddr(netip.MustParseAddr(tc.addr))
		var re *RefusedError
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%s %+v: refused: %v", tc.addr, tc.p, err)
		case tc.reason != "" && (!errors.As(err, &re) || re.Reason != tc.reason || !errors.Is(err, ErrRefused)):
			t.Errorf("%s %+v: err = %v, want refused as %s", tc.addr, tc.p, err, tc.reason)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url  string
		p    Policy
		want string // "" when valid
	}{
		{"https://hooks.example.com/wa?x=1", Policy{}, ""},
		{"http://hooks.example.com:8081/wa", Policy{}, ""},
		{"ftp://hooks.example.com/", Policy{}, "http(s)"},
		{"hooks.example.com/wa", Policy{}, "http(s)"},
		{"https:///wa", Policy{}, "no host"},
		{"https://user:pw@hooks.example.com/", Policy{}, "user information"},
		{"http://169.254.169.254/latest/meta-data/", Policy{AllowLoopback: true, AllowPrivate: true}, "link-local"},
		{"http://127.0.0.1:8080/_demo/webhook", Policy{}, "loopback"},
		{"http://127.0.0.1:8080/_demo/webhook", Policy{AllowLoopback: true}, ""},
		{"http://[::1]:9/", Policy{}, "loopback"},
		{"http://localhost:9/", Policy{}, "loopback"},
		{"http://api.LOCALHOST./", Policy{}, "loopback"},
		{"http://localhost:9/", Policy{AllowLoopback: true}, ""},
		{"http://10.0.0.8/hook", Policy{}, "private"},
		{"http://10.0.0.8/hook", Policy{AllowPrivate: true}, ""},
		{"http://%zz/", Policy{}, "not a URL"},
	}
	for _, tc := range cases {
		err := tc.p.CheckURL(tc.url)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckURL(%q, %+v) = %v, want %q", tc.url, tc.p, err, tc.want)
		}
	}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	return resp, err
}

// TestClientChecksTheConnectedAddress runs the client against a real
// receiver on 127.0.0.1, by address and by a name resolving to it.
func TestClientChecksTheConnectedAddress(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	byName := "http://localhost:" + strconv.Itoa(port) + "/hook"
	cases := []struct {
		name, url string
		p         Policy
		reached   bool
	}{
		{"loopback refused by address", srv.URL, Policy{}, false},
		{"loopback refused after resolving a name", byName, Policy{}, false},
		{"private allowed is not loopback", srv.URL, Policy{AllowPrivate: true}, false},
		{"loopback allowed", srv.URL, Policy{AllowLoopback: true}, true},
		{"loopback allowed by a listed range", srv.URL, Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, true},
	}
	for _, tc := range cases {
		before := hits.Load()
		resp, err := get(t, tc.p.HTTPClient(), tc.url)
		got := hits.Load() > before
		if got != tc.reached {
			t.Errorf("%s: reached = %v (err %v)", tc.name, got, err)
		}
		if tc.reached {
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %v %v", tc.name, resp, err)
			}
		} else if !errors.Is(err, ErrRefused) {
			t.Errorf("%s: err = %v, want ErrRefused", tc.name, err)
		}
	}
}

// TestClientDoesNotFollowRedirects checks that a receiver answering 307 to
// another (allowed) receiver gets the request and the other one does not.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var other atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	t.Cleanup(target.Close)
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/stolen", code)
		}))
		resp, err := get(t, Policy{AllowLoopback: true}.HTTPClient(), redir.URL)
		redir.Close()
		if err != nil || resp.StatusCode != code {
			t.Errorf("%d: resp %v err %v, want the %d itself", code, resp, err, code)
		}
	}
	if n := other.Load(); n != 0 {
		t.Fatalf("redirect target received %d requests", n)
	}
}
