package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"winnow/crawler"
	"winnow/crawler/frontier"
	"winnow/sink/record"
)

func TestMetricsOutcomes(t *testing.T) {
	m := newMetrics()
	task := frontier.Task{Source: "demo", URL: "http://a.test/x"}
	for _, o := range []crawler.Outcome{
		{Task: task, Kind: crawler.OutcomeHandled, Reason: crawler.ReasonHandled, StatusCode: 200, Attempts: 1, Bytes: 1000},
		{Task: task, Kind: crawler.OutcomeHandled, Reason: crawler.ReasonHandled, StatusCode: 200, Attempts: 3, Bytes: 500},
		{Task: task, Kind: crawler.OutcomeFailed, Reason: crawler.HTTPReason(404), StatusCode: 404, Attempts: 1, Bytes: 20},
		{Task: task, Kind: crawler.OutcomeFailed, Reason: crawler.ReasonConnection, Attempts: 4},
		{Task: task, Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonRobots},
		{Task: task, Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonDuplicate},
		{Task: frontier.Task{Source: "other"}, Kind: crawler.OutcomeSkipped, Reason: crawler.ReasonRobots},
	} {
		m.outcome(o)
	}
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"2xx", testutil.ToFloat64(m.requests.WithLabelValues("demo", "2xx")), 2},
		{"4xx", testutil.ToFloat64(m.requests.WithLabelValues("demo", "4xx")), 1},
		{"none", testutil.ToFloat64(m.requests.WithLabelValues("demo", "none")), 1},
		{"retries", testutil.ToFloat64(m.retries.WithLabelValues("demo")), 2 + 3},
		{"bytes", testutil.ToFloat64(m.bytes.WithLabelValues("demo")), 1520},
		{"robots demo", testutil.ToFloat64(m.robots.WithLabelValues("demo")), 1},
		{"robots other", testutil.ToFloat64(m.robots.WithLabelValues("other")), 1},
		{"dedup", testutil.ToFloat64(m.dedup.WithLabelValues("demo")), 1},
		{"outcome handled", testutil.ToFloat64(m.outcomes.WithLabelValues("demo", "handled", "handled")), 2},
		{"outcome series", float64(testutil.CollectAndCount(m.outcomes)), 6},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	m.fetchLatency("demo", 30*time.Millisecond)
	m.fetchLatency("demo", 2*time.Second)
	if n := testutil.CollectAndCount(m.latency); n != 1 {
		t.Errorf("latency series %d, want 1", n)
	}
	problems, err := testutil.GatherAndLint(m.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestMetricsStored(t *testing.T) {
	m := newMetrics()
	a := record.New()
	a.Source = "demo"
	a.Hygiene.Verdict = record.VerdictCleaned
	a.Hygiene.Removed = []record.Removal{{Rule: "spam.keyword_chain"}, {Rule: "spam.keyword_chain"}, {Rule: "ad.app_promo"}}
	spam := record.New()
	spam.Source = "demo"
	spam.Hygiene.Verdict = record.VerdictSpamPage
	spam.Hygiene.Removed = []record.Removal{{Rule: "spam.keyword_chain"}}
	m.stored(a)
	m.stored(spam)
	m.charsetFallback("demo")
	want := `
# HELP winnow_removals_total Hygiene removals by rule.
# TYPE winnow_removals_total counter
winnow_removals_total{rule="ad.app_promo",source="demo"} 1
winnow_removals_total{rule="spam.keyword_chain",source="demo"} 3
# HELP winnow_articles_total Article records produced by the content path (spam pages included).
# TYPE winnow_articles_total counter
winnow_articles_total{source="demo"} 2
# HELP winnow_spam_pages_total Records whose hygiene verdict is spam_page.
# TYPE winnow_spam_pages_total counter
winnow_spam_pages_total{source="demo"} 1
# HELP winnow_charset_fallbacks_total Pages whose charset no BOM, header or declaration decided (detector guess).
# TYPE winnow_charset_fallbacks_total counter
winnow_charset_fallbacks_total{source="demo"} 1
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want), "winnow_removals_total", "winnow_articles_total",
		"winnow_spam_pages_total", "winnow_charset_fallbacks_total"); err != nil {
		t.Error(err)
	}
}

func TestMetricsLagPoll(t *testing.T) {
	m := newMetrics()
	ctx, cancel := context.WithCancel(t.Context())
	var (
		mu    sync.Mutex
		calls int
	)
	samples := []lagSample{
		{Frontier: 7, Sinks: []consumerLag{{Stream: "ARTICLES", Consumer: "sink-sqlite", Pending: 12, InFlight: 3}}, DLQ: 2},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.pollLag(ctx, time.Millisecond, slog.New(slog.DiscardHandler), func(context.Context) (lagSample, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				return samples[0], nil
			}
			if calls == 3 {
				cancel()
			}
			return lagSample{}, errors.New("bus unreachable")
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("pollLag did not return after cancel")
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"frontier", testutil.ToFloat64(m.frontier), 7},
		{"sink pending", testutil.ToFloat64(m.sinkLag.WithLabelValues("ARTICLES", "sink-sqlite")), 12},
		{"sink in flight", testutil.ToFloat64(m.sinkFlight.WithLabelValues("ARTICLES", "sink-sqlite")), 3},
		{"dlq (kept after failures)", testutil.ToFloat64(m.dlq), 2},
		{"poll errors", testutil.ToFloat64(m.pollErrors), 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	srv := httptest.NewServer(m.handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`winnow_sink_pending{consumer="sink-sqlite",stream="ARTICLES"} 12`, "winnow_dlq_messages 2", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
