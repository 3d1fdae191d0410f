package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"winnow/crawler"
	"winnow/crawler/demosite"
	"winnow/sink/natsbus"
)

// The fault tests run real winnow processes, kill them, cut their
// database, overfill their streams and feed them poison, and then assert
// exact counts against the demo site's known article set: every
// article-pattern page (spam pages included) stored exactly once, with
// one removals row per removal.

// TestFaultKillRun kills `winnow run` (embedded NATS, SQLite) with
// SIGKILL in the middle of a crawl, then restarts it until idle: every
// article is stored exactly once.
func TestFaultKillRun(t *testing.T) {
	_, base := serveDemo(t, "127.0.0.1:0")
	srcDir, data := t.TempDir(), t.TempDir()
	writeDemoSource(t, srcDir, "demo", base, "")
	db := filepath.Join(data, "winnow.db")
	args := []string{"run", "--sources", srcDir, "--allow-net", "127.0.0.0/8", "--data", data, "--quiet", "--frontier-ack-wait", "2s"}

	first := startWinnow(t, "run (killed)", nil, args...)
	waitFor(t, 90*time.Second, "30 stored articles", func() bool { return countSQLite(t, db) >= 30 })
	first.kill9()
	stored := countSQLite(t, db)
	if stored >= 164 {
		t.Fatalf("the crawl had finished (%d stored) before the kill; the test proves nothing", stored)
	}
	t.Logf("killed with %d articles stored", stored)

	second := startWinnow(t, "run (restarted)", nil, append(args, "--until-idle")...)
	second.wait(2*time.Minute, 0)
	wantDemoArticles(t, readSQLite(t, db), strings.TrimPrefix(base, "http://"))
}

// TestFaultKillSink kills a `winnow sink sqlite` with SIGKILL while it
// holds a fetched, unacknowledged batch, restarts it, and checks that
// every record is stored exactly once.
func TestFaultKillSink(t *testing.T) {
	recs := demoRecords(t)
	b := newBus(t, startNATS(t))
	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-sqlite")
	b.publish(recs)
	data := t.TempDir()
	db := filepath.Join(data, "winnow.db")

	slow := startWinnow(t, "sink (killed)", b.env, "sink", "sqlite", "--data", data, "--batch", "16", "--write-delay", "700ms")
	waitFor(t, time.Minute, "32 stored records", func() bool { return countSQLite(t, db) >= 32 })
	slow.kill9()
	info := b.consumerInfo(b.names.Articles, "sink-sqlite")
	stored := countSQLite(t, db)
	if info.NumAckPending == 0 || stored >= len(recs) {
		t.Fatalf("kill landed outside a batch: %d delivered unacknowledged, %d of %d stored", info.NumAckPending, stored, len(recs))
	}
	t.Logf("killed holding %d unacknowledged records, %d stored", info.NumAckPending, stored)

	sink := startWinnow(t, "sink (restarted)", b.env, "sink", "sqlite", "--data", data)
	waitFor(t, time.Minute, "every record stored", func() bool { return countSQLite(t, db) >= len(recs) })
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-sqlite")
	sink.stop(30 * time.Second)
	wantDemoArticles(t, readSQLite(t, db), recordsHost(t, recs))
}

// tcpProxy forwards a local port to target until it is cut; restore
// listens again on the same port.
type tcpProxy struct {
	t      testing.TB
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t testing.TB, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener (new connections are refused) and every open
// connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens on the same port again.
func (p *tcpProxy) restore() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy restore: %v", err)
	}
	p.serve(ln)
}

// TestFaultPostgresOutage cuts the connection between `winnow sink
// postgres` and PostgreSQL for a while during a stream of records, then
// restores it: every record is stored exactly once.
func TestFaultPostgresOutage(t *testing.T) {
	dsn := testPostgres(t)
	recs := demoRecords(t)
	schema := newSchema(t, dsn)
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Fatalf("%s must be a postgres:// URL with a host: %q", postgresEnv, dsn)
	}
	proxy := newTCPProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.addr

	b := newBus(t, startNATS(t))
	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-postgres")
	sink := startWinnow(t, "sink postgres", b.env, "sink", "postgres", "--data", t.TempDir(),
		"--postgres", viaProxy.String(), "--postgres-schema", schema, "--batch", "16",
		"--retry-backoff", "300ms", "--max-deliver", "30")
	b.publish(recs[:60])
	waitFor(t, time.Minute, "60 stored records", func() bool { return countPostgres(t, dsn, schema) == 60 })

	proxy.cut()
	b.publish(recs[60:])
	time.Sleep(4 * time.Second)
	if n := countPostgres(t, dsn, schema); n != 60 {
		t.Fatalf("%d records stored while the database was unreachable, want 60", n)
	}
	proxy.restore()
	waitFor(t, 90*time.Second, "every record stored", func() bool { return countPostgres(t, dsn, schema) >= len(recs) })
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-postgres")
	sink.stop(30 * time.Second)
	if !strings.Contains(sink.stderr.String(), "redelivering later") {
		t.Errorf("the sink never retried a write; was the outage noticed?\n%s", tail(sink.stderr.String(), 2000))
	}
	wantDemoArticles(t, readPostgres(t, dsn, schema), recordsHost(t, recs))
}

