// Package egress decides which network destinations the gateway may open
// connections to on a tenant's behalf (its webhook URL), so that a webhook
// URL cannot make the gateway reach cloud metadata services, the internal
// network or the gateway itself.
//
// The check runs on the address actually being connected to, after DNS
// resolution, for every new connection (net.Dialer.Control): a name that
// resolves to a public address at validation time and to 127.0.0.1 at
// delivery time (DNS rebinding) is still refused.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is matched (with errors.Is) by every refusal of a destination.
var ErrRefused = errors.New("egress: destination refused")

// RefusedError says which address was refused and why.
type RefusedError struct {
	Addr   string // the address or host refused
	Reason string // its kind: loopback, private, link-local, …
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("egress: destination %s refused: %s address", e.Addr, e.Reason)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Policy says which destinations are allowed. The zero Policy allows public
// unicast addresses only.
type Policy struct {
	// AllowLoopback allows 127.0.0.0/8 and ::1 (the demo, tests, a receiver
	// on the same host).
	AllowLoopback bool
	// AllowPrivate allows RFC 1918 ranges, fc00::/7 and the shared CGNAT
	// range 100.64.0.0/10 (a receiver on the internal network).
	AllowPrivate bool
	// Allow lists ranges allowed whatever their kind, for an operator who
	// needs one specific internal or link-local range and nothing else.
	Allow []netip.Prefix
}

var (
	cgnat = netip.MustParsePrefix("100.64.0.0/10")
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	// reserved ranges that are no legitimate webhook destination: "this
	// network", IETF protocol assignments, benchmarking, the reserved
	// class E block with the broadcast address, IPv6 discard, and the
	// deprecated IPv4-compatible IPv6 form (::a.b.c.d).
	reserved = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("240.0.0.0/4"),
		netip.MustParsePrefix("100::/64"),
		netip.MustParsePrefix("::/96"),
	}
)

// CheckAddr reports whether a connection to a is allowed: nil, or a
// *RefusedError.
func (p Policy) CheckAddr(a netip.Addr) error {
	a = a.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if nat64.Contains(a) {
		// A NAT64 gateway would carry the connection to the embedded IPv4
		// address: judge that one.
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:16]))
	}
	for _, pr := range p.Allow {
		if pr.Contains(a) {
			return nil
		}
	}
	refuse := func(reason string) error { return &RefusedError{Addr: a.String(), Reason: reason} }
	switch {
	case !a.IsValid():
		return refuse("invalid")
	case a.IsUnspecified():
		return refuse("unspecified")
	case a.IsLoopback():
		if !p.AllowLoopback {
			return refuse("loopback")
		}
		return nil
	case a.IsMulticast():
		return refuse("multicast")
	case a.IsLinkLocalUnicast():
		// 169.254.0.0/16 holds the cloud metadata services (169.254.169.254).
		return refuse("link-local")
	case a.IsPrivate() || cgnat.Contains(a):
		if !p.AllowPrivate {
			return refuse("private")
		}
		return nil
	}
	for _, pr := range reserved {
		if pr.Contains(a) {
			return refuse("reserved")
		}
	}
	return nil
}

// CheckURL validates a webhook URL without resolving it: http or https, a
// host, no user information, and, when the host is a literal IP address or
// a localhost name, an allowed one. Names are checked again on every
// connection, after resolution.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must be an http(s) URL")
	}
	if u.User != nil {
		return errors.New("must not carry user information (user:password@); authenticate with the webhook secret's signature")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("has no host")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return p.CheckAddr(a)
	}
	if h := strings.TrimSuffix(strings.ToLower(host), "."); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if !p.AllowLoopback {
			return &RefusedError{Addr: host, Reason: "loopback"}
		}
	}
	return nil
}

// control is net.Dialer.Control: it runs once per connection attempt with
// the resolved address about to be connected to.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Addr: address, Reason: "unparseable"}
	}
	return p.CheckAddr(ap.Addr())
}

// Dialer returns a dialer that refuses every connection to an address p
// does not allow.
func (p Policy) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
}

// HTTPClient returns a client whose every connection is checked by p and
// which never follows redirects (a 3xx is returned as the response): a
// redirect would hand the signed events to whatever the receiver names,
// checked or not. It ignores HTTP(S)_PROXY, as through a proxy the check
// would only see the proxy's address.
func (p Policy) HTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           p.Dialer().DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ParsePrefixes parses CIDR ranges (a bare address is its own /32 or /128).
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR range or an IP address", s)
		}
		out = append(out, pr.Masked())
	}
	return out, nil
}
