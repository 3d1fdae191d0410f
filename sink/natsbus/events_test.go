package natsbus

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestConsumeEventsInOrder publishes outcome events and checks that
// ConsumeEvents hands them over in stream order, gives a failing batch
// back to the handler (nothing later overtakes it), and on stop gives an
// unprocessed batch back so the next consumer sees it first.
func TestConsumeEventsInOrder(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	js := c.JetStream()
	pub, err := NewPublisher(js, PublisherOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := pub.PublishOutcome(ctx, "wzljl", "ev-"+strconv.Itoa(i), []byte(strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(0, 10)
	// A republished event (same id) is stored once.
	publish(9, 10)
	if got := streamState(t, js, n.Outcomes).Msgs; got != 10 {
		t.Fatalf("OUTCOMES holds %d events, want 10", got)
	}
	cc := ConsumerConfig{Config: cfg, Stream: n.Outcomes, Durable: "sink-test", BatchSize: 4,
		BackOff: []time.Duration{300 * time.Millisecond}, MaxWait: 100 * time.Millisecond, Logger: testLogger(t)}

	var (
		mu       sync.Mutex
		seen     []string // every event handed over, in order
		acked    int      // events of batches that succeeded
		failures int
	)
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- ConsumeEvents(cctx, js, cc, func(_ context.Context, msgs []Message) error {
			mu.Lock()
			defer mu.Unlock()
			// The batch holding event 5 fails twice before it succeeds.
			for _, m := range msgs {
				if string(m.Data) == "5" && failures < 2 {
					failures++
					return errors.New("store unavailable")
				}
			}
			for _, m := range msgs {
				seen = append(seen, string(m.Data))
			}
			if len(seen) >= 7 {
				stop() // this batch stays unprocessed
				return errors.New("stopping")
			}
			acked = len(seen)
			return nil
		})
	}()
	waitFor(t, 20*time.Second, "the first consumer stopped", func() bool {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ConsumeEvents: %v", err)
			}
			return true
		default:
			return false
		}
	})
	mu.Lock()
	first := append([]string(nil), seen...)
	firstAcked := acked
	mu.Unlock()
	wantAll := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}
	if len(first) < 7 || !cmp.Equal(first, wantAll[:len(first)]) {
		t.Errorf("first consumer saw %v, want 0, 1, 2 … in order", first)
	}
	if failures != 2 {
		t.Errorf("the failing batch failed %d times before it succeeded, want 2", failures)
	}

	// The next consumer gets every event the first did not acknowledge,
	// in order, the given-back batch first.
	publish(10, 12)
	var rest []string
	cctx2, stop2 := context.WithCancel(ctx)
	done2 := make(chan error, 1)
	go func() {
		done2 <- ConsumeEvents(cctx2, js, cc, func(_ context.Context, msgs []Message) error {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				rest = append(rest, string(m.Data))
			}
			if len(rest) >= len(wantAll)-firstAcked {
				stop2()
			}
			return nil
		})
	}()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(wantAll[firstAcked:], rest); diff != "" {
		t.Errorf("second consumer after %d acknowledged events (-want +got):\n%s", firstAcked, diff)
	}
}

// TestFrontierRevisitID checks that a revisit of an entry point is queued
// again within the duplicate window under a new RevisitID and dropped
// under the same one.
func TestFrontierRevisitID(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	f, err := NewFrontier(ctx, c.JetStream(), FrontierOptions{Config: cfg, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	task := Task{URL: "https://www.example.cn/news/", Source: "wzljl", Kind: "listing", Revisit: true}
	tests := []struct {
		revisitID string
		wantNew   int
	}{
		{"", 1},
		{"", 0},   // same add within the window
		{"r1", 1}, // a new firing
		{"r1", 0}, // the same firing again (a takeover)
		{"r2", 1},
	}
	for i, tt := range tests {
		task.RevisitID = tt.revisitID
		got, err := f.Add(ctx, task)
		if err != nil || got != tt.wantNew {
			t.Errorf("add %d (revisit id %q) = %d, %v; want %d", i, tt.revisitID, got, err, tt.wantNew)
		}
	}
	if got := streamState(t, c.JetStream(), n.Frontier).Msgs; got != 3 {
		t.Errorf("FRONTIER holds %d tasks, want 3", got)
	}
}