// TestFaultDuplicatePublish publishes every record twice with its
// message id (the stream drops the copies) and once more under another
// id (the stream keeps them, the sink must not): one row per article.
func TestFaultDuplicatePublish(t *testing.T) {
	recs := demoRecords(t)
	b := newBus(t, startNATS(t))
	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-sqlite")
	b.publish(recs)
	b.publish(recs)
	if msgs, _ := b.streamState(b.names.Articles); msgs != uint64(len(recs)) {
		t.Fatalf("ARTICLES holds %d messages after publishing %d records twice, want %d", msgs, len(recs), len(recs))
	}
	for _, a := range recs {
		subject, err := b.names.ArticleSubject(a.Source)
		if err != nil {
			t.Fatal(err)
		}
		b.publishRaw(subject, "again-"+a.ID, []byte(mustJSON(t, a)))
	}
	if msgs, _ := b.streamState(b.names.Articles); msgs != uint64(2*len(recs)) {
		t.Fatalf("ARTICLES holds %d messages, want %d", msgs, 2*len(recs))
	}
	data := t.TempDir()
	sink := startWinnow(t, "sink", b.env, "sink", "sqlite", "--data", data)
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-sqlite")
	sink.stop(30 * time.Second)
	wantDemoArticles(t, readSQLite(t, filepath.Join(data, "winnow.db")), recordsHost(t, recs))
}

