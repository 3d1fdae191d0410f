package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"winnow/sink/natsbus"
)

// internalFlag starts the usage text of flags that tests and operators'
// scripts use but `-h` does not list.
const internalFlag = "(internal) "

// busFlags are the NATS flags shared by the bus commands (run, worker,
// sink, dlq-forwarder, admin, tail): the connection and the topology.
// Every process of one deployment must agree on the topology flags.
type busFlags struct {
	url, creds, nkey, user, password, passwordFile, inbox string
	tlsCA, tlsCert, tlsKey                                string
	tlsFirst, wait                                        bool

	namespace       string
	replicas        int
	partitions      int
	frontierAckWait time.Duration
	articlesMaxMsgs int64
	articlesMaxSize int64
}

func (b *busFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.url, "nats-url", "", "NATS server URL(s), comma-separated; empty = the embedded server in --data/nats (run only)")
	fs.StringVar(&b.creds, "nats-creds", "", "NATS credentials file (user JWT and NKey seed)")
	fs.StringVar(&b.nkey, "nats-nkey", "", "file holding an NKey user seed")
	fs.StringVar(&b.user, "nats-user", "", "NATS user name")
	fs.StringVar(&b.passwordFile, "nats-password-file", "", "file whose first line is the NATS user's password")
	// A password is never a flag value (it would show in ps): the old
	// flag stays only for WINNOW_NATS_PASSWORD, hidden.
	fs.StringVar(&b.password, "nats-password", "", internalFlag+"NATS password; deprecated: use --nats-password-file (or WINNOW_NATS_PASSWORD)")
	fs.StringVar(&b.inbox, "nats-inbox-prefix", "", "inbox prefix of this role's replies (default _INBOX)")
	fs.StringVar(&b.tlsCA, "nats-ca", "", "PEM file of the CAs that sign the server certificate")
	fs.StringVar(&b.tlsCert, "nats-cert", "", "client certificate (PEM) for mutual TLS")
	fs.StringVar(&b.tlsKey, "nats-key", "", "client key (PEM) for mutual TLS")
	// The names before the deployment files settled on the ones above.
	fs.StringVar(&b.tlsCA, "nats-tls-ca", "", internalFlag+"deprecated: --nats-ca")
	fs.StringVar(&b.tlsCert, "nats-tls-cert", "", internalFlag+"deprecated: --nats-cert")
	fs.StringVar(&b.tlsKey, "nats-tls-key", "", internalFlag+"deprecated: --nats-key")
	fs.IntVar(&b.replicas, "replicas", 1, "replicas of every stream and bucket a process creates (3 in a cluster); the same in every process")
	fs.BoolVar(&b.tlsFirst, "nats-tls-first", false, "TLS handshake before the NATS protocol (server option handshake_first)")
	fs.BoolVar(&b.wait, "nats-wait", false, "keep trying to connect until the server answers (default: fail at once)")
	fs.IntVar(&b.partitions, "partitions", 16, "frontier partitions (hash of host); the same in every process")
	fs.DurationVar(&b.frontierAckWait, "frontier-ack-wait", time.Minute, "how long a crawl task may stay unsettled before another delivery (doubles per delivery); the same in every process")
	fs.StringVar(&b.namespace, "nats-namespace", "", internalFlag+"prefix of every stream, bucket and subject (tests sharing one server)")
	fs.Int64Var(&b.articlesMaxMsgs, "articles-max-msgs", 0, "cap on the ARTICLES stream's messages (0 = unlimited); a full stream stops the crawl, nothing is evicted")
	fs.Int64Var(&b.articlesMaxSize, "articles-max-bytes", 0, "cap on the ARTICLES stream's bytes (0 = 8 GiB); a full stream stops the crawl, nothing is evicted")
}

