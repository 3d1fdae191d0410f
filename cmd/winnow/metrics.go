package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"winnow/crawler"
	"winnow/crawler/schedule"
	"winnow/sink/natsbus"
	"winnow/sink/record"
)

// metrics holds winnow's Prometheus collectors in a registry of its own
// (never the global one). The crawl wiring calls outcome for every crawl
// outcome and stored for every record the content path produced; the
// gauges are refreshed by pollLag.
type metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec   // source, class
	retries   *prometheus.CounterVec   // source
	bytes     *prometheus.CounterVec   // source
	latency   *prometheus.HistogramVec // source
	outcomes  *prometheus.CounterVec   // source, kind, reason
	robots    *prometheus.CounterVec   // source
	dedup     *prometheus.CounterVec   // source
	charset   *prometheus.CounterVec   // source
	articles  *prometheus.CounterVec   // source
	spamPages *prometheus.CounterVec   // source
	removals  *prometheus.CounterVec   // source, rule

	schedRuns   *prometheus.CounterVec // source, result
	sourcePhase *prometheus.GaugeVec   // source, state

	frontier   prometheus.Gauge
	sinkLag    *prometheus.GaugeVec // stream, consumer
	sinkFlight *prometheus.GaugeVec // stream, consumer
	dlq        prometheus.Gauge
	pollErrors prometheus.Counter
	polledAt   prometheus.Gauge
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	f := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "winnow", Name: name, Help: help}, labels)
		reg.MustRegister(c)
		return c
	}
	g := func(name, help string) prometheus.Gauge {
		c := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "winnow", Name: name, Help: help})
		reg.MustRegister(c)
		return c
	}
	m := &metrics{
		reg:       reg,
		requests:  f("crawl_requests_total", "Fetched tasks by the status class of the final response (2xx … 5xx; none when no response came).", "source", "class"),
		retries:   f("crawl_retries_total", "HTTP requests beyond the first one of a task (retries).", "source"),
		bytes:     f("crawl_bytes_total", "Decompressed response body bytes read.", "source"),
		outcomes:  f("crawl_outcomes_total", "Crawl tasks by final state and reason.", "source", "kind", "reason"),
		robots:    f("crawl_robots_blocked_total", "URLs skipped because robots.txt disallows them.", "source"),
		dedup:     f("crawl_dedup_hits_total", "URLs skipped as duplicates of a URL already fetched in the run.", "source"),
		charset:   f("charset_fallbacks_total", "Pages whose charset no BOM, header or declaration decided (detector guess).", "source"),
		articles:  f("articles_total", "Article records produced by the content path (spam pages included).", "source"),
		spamPages: f("spam_pages_total", "Records whose hygiene verdict is spam_page.", "source"),
		removals:  f("removals_total", "Hygiene removals by rule.", "source", "rule"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "winnow", Name: "crawl_fetch_seconds", Help: "Time to fetch one page (request to body read).",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"source"}),
		schedRuns: f("scheduler_runs_total", "Runs of a source this scheduler followed to their end, by result (ok, failed).", "source", "result"),
		sourcePhase: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "winnow", Name: "source_state",
			Help: "1 for a source's scheduling state (active, paused, degraded), as the scheduler last read it."}, []string{"source", "state"}),
		frontier: g("bus_frontier_pending", "Crawl tasks waiting in the FRONTIER stream."),
		sinkLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "winnow", Name: "sink_pending",
			Help: "Messages a sink consumer has not yet been delivered."}, []string{"stream", "consumer"}),
		sinkFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "winnow", Name: "sink_in_flight",
			Help: "Messages delivered to a sink consumer and not yet acknowledged."}, []string{"stream", "consumer"}),
		dlq:        g("dlq_messages", "Messages in the DLQ stream."),
		pollErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "winnow", Name: "lag_poll_errors_total", Help: "Failed polls of the bus and sink lag."}),
		polledAt:   g("lag_polled_timestamp_seconds", "When the lag gauges were last refreshed (Unix time)."),
	}
	reg.MustRegister(m.latency, m.sinkLag, m.sinkFlight, m.pollErrors, m.sourcePhase,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// statusClass is "2xx" … "5xx" for a status code, "none" for 0.
func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "none"
	}
	return strconv.Itoa(code/100) + "xx"
}

// observe counts one crawl outcome with its fetch latency.
func (m *metrics) observe(o crawler.Outcome) {
	m.outcome(o)
	if o.Attempts > 0 && o.Elapsed > 0 {
		m.fetchLatency(o.Task.Source, o.Elapsed)
	}
}

// schedRun counts a run the scheduler followed to its end.
func (m *metrics) schedRun(source string, r schedule.RunResult) {
	result := "ok"
	if r.Failed() {
		result = "failed"
	}
	m.schedRuns.WithLabelValues(source, result).Inc()
}

