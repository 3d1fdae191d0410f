package natsbus

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"winnow/sink"
	"winnow/sink/record"
)

// TestRolePermissionsEnforced runs every role's operations as a user
// limited to Permissions(role) on a server that enforces them, and checks
// that roles cannot do what they are not meant to.
func TestRolePermissionsEnforced(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 2, FrontierBackOff: []time.Duration{30 * time.Second}}
	const pass = "pw"
	roles := map[string][]string{
		RoleAdmin: nil, RoleCrawler: nil, RoleSink: {"sink-sqlite"}, RoleForwarder: {ConsumerDLQForwarder},
		RoleTail: {"sink-sqlite"}, RoleAnalyst: nil,
	}
	var users []*server.User
	for role, durables := range roles {
		rp, err := Permissions(cfg, role, "_INBOX_"+role, durables...)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, &server.User{Username: role, Password: pass, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: rp.Publish, Deny: rp.PublishDeny},
			Subscribe: &server.SubjectPermission{Allow: rp.Subscribe},
		}})
	}
	srv := listeningServer(t, &server.Options{JetStream: true, StoreDir: t.TempDir(), Users: users})
	connect := func(role string) *Conn {
		t.Helper()
		c, err := Connect(ctx, Options{URLs: []string{srv.ClientURL()}, User: role, Password: pass, InboxPrefix: "_INBOX_" + role, Name: role})
		if err != nil {
			t.Fatalf("connect as %s: %v", role, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	short := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 1500*time.Millisecond) }

	// Admin: topology and the sink's consumer.
	admin := connect(RoleAdmin)
	if _, err := EnsureStreams(ctx, admin.JetStream(), cfg); err != nil {
		t.Fatal(err)
	}
	sinkCC := ConsumerConfig{Config: cfg, Stream: "ARTICLES", Durable: "sink-sqlite", BackOff: []time.Duration{200 * time.Millisecond},
		MaxWait: 200 * time.Millisecond, RequirePrecreated: true}
	if _, err := EnsureConsumer(ctx, admin.JetStream(), sinkCC); err != nil {
		t.Fatal(err)
	}
	eventCC := ConsumerConfig{Config: cfg, Stream: "OUTCOMES", Durable: "sink-sqlite", BackOff: []time.Duration{time.Second},
		MaxWait: 200 * time.Millisecond, RequirePrecreated: true}
	if _, err := EnsureEventConsumer(ctx, admin.JetStream(), eventCC); err != nil {
		t.Fatal(err)
	}

	// Crawler: publish records, run the frontier, use crawl_state.
	crawler := connect(RoleCrawler)
	cjs := crawler.JetStream()
	pub, _ := NewPublisher(cjs, PublisherOptions{Config: cfg})
	good, poison := testArticle("wzljl", 1, 1), testArticle("wzljl", 2, 0)
	for _, a := range []*record.Article{good, poison} {
		if err := pub.Write(ctx, a); err != nil {
			t.Fatalf("crawler publish: %v", err)
		}
	}
	f, err := NewFrontier(ctx, cjs, FrontierOptions{Config: cfg, WorkerID: "crawler-1", LeaseTTL: 1500 * time.Millisecond,
		Heartbeat: 250 * time.Millisecond, FetchWait: 200 * time.Millisecond, RequirePrecreated: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if n, err := f.Add(ctx, Task{URL: "https://a.example.cn/1.html"}, Task{URL: "https://b.example.cn/2.html"}); err != nil || n != 2 {
		t.Fatalf("crawler Add = %d, %v", n, err)
	}
	for i := range 2 {
		nctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, done, err := f.Next(nctx)
		cancel()
		if err != nil {
			t.Fatalf("crawler Next: %v", err)
		}
		outcome := error(nil)
		if i == 1 {
			outcome = errors.New("poison page")
		}
		if err := done(ctx, outcome); err != nil {
			t.Fatalf("crawler Done: %v", err)
		}
	}
	if p, err := f.Pending(ctx); err != nil || !p.Idle() {
		t.Errorf("crawler Pending = %+v, %v", p, err)
	}
	st, err := OpenState(ctx, cjs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, "wzljl", func([]byte) ([]byte, error) { return []byte(`{"streak":1}`), nil }); err != nil {
		t.Errorf("crawler state update: %v", err)
	}
	if ok, err := st.TryLease(ctx, "lease.wzljl", "sched-1", time.Minute); err != nil || !ok {
		t.Errorf("crawler lease: %v %v", ok, err)
	}
	// The scheduler: create and compare-and-set, list and watch states,
	// publish outcome events and read them back.
	if _, err := st.Create(ctx, "source.wzljl", []byte(`{}`)); err != nil {
		t.Errorf("crawler state create: %v", err)
	}
	if keys, err := st.Keys(ctx, "source."); err != nil || len(keys) != 1 {
		t.Errorf("crawler state keys = %v, %v", keys, err)
	}
	wctx, stopWatch := context.WithTimeout(ctx, 10*time.Second)
	watched := make(chan string, 1)
	go func() {
		_ = st.Watch(wctx, "source.>", func(k string) {
			select {
			case watched <- k:
			default:
			}
		})
	}()
	time.Sleep(200 * time.Millisecond) // the watch is set up
	if _, err := st.Put(ctx, "source.wzljl", []byte(`{"x":1}`)); err != nil {
		t.Errorf("crawler state put: %v", err)
	}
	select {
	case k := <-watched:
		if k != "source.wzljl" {
			t.Errorf("crawler watch saw %q", k)
		}
	case <-wctx.Done():
		t.Error("crawler watch saw nothing")
	}
	stopWatch()
	if err := pub.PublishOutcome(ctx, "wzljl", "ev-1", []byte(`{"n":1}`)); err != nil {
		t.Errorf("crawler outcome event: %v", err)
	}
	octx, stopFollow := context.WithTimeout(ctx, 10*time.Second)
	events := 0
	if err := Follow(octx, cjs, "crawl.outcomes.wzljl", time.Now().Add(-time.Hour), func(context.Context, Message) error {
		events++
		stopFollow()
		return nil
	}); err != nil || events != 1 {
		t.Errorf("crawler follows outcome events: %d, %v", events, err)
	}
	stopFollow()

	// Sink: its pre-created consumer only; the poison goes to DLQ.
	sinkConn := connect(RoleSink)
	var written atomic.Int32
	w := BatchWriterFunc(func(_ context.Context, recs []*record.Article) error {
		for _, r := range recs {
			if r.ID == poison.ID {
				return fmt.Errorf("%w: test poison", sink.ErrRejected)
			}
		}
		written.Add(int32(len(recs)))
		return nil
	})
	sctx, stopSink := context.WithCancel(ctx)
	sinkDone := make(chan error, 1)
	go func() { sinkDone <- Consume(sctx, sinkConn.JetStream(), sinkCC, w) }()

	// Forwarder: advisories -> DLQ with its pre-created consumer.
	fwd := connect(RoleForwarder)
	fctx, stopFwd := context.WithCancel(ctx)
	fwdDone := make(chan error, 1)
	go func() {
		fwdDone <- ForwardDeadLetters(fctx, fwd.JetStream(), ForwarderOptions{Config: cfg, RequirePrecreated: true, MaxWait: 200 * time.Millisecond})
	}()
	defer func() {
		stopSink()
		stopFwd()
		if err := <-sinkDone; err != nil {
			t.Errorf("sink Consume: %v", err)
		}
		if err := <-fwdDone; err != nil {
			t.Errorf("ForwardDeadLetters: %v", err)
		}
	}()
	// The sink's outcome recorder: its lease, its event consumer.
	leases, err := OpenLeases(ctx, sinkConn.JetStream(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := leases.TryLease(ctx, OutcomeLeaseKey("sink-sqlite"), "sink-1", time.Minute); err != nil || !ok {
		t.Errorf("sink outcome lease: %v %v", ok, err)
	}
	var eventsRead atomic.Int32
	ectx, stopEvents := context.WithCancel(ctx)
	eventsDone := make(chan error, 1)
	go func() {
		eventsDone <- ConsumeEvents(ectx, sinkConn.JetStream(), eventCC, func(_ context.Context, msgs []Message) error {
			eventsRead.Add(int32(len(msgs)))
			return nil
		})
	}()
	waitFor(t, 15*time.Second, "sink read the outcome event", func() bool { return eventsRead.Load() == 1 })
	if st, err := StreamInfo(ctx, sinkConn.JetStream(), "OUTCOMES"); err != nil || st.Created.IsZero() {
		t.Errorf("sink OUTCOMES info = %+v, %v", st, err)
	}
	stopEvents()
	if err := <-eventsDone; err != nil {
		t.Errorf("sink ConsumeEvents: %v", err)
	}
	waitFor(t, 15*time.Second, "sink wrote the good record", func() bool { return written.Load() == 1 })
	waitFor(t, 15*time.Second, "two dead letters (frontier, sink)", func() bool { return streamState(t, admin.JetStream(), "DLQ").Msgs == 2 })
	waitFor(t, 15*time.Second, "forwarder handled the advisories", func() bool {
		info := consumerInfo(t, admin.JetStream(), "ADVISORIES", ConsumerDLQForwarder)
		return info.AckFloor.Stream == 2 && info.NumAckPending == 0
	})

	// Tail and analyst: read-only followers.
	follow := func(role, subject string, want int) {
		t.Helper()
		c := connect(role)
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got := 0
		err := Follow(fctx, c.JetStream(), subject, time.Now().Add(-time.Hour), func(context.Context, Message) error {
			got++
			if got == want {
				cancel()
			}
			return nil
		})
		if err != nil || got != want {
			t.Errorf("%s follow %s: got %d messages, %v; want %d", role, subject, got, err, want)
		}
	}
	follow(RoleTail, "articles.clean.*", 2)
	follow(RoleAnalyst, "audit.*", 1)
	follow(RoleAnalyst, "dlq.*.*", 2)
	analystConn := connect(RoleAnalyst)
	ast, err := OpenState(ctx, analystConn.JetStream(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := ast.Get(ctx, "source.wzljl"); err != nil || string(v) != `{"x":1}` {
		t.Errorf("analyst reads crawl_state: %q, %v", v, err)
	}
	if keys, err := ast.Keys(ctx, "source."); err != nil || len(keys) != 1 {
		t.Errorf("analyst lists crawl_state = %v, %v", keys, err)
	}
	if _, err := analystConn.JetStream().Stream(ctx, "DLQ"); err != nil {
		t.Errorf("analyst DLQ info: %v", err)
	}

	// What roles must not do.
	denied := []struct {
		name string
		do   func(context.Context) error
	}{
		{"crawler creates streams", func(ctx context.Context) error { _, err := EnsureStreams(ctx, cjs, cfg); return err }},
		{"sink publishes articles", func(ctx context.Context) error {
			p, _ := NewPublisher(sinkConn.JetStream(), PublisherOptions{Config: cfg})
			return p.Write(ctx, testArticle("wzljl", 9, 0))
		}},
		{"sink creates a consumer", func(ctx context.Context) error {
			_, err := EnsureConsumer(ctx, sinkConn.JetStream(), ConsumerConfig{Stream: "ARTICLES", Durable: "rogue"})
			return err
		}},
		{"analyst writes crawl_state", func(ctx context.Context) error {
			c := connect(RoleAnalyst)
			st, err := OpenState(ctx, c.JetStream(), cfg)
			if err != nil {
				return err
			}
			_, err = st.Put(ctx, "source.wzljl", []byte(`{}`))
			return err
		}},
		{"sink takes another lease", func(ctx context.Context) error {
			l, err := OpenLeases(ctx, sinkConn.JetStream(), cfg)
			if err != nil {
				return err
			}
			_, err = l.Put(ctx, "p.0", []byte(`{}`))
			return err
		}},
		{"tail binds to the sink's durable", func(ctx context.Context) error {
			c := connect(RoleTail)
			_, err := c.JetStream().Consumer(ctx, "ARTICLES", "sink-sqlite")
			return err
		}},
		{"tail pulls from the sink's durable", func(ctx context.Context) error {
			c := connect(RoleTail)
			_, err := c.NATS().RequestWithContext(ctx, "$JS.API.CONSUMER.MSG.NEXT.ARTICLES.sink-sqlite", []byte(`{"batch":1,"no_wait":true}`))
			return err
		}},
	}
	for _, d := range denied {
		dctx, cancel := short()
		err := d.do(dctx)
		cancel()
		if err == nil {
			t.Errorf("%s: allowed, want a permission failure", d.name)
		}
	}
}

func TestPermissionsValidation(t *testing.T) {
	if _, err := Permissions(Config{}, RoleSink, ""); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("sink without durable: %v", err)
	}
	if _, err := Permissions(Config{}, "root", ""); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("unknown role: %v", err)
	}
	p, err := Permissions(Config{Namespace: "t1"}, RoleSink, "_INBOX_sink", "sink-pg")
	if err != nil {
		t.Fatal(err)
	}
	want := RolePermissions{
		Publish: []string{"t1.dlq.t1_ARTICLES.sink-pg", "$JS.API.STREAM.INFO.t1_OUTCOMES",
			"$JS.API.CONSUMER.INFO.t1_OUTCOMES.sink-pg", "$JS.API.CONSUMER.MSG.NEXT.t1_OUTCOMES.sink-pg", "$JS.ACK.t1_OUTCOMES.sink-pg.>",
			"$JS.API.STREAM.INFO.KV_t1_crawl_leases", "$JS.API.DIRECT.GET.KV_t1_crawl_leases.$KV.t1_crawl_leases.outcomes.sink-pg",
			"$KV.t1_crawl_leases.outcomes.sink-pg",
			"$JS.API.CONSUMER.INFO.t1_ARTICLES.sink-pg",
			"$JS.API.CONSUMER.MSG.NEXT.t1_ARTICLES.sink-pg", "$JS.ACK.t1_ARTICLES.sink-pg.>"},
		Subscribe: []string{"_INBOX_sink.>"},
	}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Errorf("sink permissions\n got %v\nwant %v", p, want)
	}
}
