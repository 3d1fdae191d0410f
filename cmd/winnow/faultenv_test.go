package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"winnow/crawler/demosite"
	"winnow/sink/natsbus"
	"winnow/sink/record"
)

// The fault tests run the real binary: TestMain makes a directory for it
// and the first test that needs it builds it there with go build.
var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "winnow-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// winnowBinary returns the path of the winnow binary, built once.
func winnowBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "winnow")
		binError = goBuild(binPath, ".")
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// goBuild builds pkg into out with the toolchain running this test.
func goBuild(out, pkg string) error {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	if msg, err := exec.Command(goTool, "build", "-o", out, pkg).CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a winnow process started by a test.
type proc struct {
	t      testing.TB
	name   string
	cmd    *exec.Cmd
	stderr syncBuffer
	stdout syncBuffer
	done   chan struct{}
	err    error
}

// startWinnow starts the binary with args and the environment env (on
// top of the test's); it is killed when t ends if still running.
func startWinnow(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	return startProcess(t, name, winnowBinary(t), env, args...)
}

// startProcess starts the program at path like startWinnow.
func startProcess(t testing.TB, name, path string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, tail(p.stderr.String(), 4000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill9 kills the process with SIGKILL and waits for it.
func (p *proc) kill9() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && p.running() {
		p.t.Fatalf("kill -9 %s: %v", p.name, err)
	}
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit (status 0).
func (p *proc) stop(d time.Duration) {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(d, 0)
}

// wait waits up to d for the process to exit with code want.
func (p *proc) wait(d time.Duration, want int) {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("%s did not exit within %s\nstderr:\n%s", p.name, d, tail(p.stderr.String(), 4000))
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		code = ee.ExitCode()
	} else if p.err != nil {
		p.t.Fatalf("%s: %v", p.name, p.err)
	}
	if code != want {
		p.t.Fatalf("%s exited %d, want %d\nstderr:\n%s", p.name, code, want, tail(p.stderr.String(), 4000))
	}
}

// runWinnow runs the binary to completion and returns its stdout.
func runWinnow(t testing.TB, env []string, args ...string) string {
	t.Helper()
	p := startWinnow(t, args[0], env, args...)
	p.wait(2*time.Minute, 0)
	return p.stdout.String()
}

// serveDemo serves a demo site on addr (e.g. "127.0.0.1:0") until t
// ends and returns it with its base URL.
func serveDemo(t testing.TB, addr string) (*demosite.Site, string) {
	t.Helper()
	site := demosite.New(demosite.Options{})
	if err := site.Err(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return site, "http://" + ln.Addr().String()
}

// writeDemoSource writes the demo source for the site at base into dir
// as id, with the given user agent ("" = the default).
func writeDemoSource(t testing.TB, dir, id, base, agent string) {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	text := strings.NewReplacer("{{base}}", base, "{{host}}", host).Replace(demoSourceTemplate)
	text = strings.Replace(text, "id: demo\n", "id: "+id+"\n", 1)
	if agent != "" {
		text = strings.Replace(text, "politeness:\n", "politeness:\n  user_agent: "+agent+"\n", 1)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startNATS starts an in-process nats-server with JetStream on a free
// loopback port (file store in a temp dir, fsync on every write) and
// returns its URL.
func startNATS(t testing.TB) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), SyncAlways: true,
		NoSigs: true, NoLog: true, MaxPayload: 8 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv.ClientURL()
}

// bus is a test's connection to the server its processes share, with the
// namespace they use.
type bus struct {
	t     testing.TB
	url   string
	cfg   natsbus.Config
	names natsbus.Names
	conn  *natsbus.Conn
	env   []string // WINNOW_* settings every process of the test gets
}

// newBus connects to url with a fresh namespace; processes get the URL,
// the namespace and a short frontier ack wait from the environment.
func newBus(t testing.TB, url string) *bus {
	t.Helper()
	ns := uniqueName("t")
	cfg := natsbus.Config{Namespace: ns}
	names, err := cfg.Names()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := natsbus.Connect(t.Context(), natsbus.Options{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	b := &bus{t: t, url: url, cfg: cfg, names: names, conn: conn,
		env: []string{"WINNOW_NATS_URL=" + url, "WINNOW_NATS_NAMESPACE=" + ns, "WINNOW_FRONTIER_ACK_WAIT=3s"}}
	t.Cleanup(func() {
		b.deleteNamespace()
		conn.Close()
	})
	return b
}

// deleteNamespace removes the test's streams and buckets (they live on
// a server other tests share).
func (b *bus) deleteNamespace() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	js := b.conn.JetStream()
	for _, s := range []string{b.names.Frontier, b.names.Articles, b.names.Audit, b.names.DLQ, b.names.Advisories, b.names.Outcomes} {
		_ = js.DeleteStream(ctx, s)
	}
	for _, kv := range []string{b.names.State, b.names.Seen, b.names.Leases} {
		_ = js.DeleteKeyValue(ctx, kv)
	}
}

// streamState returns a stream's message count and first sequence.
func (b *bus) streamState(name string) (msgs, first uint64) {
	b.t.Helper()
	s, err := b.conn.JetStream().Stream(b.t.Context(), name)
	if err != nil {
		b.t.Fatalf("stream %s: %v", name, err)
	}
	info, err := s.Info(b.t.Context())
	if err != nil {
		b.t.Fatalf("stream %s: %v", name, err)
	}
	return info.State.Msgs, info.State.FirstSeq
}

// consumerInfo returns a consumer's info.
func (b *bus) consumerInfo(stream, durable string) *jetstream.ConsumerInfo {
	b.t.Helper()
	c, err := b.conn.JetStream().Consumer(b.t.Context(), stream, durable)
	if err != nil {
		b.t.Fatalf("consumer %s/%s: %v", stream, durable, err)
	}
	info, err := c.Info(b.t.Context())
	if err != nil {
		b.t.Fatalf("consumer %s/%s: %v", stream, durable, err)
	}
	return info
}

// publish publishes recs to ARTICLES with the production publisher.
func (b *bus) publish(recs []*record.Article) {
	b.t.Helper()
	pub, err := natsbus.NewPublisher(b.conn.JetStream(), natsbus.PublisherOptions{Config: b.cfg})
	if err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.t.Context(), time.Minute)
	defer cancel()
	if err := pub.WriteBatch(ctx, recs); err != nil {
		b.t.Fatalf("publish: %v", err)
	}
}

// publishRaw publishes data to subject with the given message id.
func (b *bus) publishRaw(subject, msgID string, data []byte) {
	b.t.Helper()
	if _, err := b.conn.JetStream().Publish(b.t.Context(), subject, data, jetstream.WithMsgID(msgID)); err != nil {
		b.t.Fatalf("publish %s: %v", subject, err)
	}
}

var (
	demoOnce    sync.Once
	demoRecs    []*record.Article
	demoRecsErr error
)

// demoRecords returns the records of one crawl of the demo site (a
// `winnow demo` run in-process, once per test binary): the known article
// set the sink fault tests publish.
func demoRecords(t testing.TB) []*record.Article {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "winnow-demo-records-")
		if err != nil {
			demoRecsErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "records.jsonl")
		var errb bytes.Buffer
		code := run(context.Background(), []string{"demo", "--quiet", "--no-archive", "--data", dir, "--out", out},
			stdio{in: strings.NewReader(""), out: io.Discard, err: &errb})
		if code != 0 {
			demoRecsErr = fmt.Errorf("winnow demo: exit %d: %s", code, errb.String())
			return
		}
		data, err := os.ReadFile(out)
		if err != nil {
			demoRecsErr = err
			return
		}
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			var a record.Article
			if err := json.Unmarshal(line, &a); err != nil {
				demoRecsErr = err
				return
			}
			demoRecs = append(demoRecs, &a)
		}
	})
	if demoRecsErr != nil {
		t.Fatal(demoRecsErr)
	}
	return demoRecs
}

// recordsHost returns the host of the records' URLs (one crawl, one
// host).
func recordsHost(t testing.TB, recs []*record.Article) string {
	t.Helper()
	u := strings.TrimPrefix(recs[0].CanonicalURL, "http://")
	return u[:strings.IndexByte(u, '/')]
}
