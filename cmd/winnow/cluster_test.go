package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink/natsbus"
	"winnow/sink/record"
)

// clusterHosts are the hosts of the cluster site, each with its own
// politeness.
func clusterHosts() []clusterHost {
	return []clusterHost{
		{name: "a.test", ip: "127.0.0.2", delay: 20 * time.Millisecond, conc: 2},
		{name: "b.test", ip: "127.0.0.3", delay: 30 * time.Millisecond, conc: 1},
		{name: "c.test", ip: "127.0.0.4", delay: 40 * time.Millisecond, conc: 2},
		{name: "d.test", ip: "127.0.0.5", delay: 50 * time.Millisecond, conc: 1},
	}
}

// clusterPages is the size of the cluster test's site.
const clusterPages = 320

// TestCluster is the scaled-out deployment with real processes: three
// nats-server processes clustered on loopback (TLS, one user per role,
// streams at three replicas), `winnow admin init`, three `winnow worker`,
// two `winnow sink postgres` on one schema (distinct durables), one
// `winnow scheduler`, crawling a link-dense site on four host names with
// their own politeness. Mid-crawl it kills -9 one worker and the node
// leading ARTICLES, later restarts both. Then every page is one row, the
// outcome counters reconcile with the site's request log and with
// crawl_outcomes, no host saw requests closer than its delay or above its
// concurrency, and only the killed worker's in-flight tasks were fetched
// twice. Last, the downstream identity reads every article on its
// consumer and is refused AUDIT, new consumers and publishing.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node NATS cluster and seven winnow processes; skipped with -short")
	}
	dsn := testPostgres(t)
	started := time.Now()
	c := startNATSCluster(t)
	hosts := clusterHosts()
	site := serveClusterSite(t, hosts, clusterPages, 12<<10, clusterPages/len(hosts)) // entry pages list every page
	cp := &clusterProcs{c: c, site: site, dsn: dsn, schema: newSchema(t, dsn)}
	runWinnow(t, c.env("admin"), "admin", "init", "--sink-durables", strings.Join(clusterDurables, ","))
	admin := c.connect("admin")

	cp.startSink(t, "sink-a")
	cp.startSink(t, "sink-b", "--no-outcomes") // one recorder of crawl_outcomes per schema
	workers := map[string]*proc{}
	for _, id := range []string{"w1", "w2", "w3"} {
		workers[id] = cp.startWorker(t, id, "--workers", "4")
	}
	owners := waitPartitionsSplit(t, admin, []string{"w1", "w2", "w3"})
	slow := hosts[len(hosts)-1]
	victim := owners[natsbus.Partition(slow.name, 16)]
	t.Logf("partition owners %v; %s (holding %s) will be killed", owners, victim, slow.name)
	sched := cp.startScheduler(t)

	perHost := clusterPages / len(hosts)
	waitFor(t, 2*time.Minute, victim+" a quarter into "+slow.name, func() bool {
		return countRequests(site.log.requests(), site.hostPort(slow), agentOf(victim)) >= perHost/4
	})
	workers[victim].kill9()
	inflight := ackPending(t, admin, owners, victim)
	leader := c.leaderOf(admin, natsbus.StreamArticles)
	c.nodes[leader].p.kill9()
	storedAtKill := countPostgres(t, dsn, cp.schema)
	t.Logf("killed %s (%d frontier tasks unacknowledged) and %s (ARTICLES leader) with %d of %d pages stored",
		victim, inflight, c.nodes[leader].name, storedAtKill, clusterPages)
	if storedAtKill >= clusterPages {
		t.Fatal("the crawl had finished before the kill; the test proves nothing")
	}

	waitFor(t, 2*time.Minute, "progress with a node and a worker down", func() bool {
		return countPostgres(t, dsn, cp.schema) >= storedAtKill+clusterPages/10
	})
	workers["w4"] = cp.startWorker(t, "w4", "--workers", "4") // the killed worker, restarted under a new name
	c.start(leader)
	c.waitHealthy(leader)
	t.Logf("restarted %s as w4 and %s with %d pages stored", victim, c.nodes[leader].name, countPostgres(t, dsn, cp.schema))
	waitFor(t, 3*time.Minute, "every page stored", func() bool { return countPostgres(t, dsn, cp.schema) >= clusterPages })
	waitDrained(t, admin, "sink-a", "sink-b")
	survivors := []string{"w4"}
	for _, id := range []string{"w1", "w2", "w3"} {
		if id != victim {
			survivors = append(survivors, id)
		}
	}
	waitPartitionsSplit(t, admin, survivors) // w4 took its share
	sched.stop(time.Minute)
	for id, w := range workers {
		if id != victim {
			w.stop(time.Minute)
		}
	}
	waitFor(t, time.Minute, "sink-a recorded every outcome event", func() bool {
		w, inflight, err := natsbus.ConsumerLag(t.Context(), admin.JetStream(), natsbus.StreamOutcomes, "sink-a")
		return err == nil && w == 0 && inflight == 0
	})
	stopAll(cp.all)
	t.Logf("crawl done %s after start", time.Since(started).Round(time.Second))

	// Exactly one row per page, nothing else.
	st := readPostgres(t, dsn, cp.schema)
	if diff := cmp.Diff(site.wantPages(), st.paths); diff != "" {
		t.Errorf("stored pages by host+path (-want +got):\n%s", diff)
	}
	if st.rows != clusterPages {
		t.Errorf("articles rows = %d, want %d", st.rows, clusterPages)
	}

	reqs := site.log.requests()
	for _, h := range hosts {
		wantPolite(t, reqs, site.hostPort(h), h)
	}
	wantFetchedOnce(t, reqs, site, agentOf(victim), inflight)
	events := readOutcomeEvents(t, admin)
	wantCountersReconcile(t, events, reqs, site, victim)
	wantRecordedOutcomes(t, events, dsn, cp.schema)

	wantDownstream(t, c, admin, st.rows)
}

