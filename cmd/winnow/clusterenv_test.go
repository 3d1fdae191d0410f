package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"winnow/crawler/demosite"
	"winnow/sink/natsbus"
)

// The cluster test and benchmark run real nats-server processes (the
// nats-server module of go.mod, built by the test), clustered on
// loopback with JetStream, TLS for clients and routes, and one user per
// deployment identity with the permissions natsbus.Permissions gives its
// role (what deploy/nats/accounts.conf is generated from).

var (
	natsBinOnce sync.Once
	natsBinPath string
	natsBinErr  error
)

// natsServerBinary returns the path of a nats-server binary built once
// from the module version in go.mod, with the toolchain running the test.
func natsServerBinary(t testing.TB) string {
	t.Helper()
	natsBinOnce.Do(func() {
		natsBinPath = filepath.Join(binDir, "nats-server")
		natsBinErr = goBuild(natsBinPath, "github.com/nats-io/nats-server/v2")
	})
	if natsBinErr != nil {
		t.Fatal(natsBinErr)
	}
	return natsBinPath
}

// clusterUser is one NATS identity of the cluster.
type clusterUser struct {
	name, role string
	durables   []string
}

// Durables of ARTICLES that `winnow admin init` pre-creates in the
// cluster: two storage consumers and a downstream service.
var clusterDurables = []string{"sink-a", "sink-b", "downstream"}

// clusterUsers are the identities of the cluster, as in deploy/identities.
func clusterUsers() []clusterUser {
	return []clusterUser{
		{name: "admin", role: natsbus.RoleAdmin},
		{name: "crawler", role: natsbus.RoleCrawler},
		{name: "scheduler", role: natsbus.RoleCrawler},
		{name: "sink-a", role: natsbus.RoleSink, durables: []string{"sink-a"}},
		{name: "sink-b", role: natsbus.RoleSink, durables: []string{"sink-b"}},
		{name: "downstream", role: natsbus.RoleSink, durables: []string{"downstream"}},
		{name: "analyst", role: natsbus.RoleAnalyst},
	}
}

// natsCluster is three nats-server processes clustered on loopback.
type natsCluster struct {
	t     testing.TB
	dir   string
	ca    string
	nodes []*natsNode
}

// natsNode is one nats-server process; restart reuses its config and
// store.
type natsNode struct {
	name           string
	conf           string
	port, httpPort int
	p              *proc
}

