package natsbus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
)

func frontierTestConfig() Config {
	return Config{Partitions: 8, FrontierBackOff: []time.Duration{30 * time.Second}, FrontierMaxDeliver: 3}
}

func newTestFrontier(t *testing.T, c *Conn, cfg Config, worker string) *Frontier {
	t.Helper()
	f, err := NewFrontier(t.Context(), c.JetStream(), FrontierOptions{
		Config: cfg, WorkerID: worker, LeaseTTL: 1500 * time.Millisecond, Heartbeat: 250 * time.Millisecond,
		FetchWait: 200 * time.Millisecond, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// secondConn opens another client connection to c's embedded server.
func secondConn(t *testing.T, c *Conn) *Conn {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(c.srv))
	if err != nil {
		t.Fatal(err)
	}
	c2, err := newConn(nc, nil, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.Close() })
	return c2
}

type delivered struct {
	mu     sync.Mutex
	byURL  map[string][]string // url -> workers that got it
	byHost map[string]map[string]bool
}

func (d *delivered) add(worker, u string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byURL == nil {
		d.byURL, d.byHost = map[string][]string{}, map[string]map[string]bool{}
	}
	d.byURL[u] = append(d.byURL[u], worker)
	pu, _ := url.Parse(u)
	if d.byHost[pu.Host] == nil {
		d.byHost[pu.Host] = map[string]bool{}
	}
	d.byHost[pu.Host][worker] = true
}

func (d *delivered) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, w := range d.byURL {
		n += len(w)
	}
	return n
}

