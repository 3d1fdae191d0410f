package source

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// effective gathers every effective value, so one table row compares all.
type effective struct {
	Enabled, Feeds, Sitemaps, Follow, Robots, Conditional bool
	Lang, Zone, Agent, OpenCC, Charset                    string
	Depth, Pages, Concurrency, Redirects, Retries         int
	Delay, RobotsTTL, CrawlCap, Poll, MaxAge              time.Duration
	Timeouts                                              Timeouts
	Body                                                  int64
	Backoff                                               [2]time.Duration
	Types                                                 []string
	Refetch                                               time.Duration
	RefetchTimes, DegradedAfter                           int
	DegradedRetry                                         time.Duration
}

func effectiveOf(s *Source) effective {
	first, maxB := s.Fetch.BackoffRange()
	refetch, times := s.Schedule.RefetchPlan()
	after, retry := s.Schedule.DegradedPolicy()
	return effective{
		Enabled: s.IsEnabled(), Feeds: s.Discovery.FollowFeeds(), Sitemaps: s.Discovery.FollowSitemaps(),
		Follow: s.Discovery.Follow(), Robots: s.Politeness.ObeyRobots(), Conditional: s.Fetch.Conditional(),
		Lang: s.Lang(), Zone: s.Location().String(), Agent: s.Politeness.Agent(),
		OpenCC: s.Normalization.Config(), Charset: s.Encoding.Label(),
		Depth: s.Discovery.Depth(), Pages: s.Scope.PageLimit(), Concurrency: s.Politeness.PerHostConcurrency(),
		Redirects: s.Fetch.RedirectLimit(), Retries: s.Fetch.RetryLimit(),
		Delay: s.Politeness.Delay(), RobotsTTL: s.Politeness.RobotsCacheTTL(), CrawlCap: s.Politeness.CrawlDelayCap(),
		Poll: s.Schedule.PollInterval(), MaxAge: s.Scope.MaxAge(),
		Timeouts: s.Fetch.Timeouts(), Body: s.Fetch.BodyLimit(), Backoff: [2]time.Duration{first, maxB},
		Types: s.Fetch.AllowedContentTypes(), Refetch: refetch, RefetchTimes: times,
		DegradedAfter: after, DegradedRetry: retry,
	}
}

