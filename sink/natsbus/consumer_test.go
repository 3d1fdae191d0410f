package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// runConsume runs Consume in the background until the test ends (or the
// returned stop is called) and reports its result on the channel.
func runConsume(t *testing.T, c *Conn, cc ConsumerConfig, w BatchWriter) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Consume(ctx, c.JetStream(), cc, w) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Consume did not return within 10s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Consume: %v", err)
		}
	})
	return stop
}

func consumerInfo(t testing.TB, js jetstream.JetStream, stream, name string) *jetstream.ConsumerInfo {
	t.Helper()
	cons, err := js.Consumer(context.Background(), stream, name)
	if err != nil {
		t.Fatalf("consumer %s: %v", name, err)
	}
	info, err := cons.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func fastConsumer(cfg Config, stream, durable string) ConsumerConfig {
	return ConsumerConfig{
		Config: cfg, Stream: stream, Durable: durable,
		MaxDeliver: 4, BackOff: []time.Duration{150 * time.Millisecond, 150 * time.Millisecond},
		BatchSize: 8, MaxWait: 200 * time.Millisecond, Linger: 200 * time.Millisecond,
	}
}

func TestConsumeAcksOnlyAfterWrite(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)
	var recs []*record.Article
	for i := range 5 {
		recs = append(recs, testArticle("wzljl", i, i%2))
	}
	if err := p.WriteBatch(ctx, recs); err != nil {
		t.Fatal(err)
	}

	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	calls := 0
	w := &memWriter{fail: func(batch []*record.Article) error {
		calls++
		switch calls {
		case 1: // hold the first write well past the 150ms ack wait
			entered <- struct{}{}
			<-release
			return errors.New("database is locked") // transient
		}
		for _, r := range batch {
			recordtest.Check(t, r)
		}
		return nil
	}}
	cc := fastConsumer(cfg, n.Articles, "sink-test")
	cc.Logger = testLogger(t)
	runConsume(t, c, cc, w)

	<-entered
	time.Sleep(500 * time.Millisecond) // > 3 ack waits: only progress acks keep them
	info := consumerInfo(t, c.JetStream(), n.Articles, "sink-test")
	if info.NumAckPending != 5 || info.AckFloor.Stream != 0 || info.NumRedelivered != 0 {
		t.Errorf("while the write runs: ack pending %d, ack floor %d, redelivered %d; want 5, 0, 0",
			info.NumAckPending, info.AckFloor.Stream, info.NumRedelivered)
	}
	close(release)

	waitFor(t, 10*time.Second, "all records written", func() bool { return w.total() == 5 })
	waitFor(t, 5*time.Second, "all acked", func() bool {
		info := consumerInfo(t, c.JetStream(), n.Articles, "sink-test")
		return info.NumAckPending == 0 && info.AckFloor.Stream == 5
	})
	for _, r := range recs {
		if got := w.count(r.ID); got != 1 {
			t.Errorf("record %s written %d times, want 1", r.ID, got)
		}
	}
	if waiting, inFlight, err := ConsumerLag(ctx, c.JetStream(), n.Articles, "sink-test"); err != nil || waiting != 0 || inFlight != 0 {
		t.Errorf("ConsumerLag = %d, %d, %v; want 0, 0", waiting, inFlight, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.writes != 1 {
		t.Errorf("%d successful WriteBatch calls, want 1 (one batch after one failure)", w.writes)
	}
}

func TestConsumePoisonToDLQ(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	js := c.JetStream()
	p := newTestPublisher(t, c, cfg)
	var recs []*record.Article
	for i := range 6 {
		recs = append(recs, testArticle("wzljl", i, 0))
	}
	poison := recs[2]
	if err := p.WriteBatch(ctx, recs); err != nil {
		t.Fatal(err)
	}
	// Two more poison messages: not JSON, and JSON that is not a valid record.
	if _, err := js.Publish(ctx, "articles.clean.wzljl", []byte("<html>not json")); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "articles.clean.wzljl", []byte(`{"schema_version": 7, "id": "x"}`)); err != nil {
		t.Fatal(err)
	}
	w := &memWriter{fail: func(batch []*record.Article) error {
		for _, r := range batch {
			if r.ID == poison.ID {
				return fmt.Errorf("%w: body too large for column", sink.ErrRejected)
			}
		}
		return nil
	}}
	cc := fastConsumer(cfg, n.Articles, "sink-test")
	cc.Logger = testLogger(t)
	runConsume(t, c, cc, w)

	waitFor(t, 10*time.Second, "3 dead letters", func() bool { return streamState(t, js, n.DLQ).Msgs == 3 })
	waitFor(t, 10*time.Second, "5 good records written", func() bool { return w.total() == 5 })
	type dead struct{ Subject, Reason, Stream, Consumer, OrigSubject, Seq, Deliveries string }
	var got []dead
	for _, m := range streamMsgs(t, js, n.DLQ) {
		reason := m.Header.Get(HeaderDLQReason)
		if len(reason) > 20 {
			reason = reason[:20]
		}
		got = append(got, dead{m.Subject, reason, m.Header.Get(HeaderDLQStream), m.Header.Get(HeaderDLQConsumer),
			m.Header.Get(HeaderDLQSubject), m.Header.Get(HeaderDLQSequence), m.Header.Get(HeaderDLQDeliveries)})
	}
	want := []dead{
		{"dlq.ARTICLES.sink-test", "undecodable: invalid", "ARTICLES", "sink-test", "articles.clean.wzljl", "7", "1"},
		{"dlq.ARTICLES.sink-test", "invalid: record: inva", "ARTICLES", "sink-test", "articles.clean.wzljl", "8", "1"},
		{"dlq.ARTICLES.sink-test", "rejected: sink: recor", "ARTICLES", "sink-test", "articles.clean.wzljl", "3", "1"},
	}
	for i := range want {
		want[i].Reason = want[i].Reason[:min(20, len(want[i].Reason))]
	}
	if diff := cmp.Diff(want, got, cmpSortDead); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	if w.count(poison.ID) != 0 {
		t.Errorf("poison record was written")
	}
	for _, r := range recs {
		if r != poison && w.count(r.ID) != 1 {
			t.Errorf("record %s written %d times, want 1", r.ID, w.count(r.ID))
		}
	}
	// The poison message itself carries the original payload and msg id.
	for _, m := range streamMsgs(t, js, n.DLQ) {
		if m.Header.Get(HeaderDLQSequence) == "3" && m.Header.Get(HeaderDLQMsgID) != poison.ID+":"+poison.ContentHash {
			t.Errorf("DLQ copy of seq 3 has original msg id %q", m.Header.Get(HeaderDLQMsgID))
		}
	}
}

var cmpSortDead = cmp.Transformer("sortDead", func(in []struct{ Subject, Reason, Stream, Consumer, OrigSubject, Seq, Deliveries string }) map[string]string {
	out := map[string]string{}
	for _, d := range in {
		out[d.Seq] = fmt.Sprint(d)
	}
	return out
})

func TestConsumeMaxDeliveriesAdvisoryToDLQ(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	js := c.JetStream()
	p := newTestPublisher(t, c, cfg)
	recs := []*record.Article{testArticle("wzljl", 0, 0), testArticle("wzljl", 1, 0), testArticle("wzljl", 2, 0)}
	stuck := recs[1]
	if err := p.WriteBatch(ctx, recs); err != nil {
		t.Fatal(err)
	}
	w := &memWriter{fail: func(batch []*record.Article) error {
		for _, r := range batch {
			if r.ID == stuck.ID {
				return errors.New("connection reset by peer") // transient, forever
			}
		}
		return nil
	}}
	cc := fastConsumer(cfg, n.Articles, "sink-test")
	cc.MaxDeliver = 2
	cc.BatchSize = 1 // so the healthy records are not held back with the stuck one
	runConsume(t, c, cc, w)

	fctx, cancel := context.WithCancel(ctx)
	fdone := make(chan error, 1)
	go func() {
		fdone <- ForwardDeadLetters(fctx, js, ForwarderOptions{Config: cfg, MaxWait: 200 * time.Millisecond, Logger: testLogger(t)})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-fdone; err != nil {
			t.Errorf("ForwardDeadLetters: %v", err)
		}
	})

	waitFor(t, 15*time.Second, "the stuck record in DLQ", func() bool { return streamState(t, js, n.DLQ).Msgs == 1 })
	m := streamMsgs(t, js, n.DLQ)[0]
	got := map[string]string{
		"subject": m.Subject, "reason": m.Header.Get(HeaderDLQReason), "seq": m.Header.Get(HeaderDLQSequence),
		"deliveries": m.Header.Get(HeaderDLQDeliveries), "orig": m.Header.Get(HeaderDLQMsgID),
	}
	want := map[string]string{
		"subject": "dlq.ARTICLES.sink-test", "reason": "max deliveries reached", "seq": "2",
		"deliveries": "2", "orig": stuck.ID + ":" + stuck.ContentHash,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dead letter (-want +got):\n%s", diff)
	}
	if w.count(recs[0].ID) != 1 || w.count(recs[2].ID) != 1 || w.count(stuck.ID) != 0 {
		t.Errorf("writes %d/%d/%d, want the two healthy records once each", w.count(recs[0].ID), w.count(stuck.ID), w.count(recs[2].ID))
	}
	// Limits stream: the original stays where it was.
	if st := streamState(t, js, n.Articles); st.Msgs != 3 {
		t.Errorf("ARTICLES holds %d messages, want 3", st.Msgs)
	}
}

