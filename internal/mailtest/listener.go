package mailtest

import (
	"net"
	"sync/atomic"
)

// listener counts connections and, while down, greets each one with 421
// and closes it before go-smtp sees it, as a mail server that is up but
// refusing service does (RFC 5321 §3.1).
type listener struct {
	net.Listener
	count atomic.Int64
	down  atomic.Bool
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.count.Add(1)
		if !l.down.Load() {
			return c, nil
		}
		c.Write([]byte("421 4.3.2 localhost Service not available\r\n"))
		c.Close()
	}
}