// work runs a crawler loop on f until the test ends: every task is
// recorded and acknowledged.
func work(t *testing.T, f *Frontier, name string, d *delivered) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			task, done, err := f.Next(ctx)
			if err != nil {
				return
			}
			d.add(name, task.URL)
			// A crawler finishes the task in hand even when told to stop.
			if err := done(context.WithoutCancel(ctx), nil); err != nil {
				t.Errorf("%s: done: %v", name, err)
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

func tasksFor(prefix string, hosts, perHost int) []Task {
	var out []Task
	for h := range hosts {
		for i := range perHost {
			out = append(out, Task{URL: fmt.Sprintf("https://%s%d.example.cn/news/%d.html", prefix, h, i), Source: "demo", Kind: "article", Depth: 1})
		}
	}
	return out
}

// converged waits until the workers own disjoint partition sets covering
// all partitions.
func converged(t *testing.T, partitions int, fs ...*Frontier) {
	t.Helper()
	waitFor(t, 20*time.Second, "partition ownership to converge", func() bool {
		var all []int
		for _, f := range fs {
			o := f.Owned()
			if len(o) == 0 {
				return false
			}
			all = append(all, o...)
		}
		slices.Sort(all)
		want := make([]int, partitions)
		for i := range want {
			want[i] = i
		}
		return slices.Equal(all, want)
	})
}

func TestFrontierWorkersSharePartitions(t *testing.T) {
	ctx := t.Context()
	cfg := frontierTestConfig()
	c, n := setupBus(t, cfg)
	a := newTestFrontier(t, c, cfg, "worker-a")
	b := newTestFrontier(t, c, cfg, "worker-b")
	producer := newTestFrontier(t, c, cfg, "scheduler") // only adds: never leases
	var got delivered
	work(t, a, "worker-a", &got)
	stopB := work(t, b, "worker-b", &got)
	converged(t, cfg.Partitions, a, b)
	if len(producer.Owned()) != 0 {
		t.Errorf("a frontier that never called Next owns %v", producer.Owned())
	}

	tasks := tasksFor("h", 12, 5)
	added, err := producer.Add(ctx, tasks...)
	if err != nil || added != len(tasks) {
		t.Fatalf("Add = %d, %v; want %d", added, err, len(tasks))
	}
	// Duplicates are dropped, from another process too.
	if added, err := a.Add(ctx, tasks[:10]...); err != nil || added != 0 {
		t.Errorf("re-Add = %d, %v; want 0", added, err)
	}
	waitFor(t, 20*time.Second, "every task delivered", func() bool { return got.count() >= len(tasks) })

	got.mu.Lock()
	for _, task := range tasks {
		if w := got.byURL[task.URL]; len(w) != 1 {
			t.Errorf("%s delivered to %v, want exactly once", task.URL, w)
		}
	}
	perWorker := map[string]int{}
	for host, ws := range got.byHost {
		if len(ws) != 1 {
			t.Errorf("host %s served by %v, want one worker", host, ws)
		}
		for w := range ws {
			perWorker[w]++
		}
	}
	got.mu.Unlock()
	if perWorker["worker-a"] == 0 || perWorker["worker-b"] == 0 {
		t.Errorf("hosts per worker %v, want both to work", perWorker)
	}

	// Worker b stops cleanly: a takes over every partition within a
	// heartbeat or two, and new tasks all reach a, once.
	stopB()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	converged(t, cfg.Partitions, a)
	more := tasksFor("m", 6, 3)
	if added, err := producer.Add(ctx, more...); err != nil || added != len(more) {
		t.Fatalf("Add more = %d, %v", added, err)
	}
	waitFor(t, 20*time.Second, "new tasks delivered", func() bool { return got.count() >= len(tasks)+len(more) })
	got.mu.Lock()
	for _, task := range more {
		if w := got.byURL[task.URL]; !cmp.Equal(w, []string{"worker-a"}) {
			t.Errorf("%s delivered to %v, want worker-a once", task.URL, w)
		}
	}
	got.mu.Unlock()
	waitFor(t, 10*time.Second, "frontier idle", func() bool {
		p, err := producer.Pending(ctx)
		return err == nil && p.Idle() && p.InFlight == 0 && p.Waiting == 0
	})
	if st := streamState(t, c.JetStream(), n.Frontier); st.Msgs != 0 {
		t.Errorf("FRONTIER holds %d messages after all were acked", st.Msgs)
	}
}

func TestFrontierDeadWorkerTakeover(t *testing.T) {
	ctx := t.Context()
	cfg := frontierTestConfig()
	c, _ := setupBus(t, cfg)
	cb := secondConn(t, c)
	a := newTestFrontier(t, c, cfg, "worker-a")
	b := newTestFrontier(t, cb, cfg, "worker-b")
	var got delivered
	work(t, a, "worker-a", &got)
	work(t, b, "worker-b", &got)
	converged(t, cfg.Partitions, a, b)

	// b's process "dies": its connection goes away without releasing
	// anything. Its leases expire and a takes its partitions.
	cb.NATS().Close()
	converged(t, cfg.Partitions, a)
	tasks := tasksFor("d", 8, 2)
	if added, err := a.Add(ctx, tasks...); err != nil || added != len(tasks) {
		t.Fatalf("Add = %d, %v", added, err)
	}
	waitFor(t, 20*time.Second, "tasks delivered", func() bool { return got.count() >= len(tasks) })
	got.mu.Lock()
	defer got.mu.Unlock()
	for _, task := range tasks {
		if w := got.byURL[task.URL]; !cmp.Equal(w, []string{"worker-a"}) {
			t.Errorf("%s delivered to %v, want worker-a once", task.URL, w)
		}
	}
}

func TestFrontierAddValidationAndDedup(t *testing.T) {
	ctx := t.Context()
	cfg := frontierTestConfig()
	c, n := setupBus(t, cfg)
	f := newTestFrontier(t, c, cfg, "w")
	tasks := []Task{
		{URL: "https://a.example.cn/1.html", Source: "demo"},
		{URL: "ftp://a.example.cn/file"},
		{URL: "https:///nohost"},
		{URL: "https://a.example.cn/2.html", Source: "Bad Source"},
		{URL: "https://a.example.cn/3.html", Depth: -1},
		{URL: "https://a.example.cn/1.html", Source: "demo"}, // duplicate in the same call
		{URL: "https://b.example.cn/", Kind: "listing", Revisit: true},
	}
	added, err := f.Add(ctx, tasks...)
	if !errors.Is(err, ErrInvalidTask) || added != 2 {
		t.Errorf("Add = %d, %v; want 2 and ErrInvalidTask", added, err)
	}
	if st := streamState(t, c.JetStream(), n.Frontier); st.Msgs != 2 {
		t.Errorf("FRONTIER holds %d, want 2", st.Msgs)
	}
	// The article URL is remembered beyond the stream: consume everything,
	// then re-add. The revisit entry point is queued again (here, within the
	// duplicate window, it is still dropped).
	for range 2 {
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, done, err := f.Next(tctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := done(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if added, err := f.Add(ctx, tasks[0]); err != nil || added != 0 {
		t.Errorf("re-Add after crawl = %d, %v; want 0", added, err)
	}
	s, err := c.JetStream().KeyValue(ctx, n.Seen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, URLHash(tasks[0].URL)); err != nil {
		t.Errorf("seen key for %s: %v", tasks[0].URL, err)
	}
	if _, err := s.Get(ctx, URLHash(tasks[6].URL)); err == nil {
		t.Errorf("revisit entry point recorded as seen")
	}
}

func TestFrontierFullBlocksAddUntilConsumed(t *testing.T) {
	ctx := t.Context()
	cfg := frontierTestConfig()
	cfg.FrontierMaxMsgs = 2
	c, n := setupBus(t, cfg)
	f := newTestFrontier(t, c, cfg, "w")
	tasks := tasksFor("full", 3, 1)
	if added, err := f.Add(ctx, tasks[:2]...); err != nil || added != 2 {
		t.Fatalf("Add = %d, %v", added, err)
	}
	type result struct {
		added int
		err   error
	}
	res := make(chan result, 1)
	go func() {
		added, err := f.Add(ctx, tasks[2])
		res <- result{added, err}
	}()
	select {
	case r := <-res:
		t.Fatalf("Add to a full frontier returned %+v, want it to block", r)
	case <-time.After(300 * time.Millisecond):
	}
	if st := streamState(t, c.JetStream(), n.Frontier); st.Msgs != 2 {
		t.Errorf("FRONTIER holds %d, want 2", st.Msgs)
	}
	_, done, err := f.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := done(ctx, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-res:
		if r.err != nil || r.added != 1 {
			t.Errorf("blocked Add = %+v, want 1 added", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Add still blocked after a task was consumed")
	}
}

func TestFrontierRetryAndDeadLetter(t *testing.T) {
	ctx := t.Context()
	cfg := frontierTestConfig()
	cfg.Partitions = 1
	cfg.FrontierMaxDeliver = 2
	cfg.FrontierBackOff = []time.Duration{2 * time.Second}
	c, n := setupBus(t, cfg)
	js := c.JetStream()
	f := newTestFrontier(t, c, cfg, "w")
	fctx, cancel := context.WithCancel(ctx)
	fdone := make(chan error, 1)
	go func() {
		fdone <- ForwardDeadLetters(fctx, js, ForwarderOptions{Config: cfg, MaxWait: 200 * time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-fdone })

	poison := Task{URL: "https://p.example.cn/crash.html", Kind: "article"}
	flaky := Task{URL: "https://p.example.cn/flaky.html", Kind: "article"}
	if _, err := f.Add(ctx, poison, flaky); err != nil {
		t.Fatal(err)
	}
	deliveries := map[string]int{}
	next := func() (Task, Done) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		task, done, err := f.Next(tctx)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		deliveries[task.URL]++
		return task, done
	}
	// poison: a permanent failure goes to DLQ at once. flaky: retried
	// until MaxDeliver, then the advisory forwarder dead-letters it.
	for range 3 {
		task, done := next()
		var err error
		if task.URL == poison.URL {
			err = done(ctx, errors.New("extract: parser panic on malformed table"))
		} else {
			err = done(ctx, Retry(50*time.Millisecond, errors.New("HTTP 503")))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(map[string]int{poison.URL: 1, flaky.URL: 2}, deliveries); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	waitFor(t, 15*time.Second, "both in DLQ and the frontier empty", func() bool {
		p, err := f.Pending(ctx)
		return streamState(t, js, n.DLQ).Msgs == 2 && err == nil && p.Idle()
	})
	reasons := map[string]string{}
	for _, m := range streamMsgs(t, js, n.DLQ) {
		if m.Subject != "dlq.FRONTIER.frontier-0" {
			t.Errorf("DLQ subject %s", m.Subject)
		}
		reasons[string(m.Data)] = m.Header.Get(HeaderDLQReason)
	}
	want := map[string]string{
		string(mustJSON(t, poison)): "extract: parser panic on malformed table",
		string(mustJSON(t, flaky)):  "max deliveries reached",
	}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
}

func TestPartition(t *testing.T) {
	if Partition("News.Example.CN", 16) != Partition("news.example.cn", 16) {
		t.Error("partition depends on host case")
	}
	hit := map[int]int{}
	for i := range 2000 {
		p := Partition(fmt.Sprintf("site%d.example.cn", i), 16)
		if p < 0 || p >= 16 {
			t.Fatalf("partition %d out of range", p)
		}
		hit[p]++
	}
	for p := range 16 {
		if hit[p] < 60 || hit[p] > 200 {
			t.Errorf("partition %d got %d of 2000 hosts; want a roughly even spread", p, hit[p])
		}
	}
	if Partition("x", 0) != 0 {
		t.Error("zero partitions must not divide by zero")
	}
}
