package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler"
	"winnow/crawler/frontier"
	"winnow/crawler/schedule"
	"winnow/sink/analyst"
	"winnow/sink/natsbus"
	"winnow/sink/record"
)

// fakeOutcomePublisher records published events and fails while fail is
// set.
type fakeOutcomePublisher struct {
	mu     sync.Mutex
	fail   bool
	events []*outcomeEvent
	ids    []string
}

func (p *fakeOutcomePublisher) PublishOutcome(_ context.Context, source, msgID string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return errors.New("stream full")
	}
	e, err := decodeOutcomeEvent(data)
	if err != nil {
		return err
	}
	if e.Source != source {
		return errors.New("subject and event disagree")
	}
	p.events = append(p.events, e)
	p.ids = append(p.ids, msgID)
	return nil
}

// TestOutcomeAggregator feeds one source's outcomes and records through
// the aggregator and checks the event: counts by day, kind and reason,
// status classes, error classes, entry points changed or not, first-time
// articles of a re-fetching source; a failed publish is merged into the
// next one under the same id.
func TestOutcomeAggregator(t *testing.T) {
	pub := &fakeOutcomePublisher{fail: true}
	g := newOutcomeAggregator(pub, "w1", time.Second, map[string]bool{"demo": true}, slog.New(slog.DiscardHandler))
	at := time.Date(2026, 5, 1, 23, 59, 59, 0, time.UTC)
	task := func(u string, kind frontier.Kind) frontier.Task {
		return frontier.Task{URL: "https://a.example.cn" + u, Source: "demo", Kind: kind}
	}
	g.linksQueued("demo", "https://a.example.cn/", 3) // the listing listed 3 new URLs
	for _, o := range []crawler.Outcome{
		{Task: task("/", frontier.KindListing), Kind: crawler.OutcomeNotArticle, Reason: crawler.ReasonEntryPoint, StatusCode: 200, Attempts: 1, Bytes: 100, At: at},
		{Task: task("/rss.xml", frontier.KindFeed), Kind: crawler.OutcomeNotArticle, Reason: crawler.ReasonUnchanged, StatusCode: 304, Attempts: 1, At: at},
		{Task: task("/a/1.html", frontier.KindPage), Kind: crawler.OutcomeHandled, Reason: crawler.ReasonHandled, StatusCode: 200, Attempts: 1, Bytes: 1000, At: at},
		{Task: task("/a/2.html", frontier.KindPage), Kind: crawler.OutcomeFailed, Reason: crawler.HTTPReason(404), StatusCode: 404, Attempts: 1, Bytes: 10, At: at.Add(2 * time.Second)},
		{Task: task("/a/3.html", frontier.KindPage), Kind: crawler.OutcomeFailed, Reason: crawler.ReasonTimeout, Attempts: 3, At: at.Add(2 * time.Second)},
		{Task: task("/a/4.html", frontier.KindPage), Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonRobots, At: at.Add(2 * time.Second)},
	} {
		g.observe(o)
	}
	spam := record.New()
	spam.Source, spam.Hygiene.Verdict = "demo", record.VerdictSpamPage
	clean := record.New()
	clean.Source, clean.Hygiene.Verdict = "demo", record.VerdictClean
	g.produced(clean)
	g.produced(spam)

	g.flush(t.Context()) // fails: kept
	if len(pub.events) != 0 || g.unpublished() != 1 {
		t.Fatalf("after a failed publish: %d published, %d kept; want 0, 1", len(pub.events), g.unpublished())
	}
	g.observe(crawler.Outcome{Task: task("/a/5.html", frontier.KindPage), Kind: crawler.OutcomeHandled, Reason: crawler.ReasonHandled, StatusCode: 200, Attempts: 1, Bytes: 500, At: at.Add(3 * time.Second)})
	pub.mu.Lock()
	pub.fail = false
	pub.mu.Unlock()
	g.flush(t.Context())
	if len(pub.events) != 1 || g.unpublished() != 0 {
		t.Fatalf("after a good publish: %d published, %d kept; want 1, 0", len(pub.events), g.unpublished())
	}
	e := pub.events[0]
	if pub.ids[0] != "w1:"+itoa(g.epoch)+":1" {
		t.Errorf("message id %q, want the first event's (w1:epoch:1)", pub.ids[0])
	}
	want := []outcomeCount{
		{Day: "2026-05-01", Kind: "handled", Reason: "handled", Count: 1},
		{Day: "2026-05-01", Kind: "not_article", Reason: "entry_point", Count: 1},
		{Day: "2026-05-01", Kind: "not_article", Reason: "unchanged", Count: 1},
		{Day: "2026-05-02", Kind: "failed", Reason: "http_404", Count: 1},
		{Day: "2026-05-02", Kind: "failed", Reason: "timeout", Count: 1},
		{Day: "2026-05-02", Kind: "handled", Reason: "handled", Count: 1},
		{Day: "2026-05-02", Kind: "skipped", Reason: "robots", Count: 1},
	}
	if diff := cmp.Diff(want, e.Outcomes); diff != "" {
		t.Errorf("outcome counts (-want +got):\n%s", diff)
	}
	got := map[string]any{
		"status": e.Status, "errors": e.Errors, "bytes": e.Bytes, "pages": e.Pages, "articles": e.Articles, "spam": e.SpamPages,
		"new": e.NewURLs, "entry": e.EntryPoints, "unchanged": e.EntryUnchanged, "changed": e.EntryChanged,
		"entry urls": len(e.EntryURLs), "article urls": e.ArticleURLs,
	}
	wantFields := map[string]any{
		"status": map[string]int{"2xx": 3, "3xx": 1, "4xx": 1, "none": 1},
		"errors": map[schedule.ErrorClass]int{schedule.ClassHTTP4xx: 1, schedule.ClassTimeout: 1, schedule.ClassRobots: 1},
		"bytes":  int64(1610), "pages": 4, "articles": 1, "spam": 1,
		"new": 3, "entry": 1, "unchanged": 1, "changed": 1, "entry urls": 2,
		"article urls": []string{"https://a.example.cn/a/1.html", "https://a.example.cn/a/5.html"},
	}
	if diff := cmp.Diff(wantFields, got); diff != "" {
		t.Errorf("event fields (-want +got):\n%s", diff)
	}
	r := e.runResult()
	wantRes := schedule.RunResult{Pages: 4, Articles: 1, SpamPages: 1, Changed: true,
		Errors:      map[schedule.ErrorClass]int{schedule.ClassHTTP4xx: 1, schedule.ClassTimeout: 1, schedule.ClassRobots: 1},
		ArticleURLs: []string{"https://a.example.cn/a/1.html", "https://a.example.cn/a/5.html"}}
	if diff := cmp.Diff(wantRes, r); diff != "" {
		t.Errorf("run result (-want +got):\n%s", diff)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestErrorClassOf maps crawl outcomes to the scheduler's error classes.
func TestErrorClassOf(t *testing.T) {
	tests := []struct {
		o    crawler.Outcome
		want schedule.ErrorClass
	}{
		{crawler.Outcome{Kind: crawler.OutcomeFailed, Reason: crawler.ReasonTimeout}, schedule.ClassTimeout},
		{crawler.Outcome{Kind: crawler.OutcomeFailed, Reason: crawler.ReasonConnection}, schedule.ClassNetwork},
		{crawler.Outcome{Kind: crawler.OutcomeFailed, Reason: crawler.ReasonDNS}, schedule.ClassNetwork},
		{crawler.Outcome{Kind: crawler.OutcomeFailed, Reason: "http_503", StatusCode: 503}, schedule.ClassHTTP5xx},
		{crawler.Outcome{Kind: crawler.OutcomeFailed, Reason: "http_429", StatusCode: 429}, schedule.ClassHTTP5xx},
		{crawler.Outcome{Kind: crawler.OutcomeFailed, Reason: "http_410", StatusCode: 410}, schedule.ClassHTTP4xx},
		{crawler.Outcome{Kind: crawler.OutcomeFailed, Reason: crawler.ReasonTooLarge, StatusCode: 200}, schedule.ClassOther},
		{crawler.Outcome{Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonRobots}, schedule.ClassRobots},
		{crawler.Outcome{Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonRobotsUnavailable}, schedule.ClassNetwork},
		{crawler.Outcome{Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonBlockedAddress}, schedule.ClassOther},
		{crawler.Outcome{Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonDuplicate}, ""},
		{crawler.Outcome{Kind: crawler.OutcomeHandled, Reason: crawler.ReasonHandled, StatusCode: 200}, ""},
	}
	for _, tt := range tests {
		if got := errorClassOf(tt.o); got != tt.want {
			t.Errorf("%s/%s (%d): %q, want %q", tt.o.Kind, tt.o.Reason, tt.o.StatusCode, got, tt.want)
		}
	}
}

// TestOutcomeRecorderIdempotent records outcome events into SQLite's
// crawl_outcomes through the bus and checks that a redelivery of
// everything (the consumer recreated: every event delivered again, as
// after a crash between commit and acknowledgement) counts nothing twice,
// that a republished event is stored once by the stream, and that later
// events still count.
func TestOutcomeRecorderIdempotent(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	conn, err := natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cfg := natsbus.Config{Partitions: 1}
	if _, err := natsbus.EnsureStreams(ctx, conn.JetStream(), cfg); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	store, err := openStore(ctx, storeSQLite, dir, storeFlags{}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ast, err := analystFor(ctx, store, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	defer ast.Close()
	pub, err := natsbus.NewPublisher(conn.JetStream(), natsbus.PublisherOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(id, reason string, n int) {
		t.Helper()
		e := outcomeEvent{SchemaVersion: outcomeSchemaVersion, Source: "demo", Worker: "w", Outcomes: []outcomeCount{{Day: "2026-05-01", Kind: "handled", Reason: reason, Count: n}}}
		data, _ := json.Marshal(e)
		if err := pub.PublishOutcome(ctx, "demo", id, data); err != nil {
			t.Fatal(err)
		}
	}
	publish("e1", "handled", 5)
	publish("e2", "handled", 2)
	publish("e2", "handled", 2) // the same event again: the stream keeps one
	publish("e3", "robots", 1)

	counts := func() map[string]int64 {
		rows, err := ast.an.Outcomes(ctx, analyst.Filter{Source: "demo"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, r := range rows {
			out[r.Reason] = r.Count
		}
		return out
	}
	record := func(wantBatches int) {
		t.Helper()
		rec, err := newOutcomeRecorder(ctx, conn, cfg, "sink-sqlite", false, ast, "", log)
		if err != nil {
			t.Fatal(err)
		}
		rec.cc.BackOff = []time.Duration{2 * time.Second}
		var mu sync.Mutex
		seen := 0
		rec.onBatch = func(n int) { mu.Lock(); seen += n; mu.Unlock() }
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- rec.run(rctx) }()
		waitAcked(t, 20*time.Second, conn.JetStream(), "OUTCOMES", "sink-sqlite")
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if wantBatches == 0 && seen != 0 {
			t.Errorf("recorder committed %d redelivered events", seen)
		}
	}
	record(1)
	if diff := cmp.Diff(map[string]int64{"handled": 7, "robots": 1}, counts()); diff != "" {
		t.Fatalf("after the first recording (-want +got):\n%s", diff)
	}
	// Everything delivered again: nothing counts twice.
	if err := conn.JetStream().DeleteConsumer(ctx, "OUTCOMES", "sink-sqlite"); err != nil {
		t.Fatal(err)
	}
	record(0)
	if diff := cmp.Diff(map[string]int64{"handled": 7, "robots": 1}, counts()); diff != "" {
		t.Errorf("after a redelivery of everything (-want +got):\n%s", diff)
	}
	publish("e4", "handled", 3)
	record(1)
	if diff := cmp.Diff(map[string]int64{"handled": 10, "robots": 1}, counts()); diff != "" {
		t.Errorf("after a later event (-want +got):\n%s", diff)
	}
}