// TestFaultPoisonRecord puts an undecodable message and an invalid
// record among the records: both end in the DLQ with their reason, the
// rest is stored.
func TestFaultPoisonRecord(t *testing.T) {
	recs := demoRecords(t)
	b := newBus(t, startNATS(t))
	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-sqlite")
	subject, err := b.names.ArticleSubject("demo")
	if err != nil {
		t.Fatal(err)
	}
	b.publish(recs[:50])
	b.publishRaw(subject, "poison-1", []byte(`{"schema_version": 1, "id": `))
	bad := *recs[0]
	bad.ID, bad.SchemaVersion = "not-a-hash", 99
	b.publishRaw(subject, "poison-2", []byte(mustJSON(t, &bad)))
	b.publish(recs[50:])

	data := t.TempDir()
	sink := startWinnow(t, "sink", b.env, "sink", "sqlite", "--data", data)
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-sqlite")
	sink.stop(30 * time.Second)
	wantDemoArticles(t, readSQLite(t, filepath.Join(data, "winnow.db")), recordsHost(t, recs))

	type dead struct{ subject, reason, origID string }
	var got []dead
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err = natsbus.Follow(ctx, b.conn.JetStream(), b.names.DLQSubjects(), time.Unix(1, 0), func(_ context.Context, m natsbus.Message) error {
		got = append(got, dead{m.Subject, m.Header.Get(natsbus.HeaderDLQReason), m.Header.Get(natsbus.HeaderDLQMsgID)})
		if len(got) == 2 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("DLQ holds %d messages, want 2: %+v", len(got), got)
	}
	// The sink's two pull loops may dead-letter them in either order.
	slices.SortFunc(got, func(x, y dead) int { return strings.Compare(x.origID, y.origID) })
	wantSubject := b.names.DLQSubject(b.names.Articles, "sink-sqlite")
	for i, want := range []struct{ id, reason string }{{"poison-1", "undecodable: "}, {"poison-2", "invalid: "}} {
		if got[i].subject != wantSubject || got[i].origID != want.id || !strings.HasPrefix(got[i].reason, want.reason) {
			t.Errorf("DLQ message %d = %+v, want subject %s, original id %s, reason starting %q", i, got[i], wantSubject, want.id, want.reason)
		}
	}
	if msgs, _ := b.streamState(b.names.DLQ); msgs != 2 {
		t.Errorf("DLQ stream holds %d messages, want 2", msgs)
	}
}

// TestFaultFullStream caps ARTICLES below the article count: the crawl
// stalls when the stream is full (discard new, nothing evicted) and
// resumes when an operator raises the limit; every article is stored
// exactly once and the stream still starts at sequence 1.
func TestFaultFullStream(t *testing.T) {
	const limit = 40
	site, base := serveDemo(t, "127.0.0.1:0")
	srcDir := t.TempDir()
	writeDemoSource(t, srcDir, "demo", base, "")
	b := newBus(t, startNATS(t))
	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-sqlite", "--articles-max-msgs", fmt.Sprint(limit))

	data := t.TempDir()
	db := filepath.Join(data, "winnow.db")
	sink := startWinnow(t, "sink", b.env, "sink", "sqlite", "--data", data)
	worker := startWinnow(t, "worker", b.env, "worker", "--sources", srcDir, "--allow-net", "127.0.0.0/8",
		"--data", t.TempDir(), "--quiet", "--seed", "--workers", "4")
	waitFor(t, 90*time.Second, "a full ARTICLES stream", func() bool {
		msgs, _ := b.streamState(b.names.Articles)
		return msgs == limit && countSQLite(t, db) == limit
	})
	// Let the workers finish the pages they hold that publish nothing
	// (listings); then each waits on a full stream.
	time.Sleep(3 * time.Second)
	before := len(site.Requests())
	time.Sleep(3 * time.Second)
	after := len(site.Requests())
	msgs, first := b.streamState(b.names.Articles)
	if msgs != limit || first != 1 {
		t.Errorf("full stream: %d messages from sequence %d, want %d from 1 (nothing evicted)", msgs, first, limit)
	}
	if after-before > 4 {
		t.Errorf("the crawl went on while the stream was full: %d requests in 3s", after-before)
	}
	if !worker.running() {
		t.Fatal("the worker exited while the stream was full")
	}

	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-sqlite", "--articles-max-msgs", "0")
	waitFor(t, 2*time.Minute, "every article stored", func() bool { return countSQLite(t, db) >= 164 })
	waitFor(t, time.Minute, "an idle frontier", func() bool { msgs, _ := b.streamState(b.names.Frontier); return msgs == 0 })
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-sqlite")
	worker.stop(30 * time.Second)
	sink.stop(30 * time.Second)
	if msgs, first := b.streamState(b.names.Articles); msgs != 164 || first != 1 {
		t.Errorf("ARTICLES holds %d messages from sequence %d, want 164 from 1", msgs, first)
	}
	wantDemoArticles(t, readSQLite(t, db), strings.TrimPrefix(base, "http://"))
}

// loopbackPair returns two loopback addresses whose frontier partitions
// (of 16) differ in parity, so two workers splitting the partitions get
// one host each.
func loopbackPair(t testing.TB) (string, string) {
	t.Helper()
	a := "127.0.0.1"
	pa := natsbus.Partition(a, 16)
	for i := 2; i < 250; i++ {
		b := fmt.Sprintf("127.0.0.%d", i)
		if natsbus.Partition(b, 16)%2 != pa%2 {
			ln, err := net.Listen("tcp", b+":0")
			if err != nil {
				continue
			}
			ln.Close()
			return a, b
		}
	}
	t.Fatal("no usable second loopback address (the test needs 127.0.0.0/8 on loopback, as Linux has)")
	return "", ""
}

// TestFaultTwoWorkersTwoSinks runs two `winnow worker` and two `winnow
// sink` processes on the machine's NATS server, crawling the demo site
// served on two hosts: each store gets every article of both hosts
// exactly once, and no host is fetched by both workers at once (the
// sites' request logs, told apart by user agent).
func TestFaultTwoWorkersTwoSinks(t *testing.T) {
	natsURL := testNATS(t)
	hostA, hostB := loopbackPair(t)
	siteA, baseA := serveDemo(t, hostA+":0")
	siteB, baseB := serveDemo(t, hostB+":0")
	b := newBus(t, natsURL)

	dsn := testPostgresOrEmpty()
	secondKind := "postgres"
	if dsn == "" {
		secondKind = "sqlite"
		t.Logf("%s is not set: the second sink is SQLite too", postgresEnv)
	}
	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-a,sink-b")
	dataA, dataB := t.TempDir(), t.TempDir()
	sinkA := startWinnow(t, "sink a", b.env, "sink", "sqlite", "--durable", "sink-a", "--data", dataA, "--require-precreated")
	sinkBArgs := []string{"sink", secondKind, "--durable", "sink-b", "--data", dataB, "--require-precreated"}
	var schema string
	if dsn != "" {
		schema = newSchema(t, dsn)
		sinkBArgs = append(sinkBArgs, "--postgres", dsn, "--postgres-schema", schema)
	}
	sinkB := startWinnow(t, "sink b", b.env, sinkBArgs...)

	var workers []*proc
	for _, id := range []string{"w1", "w2"} {
		dir := t.TempDir()
		writeDemoSource(t, dir, "demoa", baseA, "winnow-fault/"+id)
		writeDemoSource(t, dir, "demob", baseB, "winnow-fault/"+id)
		workers = append(workers, startWinnow(t, "worker "+id, b.env, "worker", "--sources", dir, "--allow-net", "127.0.0.0/8",
			"--data", t.TempDir(), "--quiet", "--worker-id", id, "--workers", "4"))
	}
	// Seed only once the workers have split the partitions (w1 the even,
	// w2 the odd ones), so no handover happens during the crawl.
	leases, err := b.conn.JetStream().KeyValue(t.Context(), b.names.Leases)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "the partitions split between w1 and w2", func() bool {
		for p := range 16 {
			e, err := leases.Get(t.Context(), fmt.Sprintf("p.%d", p))
			if err != nil || !strings.Contains(string(e.Value()), fmt.Sprintf(`"owner":"w%d"`, 1+p%2)) {
				return false
			}
		}
		return true
	})
	seedFrontier(t, b, []string{baseA, baseB})

	wantRows := 2 * 164
	countB := func() int {
		if dsn != "" {
			return countPostgres(t, dsn, schema)
		}
		return countSQLite(t, filepath.Join(dataB, "winnow.db"))
	}
	waitFor(t, 3*time.Minute, "both stores complete", func() bool {
		return countSQLite(t, filepath.Join(dataA, "winnow.db")) >= wantRows && countB() >= wantRows
	})
	waitFor(t, time.Minute, "an idle frontier", func() bool { msgs, _ := b.streamState(b.names.Frontier); return msgs == 0 })
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-a")
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-b")
	for _, p := range append(workers, sinkA, sinkB) {
		p.stop(30 * time.Second)
	}

	hosts := []string{strings.TrimPrefix(baseA, "http://"), strings.TrimPrefix(baseB, "http://")}
	wantDemoArticles(t, readSQLite(t, filepath.Join(dataA, "winnow.db")), hosts...)
	if dsn != "" {
		wantDemoArticles(t, readPostgres(t, dsn, schema), hosts...)
	} else {
		wantDemoArticles(t, readSQLite(t, filepath.Join(dataB, "winnow.db")), hosts...)
	}

	fetchedBy := map[string]bool{}
	for _, site := range []*demosite.Site{siteA, siteB} {
		reqs := site.Requests()
		for _, w := range wantNoConcurrentWorkers(t, reqs) {
			fetchedBy[w] = true
		}
	}
	if !fetchedBy["winnow-fault/w1"] || !fetchedBy["winnow-fault/w2"] {
		t.Errorf("workers that fetched anything: %v, want both", fetchedBy)
	}
}

