package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configures Connect, the connection to an external NATS server or
// cluster. The zero value connects to nats://127.0.0.1:4222 without
// credentials and fails at once if no server answers.
type Options struct {
	// URLs are the servers to try; zero = nats.DefaultURL
	// (nats://127.0.0.1:4222).
	URLs []string
	// Name is the connection name shown by the server; zero = "winnow".
	Name string
	// CredsFile is a .creds file (user JWT and NKey seed); zero = none.
	CredsFile string
	// NKeySeedFile is a file holding an NKey user seed; zero = none.
	NKeySeedFile string
	// User and Password authenticate with a user name and password;
	// zero = none.
	User, Password string
	// TLS configures TLS; its zero value uses TLS only if a URL says
	// tls:// or the server requires it, verified against system roots.
	TLS TLSOptions
	// InboxPrefix is the per-role inbox prefix for replies (request/reply,
	// JetStream API and acks), e.g. "_INBOX_crawler"; zero = "_INBOX".
	// Give each role its own so its permissions can allow only its inbox.
	InboxPrefix string
	// ConnectTimeout bounds one dial attempt; zero = 5s.
	ConnectTimeout time.Duration
	// WaitForServer keeps trying the first connect (with back-off) until
	// ctx ends; zero = fail when the first attempt fails.
	WaitForServer bool
	// ReconnectWait is the first reconnect delay, doubled per attempt up
	// to MaxReconnectWait, with jitter; zero = 500ms. The connection
	// reconnects forever.
	ReconnectWait time.Duration
	// MaxReconnectWait caps the reconnect delay; zero = 30s.
	MaxReconnectWait time.Duration
	// Logger receives async errors, disconnects and reconnects; zero =
	// discard.
	Logger *slog.Logger
}

// TLSOptions configures TLS for Connect.
type TLSOptions struct {
	// CAFile is a PEM file of roots to verify the server; zero = system roots.
	CAFile string
	// CertFile and KeyFile are the client certificate and key (mutual
	// TLS); zero = no client certificate. Both or neither must be set.
	CertFile, KeyFile string
	// First does the TLS handshake before the NATS INFO exchange
	// (server option handshake_first); zero = the usual order.
	First bool
}

// EmbeddedOptions configures StartEmbedded, the in-process nats-server.
type EmbeddedOptions struct {
	// StoreDir is where JetStream keeps its file store, in the data
	// directory. Required.
	StoreDir string
	// ServerName names the server; zero = "winnow-embedded". Keep it stable
	// across restarts of the same StoreDir.
	ServerName string
	// MaxStore caps JetStream file storage in bytes; zero = the server's
	// default (a share of the free disk).
	MaxStore int64
	// MaxPayload is the largest message in bytes; zero = 8 MiB.
	MaxPayload int32
	// ReadyTimeout bounds the server start; zero = 10s.
	ReadyTimeout time.Duration
	// Logger receives the server's own log (notices as Info, warnings,
	// errors) and the client callbacks; zero = discard.
	Logger *slog.Logger
}

// Conn is a NATS connection with its JetStream handle and, for an embedded
// server, the server it owns. Close releases both, in order.
type Conn struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	srv *server.Server
	log *slog.Logger
}

// JetStream returns the JetStream handle every other function of this
// package takes.
func (c *Conn) JetStream() jetstream.JetStream { return c.js }

// NATS returns the underlying core connection.
func (c *Conn) NATS() *nats.Conn { return c.nc }

// Close drains the connection (in-flight acks and publishes finish,
// bounded by the drain timeout), then shuts an embedded server down and
// waits for it. It is safe to call more than once.
func (c *Conn) Close() error {
	if !c.nc.IsClosed() {
		closed := make(chan struct{})
		c.nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
		if derr := c.nc.Drain(); derr != nil {
			c.nc.Close()
		} else {
			select {
			case <-closed:
			case <-time.After(35 * time.Second):
				c.nc.Close()
			}
		}
		if !c.nc.IsClosed() {
			c.nc.Close()
		}
	}
	if c.srv != nil {
		c.srv.Shutdown()
		c.srv.WaitForShutdown()
	}
	return nil
}

