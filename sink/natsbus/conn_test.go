package natsbus

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// listeningServer starts a nats-server on a random loopback port with
// opts applied, for Connect tests.
func listeningServer(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	return listeningServerOn(t, -1, opts)
}

// listeningServerOn is listeningServer on a given port (-1: random).
func listeningServerOn(t *testing.T, port int, opts *server.Options) *server.Server {
	t.Helper()
	opts.Host, opts.Port, opts.NoSigs, opts.NoLog = "127.0.0.1", port, true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnectAuth(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	srv := listeningServer(t, &server.Options{
		Users: []*server.User{{Username: "sink", Password: "s3cret"}},
		Nkeys: []*server.NkeyUser{{Nkey: pub}},
	})
	url := srv.ClientURL()
	seedFile := writeFile(t, "user.nk", seed)
	tests := []struct {
		name    string
		o       Options
		wantErr error // nil = connects
	}{
		{"user and password", Options{URLs: []string{url}, User: "sink", Password: "s3cret"}, nil},
		{"wrong password", Options{URLs: []string{url}, User: "sink", Password: "nope"}, errAny},
		{"nkey seed file", Options{URLs: []string{url}, NKeySeedFile: seedFile}, nil},
		{"no credentials", Options{URLs: []string{url}}, errAny},
		{"missing creds file", Options{URLs: []string{url}, CredsFile: "/nonexistent/x.creds"}, ErrInvalidOptions},
		{"cert without key", Options{URLs: []string{url}, TLS: TLSOptions{CertFile: seedFile}}, ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.ConnectTimeout = 2 * time.Second
			c, err := Connect(t.Context(), tt.o)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Connect: %v", err)
			case tt.wantErr == nil:
				defer c.Close()
				if _, err := c.JetStream().AccountInfo(t.Context()); err == nil {
					t.Errorf("JetStream is off on this server, yet AccountInfo succeeded")
				}
				if !c.NATS().IsConnected() {
					t.Errorf("not connected")
				}
			case err == nil:
				c.Close()
				t.Fatalf("Connect succeeded, want an error")
			case tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("Connect: %v, want %v", err, tt.wantErr)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestConnectInboxPrefix(t *testing.T) {
	srv := listeningServer(t, &server.Options{})
	c, err := Connect(t.Context(), Options{URLs: []string{srv.ClientURL()}, InboxPrefix: "_INBOX_sink", Name: "sink-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	replies := make(chan string, 1)
	sub, err := c.NATS().Subscribe("svc.echo", func(m *natsMsg) { replies <- m.Reply; _ = m.Respond(m.Data) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if _, err := c.NATS().Request("svc.echo", []byte("hi"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if r := <-replies; !strings.HasPrefix(r, "_INBOX_sink.") {
		t.Errorf("reply subject %q does not use the role's inbox prefix", r)
	}
}

// testCerts writes a CA and a server and client certificate signed by it.
func testCerts(t *testing.T) (ca, srvCert, srvKey, cliCert, cliKey string) {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "winnow test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	issue := func(name string, serial int64, usage x509.ExtKeyUsage) (string, string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return write(name+".pem", "CERTIFICATE", der), write(name+"-key.pem", "EC PRIVATE KEY", kder)
	}
	ca = write("ca.pem", "CERTIFICATE", caDER)
	srvCert, srvKey = issue("server", 2, x509.ExtKeyUsageServerAuth)
	cliCert, cliKey = issue("client", 3, x509.ExtKeyUsageClientAuth)
	return
}

func TestConnectMutualTLS(t *testing.T) {
	ca, sc, sk, cc, ck := testCerts(t)
	for _, first := range []bool{false, true} {
		t.Run("handshake_first="+strconv.FormatBool(first), func(t *testing.T) {
			tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: sc, KeyFile: sk, CaFile: ca, Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			srv := listeningServer(t, &server.Options{TLS: true, TLSConfig: tc, TLSVerify: true, TLSHandshakeFirst: first})
			url := "tls://" + srv.Addr().String()
			c, err := Connect(t.Context(), Options{URLs: []string{url}, TLS: TLSOptions{CAFile: ca, CertFile: cc, KeyFile: ck, First: first}})
			if err != nil {
				t.Fatalf("Connect with client cert: %v", err)
			}
			st, err := c.NATS().TLSConnectionState()
			c.Close()
			if err != nil || !st.HandshakeComplete {
				t.Errorf("TLS state: %v %+v", err, st.HandshakeComplete)
			}
			// Without the client certificate the server refuses.
			if c, err := Connect(t.Context(), Options{URLs: []string{url}, TLS: TLSOptions{CAFile: ca, First: first}, ConnectTimeout: 2 * time.Second}); err == nil {
				c.Close()
				t.Errorf("Connect without client cert succeeded")
			}
		})
	}
}

func TestConnectWaitForServer(t *testing.T) {
	// Nothing listens on this port: with WaitForServer, Connect retries
	// until ctx ends; without, it fails at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "nats://" + l.Addr().String()
	l.Close()
	if _, err := Connect(t.Context(), Options{URLs: []string{addr}, ConnectTimeout: 200 * time.Millisecond}); err == nil {
		t.Fatal("Connect to a closed port succeeded")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
	defer cancel()
	_, err = Connect(ctx, Options{URLs: []string{addr}, ConnectTimeout: 200 * time.Millisecond, WaitForServer: true})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Connect with WaitForServer: %v, want DeadlineExceeded", err)
	}
}

func TestEmbeddedRestartKeepsEverything(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	cfg := Config{Partitions: 2}
	c, err := StartEmbedded(ctx, EmbeddedOptions{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	js := c.JetStream()
	if _, err := EnsureStreams(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	p, _ := NewPublisher(js, PublisherOptions{})
	for i := range 10 {
		if err := p.Write(ctx, testArticle("wzljl", i, i%3)); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := OpenState(ctx, js, cfg)
	if _, err := st.Put(ctx, "wzljl", []byte(`{"next_due":"2024-05-21T00:00:00Z"}`)); err != nil {
		t.Fatal(err)
	}
	w := &memWriter{}
	cc := fastConsumer(cfg, "ARTICLES", "sink-test")
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		waitFor(t, 10*time.Second, "4 written", func() bool { return w.total() >= 4 })
		cancel()
	}()
	cc.BatchSize = 4
	if err := Consume(cctx, js, cc, w); err != nil {
		t.Fatal(err)
	}
	before := map[string]uint64{}
	for _, s := range []string{"ARTICLES", "AUDIT", "FRONTIER", "DLQ", "ADVISORIES"} {
		before[s] = streamState(t, js, s).Msgs
	}
	ackFloor := consumerInfo(t, js, "ARTICLES", "sink-test").AckFloor.Stream
	c.Close()

	c2 := startEmbedded(t, dir)
	js2 := c2.JetStream()
	after := map[string]uint64{}
	for s := range before {
		after[s] = streamState(t, js2, s).Msgs
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("stream sizes after restart (-before +after):\n%s", diff)
	}
	if before["ARTICLES"] != 10 || before["AUDIT"] != 6 {
		t.Errorf("before restart ARTICLES %d AUDIT %d, want 10 and 6", before["ARTICLES"], before["AUDIT"])
	}
	changes, err := EnsureStreams(ctx, js2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		if ch.Action != ActionUnchanged {
			t.Errorf("after restart %s %s, want unchanged", ch.Name, ch.Action)
		}
	}
	st2, _ := OpenState(ctx, js2, cfg)
	if v, _, err := st2.Get(ctx, "wzljl"); err != nil || string(v) != `{"next_due":"2024-05-21T00:00:00Z"}` {
		t.Errorf("crawl_state after restart: %s, %v", v, err)
	}
	if got := consumerInfo(t, js2, "ARTICLES", "sink-test").AckFloor.Stream; got != ackFloor || got < 4 {
		t.Errorf("consumer ack floor after restart %d, want %d (>= 4)", got, ackFloor)
	}
}

func TestStartEmbeddedNeedsStoreDir(t *testing.T) {
	if _, err := StartEmbedded(t.Context(), EmbeddedOptions{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("StartEmbedded without StoreDir: %v", err)
	}
}

const killChildEnv = "WINNOW_NATSBUS_KILL_CHILD_DIR"

// TestKillSafety publishes with the embedded server in a child process,
// kills it with SIGKILL in the middle of publishing (no drain, no
// shutdown), restarts the server on the same store and checks that every
// acknowledged record is there: SyncAlways fsyncs before the ack.
func TestKillSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process; skipped with -short")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillSafetyChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "ACKED "); ok {
			acked[id] = true
			if len(acked) == 150 {
				break // the child is still publishing
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(acked) != 150 {
		t.Fatalf("child acknowledged %d records before dying, want 150", len(acked))
	}

	c := startEmbedded(t, dir)
	stored := map[string]int{}
	for _, m := range streamMsgs(t, c.JetStream(), "ARTICLES") {
		id, _, _ := strings.Cut(m.Header.Get("Nats-Msg-Id"), ":")
		stored[id]++
	}
	var missing []string
	for id := range acked {
		if stored[id] != 1 {
			missing = append(missing, fmt.Sprintf("%s x%d", id, stored[id]))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d acknowledged records not stored exactly once after kill -9: %v", len(missing), missing)
	}
	t.Logf("acknowledged %d, stored %d after SIGKILL and restart", len(acked), len(stored))
}

// TestKillSafetyChild is the child process of TestKillSafety.
func TestKillSafetyChild(t *testing.T) {
	dir := os.Getenv(killChildEnv)
	if dir == "" {
		t.Skip("helper process of TestKillSafety, which sets " + killChildEnv)
	}
	ctx := context.Background()
	c, err := StartEmbedded(ctx, EmbeddedOptions{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureStreams(ctx, c.JetStream(), Config{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	p, _ := NewPublisher(c.JetStream(), PublisherOptions{})
	for i := 0; ; i++ {
		a := testArticle("wzljl", i, 0)
		if err := p.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ACKED %s\n", a.ID)
	}
}