func testPostgresOrEmpty() string {
	return strings.TrimSpace(os.Getenv(postgresEnv))
}

// wantNoConcurrentWorkers fails t if requests of two different user
// agents to one host overlap in time, and returns the agents seen.
func wantNoConcurrentWorkers(t *testing.T, reqs []demosite.Request) []string {
	t.Helper()
	byHost := map[string][]demosite.Request{}
	var agents []string
	for _, r := range reqs {
		byHost[r.Host] = append(byHost[r.Host], r)
		agents = append(agents, r.UserAgent)
	}
	for host, rs := range byHost {
		perAgent := map[string]int{}
		for _, r := range rs {
			perAgent[r.UserAgent]++
		}
		t.Logf("host %s: requests by agent %v", host, perAgent)
		for i, a := range rs {
			for _, b := range rs[i+1:] {
				if a.UserAgent == b.UserAgent {
					continue
				}
				aEnd, bEnd := a.Time.Add(a.Duration), b.Time.Add(b.Duration)
				if a.Time.Before(bEnd) && b.Time.Before(aEnd) {
					t.Errorf("host %s fetched by two workers at once: %s %s at %s (%s) and %s %s at %s (%s)",
						host, a.UserAgent, a.Path, a.Time.Format(time.StampMicro), a.Duration, b.UserAgent, b.Path, b.Time.Format(time.StampMicro), b.Duration)
				}
			}
		}
	}
	slices.Sort(agents)
	return slices.Compact(agents)
}

// seedFrontier queues the seeds of the demo sources at bases (ids demoa,
// demob) on the test's bus, as a scheduler would.
func seedFrontier(t testing.TB, b *bus, bases []string) {
	t.Helper()
	f, err := natsbus.NewFrontier(t.Context(), b.conn.JetStream(), natsbus.FrontierOptions{Config: busConfigForTest(b)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	front := newBusFrontier(f, discardLogger())
	for i, base := range bases {
		src, err := demoSource(base)
		if err != nil {
			t.Fatal(err)
		}
		src.ID = []string{"demoa", "demob"}[i]
		tasks, err := crawler.SeedTasks(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := front.Add(t.Context(), tasks...); err != nil {
			t.Fatal(err)
		}
	}
}

// busConfigForTest is the topology the test's processes use (their
// flags come from b.env).
func busConfigForTest(b *bus) natsbus.Config {
	bf := busFlags{namespace: b.cfg.Namespace, partitions: 16, frontierAckWait: 3 * time.Second}
	cfg, err := bf.config()
	if err != nil {
		b.t.Fatal(err)
	}
	return cfg
}