// outcome counts one crawl outcome (without its latency; see observe).
func (m *metrics) outcome(o crawler.Outcome) {
	src := o.Task.Source
	m.outcomes.WithLabelValues(src, string(o.Kind), o.Reason).Inc()
	switch o.Reason {
	case crawler.ReasonRobots:
		m.robots.WithLabelValues(src).Inc()
	case crawler.ReasonDuplicate:
		m.dedup.WithLabelValues(src).Inc()
	}
	if o.Attempts > 0 {
		m.requests.WithLabelValues(src, statusClass(o.StatusCode)).Inc()
		if o.Attempts > 1 {
			m.retries.WithLabelValues(src).Add(float64(o.Attempts - 1))
		}
	}
	if o.Bytes > 0 {
		m.bytes.WithLabelValues(src).Add(float64(o.Bytes))
	}
}

// fetchLatency observes the time one fetch took.
func (m *metrics) fetchLatency(source string, d time.Duration) {
	m.latency.WithLabelValues(source).Observe(d.Seconds())
}

// charsetFallback counts a page whose charset was guessed.
func (m *metrics) charsetFallback(source string) { m.charset.WithLabelValues(source).Inc() }

// stored counts one record of the content path: an article or a spam
// page, and its removals by rule.
func (m *metrics) stored(a *record.Article) {
	m.articles.WithLabelValues(a.Source).Inc()
	if a.Hygiene.Verdict == record.VerdictSpamPage {
		m.spamPages.WithLabelValues(a.Source).Inc()
	}
	for _, r := range a.Hygiene.Removed {
		m.removals.WithLabelValues(a.Source, r.Rule).Inc()
	}
}

// consumerLag is one bus consumer's backlog.
type consumerLag struct {
	Stream, Consumer string
	Pending          uint64 // not yet delivered
	InFlight         int    // delivered, not acknowledged
}

// lagSample is what one poll of the bus reports.
type lagSample struct {
	Frontier uint64        // FRONTIER tasks waiting
	Sinks    []consumerLag // sink (and downstream) consumers
	DLQ      uint64        // messages in the DLQ stream
	// Phases maps source ids to their scheduling state (scheduler
	// roles only; nil leaves the gauge alone).
	Phases map[string]string
}

// setLag refreshes the gauges from one sample.
func (m *metrics) setLag(s lagSample, now time.Time) {
	m.frontier.Set(float64(s.Frontier))
	m.sinkLag.Reset()
	m.sinkFlight.Reset()
	for _, c := range s.Sinks {
		m.sinkLag.WithLabelValues(c.Stream, c.Consumer).Set(float64(c.Pending))
		m.sinkFlight.WithLabelValues(c.Stream, c.Consumer).Set(float64(c.InFlight))
	}
	m.dlq.Set(float64(s.DLQ))
	if s.Phases != nil {
		m.sourcePhase.Reset()
		for id, phase := range s.Phases {
			m.sourcePhase.WithLabelValues(id, phase).Set(1)
		}
	}
	m.polledAt.Set(float64(now.Unix()))
}

// pollLag calls poll every interval (and once at once) until ctx ends,
// feeding the gauges; failures are counted and logged, the gauges keep
// their last values.
func (m *metrics) pollLag(ctx context.Context, every time.Duration, log *slog.Logger, poll func(context.Context) (lagSample, error)) {
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, every)
		s, err := poll(pctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			m.pollErrors.Inc()
			log.Warn("poll bus lag", "stage", "metrics", "err", err)
		default:
			m.setLag(s, time.Now())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// lagParts say which backlogs a role polls (what its NATS permissions
// allow).
type lagParts int

const (
	lagFrontier lagParts = 1 << iota // FRONTIER tasks (crawl roles, run)
	lagDLQ                           // DLQ messages (run, dlq-forwarder, serve)
)

// consumerRef names a durable consumer whose lag is polled.
type consumerRef struct{ stream, durable string }

// pollLag reads the backlogs parts names, the given consumers' lag and,
// with a frontier, its pending tasks.
func pollLag(ctx context.Context, conn *natsbus.Conn, cfg natsbus.Config, parts lagParts, consumers []consumerRef, front *natsbus.Frontier) (lagSample, error) {
	var s lagSample
	js := conn.JetStream()
	if parts&lagFrontier != 0 && front != nil {
		p, err := front.Pending(ctx)
		if err != nil {
			return s, err
		}
		s.Frontier = p.Queued
	}
	for _, c := range consumers {
		waiting, inFlight, err := natsbus.ConsumerLag(ctx, js, c.stream, c.durable)
		if err != nil {
			return s, err
		}
		s.Sinks = append(s.Sinks, consumerLag{Stream: c.stream, Consumer: c.durable, Pending: waiting, InFlight: inFlight})
	}
	if parts&lagDLQ != 0 {
		n, err := cfg.Names()
		if err != nil {
			return s, err
		}
		st, err := natsbus.StreamInfo(ctx, js, n.DLQ)
		if err != nil {
			return s, err
		}
		s.DLQ = st.Msgs
	}
	return s, nil
}