func TestEffectiveValues(t *testing.T) {
	zero := effective{
		Enabled: true, Feeds: true, Sitemaps: true, Follow: true, Robots: true, Conditional: true,
		Lang: "zh", Zone: "Asia/Shanghai", Agent: "winnow/1", OpenCC: "t2s", Charset: "",
		Depth: 3, Pages: 10000, Concurrency: 1, Redirects: 5, Retries: 3,
		Delay: time.Second, RobotsTTL: time.Hour, CrawlCap: 30 * time.Second, Poll: 15 * time.Minute,
		Timeouts: Timeouts{Connect: 10 * time.Second, TLS: 10 * time.Second, Header: 15 * time.Second, Total: time.Minute},
		Body:     10 << 20, Backoff: [2]time.Duration{time.Second, time.Minute},
		Types:         DefaultContentTypes(),
		DegradedAfter: 5, DegradedRetry: 6 * time.Hour,
	}
	tests := []struct {
		name string
		yaml string
		want func(e *effective)
	}{
		{name: "zero values mean the documented defaults", want: func(*effective) {}},
		{
			name: "explicit values",
			yaml: `
enabled: false
language: en
timezone: Europe/Berlin
discovery: {feeds: false, sitemaps: false, follow_links: false, max_depth: 1}
scope: {max_pages: 7, max_article_age: 2d}
politeness: {ignore_robots: true, robots_ttl: 5m, min_delay: 250ms, concurrency: 3, max_crawl_delay: 5s, user_agent: ua}
fetch: {connect_timeout: 1s, tls_timeout: 2s, header_timeout: 3s, total_timeout: 4s, max_body: 1KiB,
        max_redirects: 1, retries: 9, backoff: 3s, max_backoff: 9s, disable_conditional: true, content_types: [text/html]}
encoding: {charset: GBK}
normalization: {opencc: none}
schedule: {interval: 1h, refetch: 12h, degraded_after: 2, degraded_interval: 30m}
`,
			want: func(e *effective) {
				*e = effective{
					Lang: "en", Zone: "Europe/Berlin", Agent: "ua", OpenCC: "none", Charset: "gbk",
					Depth: 1, Pages: 7, Concurrency: 3, Redirects: 1, Retries: 9,
					Delay: 250 * time.Millisecond, RobotsTTL: 5 * time.Minute, CrawlCap: 5 * time.Second,
					Poll: time.Hour, MaxAge: 48 * time.Hour,
					Timeouts: Timeouts{Connect: time.Second, TLS: 2 * time.Second, Header: 3 * time.Second, Total: 4 * time.Second},
					Body:     1024, Backoff: [2]time.Duration{3 * time.Second, 9 * time.Second},
					Types: []string{"text/html"}, Refetch: 12 * time.Hour, RefetchTimes: 1,
					DegradedAfter: 2, DegradedRetry: 30 * time.Minute,
				}
			},
		},
		{name: "retries -1 means none", yaml: "fetch: {retries: -1}", want: func(e *effective) { e.Retries = 0 }},
		{name: "charset auto is detection", yaml: "encoding: {charset: Auto}", want: func(*effective) {}},
		{name: "adaptive starts at min", yaml: "schedule: {min_interval: 5m, max_interval: 1h}", want: func(e *effective) { e.Poll = 5 * time.Minute }},
		{name: "cron has no poll interval", yaml: "schedule: {cron: '@hourly'}", want: func(e *effective) { e.Poll = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("e.yaml", []byte("id: e\nseeds: [{url: 'http://a.example/'}]\n"+tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			want := zero
			want.Types = append([]string(nil), zero.Types...)
			tt.want(&want)
			if diff := cmp.Diff(want, effectiveOf(s)); diff != "" {
				t.Errorf("effective values (-want +got):\n%s", diff)
			}
		})
	}
	// The zero Source (never validated) gives the same defaults.
	if diff := cmp.Diff(zero, effectiveOf(&Source{})); diff != "" {
		t.Errorf("zero Source (-want +got):\n%s", diff)
	}
}

func TestAllowedContentTypesIsACopy(t *testing.T) {
	var f Fetch
	f.AllowedContentTypes()[0] = "mutated"
	if DefaultContentTypes()[0] != "text/html" {
		t.Fatal("AllowedContentTypes exposed the package default")
	}
}

func TestAcceptsContentType(t *testing.T) {
	custom := Fetch{ContentTypes: []string{"text/*", "application/json"}}
	tests := []struct {
		f      Fetch
		header string
		want   bool
	}{
		{Fetch{}, "text/html; charset=gbk", true},
		{Fetch{}, "TEXT/HTML", true},
		{Fetch{}, "application/rss+xml", true},
		{Fetch{}, "application/x-gzip", true},
		{Fetch{}, "image/png", false},
		{Fetch{}, "", false},
		{Fetch{}, ";;", false},
		{custom, "text/csv", true},
		{custom, "application/json; charset=utf-8", true},
		{custom, "application/xml", false},
	}
	for _, tt := range tests {
		if got := tt.f.AcceptsContentType(tt.header); got != tt.want {
			t.Errorf("%v.AcceptsContentType(%q) = %v, want %v", tt.f.ContentTypes, tt.header, got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	f := Fetch{Backoff: Duration(time.Second), MaxBackoff: Duration(10 * time.Second)}
	var got []time.Duration
	for attempt := 1; attempt <= 6; attempt++ {
		got = append(got, f.RetryDelay(attempt, 0))
	}
	got = append(got, f.RetryDelay(1, 30*time.Second), f.RetryDelay(0, 0))
	want := []time.Duration{1, 2, 4, 8, 10, 10, 30, 1}
	for i := range want {
		want[i] *= time.Second
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RetryDelay (-want +got):\n%s", diff)
	}
}

func TestDelayWith(t *testing.T) {
	p := Politeness{MinDelay: Duration(2 * time.Second), MaxCrawlDelay: Duration(10 * time.Second)}
	got := []time.Duration{p.DelayWith(0), p.DelayWith(time.Second), p.DelayWith(5 * time.Second), p.DelayWith(time.Hour)}
	want := []time.Duration{2 * time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DelayWith (-want +got):\n%s", diff)
	}
}

func TestScheduleNextRun(t *testing.T) {
	s, err := Parse("c.yaml", []byte("id: c\ntimezone: Asia/Shanghai\nseeds: [{url: 'http://a.example/'}]\nschedule: {cron: '30 6 * * *'}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Date(2024, 5, 17, 0, 0, 0, 0, time.UTC) // 08:00 in Shanghai
	got := s.Schedule.NextRun(after, s.Location())
	want := time.Date(2024, 5, 17, 22, 30, 0, 0, time.UTC) // 06:30 next morning in Shanghai
	if !got.Equal(want) {
		t.Errorf("NextRun = %v, want %v", got.UTC(), want)
	}
	// Unvalidated and interval schedules.
	if got := (Schedule{Cron: "@hourly"}).NextRun(after, nil); !got.Equal(after.Add(time.Hour)) {
		t.Errorf("unvalidated cron NextRun = %v", got)
	}
	if got := (Schedule{Cron: "bad"}).NextRun(after, nil); !got.IsZero() {
		t.Errorf("bad cron NextRun = %v, want zero", got)
	}
	if got := (Schedule{}).NextRun(after, nil); !got.Equal(after.Add(15 * time.Minute)) {
		t.Errorf("default NextRun = %v", got)
	}
}

func TestScheduleDescribe(t *testing.T) {
	tests := []struct {
		s    Schedule
		want string
	}{
		{Schedule{}, "every 15m"},
		{Schedule{Interval: Duration(36 * time.Hour)}, "every 1d12h"},
		{Schedule{Cron: "0 * * * *", Jitter: Duration(time.Minute)}, "cron 0 * * * * +1m jitter"},
		{Schedule{MinInterval: Duration(5 * time.Minute), MaxInterval: Duration(2 * time.Hour)}, "adaptive 5m..2h"},
		{Schedule{Interval: Duration(10 * time.Minute), MinInterval: Duration(5 * time.Minute), MaxInterval: Duration(2 * time.Hour)}, "adaptive 5m..2h from 10m"},
	}
	for _, tt := range tests {
		if got := tt.s.Describe(); got != tt.want {
			t.Errorf("Describe() = %q, want %q", got, tt.want)
		}
		lo, hi := tt.s.IntervalBounds()
		if tt.s.Adaptive() != (lo != hi) {
			t.Errorf("IntervalBounds = %v..%v, Adaptive = %v", lo, hi, tt.s.Adaptive())
		}
	}
}