// waitPartitionsSplit waits until every frontier partition is leased and
// each worker holds at least one, and returns the owner of each.
func waitPartitionsSplit(t testing.TB, admin *natsbus.Conn, workers []string) map[int]string {
	t.Helper()
	names, _ := natsbus.Config{}.Names()
	leases, err := admin.JetStream().KeyValue(t.Context(), names.Leases)
	if err != nil {
		t.Fatal(err)
	}
	owners := map[int]string{}
	waitFor(t, time.Minute, "the partitions split between the workers", func() bool {
		held := map[string]int{}
		for p := range 16 {
			e, err := leases.Get(t.Context(), fmt.Sprintf("p.%d", p))
			if err != nil {
				return false
			}
			owner := ""
			for _, w := range workers {
				if strings.Contains(string(e.Value()), fmt.Sprintf(`"owner":%q`, w)) {
					owner = w
				}
			}
			if owner == "" {
				return false
			}
			owners[p] = owner
			held[owner]++
		}
		return len(held) == len(workers)
	})
	return owners
}

// ackPending returns how many frontier tasks the partitions of worker
// have delivered and not had acknowledged: its tasks in flight.
func ackPending(t testing.TB, admin *natsbus.Conn, owners map[int]string, worker string) int {
	t.Helper()
	names, _ := natsbus.Config{}.Names()
	n := 0
	for p, w := range owners {
		if w != worker {
			continue
		}
		cons, err := admin.JetStream().Consumer(t.Context(), names.Frontier, names.FrontierConsumer(p))
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		n += info.NumAckPending
	}
	return n
}

// countRequests counts the requests of agent to host.
func countRequests(reqs []siteRequest, host, agent string) int {
	n := 0
	for _, r := range reqs {
		if r.Host == host && r.Agent == agent {
			n++
		}
	}
	return n
}

// wantPolite checks host's request log against its politeness, from
// server-side times only: a client's response cannot arrive before the
// server began writing it (FirstWrite), nor a request start after the
// server got it (Start). So at most conc requests may be between Start
// and FirstWrite at once, and with concurrency 1 each request must start
// at least delay after the previous response began.
func wantPolite(t *testing.T, reqs []siteRequest, host string, h clusterHost) {
	t.Helper()
	var rs []siteRequest
	for _, r := range reqs {
		if r.Host == host {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b siteRequest) int { return a.Start.Compare(b.Start) })
	minGap := time.Duration(1 << 62)
	for i, r := range rs {
		open := 1
		for _, prev := range rs[:i] {
			if prev.FirstWrite.After(r.Start) {
				open++
			}
		}
		if open > h.conc {
			t.Errorf("%s: %d requests in flight at %s (%s %s), limit %d", host, open, r.Start.Format(time.StampMicro), r.Agent, r.Path, h.conc)
		}
		if h.conc == 1 && i > 0 {
			gap := r.Start.Sub(rs[i-1].FirstWrite)
			minGap = min(minGap, gap)
			if gap < h.delay {
				t.Errorf("%s: %s %s started %s after the response to %s %s, delay %s", host, r.Agent, r.Path, gap, rs[i-1].Agent, rs[i-1].Path, h.delay)
			}
		}
	}
	if h.conc == 1 {
		t.Logf("%s: %d requests, shortest response-to-request gap %s (delay %s)", host, len(rs), minGap, h.delay)
	}
}