// startNATSCluster writes a CA and a server certificate, the accounts
// and three node configs into a temporary directory, starts the nodes
// and waits until each reports JetStream healthy.
func startNATSCluster(t testing.TB) *natsCluster {
	t.Helper()
	c := &natsCluster{t: t, dir: t.TempDir()}
	c.ca = writeTestTLS(t, c.dir)
	var users []string
	for _, u := range clusterUsers() {
		pw := randomHex(16)
		if err := os.WriteFile(c.passwordFile(u.name), []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := natsbus.Permissions(natsbus.Config{}, u.role, inboxOf(u.name), u.durables...)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, fmt.Sprintf("      { user: %q, password: %q, permissions: { publish: { allow: %s, deny: %s }, subscribe: { allow: %s } } }",
			u.name, pw, confList(p.Publish), confList(p.PublishDeny), confList(p.Subscribe)))
	}
	accounts := "accounts {\n  WINNOW {\n    jetstream: enabled\n    users: [\n" + strings.Join(users, "\n") +
		"\n    ]\n  }\n  SYS { users: [ { user: \"sys\", password: \"" + randomHex(16) + "\" } ] }\n}\nsystem_account: SYS\n"
	if err := os.WriteFile(filepath.Join(c.dir, "accounts.conf"), []byte(accounts), 0o600); err != nil {
		t.Fatal(err)
	}
	ports := freeLoopbackPorts(t, 9)
	var routes []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("%q", fmt.Sprintf("nats-route://127.0.0.1:%d", ports[6+i])))
	}
	tlsBlock := func(verify bool) string {
		return fmt.Sprintf("tls { cert_file: %q, key_file: %q, ca_file: %q, verify: %t, timeout: 5 }",
			filepath.Join(c.dir, "server.crt"), filepath.Join(c.dir, "server.key"), c.ca, verify)
	}
	for i := range 3 {
		n := &natsNode{name: fmt.Sprintf("nats-%d", i+1), port: ports[i], httpPort: ports[3+i]}
		n.conf = filepath.Join(c.dir, n.name+".conf")
		conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
max_payload: 2MB
%s
jetstream { store_dir: %q, max_file_store: 20GB, max_memory_store: 256MB }
cluster {
  name: winnow
  listen: 127.0.0.1:%d
  routes: [ %s ]
  %s
}
include "accounts.conf"
`, n.name, n.port, n.httpPort, tlsBlock(false), filepath.Join(c.dir, n.name, "jetstream"), ports[6+i], strings.Join(routes, ", "), tlsBlock(true))
		if err := os.WriteFile(n.conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, n)
	}
	for i := range c.nodes {
		c.start(i)
	}
	for i := range c.nodes {
		c.waitHealthy(i)
	}
	return c
}

// start starts node i (again).
func (c *natsCluster) start(i int) {
	n := c.nodes[i]
	n.p = startProcess(c.t, n.name, natsServerBinary(c.t), nil, "-c", n.conf)
}

// waitHealthy waits until node i answers /healthz (JetStream current)
// with 200.
func (c *natsCluster) waitHealthy(i int) {
	c.t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", c.nodes[i].httpPort)
	waitFor(c.t, time.Minute, c.nodes[i].name+" healthy", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// nodeIndex returns the index of the node called name, -1 if none.
func (c *natsCluster) nodeIndex(name string) int {
	for i, n := range c.nodes {
		if n.name == name {
			return i
		}
	}
	return -1
}

func (c *natsCluster) passwordFile(user string) string {
	return filepath.Join(c.dir, user+".password")
}

// urls returns the client URLs of every node, comma-separated.
func (c *natsCluster) urls() string {
	var u []string
	for _, n := range c.nodes {
		u = append(u, fmt.Sprintf("tls://127.0.0.1:%d", n.port))
	}
	return strings.Join(u, ",")
}

// env returns the WINNOW_* settings of a process running as user: every
// node's URL, TLS with the test CA, the user's password file and inbox
// prefix, streams at three replicas.
func (c *natsCluster) env(user string) []string {
	return []string{
		"WINNOW_NATS_URL=" + c.urls(), "WINNOW_NATS_CA=" + c.ca, "WINNOW_NATS_USER=" + user,
		"WINNOW_NATS_PASSWORD_FILE=" + c.passwordFile(user), "WINNOW_NATS_INBOX_PREFIX=" + inboxOf(user),
		"WINNOW_REPLICAS=3", "WINNOW_FRONTIER_ACK_WAIT=3s",
	}
}

// connect connects the test as user, over TLS.
func (c *natsCluster) connect(user string) *natsbus.Conn {
	c.t.Helper()
	pw, err := os.ReadFile(c.passwordFile(user))
	if err != nil {
		c.t.Fatal(err)
	}
	conn, err := natsbus.Connect(c.t.Context(), natsbus.Options{URLs: splitList(c.urls()), Name: "test-" + user, User: user,
		Password: strings.TrimSpace(string(pw)), InboxPrefix: inboxOf(user), TLS: natsbus.TLSOptions{CAFile: c.ca}})
	if err != nil {
		c.t.Fatalf("connect as %s: %v", user, err)
	}
	c.t.Cleanup(func() { conn.Close() })
	return conn
}

// leaderOf returns the index of the node leading a stream.
func (c *natsCluster) leaderOf(js *natsbus.Conn, stream string) int {
	c.t.Helper()
	s, err := js.JetStream().Stream(c.t.Context(), stream)
	if err != nil {
		c.t.Fatal(err)
	}
	info, err := s.Info(c.t.Context())
	if err != nil || info.Cluster == nil {
		c.t.Fatalf("stream %s info: %v", stream, err)
	}
	i := c.nodeIndex(info.Cluster.Leader)
	if i < 0 {
		c.t.Fatalf("stream %s led by unknown node %q", stream, info.Cluster.Leader)
	}
	return i
}

func inboxOf(user string) string { return "_INBOX_" + user }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// confList renders subjects as a nats-server config list.
func confList(subjects []string) string {
	q := make([]string, len(subjects))
	for i, s := range subjects {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// writeTestTLS writes ca.crt, server.crt and server.key (for 127.0.0.1
// and localhost, server and client use, as routes are mutual TLS) into
// dir and returns the CA file.
func writeTestTLS(t testing.TB, dir string) string {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "winnow test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nats"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{
		"ca.crt": {Type: "CERTIFICATE", Bytes: caDER}, "server.crt": {Type: "CERTIFICATE", Bytes: der},
		"server.key": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "ca.crt")
}

// freeLoopbackPorts returns n TCP ports that were free on 127.0.0.1 a
// moment ago.
func freeLoopbackPorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// siteRequest is one request a cluster site served, timed on the
// server: Start when the handler got it, FirstWrite when the response
// began to be written (the client cannot have its response earlier).
type siteRequest struct {
	Host, Path, Agent string
	Status            int
	Start, FirstWrite time.Time
}

// requestLog records every request its handler serves.
type requestLog struct {
	next http.Handler
	mu   sync.Mutex
	reqs []siteRequest
}

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tw := &timedWriter{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	l.next.ServeHTTP(tw, r)
	if tw.first.IsZero() {
		tw.first = time.Now()
	}
	l.mu.Lock()
	l.reqs = append(l.reqs, siteRequest{Host: r.Host, Path: r.URL.RequestURI(), Agent: r.UserAgent(), Status: tw.status,
		Start: start, FirstWrite: tw.first})
	l.mu.Unlock()
}

// requests returns the requests served so far.
func (l *requestLog) requests() []siteRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]siteRequest(nil), l.reqs...)
}

// timedWriter notes when a response starts being written.
type timedWriter struct {
	http.ResponseWriter
	status int
	first  time.Time
}

func (w *timedWriter) mark() {
	if w.first.IsZero() {
		w.first = time.Now()
	}
}

func (w *timedWriter) WriteHeader(code int) {
	w.mark()
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *timedWriter) Write(b []byte) (int, error) {
	w.mark()
	return w.ResponseWriter.Write(b)
}

// clusterHost is one host of the cluster site with its politeness.
type clusterHost struct {
	name  string // e.g. a.test
	ip    string // loopback address it resolves to
	delay time.Duration
	conc  int
}

// clusterSite is a link-dense site served on one loopback address per
// host, all on the same port (links between hosts carry the port).
type clusterSite struct {
	hosts []clusterHost
	port  int
	site  *demosite.LinkDense
	log   *requestLog
}

// serveClusterSite serves a link-dense site of pages pages across hosts,
// links links per page, until t ends; a host's entry page lists its
// first links pages.
func serveClusterSite(t testing.TB, hosts []clusterHost, pages, pageBytes, links int) *clusterSite {
	t.Helper()
	s := &clusterSite{hosts: hosts}
	var lns []net.Listener
	for attempt := 0; len(lns) < len(hosts); attempt++ {
		if attempt == 20 {
			t.Fatal("no port free on every loopback address of the site")
		}
		for _, l := range lns {
			l.Close()
		}
		lns = nil
		first, err := net.Listen("tcp", hosts[0].ip+":0")
		if err != nil {
			t.Fatalf("cannot listen on %s (the test needs 127.0.0.0/8 on loopback, as Linux has): %v", hosts[0].ip, err)
		}
		s.port = first.Addr().(*net.TCPAddr).Port
		lns = append(lns, first)
		for _, h := range hosts[1:] {
			l, err := net.Listen("tcp", fmt.Sprintf("%s:%d", h.ip, s.port))
			if err != nil {
				break
			}
			lns = append(lns, l)
		}
	}
	var names []string
	for _, h := range hosts {
		names = append(names, s.hostPort(h))
	}
	s.site = demosite.NewLinkDense(demosite.Options{Pages: pages, PageBytes: pageBytes, Hosts: names, LinksPerPage: links})
	s.log = &requestLog{next: s.site}
	for _, l := range lns {
		srv := &http.Server{Handler: s.log, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
	return s
}

func (s *clusterSite) hostPort(h clusterHost) string { return fmt.Sprintf("%s:%d", h.name, s.port) }

// resolve is the worker's --resolve value for the site.
func (s *clusterSite) resolve() string {
	var pairs []string
	for _, h := range s.hosts {
		pairs = append(pairs, h.name+"="+h.ip)
	}
	return strings.Join(pairs, ",")
}

// sourceID is the id of the source crawling host h.
func sourceID(h clusterHost) string { return "site-" + strings.TrimSuffix(h.name, ".test") }

// writeSources writes one source file per host into a new directory
// with the given user agent and returns the directory.
func (s *clusterSite) writeSources(t testing.TB, agent string) string {
	t.Helper()
	dir := t.TempDir()
	pattern := s.site.Manifest().ArticlePattern
	for _, h := range s.hosts {
		text := fmt.Sprintf(`id: %s
seeds: [{url: "http://%s/", kind: listing}]
discovery: {max_depth: 100}
scope: {hosts: [%q], article_pattern: '%s'}
politeness: {min_delay: %s, concurrency: %d, user_agent: %q}
schedule: {interval: 1h}
`, sourceID(h), s.hostPort(h), s.hostPort(h), pattern, h.delay, h.conc, agent)
		if err := os.WriteFile(filepath.Join(dir, sourceID(h)+".yaml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wantPages returns host:port+path of every page, the set a store must
// hold exactly once.
func (s *clusterSite) wantPages() map[string]int {
	want := map[string]int{}
	for _, p := range s.site.Manifest().Pages {
		want[p.Host+p.Path] = 1
	}
	return want
}

// clusterProcs are the winnow processes of a cluster run.
type clusterProcs struct {
	c      *natsCluster
	site   *clusterSite
	dsn    string
	schema string
	all    []*proc
}

// startSink starts `winnow sink postgres` on durable as the identity of
// the same name.
func (cp *clusterProcs) startSink(t testing.TB, durable string, extra ...string) *proc {
	args := append([]string{"sink", "postgres", "--durable", durable, "--data", t.TempDir(), "--require-precreated",
		"--postgres", cp.dsn, "--postgres-schema", cp.schema}, extra...)
	p := startWinnow(t, "sink "+durable, cp.c.env(durable), args...)
	cp.all = append(cp.all, p)
	return p
}

// startWorker starts `winnow worker` as the crawler identity, with its
// own sources directory whose user agent names the worker.
func (cp *clusterProcs) startWorker(t testing.TB, id string, extra ...string) *proc {
	args := append([]string{"worker", "--sources", cp.site.writeSources(t, agentOf(id)), "--allow-net", "127.0.0.0/8",
		"--resolve", cp.site.resolve(), "--data", t.TempDir(), "--quiet", "--no-archive", "--require-precreated",
		"--worker-id", id}, extra...)
	p := startWinnow(t, "worker "+id, cp.c.env("crawler"), args...)
	cp.all = append(cp.all, p)
	return p
}

// startScheduler starts `winnow scheduler` as the scheduler identity.
func (cp *clusterProcs) startScheduler(t testing.TB) *proc {
	p := startWinnow(t, "scheduler", cp.c.env("scheduler"), "scheduler", "--sources", cp.site.writeSources(t, ""),
		"--data", t.TempDir(), "--require-precreated", "--scheduler-id", "sched-1")
	cp.all = append(cp.all, p)
	return p
}

// agentOf is the user agent of worker id.
func agentOf(id string) string { return "winnow-cluster/" + id }

// childCPU returns the user+system CPU time of exited processes.
func childCPU(ps []*proc) time.Duration {
	var d time.Duration
	for _, p := range ps {
		if st := p.cmd.ProcessState; st != nil {
			d += st.UserTime() + st.SystemTime()
		}
	}
	return d
}

// stop kills every node and waits for it (the benchmark reads their
// CPU time).
func (c *natsCluster) stop() []*proc {
	var ps []*proc
	for _, n := range c.nodes {
		n.p.kill9()
		ps = append(ps, n.p)
	}
	return ps
}

// waitDrained waits until the frontier holds nothing and both storage
// consumers have acknowledged everything in ARTICLES.
func waitDrained(t testing.TB, admin *natsbus.Conn, durables ...string) {
	t.Helper()
	waitFor(t, 2*time.Minute, "an empty frontier and caught-up sinks", func() bool {
		st, err := natsbus.StreamInfo(t.Context(), admin.JetStream(), natsbus.StreamFrontier)
		if err != nil || st.Msgs != 0 {
			return false
		}
		for _, d := range durables {
			w, inflight, err := natsbus.ConsumerLag(t.Context(), admin.JetStream(), natsbus.StreamArticles, d)
			if err != nil || w != 0 || inflight != 0 {
				return false
			}
		}
		return true
	})
}

// stopAll stops the running processes with SIGTERM (a clean exit each).
func stopAll(ps []*proc) {
	for _, p := range ps {
		if p.running() {
			p.stop(time.Minute)
		}
	}
}
