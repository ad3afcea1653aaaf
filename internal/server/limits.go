package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Limits bounds what one client can hold of the server: time to send
// headers, the pace of a body, time to take an answer, idle keep-alive
// connections, and connections per address. The zero value means the
// defaults below.
type Limits struct {
	// HeaderTimeout is the time a client has to send the request headers.
	HeaderTimeout time.Duration
	// BodyIdle is how long the server waits, in all, for a body's next
	// BodyProgress bytes: a body that trickles is cut off, while a large
	// batch that keeps moving is read for as long as it moves. Time the
	// server spends processing between reads does not count.
	BodyIdle     time.Duration
	BodyProgress int
	// WriteTimeout is the time an answer may take to be written, counted
	// from when the handler starts or last extends it.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request.
	IdleTimeout time.Duration
	// ConnsPerAddress caps concurrent connections from one IP address.
	ConnsPerAddress int
	// SumsCache is the memory, in bytes, for members' sums kept between
	// their page views (see sumsCache); negative turns the cache off.
	SumsCache int64
}

// DefaultLimits are the limits of kori serve.
var DefaultLimits = Limits{
	HeaderTimeout:   10 * time.Second,
	BodyIdle:        10 * time.Second,
	BodyProgress:    16 << 10,
	WriteTimeout:    2 * time.Minute,
	IdleTimeout:     2 * time.Minute,
	ConnsPerAddress: 256,
	SumsCache:       64 << 20,
}

func (l Limits) orDefaults() Limits {
	d := DefaultLimits
	if l.HeaderTimeout > 0 {
		d.HeaderTimeout = l.HeaderTimeout
	}
	if l.BodyIdle > 0 {
		d.BodyIdle = l.BodyIdle
	}
	if l.BodyProgress > 0 {
		d.BodyProgress = l.BodyProgress
	}
	if l.WriteTimeout > 0 {
		d.WriteTimeout = l.WriteTimeout
	}
	if l.IdleTimeout > 0 {
		d.IdleTimeout = l.IdleTimeout
	}
	if l.ConnsPerAddress > 0 {
		d.ConnsPerAddress = l.ConnsPerAddress
	}
	if l.SumsCache != 0 {
		d.SumsCache = l.SumsCache
	}
	return d
}

// HTTPServer returns the http.Server that serves s with its limits;
// Serve it on a listener from Listen.
func (s *Server) HTTPServer() *http.Server {
	l := s.Limits.orDefaults()
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: l.HeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// Listen listens on addr with at most Limits.ConnsPerAddress concurrent
// connections from one IP address; further ones are closed at once.
func (s *Server) Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &limitListener{Listener: ln, per: s.Limits.orDefaults().ConnsPerAddress, open: map[string]int{}}, nil
}

type limitListener struct {
	net.Listener
	per  int
	mu   sync.Mutex
	open map[string]int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		l.mu.Lock()
		full := l.open[host] >= l.per
		if !full {
			l.open[host]++
		}
		l.mu.Unlock()
		if full {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.open[host]--; l.open[host] <= 0 {
				delete(l.open, host)
			}
		}}, nil
	}
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// paced sets a request's write deadline and makes its body keep pace:
// see Limits.BodyIdle.
func (s *Server) paced(next http.Handler) http.Handler {
	l := s.Limits.orDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Now().Add(l.WriteTimeout))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &pacedBody{ReadCloser: r.Body, rc: rc, idle: l.BodyIdle, progress: l.BodyProgress}
		}
		next.ServeHTTP(w, r)
	})
}

// extendWrite gives a long handler (a large batch) a fresh write deadline
// once it has read its body.
func (s *Server) extendWrite(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.Limits.orDefaults().WriteTimeout))
}

// pacedBody sets the connection's read deadline before every read so that
// the client has, in all, idle to deliver each progress bytes: time spent
// waiting inside Read counts, time the handler spends elsewhere does not.
type pacedBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	idle     time.Duration
	progress int
	waited   time.Duration // inside Read since the last checkpoint
	got      int           // bytes since the last checkpoint
	off      bool          // the connection does not support deadlines
}

// errBodyTooSlow is returned when a body does not keep pace.
var errBodyTooSlow = errors.New("the request body arrived too slowly; the connection was closed")

func (b *pacedBody) Read(p []byte) (int, error) {
	if !b.off {
		left := b.idle - b.waited
		if left <= 0 {
			// Past the deadline, so that the server's own read of the
			// rest of the body fails too and the connection closes.
			_ = b.rc.SetReadDeadline(time.Now())
			return 0, errBodyTooSlow
		}
		if err := b.rc.SetReadDeadline(time.Now().Add(left)); err != nil {
			b.off = true
		}
	}
	start := time.Now()
	n, err := b.ReadCloser.Read(p)
	b.waited += time.Since(start)
	if b.got += n; b.got >= b.progress {
		b.got, b.waited = 0, 0
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		b.waited = b.idle
		return n, errBodyTooSlow
	}
	if err == io.EOF && !b.off {
		// The server's own background read after the body must not time
		// out while the handler works (it would cancel the request).
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