// wantFetchedOnce checks that no URL but robots.txt was fetched twice,
// except tasks the killed worker (victimAgent) held: at most inflight of
// them, each fetched by the victim first.
func wantFetchedOnce(t *testing.T, reqs []siteRequest, site *clusterSite, victimAgent string, inflight int) {
	t.Helper()
	byURL := map[string][]siteRequest{}
	for _, r := range reqs {
		if r.Path != "/robots.txt" {
			byURL[r.Host+r.Path] = append(byURL[r.Host+r.Path], r)
		}
	}
	again := 0
	for u, rs := range byURL {
		if len(rs) == 1 {
			continue
		}
		again++
		slices.SortFunc(rs, func(a, b siteRequest) int { return a.Start.Compare(b.Start) })
		if len(rs) > 2 || rs[0].Agent != victimAgent || rs[1].Agent == victimAgent {
			var who []string
			for _, r := range rs {
				who = append(who, r.Agent)
			}
			t.Errorf("%s fetched %d times, by %v; only a task of the killed worker may be fetched again, once", u, len(rs), who)
		}
	}
	if again > inflight {
		t.Errorf("%d URLs fetched twice, more than the killed worker's %d tasks in flight", again, inflight)
	}
	for want := range site.wantPages() {
		if !slices.ContainsFunc(byURL[want], func(r siteRequest) bool { return r.Status == 200 }) {
			t.Errorf("%s never served with 200: %+v", want, byURL[want])
		}
	}
	t.Logf("%d requests, %d URLs fetched again after the kill (killed worker held %d tasks)", len(reqs), again, inflight)
}