// config returns the bus topology the flags describe.
func (b *busFlags) config() (natsbus.Config, error) {
	if b.partitions < 1 || b.partitions > 1024 {
		return natsbus.Config{}, usagef("--partitions must be in 1..1024")
	}
	if b.frontierAckWait < time.Second {
		return natsbus.Config{}, usagef("--frontier-ack-wait must be at least 1s")
	}
	if b.replicas < 0 || b.replicas > 5 {
		return natsbus.Config{}, usagef("--replicas must be in 1..5")
	}
	if b.articlesMaxMsgs < 0 || b.articlesMaxSize < 0 {
		return natsbus.Config{}, usagef("--articles-max-msgs and --articles-max-bytes must not be negative")
	}
	c := natsbus.Config{
		Namespace:  b.namespace,
		Replicas:   b.replicas,
		Partitions: b.partitions,
		FrontierBackOff: []time.Duration{
			b.frontierAckWait, 2 * b.frontierAckWait, 4 * b.frontierAckWait, 8 * b.frontierAckWait,
		},
		ArticlesMaxMsgs:  b.articlesMaxMsgs,
		ArticlesMaxBytes: b.articlesMaxSize,
	}
	if _, err := c.Names(); err != nil {
		return c, usageError{err}
	}
	return c, nil
}

// external reports whether the flags name an external server.
func (b *busFlags) external() bool { return strings.TrimSpace(b.url) != "" }

// connect connects to the external server the flags name.
func (b *busFlags) connect(ctx context.Context, role string, log *slog.Logger) (*natsbus.Conn, error) {
	if !b.external() {
		return nil, usagef("--nats-url (or WINNOW_NATS_URL) is required: %s runs against an external NATS server", role)
	}
	password := b.password
	if b.passwordFile != "" {
		data, err := os.ReadFile(b.passwordFile)
		if err != nil {
			return nil, fmt.Errorf("--nats-password-file: %w", err)
		}
		password, _, _ = strings.Cut(string(data), "\n")
		password = strings.TrimRight(password, "\r")
	}
	return natsbus.Connect(ctx, natsbus.Options{
		URLs:          splitList(b.url),
		Name:          "winnow-" + role,
		CredsFile:     b.creds,
		NKeySeedFile:  b.nkey,
		User:          b.user,
		Password:      password,
		InboxPrefix:   b.inbox,
		WaitForServer: b.wait,
		TLS:           natsbus.TLSOptions{CAFile: b.tlsCA, CertFile: b.tlsCert, KeyFile: b.tlsKey, First: b.tlsFirst},
		Logger:        log,
	})
}

// open connects to the external server, or without --nats-url starts the
// embedded one on dataDir/nats.
func (b *busFlags) open(ctx context.Context, role, dataDir string, log *slog.Logger) (*natsbus.Conn, error) {
	if b.external() {
		return b.connect(ctx, role, log)
	}
	return natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: filepath.Join(dataDir, "nats"), Logger: log})
}

// parseFlagsEnv parses args like parseFlags, then sets every flag the
// command line left alone from the environment variable WINNOW_<NAME>
// (upper case, '-' as '_'), e.g. WINNOW_NATS_URL for --nats-url.
func parseFlagsEnv(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := envName(f.Name)
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	})
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	return nil
}

// parseFlagsEnvNoArgs is parseFlagsEnv for commands that take no
// positional arguments.
func parseFlagsEnvNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parseFlagsEnv(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "WINNOW_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// setUsage makes fs print usage with the visible flags only (those not
// marked internal), each with its environment variable.
func setUsage(fs *flag.FlagSet, name, usage string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: winnow %s %s\n\nflags (each also from the environment variable shown):\n", name, usage)
		fs.VisitAll(func(f *flag.Flag) {
			if strings.HasPrefix(f.Usage, internalFlag) {
				return
			}
			typ, text := flag.UnquoteUsage(f)
			fmt.Fprintf(w, "  --%s", f.Name)
			if typ != "" {
				fmt.Fprintf(w, " %s", typ)
			}
			fmt.Fprintf(w, "  [%s]\n    \t%s", envName(f.Name), text)
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(w)
		})
	}
}

// logLevelFlag registers --log-level.
func logLevelFlag(fs *flag.FlagSet) *slog.Level {
	lvl := new(slog.Level)
	*lvl = slog.LevelWarn
	fs.TextVar(lvl, "log-level", lvl, "log level on stderr: debug, info, warn or error")
	return lvl
}
