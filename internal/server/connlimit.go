package server

import (
	"net"
	"sync"
)

// connLimitListener caps the open connections of each client address. A
// connection over the cap is closed as soon as it is accepted, before any
// byte is read, so one client cannot exhaust the server's file descriptors
// or goroutines by opening connections and never finishing a request.
type connLimitListener struct {
	net.Listener
	max    int
	onDrop func(addr string)

	mu   sync.Mutex
	open map[string]int
}

func limitConnsPerClient(ln net.Listener, max int, onDrop func(string)) net.Listener {
	if max <= 0 {
		return ln
	}
	return &connLimitListener{Listener: ln, max: max, onDrop: onDrop, open: map[string]int{}}
}

func (l *connLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := clientHost(c.RemoteAddr())
		l.mu.Lock()
		if l.open[host] >= l.max {
			l.mu.Unlock()
			_ = c.Close()
			if l.onDrop != nil {
				l.onDrop(host)
			}
			continue
		}
		l.open[host]++
		l.mu.Unlock()
		return &countedConn{Conn: c, release: func() { l.release(host) }}, nil
	}
}

func (l *connLimitListener) release(host string) {
	l.mu.Lock()
	if l.open[host]--; l.open[host] <= 0 {
		delete(l.open, host)
	}
	l.mu.Unlock()
}

// clientHost is the address a client is counted by: its IP without the port.
func clientHost(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// countedConn gives its slot back exactly once, however often it is closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