// readOutcomeEvents reads every event in OUTCOMES.
func readOutcomeEvents(t testing.TB, admin *natsbus.Conn) []*outcomeEvent {
	t.Helper()
	names, _ := natsbus.Config{}.Names()
	st, err := natsbus.StreamInfo(t.Context(), admin.JetStream(), natsbus.StreamOutcomes)
	if err != nil {
		t.Fatal(err)
	}
	var events []*outcomeEvent
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err = natsbus.Follow(ctx, admin.JetStream(), names.OutcomeSubjects(), time.Unix(1, 0), func(_ context.Context, m natsbus.Message) error {
		e, err := decodeOutcomeEvent(m.Data)
		if err != nil {
			return err
		}
		events = append(events, e)
		if uint64(len(events)) == st.Msgs {
			cancel()
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if uint64(len(events)) != st.Msgs {
		t.Fatalf("read %d outcome events of %d", len(events), st.Msgs)
	}
	return events
}

// kindCounts are one worker's (or everyone's) counts for one source.
type kindCounts struct {
	handled, notArticle, failed, skipped, statuses, records int
}

func (k kindCounts) fetched() int { return k.handled + k.notArticle + k.failed }

// wantCountersReconcile checks the outcome events as DESIGN.md defines
// the counters: per source, fetched = handled + not-article + failed
// (the fetches counted by status), handled = articles + spam pages (the
// records produced), and every worker that stopped cleanly reported
// exactly the fetches the site served it (robots.txt aside: it is not a
// task). The killed worker lost the outcomes it had not yet published
// (at most one aggregation window), so it reports at most what it
// fetched.
func wantCountersReconcile(t *testing.T, events []*outcomeEvent, reqs []siteRequest, site *clusterSite, victim string) {
	t.Helper()
	type key struct{ source, worker string }
	counts := map[key]*kindCounts{}
	get := func(k key) *kindCounts {
		if counts[k] == nil {
			counts[k] = &kindCounts{}
		}
		return counts[k]
	}
	for _, e := range events {
		for _, k := range []key{{e.Source, e.Worker}, {e.Source, ""}} {
			c := get(k)
			for _, o := range e.Outcomes {
				switch o.Kind {
				case "handled":
					c.handled += o.Count
				case "not_article":
					c.notArticle += o.Count
				case "failed":
					c.failed += o.Count
				case "skipped":
					c.skipped += o.Count
				}
			}
			for _, n := range e.Status {
				c.statuses += n
			}
			c.records += e.Articles + e.SpamPages
		}
	}
	perWorker := map[string][2]int{} // reported, served
	for _, h := range site.hosts {
		src := sourceID(h)
		total := get(key{src, ""})
		t.Logf("%s: %+v", src, *total)
		if total.handled != total.records {
			t.Errorf("%s: %d handled, %d records produced", src, total.handled, total.records)
		}
		if total.statuses != total.fetched() {
			t.Errorf("%s: %d fetches by status, fetched = handled + not-article + failed = %d", src, total.statuses, total.fetched())
		}
		for _, w := range []string{"w1", "w2", "w3", "w4"} {
			served := 0
			for _, r := range reqs {
				if r.Host == site.hostPort(h) && r.Agent == agentOf(w) && r.Path != "/robots.txt" {
					served++
				}
			}
			got := get(key{src, w}).fetched()
			perWorker[w] = [2]int{perWorker[w][0] + got, perWorker[w][1] + served}
			switch {
			case w == victim && got > served:
				t.Errorf("%s: killed %s reported %d fetches, the site served it %d", src, w, got, served)
			case w != victim && got != served:
				t.Errorf("%s: %s reported %d fetches, the site served it %d", src, w, got, served)
			}
		}
	}
	t.Logf("fetches reported / served per worker: %v (%s killed)", perWorker, victim)
}

// wantRecordedOutcomes checks that crawl_outcomes holds the events'
// counts exactly (recorded once each, by sink-a).
func wantRecordedOutcomes(t *testing.T, events []*outcomeEvent, dsn, schema string) {
	t.Helper()
	want := map[string]int{}
	for _, e := range events {
		for _, o := range e.Outcomes {
			want[e.Source+"/"+o.Kind+"/"+o.Reason] += o.Count
		}
	}
	got := withPostgres(t, dsn, schema, func(q querier) map[string]int {
		rows, err := q(`SELECT source, kind, reason, sum(count)::bigint FROM crawl_outcomes WHERE source <> '_watermark' GROUP BY source, kind, reason`)
		if err != nil {
			t.Fatalf("read crawl_outcomes: %v", err)
		}
		out := map[string]int{}
		for _, r := range rows {
			out[fmt.Sprint(r[0], "/", r[1], "/", r[2])] = toInt(r[3])
		}
		return out
	})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("crawl_outcomes (-events +table):\n%s", diff)
	}
}

// wantDownstream checks the downstream identity over TLS: it reads every
// article through its pre-created consumer, and is refused AUDIT, a
// consumer of its own, another sink's consumer and publishing. A client
// without the test CA cannot connect at all.
func wantDownstream(t *testing.T, c *natsCluster, admin *natsbus.Conn, articles int) {
	t.Helper()
	ds := c.connect("downstream")
	if tls, err := ds.NATS().TLSConnectionState(); err != nil || !tls.HandshakeComplete {
		t.Errorf("downstream connection is not TLS: %v", err)
	}
	js := ds.JetStream()
	cfg := natsbus.Config{}
	ids := map[string]bool{}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	err := natsbus.Consume(ctx, js, natsbus.ConsumerConfig{Config: cfg, Stream: natsbus.StreamArticles, Durable: "downstream",
		RequirePrecreated: true, MaxWait: 200 * time.Millisecond}, natsbus.BatchWriterFunc(func(_ context.Context, recs []*record.Article) error {
		for _, r := range recs {
			ids[r.ID] = true
		}
		if len(ids) >= articles {
			cancel()
		}
		return nil
	}))
	cancel()
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("downstream consume: %v", err)
	}
	if len(ids) != articles {
		t.Errorf("downstream read %d distinct articles, want %d", len(ids), articles)
	}

	// AUDIT holds a message, so a refused read is not an empty stream.
	names, _ := cfg.Names()
	auditSubject, _ := names.AuditSubject("site-a")
	if _, err := admin.JetStream().Publish(t.Context(), auditSubject, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	before, err := natsbus.StreamInfo(t.Context(), admin.JetStream(), natsbus.StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	denied := []struct {
		name string
		do   func(context.Context) error
	}{
		{"reads AUDIT", func(ctx context.Context) error {
			cons, err := js.OrderedConsumer(ctx, names.Audit, jetstream.OrderedConsumerConfig{})
			if err != nil {
				return err
			}
			_, err = cons.Next(jetstream.FetchMaxWait(time.Second))
			return err
		}},
		{"creates a consumer", func(ctx context.Context) error {
			_, err := natsbus.EnsureConsumer(ctx, js, natsbus.ConsumerConfig{Config: cfg, Stream: natsbus.StreamArticles, Durable: "rogue"})
			return err
		}},
		{"pulls from sink-a's consumer", func(ctx context.Context) error {
			_, err := ds.NATS().RequestWithContext(ctx, "$JS.API.CONSUMER.MSG.NEXT.ARTICLES.sink-a", []byte(`{"batch":1,"no_wait":true}`))
			return err
		}},
		{"publishes an article", func(ctx context.Context) error {
			subject, _ := names.ArticleSubject("site-a")
			_, err := js.Publish(ctx, subject, []byte(`{}`), jetstream.WithMsgID("rogue"))
			return err
		}},
		{"publishes to the frontier", func(ctx context.Context) error {
			_, err := js.Publish(ctx, names.FrontierSubject(0), []byte(`{}`))
			return err
		}},
	}
	for _, d := range denied {
		dctx, stop := context.WithTimeout(t.Context(), 2*time.Second)
		err := d.do(dctx)
		stop()
		if err == nil {
			t.Errorf("downstream %s: allowed, want a permission failure", d.name)
		}
	}
	after, err := natsbus.StreamInfo(t.Context(), admin.JetStream(), natsbus.StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	if after.Msgs != before.Msgs {
		t.Errorf("ARTICLES went from %d to %d messages while downstream was refused", before.Msgs, after.Msgs)
	}
	if _, err := natsbus.Connect(t.Context(), natsbus.Options{URLs: splitList(c.urls()), User: "downstream", Password: "x"}); err == nil {
		t.Error("a client without the cluster's CA connected")
	}
}

var clusterBenchPages = flag.Int("cluster.pages", 2000, "pages of the generated site for BenchmarkClusterScaling")

// BenchmarkClusterScaling is TestCluster's deployment (three nats-server
// processes, TLS, R3 streams, two PostgreSQL sinks, a scheduler) crawling
// a link-dense site of -cluster.pages ~30 KB pages on four hosts with
// politeness lifted, with 1, 2 and 3 workers. It reports pages per
// second from the scheduler's start until every page is stored and the
// sinks caught up, and pages per CPU-second of all winnow processes
// (workers, sinks, scheduler; start to exit); nats-cpu-s is the three
// nats-server processes' CPU. PostgreSQL's CPU is not counted.
//
//	WINNOW_TEST_POSTGRES=postgres://… go test ./cmd/winnow -run '^$' -bench ClusterScaling -benchtime 1x -cluster.pages 2000
func BenchmarkClusterScaling(b *testing.B) {
	dsn := testPostgres(b)
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			var pages int
			var wall, cpu, natsCPU time.Duration
			for b.Loop() {
				w, c, nc := benchClusterCrawl(b, dsn, n, *clusterBenchPages)
				pages += *clusterBenchPages
				wall, cpu, natsCPU = wall+w, cpu+c, natsCPU+nc
			}
			b.ReportMetric(float64(pages)/wall.Seconds(), "pages/s")
			b.ReportMetric(float64(pages)/cpu.Seconds(), "pages/cpu-s")
			b.ReportMetric(natsCPU.Seconds()/float64(b.N), "nats-cpu-s")
		})
	}
}

// benchClusterCrawl runs one crawl of a fresh site on a fresh cluster
// with n workers and returns its wall time, the winnow processes' CPU
// and the nats-server processes' CPU.
func benchClusterCrawl(b *testing.B, dsn string, n, pages int) (wall, cpu, natsCPU time.Duration) {
	c := startNATSCluster(b)
	var hosts []clusterHost
	for _, h := range clusterHosts() {
		h.delay, h.conc = time.Millisecond, 16
		hosts = append(hosts, h)
	}
	site := serveClusterSite(b, hosts, pages, 0, 0)
	cp := &clusterProcs{c: c, site: site, dsn: dsn, schema: newSchema(b, dsn)}
	runWinnow(b, c.env("admin"), "admin", "init", "--sink-durables", "sink-a,sink-b")
	admin := c.connect("admin")
	cp.startSink(b, "sink-a")
	cp.startSink(b, "sink-b", "--no-outcomes")
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("w%d", i+1))
		cp.startWorker(b, ids[i], "--workers", "16")
	}
	waitPartitionsSplit(b, admin, ids)
	start := time.Now()
	cp.startScheduler(b)
	waitFor(b, 10*time.Minute, "every page stored", func() bool { return countPostgres(b, dsn, cp.schema) >= pages })
	waitDrained(b, admin, "sink-a", "sink-b")
	wall = time.Since(start)
	stopAll(cp.all)
	if got := countPostgres(b, dsn, cp.schema); got != pages {
		b.Fatalf("stored %d rows, want %d", got, pages)
	}
	if fetched, dups := site.site.Fetched(); fetched != pages || dups != 0 {
		b.Fatalf("fetched %d of %d pages, %d more than once", fetched, pages, dups)
	}
	return wall, childCPU(cp.all), childCPU(c.stop())
}