// Connect connects to an external NATS server or cluster: it dials, sets
// up authentication, TLS and the inbox prefix, reconnects forever with
// exponential back-off and logs connection events to Options.Logger.
func Connect(ctx context.Context, o Options) (*Conn, error) {
	log := o.Logger
	if log == nil {
		log = discardLogger()
	}
	if (o.TLS.CertFile == "") != (o.TLS.KeyFile == "") {
		return nil, fmt.Errorf("%w: TLS CertFile and KeyFile must be set together", ErrInvalidOptions)
	}
	for _, f := range []string{o.CredsFile, o.NKeySeedFile, o.TLS.CAFile, o.TLS.CertFile, o.TLS.KeyFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
		}
	}
	url := nats.DefaultURL
	if len(o.URLs) > 0 {
		url = joinURLs(o.URLs)
	}
	opts, err := clientOptions(o, log)
	if err != nil {
		return nil, err
	}
	delay := 250 * time.Millisecond
	for {
		nc, err := nats.Connect(url, opts...)
		if err == nil {
			return newConn(nc, nil, log)
		}
		if !o.WaitForServer || errors.Is(err, nats.ErrAuthorization) {
			return nil, fmt.Errorf("natsbus: connect %s: %w", url, err)
		}
		log.Warn("nats connect failed, retrying", "url", url, "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("natsbus: connect %s: %w (last error: %v)", url, ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}

func joinURLs(urls []string) string {
	s := ""
	for i, u := range urls {
		if i > 0 {
			s += ","
		}
		s += u
	}
	return s
}

func clientOptions(o Options, log *slog.Logger) ([]nats.Option, error) {
	name := o.Name
	if name == "" {
		name = "winnow"
	}
	wait := o.ReconnectWait
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	maxWait := o.MaxReconnectWait
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	timeout := o.ConnectTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.Timeout(timeout),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(func(attempts int) time.Duration {
			d := wait
			for i := 1; i < attempts && d < maxWait; i++ {
				d *= 2
			}
			d = min(d, maxWait)
			return d/2 + rand.N(d/2+1)
		}),
		nats.DrainTimeout(30 * time.Second),
	}
	opts = append(opts, eventHandlers(log)...)
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NKeySeedFile != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nkey seed %s: %w", ErrInvalidOptions, o.NKeySeedFile, err)
		}
		opts = append(opts, opt)
	}
	if o.User != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.TLS.CAFile != "" {
		opts = append(opts, nats.RootCAs(o.TLS.CAFile))
	}
	if o.TLS.CertFile != "" {
		opts = append(opts, nats.ClientCert(o.TLS.CertFile, o.TLS.KeyFile))
	}
	if o.TLS.First {
		opts = append(opts, nats.TLSHandshakeFirst())
	}
	if o.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(o.InboxPrefix))
	}
	return opts, nil
}

func eventHandlers(log *slog.Logger) []nats.Option {
	return []nats.Option{
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Error("nats async error", "subject", subj, "err", err)
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
	}
}

// StartEmbedded starts an in-process nats-server with JetStream: file
// store in StoreDir, no network listener (DontListen), every write fsynced
// before it is acknowledged (SyncAlways). It returns a connection through
// the in-process pipe; Conn.Close shuts the server down cleanly. A later
// StartEmbedded on the same StoreDir recovers every stream, consumer and
// bucket.
func StartEmbedded(ctx context.Context, o EmbeddedOptions) (*Conn, error) {
	if o.StoreDir == "" {
		return nil, fmt.Errorf("%w: EmbeddedOptions.StoreDir is required", ErrInvalidOptions)
	}
	log := o.Logger
	if log == nil {
		log = discardLogger()
	}
	name := o.ServerName
	if name == "" {
		name = "winnow-embedded"
	}
	payload := o.MaxPayload
	if payload <= 0 {
		payload = 8 << 20
	}
	ready := o.ReadyTimeout
	if ready <= 0 {
		ready = 10 * time.Second
	}
	if err := os.MkdirAll(o.StoreDir, 0o750); err != nil {
		return nil, fmt.Errorf("natsbus: embedded store dir: %w", err)
	}
	sopts := &server.Options{
		ServerName:        name,
		DontListen:        true,
		JetStream:         true,
		StoreDir:          o.StoreDir,
		SyncAlways:        true,
		JetStreamMaxStore: o.MaxStore,
		MaxPayload:        payload,
		NoSigs:            true,
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("natsbus: embedded server: %w", err)
	}
	srv.SetLoggerV2(serverLogger{log: log.With("component", "nats-server")}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(ready) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("natsbus: embedded server not ready after %s", ready)
	}
	if err := ctx.Err(); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	opts := append([]nats.Option{
		nats.InProcessServer(srv),
		nats.Name(name + "-client"),
		nats.MaxReconnects(-1),
	}, eventHandlers(log)...)
	nc, err := nats.Connect("", opts...)
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("natsbus: connect to embedded server: %w", err)
	}
	c, err := newConn(nc, srv, log)
	if err != nil {
		nc.Close()
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	return c, nil
}

func newConn(nc *nats.Conn, srv *server.Server, log *slog.Logger) (*Conn, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("natsbus: jetstream: %w", err)
	}
	return &Conn{nc: nc, js: js, srv: srv, log: log}, nil
}

// serverLogger adapts slog to the nats-server logger interface.
type serverLogger struct{ log *slog.Logger }

func (l serverLogger) Noticef(format string, v ...any) { l.log.Info(fmt.Sprintf(format, v...)) }
func (l serverLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l serverLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l serverLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l serverLogger) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l serverLogger) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