func TestConsumeTerminatedAdvisoryDeduplicated(t *testing.T) {
	// A rejected record is copied by Consume and, again, by the forwarder
	// from the MSG_TERMINATED advisory: the DLQ keeps one copy.
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	js := c.JetStream()
	p := newTestPublisher(t, c, cfg)
	if err := p.Write(ctx, testArticle("wzljl", 0, 0)); err != nil {
		t.Fatal(err)
	}
	w := BatchWriterFunc(func(context.Context, []*record.Article) error { return sink.ErrRejected })
	runConsume(t, c, fastConsumer(cfg, n.Articles, "sink-test"), w)
	fctx, cancel := context.WithCancel(ctx)
	fdone := make(chan error, 1)
	go func() {
		fdone <- ForwardDeadLetters(fctx, js, ForwarderOptions{Config: cfg, MaxWait: 200 * time.Millisecond})
	}()
	defer func() { cancel(); <-fdone }()

	waitFor(t, 10*time.Second, "advisory forwarded", func() bool {
		cons, err := js.Consumer(ctx, n.Advisories, ConsumerDLQForwarder)
		if err != nil {
			return false
		}
		info, err := cons.Info(ctx)
		return err == nil && info.AckFloor.Stream >= 1 && info.NumPending == 0 && info.NumAckPending == 0
	})
	st := streamState(t, js, n.DLQ)
	if st.Msgs != 1 {
		t.Errorf("DLQ holds %d copies, want 1", st.Msgs)
	}
	if got := streamMsgs(t, js, n.DLQ)[0].Header.Get(HeaderDLQReason); got[:9] != "rejected:" {
		t.Errorf("kept reason %q, want the direct copy's", got)
	}
}

