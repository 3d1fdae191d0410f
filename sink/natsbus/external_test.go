package natsbus

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/sink"
	"winnow/sink/record"
)

// externalBus connects to the server named by WINNOW_TEST_NATS_URL and
// ensures a topology under a namespace unique to the test, deleted again
// in Cleanup.
func externalBus(t *testing.T) (*Conn, Config, Names) {
	t.Helper()
	url := os.Getenv("WINNOW_TEST_NATS_URL")
	if url == "" {
		t.Skip("set WINNOW_TEST_NATS_URL (e.g. nats://127.0.0.1:4222, a server with JetStream) to run against a real NATS server")
	}
	c, err := Connect(t.Context(), Options{URLs: []string{url}, Name: "winnow-natsbus-test", Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Connect %s: %v", url, err)
	}
	cfg := Config{
		Namespace:  fmt.Sprintf("t%08x", rand.Uint32()),
		Partitions: 2, FrontierMaxBytes: 8 << 20, ArticlesMaxBytes: 32 << 20, AuditMaxBytes: 8 << 20,
		DLQMaxBytes: 8 << 20, AdvisoriesMaxBytes: 1 << 20,
	}
	n, _ := cfg.Names()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		js := c.JetStream()
		for _, s := range []string{n.Frontier, n.Articles, n.Audit, n.DLQ, n.Advisories, n.Outcomes} {
			if err := js.DeleteStream(ctx, s); err != nil {
				t.Logf("cleanup: delete stream %s: %v", s, err)
			}
		}
		for _, b := range []string{n.State, n.Seen, n.Leases} {
			if err := js.DeleteKeyValue(ctx, b); err != nil {
				t.Logf("cleanup: delete bucket %s: %v", b, err)
			}
		}
		c.Close()
	})
	if _, err := EnsureStreams(t.Context(), c.JetStream(), cfg); err != nil {
		t.Fatalf("EnsureStreams on %s: %v", url, err)
	}
	return c, cfg, n
}

func TestExternalPublishConsumeDLQ(t *testing.T) {
	c, cfg, n := externalBus(t)
	ctx := t.Context()
	js := c.JetStream()

	changes, err := EnsureStreams(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		if ch.Action != ActionUnchanged {
			t.Errorf("second EnsureStreams: %s %s", ch.Name, ch.Action)
		}
	}

	p, err := NewPublisher(js, PublisherOptions{Config: cfg, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*record.Article
	for i := range 6 {
		recs = append(recs, testArticle("wzljl", i, i%2))
	}
	poison, stuck := recs[1], recs[4]
	if err := p.WriteBatch(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, recs[0]); err != nil { // duplicate: stored once
		t.Fatal(err)
	}
	if st := streamState(t, js, n.Articles); st.Msgs != 6 {
		t.Errorf("%s holds %d, want 6", n.Articles, st.Msgs)
	}
	if st := streamState(t, js, n.Audit); st.Msgs != 3 {
		t.Errorf("%s holds %d, want 3", n.Audit, st.Msgs)
	}

	fctx, cancel := context.WithCancel(ctx)
	fdone := make(chan error, 1)
	go func() {
		fdone <- ForwardDeadLetters(fctx, js, ForwarderOptions{Config: cfg, MaxWait: 300 * time.Millisecond, Logger: testLogger(t)})
	}()
	t.Cleanup(func() { cancel(); <-fdone })

	w := &memWriter{fail: func(batch []*record.Article) error {
		for _, r := range batch {
			switch r.ID {
			case poison.ID:
				return fmt.Errorf("%w: constraint violated", sink.ErrRejected)
			case stuck.ID:
				return errors.New("temporary failure")
			}
		}
		return nil
	}}
	cc := fastConsumer(cfg, n.Articles, "sink-test")
	cc.MaxDeliver = 2
	cc.BatchSize = 1
	cc.Logger = testLogger(t)
	runConsume(t, c, cc, w)

	waitFor(t, 20*time.Second, "two dead letters", func() bool { return streamState(t, js, n.DLQ).Msgs == 2 })
	waitFor(t, time.Minute, "four records written", func() bool { return w.total() == 4 })
	got := map[string]string{}
	for _, m := range streamMsgs(t, js, n.DLQ) {
		if m.Subject != n.DLQSubject(n.Articles, "sink-test") {
			t.Errorf("DLQ subject %s", m.Subject)
		}
		reason := m.Header.Get(HeaderDLQReason)
		if len(reason) > 9 {
			reason = reason[:9]
		}
		got[m.Header.Get(HeaderDLQSequence)] = reason
	}
	if diff := cmp.Diff(map[string]string{"2": "rejected:", "5": "max deliv"}, got); diff != "" {
		t.Errorf("dead letters by stream seq (-want +got):\n%s", diff)
	}
}
