package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"winnow/sink/natsbus"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// TestNATSCluster starts three nats-servers from nats/nats-server.conf and
// accounts.conf exactly as shipped (only file paths, ports and the store
// are changed for the test; the configured max_file_store must hold the
// streams' default limits), with generated secrets, and runs every
// deployment identity's work against the cluster over TLS: the admin
// creates R3 streams and the sinks' consumers, the crawler publishes, the
// sinks, tail and analyst read, the DLQ forwarder binds; no user but the
// admin may delete a stream, and a wrong password is refused.
func TestNATSCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node JetStream cluster; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	secrets := testSecrets(t)
	root := natsTree(t, secrets)

	// Route ports are chosen up front: JetStream refuses a clustered node
	// without routes, and every node lists all three, as in the config.
	routePorts := freePorts(t, 3)
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	var servers []*server.Server
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("nats-%d", i)
		t.Setenv("NATS_SERVER_NAME", name)
		opts, err := server.ProcessConfigFile(filepath.Join(root, "etc/nats/nats-server.conf"))
		if err != nil {
			t.Fatal(err)
		}
		opts.Host, opts.Port = "127.0.0.1", -1
		opts.HTTPHost, opts.HTTPPort = "127.0.0.1", -1
		opts.Cluster.Host, opts.Cluster.Port = "127.0.0.1", routePorts[i-1]
		opts.StoreDir = filepath.Join(t.TempDir(), "jetstream")
		opts.NoLog, opts.NoSigs = true, true
		opts.LameDuckDuration, opts.LameDuckGracePeriod = 0, 0
		opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		srv, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		srv.Start()
		t.Cleanup(srv.Shutdown)
		servers = append(servers, srv)
	}
	for _, s := range servers {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatalf("%s not ready", s.Name())
		}
	}
	var urls []string
	for _, s := range servers {
		urls = append(urls, "tls://"+s.Addr().String())
		waitHealthy(ctx, t, "http://"+s.MonitorAddr().String()+"/healthz")
	}

	password := func(user string) string {
		b, err := os.ReadFile(filepath.Join(secrets, "nats", user+".password"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	connect := func(user, pw string) (*natsbus.Conn, error) {
		c, err := natsbus.Connect(ctx, natsbus.Options{
			URLs: urls, Name: user, User: user, Password: pw, InboxPrefix: inboxPrefix(user),
			TLS: natsbus.TLSOptions{CAFile: filepath.Join(secrets, "nats/ca.crt")},
		})
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
		return c, err
	}
	conns := map[string]*natsbus.Conn{}
	for _, u := range natsUsers() {
		c, err := connect(u.Name, password(u.Name))
		if err != nil {
			t.Fatalf("connect as %s: %v", u.Name, err)
		}
		conns[u.Name] = c
	}
	if _, err := connect("crawler", password("scheduler")); err == nil {
		t.Error("crawler connected with the scheduler's password")
	}

	// admin: R3 topology and the sinks' durable consumers.
	cfg := natsbus.Config{Replicas: 3, Partitions: 4}
	ajs := conns["admin"].JetStream()
	if _, err := natsbus.EnsureStreams(ctx, ajs, cfg); err != nil {
		t.Fatalf("admin: EnsureStreams: %v", err)
	}
	for _, d := range sinkDurables {
		if _, err := natsbus.EnsureConsumer(ctx, ajs, natsbus.ConsumerConfig{Config: cfg, Stream: natsbus.StreamArticles, Durable: d}); err != nil {
			t.Fatalf("admin: EnsureConsumer %s: %v", d, err)
		}
	}
	st, err := ajs.Stream(ctx, natsbus.StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Errorf("ARTICLES: replicas %d, cluster %+v; want R3 over the three nodes", info.Config.Replicas, info.Cluster)
	}

	// crawler publishes a cleaned article (record + audit event).
	a := testArticle()
	recordtest.Check(t, a)
	pub, err := natsbus.NewPublisher(conns["crawler"].JetStream(), natsbus.PublisherOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Write(ctx, a); err != nil {
		t.Fatalf("crawler: publish: %v", err)
	}
	// scheduler: crawl state in KV.
	state, err := natsbus.OpenState(ctx, conns["scheduler"].JetStream(), cfg)
	if err != nil {
		t.Fatalf("scheduler: open state: %v", err)
	}
	if _, err := state.Put(ctx, "demo", []byte(`{"next_due":"2024-05-20T12:00:00+08:00"}`)); err != nil {
		t.Errorf("scheduler: state put: %v", err)
	}

	// Each sink reads the article on its own pre-created durable.
	for _, d := range sinkDurables {
		got := make(chan string, 1)
		cctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() {
			err := natsbus.Consume(cctx, conns[d].JetStream(), natsbus.ConsumerConfig{
				Config: cfg, Stream: natsbus.StreamArticles, Durable: d, RequirePrecreated: true, MaxWait: 200 * time.Millisecond,
			}, natsbus.BatchWriterFunc(func(_ context.Context, recs []*record.Article) error {
				for _, r := range recs {
					select {
					case got <- r.ID:
					default:
					}
				}
				return nil
			}))
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s: consume: %v", d, err)
			}
		})
		select {
		case id := <-got:
			if id != a.ID {
				t.Errorf("%s read %s, want %s", d, id, a.ID)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("%s read nothing", d)
		}
		stop()
		wg.Wait()
	}

	// tail follows ARTICLES, the analyst AUDIT.
	n, _ := topology.Names()
	for user, subjects := range map[string]string{"tail": n.ArticleSubjects(), "analyst": n.AuditSubjects()} {
		fctx, stop := context.WithTimeout(ctx, 15*time.Second)
		seen := false
		err := natsbus.Follow(fctx, conns[user].JetStream(), subjects, time.Now().Add(-time.Hour), func(context.Context, natsbus.Message) error {
			seen = true
			stop()
			return nil
		})
		stop()
		if !seen {
			t.Errorf("%s: follow %s saw nothing: %v", user, subjects, err)
		}
	}

	// The DLQ forwarder binds its pre-created consumer and runs.
	fctx, stop := context.WithTimeout(ctx, time.Second)
	if err := natsbus.ForwardDeadLetters(fctx, conns["dlq-forwarder"].JetStream(), natsbus.ForwarderOptions{
		Config: cfg, RequirePrecreated: true, MaxWait: 200 * time.Millisecond,
	}); err != nil {
		t.Errorf("dlq-forwarder: %v", err)
	}
	stop()

	// Nobody but the admin may delete a stream (a denied request gets no
	// reply: the attempts time out, so they run side by side).
	var wg sync.WaitGroup
	for _, u := range natsUsers() {
		if u.Role == natsbus.RoleAdmin {
			continue
		}
		wg.Go(func() {
			dctx, stop := context.WithTimeout(ctx, 2*time.Second)
			defer stop()
			if err := conns[u.Name].JetStream().DeleteStream(dctx, natsbus.StreamArticles); err == nil {
				t.Errorf("%s deleted ARTICLES", u.Name)
			}
		})
	}
	wg.Wait()
	if _, err := ajs.Stream(ctx, natsbus.StreamArticles); err != nil {
		t.Errorf("ARTICLES gone: %v", err)
	}
}

// waitHealthy polls a nats-server /healthz (what the compose health check
// and the Helm chart's probes ask) until it answers 200.
func waitHealthy(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	var last string
	for ctx.Err() == nil {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never healthy: %s", url, last)
}

// testArticle is a cleaned article with one removal, so that the
// publisher also emits an audit event.
func testArticle() *record.Article {
	a := record.New()
	a.URL = "https://news.example.cn/local/2024-05/20/0001.html"
	a.CanonicalURL = a.URL
	a.Source = "demo"
	a.SiteName = "示例新闻网"
	a.Section = "本地新闻"
	a.Title = "市区新增两条公交线路"
	a.Body = "市交通运输局宣布，两条新的公交线路下月开通。\n沿线居民出行将更加便利。"
	a.Authors = []string{"李明"}
	a.Origin = "示例日报"
	a.PublishedAt = "2024-05-20T10:30:00+08:00"
	a.PublishedPrecision = record.PrecisionMinute
	a.FetchedAt = "2024-05-20T11:00:00+08:00"
	a.Lang = "zh"
	a.ScriptIn = record.ScriptHans
	a.ScriptOut = record.ScriptHans
	a.Normalization = map[string]string{"opencc": "t2s"}
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Hygiene.RulesVersion = "deploy-test"
	a.Hygiene.Verdict = record.VerdictCleaned
	a.Hygiene.Removed = []record.Removal{{
		Text: "99福利在线_xxxx影院_毛片网站免费", Kind: record.KindSpam, Rule: "spam.keyword_chain",
		Scope: record.ScopeLine, Field: record.FieldBody, Reason: "porn keyword chain joined by _",
	}}
	return a
}

// freePorts returns n TCP ports that were free on 127.0.0.1 a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}