func TestConsumeGracefulStop(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)
	for i := range 3 {
		if err := p.Write(ctx, testArticle("wzljl", i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	entered := make(chan struct{})
	release := make(chan struct{})
	var writeCtxErr error
	w := BatchWriterFunc(func(wctx context.Context, recs []*record.Article) error {
		close(entered)
		<-release
		writeCtxErr = wctx.Err()
		return nil
	})
	stop := runConsume(t, c, fastConsumer(cfg, n.Articles, "sink-test"), w)
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if writeCtxErr != nil {
		t.Errorf("the in-flight write saw a cancelled context: %v", writeCtxErr)
	}
	info := consumerInfo(t, c.JetStream(), n.Articles, "sink-test")
	if info.AckFloor.Stream != 3 || info.NumAckPending != 0 {
		t.Errorf("after stop: ack floor %d, ack pending %d; want 3, 0", info.AckFloor.Stream, info.NumAckPending)
	}
}

func TestConsumeRequirePrecreated(t *testing.T) {
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	cc := fastConsumer(cfg, n.Articles, "sink-missing")
	cc.RequirePrecreated = true
	err := Consume(t.Context(), c.JetStream(), cc, &memWriter{})
	if !errors.Is(err, ErrConsumerMissing) {
		t.Fatalf("Consume: %v, want ErrConsumerMissing", err)
	}
	// Nothing was created behind the admin's back.
	if _, err := c.JetStream().Consumer(t.Context(), n.Articles, "sink-missing"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Errorf("consumer lookup: %v, want not found", err)
	}
}

func TestConsumeConfigValidation(t *testing.T) {
	c := startEmbedded(t, "")
	tests := []ConsumerConfig{
		{Stream: "", Durable: "x"},
		{Stream: "ARTICLES", Durable: "a.b"},
		{Stream: "ARTICLES", Durable: "ok", BackOff: []time.Duration{-time.Second}},
		{Stream: "ARTICLES", Durable: "ok", Config: Config{Namespace: "UPPER"}},
	}
	for i, cc := range tests {
		if err := Consume(t.Context(), c.JetStream(), cc, &memWriter{}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("case %d: %v, want ErrInvalidOptions", i, err)
		}
	}
}

func TestFollow(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)
	for i := range 2 {
		if err := p.Write(ctx, testArticle("wzljl", i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	follow := func(filter string, start time.Time) (<-chan string, context.CancelFunc) {
		fctx, cancel := context.WithCancel(ctx)
		out := make(chan string, 16)
		go func() {
			_ = Follow(fctx, c.JetStream(), filter, start, func(_ context.Context, m Message) error {
				a, err := m.Article()
				if err != nil {
					return err
				}
				out <- m.Subject + " " + strconv.FormatUint(m.Sequence, 10) + " " + a.Title
				return nil
			})
			close(out)
		}()
		return out, cancel
	}
	fromNow, stopNow := follow(n.ArticleSubjects(), time.Time{})
	fromStart, stopStart := follow("articles.clean.wzljl", time.Now().Add(-time.Hour))
	onlyOther, stopOther := follow("articles.clean.other", time.Now().Add(-time.Hour))
	time.Sleep(200 * time.Millisecond) // let the ordered consumers start before the next publishes
	if err := p.Write(ctx, testArticle("wzljl", 2, 0)); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, testArticle("other", 3, 0)); err != nil {
		t.Fatal(err)
	}
	collect := func(ch <-chan string, k int) []string {
		var got []string
		for len(got) < k {
			select {
			case s := <-ch:
				got = append(got, s)
			case <-time.After(5 * time.Second):
				t.Fatalf("got %v, want %d messages", got, k)
			}
		}
		return got
	}
	if diff := cmp.Diff([]string{"articles.clean.wzljl 3 市区新增公交线路 第2期", "articles.clean.other 4 市区新增公交线路 第3期"}, collect(fromNow, 2)); diff != "" {
		t.Errorf("from now (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"articles.clean.wzljl 1 市区新增公交线路 第0期", "articles.clean.wzljl 2 市区新增公交线路 第1期", "articles.clean.wzljl 3 市区新增公交线路 第2期"}, collect(fromStart, 3)); diff != "" {
		t.Errorf("from start (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"articles.clean.other 4 市区新增公交线路 第3期"}, collect(onlyOther, 1)); diff != "" {
		t.Errorf("one source (-want +got):\n%s", diff)
	}
	stopNow()
	stopStart()
	stopOther()
	for range fromNow {
	}
	for range fromStart {
	}
}

func TestServerAtLeast(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"2.9.10", false}, {"2.10.3", false}, {"2.10.4", true}, {"2.15.3", true}, {"3.0.0-beta", true}, {"", false}, {"x.y", false},
	}
	for _, tt := range tests {
		if got := serverAtLeast(tt.v, 2, 10, 4); got != tt.want {
			t.Errorf("serverAtLeast(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestConsumeWritesPartialBatchAtOnce: a batch that the stream cannot
// fill is written after Linger, not held for MaxWait (an hour here), and
// in one write.
func TestConsumeWritesPartialBatchAtOnce(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)
	var recs []*record.Article
	for i := range 3 {
		recs = append(recs, testArticle("partial", i, 0))
	}
	if err := p.WriteBatch(ctx, recs); err != nil {
		t.Fatal(err)
	}
	w := &memWriter{}
	cc := ConsumerConfig{Config: cfg, Stream: n.Articles, Durable: "sink-partial", AckWait: 2 * time.Hour,
		BatchSize: 256, MaxWait: time.Hour, Linger: 5 * time.Second, Logger: testLogger(t)}
	runConsume(t, c, cc, w)
	waitFor(t, 30*time.Second, "the partial batch written", func() bool { return w.total() == 3 })
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.writes != 1 {
		t.Errorf("%d writes, want the 3 records in 1", w.writes)
	}
}
