package source

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zoneinfo

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func ptr[T any](v T) *T { return &v }

// fieldErrors flattens a joined error into its *FieldErrors, failing the
// test on any other kind of error.
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			if fe, ok := e.(*FieldError); ok {
				out = append(out, fe)
				return
			}
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		t.Errorf("not a *FieldError: %T %v", e, e)
	}
	walk(err)
	return out
}

// problem is the part of a FieldError a test asserts: where and a
// substring of the message.
type problem struct {
	Loc  string // "file:line: field"
	Text string
}

func problemsOf(t *testing.T, err error) []problem {
	t.Helper()
	var out []problem
	for _, fe := range fieldErrors(t, err) {
		msg := fe.Error()
		loc := fmt.Sprintf("%s:%d: %s", fe.File, fe.Line, fe.Field)
		if fe.Line == 0 {
			loc = fe.File + ": " + fe.Field
		}
		if !strings.HasPrefix(msg, loc) {
			t.Errorf("message %q does not start with %q", msg, loc)
		}
		if !errors.Is(fe, ErrInvalid) {
			t.Errorf("%q does not wrap ErrInvalid", msg)
		}
		out = append(out, problem{Loc: loc, Text: msg})
	}
	return out
}

// matchProblems compares problems by location and message substring.
func matchProblems(t *testing.T, got, want []problem) {
	t.Helper()
	opt := cmp.Comparer(func(a, b problem) bool {
		return a.Loc == b.Loc && (strings.Contains(a.Text, b.Text) || strings.Contains(b.Text, a.Text))
	})
	if diff := cmp.Diff(want, got, opt); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

var ignoreUnexported = cmpopts.IgnoreUnexported(Source{}, Scope{}, Schedule{})

func TestParseFull(t *testing.T) {
	data := `
id: full
name: 全字段
enabled: false
language: zh-Hant
timezone: Asia/Taipei
seeds:
  - url: https://news.example.com/
  - url: https://news.example.com/feed.xml
    kind: feed
discovery: {feeds: false, sitemaps: false, follow_links: false, max_depth: 2}
scope:
  hosts: [news.example.com, "*.example.com"]
  article_pattern: '^/a/\d+\.html$'
  deny: ['^/login']
  strip_params: [spm]
  max_article_age: 30d
  max_pages: 50
politeness:
  ignore_robots: true
  robots_ttl: 2h
  min_delay: 1500ms
  concurrency: 4
  max_crawl_delay: 1m
  user_agent: bot/2
fetch:
  connect_timeout: 1s
  tls_timeout: 2s
  header_timeout: 3s
  total_timeout: 4s
  max_body: 512KiB
  max_redirects: 2
  retries: -1
  backoff: 2s
  max_backoff: 10s
  disable_conditional: true
  content_types: [text/html, "text/*"]
encoding: {charset: gbk}
normalization: {opencc: t2tw}
schedule:
  interval: 20m
  min_interval: 10m
  max_interval: 1h
  jitter: 5s
  refetch: 1d
  refetch_times: 2
  degraded_after: 3
  degraded_interval: 1h
`
	got, err := Parse("full.yaml", []byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Source{
		ID: "full", Name: "全字段", Enabled: ptr(false), Language: "zh-Hant", Timezone: "Asia/Taipei",
		Seeds: []Seed{
			{URL: "https://news.example.com/", Kind: SeedListing},
			{URL: "https://news.example.com/feed.xml", Kind: SeedFeed},
		},
		Discovery: Discovery{Feeds: ptr(false), Sitemaps: ptr(false), FollowLinks: ptr(false), MaxDepth: 2},
		Scope: Scope{
			Hosts: []string{"news.example.com", "*.example.com"}, ArticlePattern: `^/a/\d+\.html$`,
			Deny: []string{"^/login"}, StripParams: []string{"spm"},
			MaxArticleAge: Duration(30 * 24 * time.Hour), MaxPages: 50,
		},
		Politeness: Politeness{
			IgnoreRobots: true, RobotsTTL: Duration(2 * time.Hour), MinDelay: Duration(1500 * time.Millisecond),
			Concurrency: 4, MaxCrawlDelay: Duration(time.Minute), UserAgent: "bot/2",
		},
		Fetch: Fetch{
			ConnectTimeout: Duration(time.Second), TLSTimeout: Duration(2 * time.Second),
			HeaderTimeout: Duration(3 * time.Second), TotalTimeout: Duration(4 * time.Second),
			MaxBody: 512 * KiB, MaxRedirects: 2, Retries: -1,
			Backoff: Duration(2 * time.Second), MaxBackoff: Duration(10 * time.Second),
			DisableConditional: true, ContentTypes: []string{"text/html", "text/*"},
		},
		Encoding:      Encoding{Charset: "gbk"},
		Normalization: Normalization{OpenCC: "t2tw"},
		Schedule: Schedule{
			Interval: Duration(20 * time.Minute), MinInterval: Duration(10 * time.Minute), MaxInterval: Duration(time.Hour),
			Jitter: Duration(5 * time.Second), Refetch: Duration(24 * time.Hour), RefetchTimes: 2,
			DegradedAfter: 3, DegradedInterval: Duration(time.Hour),
		},
		File: "full.yaml",
	}
	if diff := cmp.Diff(want, got, ignoreUnexported); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
	if got.Location().String() != "Asia/Taipei" {
		t.Errorf("Location() = %v", got.Location())
	}
}

func TestParseErrors(t *testing.T) {
	const f = "sources/x.yaml"
	tests := []struct {
		name string
		yaml string
		want []problem
	}{
		{
			name: "bad duration",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\npoliteness:\n  min_delay: fast\n",
			want: []problem{{f + ":4: politeness.min_delay", `"fast" is not a duration`}},
		},
		{
			name: "unknown fields everywhere, with suggestions",
			yaml: "id: x\nsede: 1\nseeds:\n  - url: 'http://a.example/'\n    kinds: feed\npolitness: {}\nfetch:\n  max_bodyy: 1MiB\n",
			want: []problem{
				{f + ":2: sede", "unknown field (did you mean seeds?)"},
				{f + ":5: seeds[0].kinds", "unknown field (did you mean kind?)"},
				{f + ":6: politness", "unknown field (did you mean politeness?)"},
				{f + ":8: fetch.max_bodyy", "unknown field (did you mean max_body?)"},
			},
		},
		{
			name: "missing id and seeds",
			yaml: "name: nameless\n",
			want: []problem{{f + ":1: id", "missing"}, {f + ":1: seeds", "at least one seed"}},
		},
		{
			name: "bad id",
			yaml: "id: Wuzhou News\nseeds: [{url: 'http://a.example/'}]\n",
			want: []problem{{f + ":1: id", `"Wuzhou News" is not a valid id`}},
		},
		{
			name: "seed urls and kinds",
			yaml: "id: x\nseeds:\n  - url: /news/\n  - url: ftp://a.example/\n  - url: 'http://'\n  - url: http://a.example/\n    kind: rss\n  - url: http://u:p@a.example/\n  - url: http://a.example/\n",
			want: []problem{
				{f + ":3: seeds[0].url", "is not absolute"},
				{f + ":4: seeds[1].url", "scheme must be http or https"},
				{f + ":5: seeds[2].url", "has no host"},
				{f + ":7: seeds[3].kind", `"rss" is not a seed kind`},
				{f + ":8: seeds[4].url", "credentials"},
				{f + ":9: seeds[5].url", "is also seeds[3]"},
			},
		},
		{
			name: "wrong types",
			yaml: "id: x\nseeds: {url: 'http://a.example/'}\nenabled: yes please\ndiscovery:\n  max_depth: two\nscope: [a]\nfetch:\n  content_types: text/html\n",
			want: []problem{
				{f + ":2: seeds", "expected a list, got a mapping"},
				{f + ":3: enabled", `"yes please" is not a boolean`},
				{f + ":5: discovery.max_depth", `"two" is not an integer`},
				{f + ":6: scope", "expected a mapping, got a list"},
				{f + ":8: fetch.content_types", "expected a list, got a scalar"},
			},
		},
		{
			name: "language timezone charset opencc",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nlanguage: chinese\ntimezone: Mars/Olympus\nencoding: {charset: klingon}\nnormalization: {opencc: t2x}\n",
			want: []problem{
				{f + ":3: language", "not a BCP 47 language tag"},
				{f + ":4: timezone", "not a known IANA time zone"},
				{f + ":5: encoding.charset", `"klingon" is not a known charset label`},
				{f + ":6: normalization.opencc", `"t2x" is not an OpenCC configuration`},
			},
		},
		{
			name: "hosts and patterns",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nscope:\n  hosts:\n    - a.example\n    - 'a*.example'\n    - 'a.example:0'\n    - '*.10.0.0.1'\n    - 'http://a.example/'\n    - 'bad_-.exa mple'\n  article_pattern: '(['\n  deny: ['^/ok', '*x']\n  strip_params: ['a=b']\n",
			want: []problem{
				{f + ":6: scope.hosts[1]", "wildcard is only allowed"},
				{f + ":7: scope.hosts[2]", "port must be a number"},
				{f + ":8: scope.hosts[3]", "cannot apply to an IP"},
				{f + ":9: scope.hosts[4]", "write only the host"},
				{f + ":10: scope.hosts[5]", "write only the host"},
				{f + ":11: scope.article_pattern", "bad regular expression"},
				{f + ":12: scope.deny[1]", "bad regular expression"},
				{f + ":13: scope.strip_params[0]", "not a query parameter name"},
			},
		},
		{
			name: "seed outside explicit hosts or denied",
			yaml: "id: x\nseeds:\n  - url: http://b.example/\n  - url: http://a.example/private/\nscope:\n  hosts: [a.example]\n  deny: ['^/private/']\n",
			want: []problem{
				{f + ":3: seeds[0].url", "host b.example is not in scope.hosts"},
				{f + ":4: seeds[1].url", "is denied by scope.deny"},
			},
		},
		{
			name: "negative numbers",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\ndiscovery: {max_depth: -1}\nscope: {max_pages: -2}\npoliteness: {concurrency: -1}\nfetch: {max_redirects: -1, retries: -2}\nschedule: {refetch_times: -1, degraded_after: -1}\n",
			want: []problem{
				{f + ":3: discovery.max_depth", "must not be negative"},
				{f + ":4: scope.max_pages", "must not be negative"},
				{f + ":5: politeness.concurrency", "must not be negative"},
				{f + ":6: fetch.max_redirects", "must not be negative"},
				{f + ":6: fetch.retries", "must be -1"},
				{f + ":7: schedule.refetch_times", "must not be negative"},
				{f + ":7: schedule.degraded_after", "must not be negative"},
			},
		},
		{
			name: "negative duration and bad size",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nfetch:\n  backoff: -1s\n  max_body: 10 parsecs\n",
			want: []problem{
				{f + ":4: fetch.backoff", "must not be negative"},
				{f + ":5: fetch.max_body", `"10 parsecs" is not a size`},
			},
		},
		{
			name: "backoff above max",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nfetch:\n  backoff: 2m\n",
			want: []problem{{f + ":4: fetch.backoff", "2m is more than max_backoff (1m)"}},
		},
		{
			name: "cron exclusive with interval, bad cron",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nschedule:\n  cron: '*/5 * * *'\n  interval: 10m\n",
			want: []problem{
				{f + ":4: schedule.cron", "is not a cron expression"},
				{f + ":5: schedule.interval", "cron and interval are exclusive"},
			},
		},
		{
			name: "adaptive interval bounds",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nschedule:\n  min_interval: 1h\n  max_interval: 10m\n",
			want: []problem{{f + ":4: schedule.min_interval", "1h is more than max_interval (10m)"}},
		},
		{
			name: "adaptive needs both bounds, interval inside",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nschedule:\n  max_interval: 10m\n",
			want: []problem{{f + ":4: schedule.max_interval", "go together"}},
		},
		{
			name: "interval outside bounds",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nschedule:\n  interval: 1m\n  min_interval: 5m\n  max_interval: 10m\n",
			want: []problem{{f + ":4: schedule.interval", "outside [min_interval, max_interval]"}},
		},
		{
			name: "refetch times without refetch",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nschedule: {refetch_times: 2}\n",
			want: []problem{{f + ":3: schedule.refetch_times", "needs schedule.refetch"}},
		},
		{
			name: "user agent with newline, bad content type",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\npoliteness: {user_agent: \"a\\nb\"}\nfetch: {content_types: [html]}\n",
			want: []problem{
				{f + ":3: politeness.user_agent", "control characters"},
				{f + ":4: fetch.content_types[0]", `"html" is not a media type`},
			},
		},
		{
			name: "duplicate key",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\nid: y\n",
			want: []problem{{f + ":3: id", "duplicate key (first at line 1)"}},
		},
		{
			name: "yaml syntax error",
			yaml: "id: x\nseeds:\n  - url: http://a.example/\n   kind: feed\n",
			want: []problem{{f + ":2: ", "yaml syntax"}}, // the parser reports where the block started
		},
		{
			name: "two documents",
			yaml: "id: x\nseeds: [{url: 'http://a.example/'}]\n---\nid: y\n",
			want: []problem{{f + ":3: ", "one source per file"}},
		},
		{
			name: "empty",
			yaml: "# nothing\n",
			want: []problem{{f + ": ", "empty file"}},
		},
		{
			name: "not a mapping",
			yaml: "- id: x\n",
			want: []problem{{f + ":1: ", "expected a mapping of fields"}},
		},
		{
			name: "a decode error suppresses follow-up validation noise",
			yaml: "id: x\nseeds: 3\n",
			want: []problem{{f + ":2: seeds", "expected a list"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(f, []byte(tt.yaml), nil)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", s)
			}
			if s != nil {
				t.Errorf("Parse returned a source with an error")
			}
			matchProblems(t, problemsOf(t, err), tt.want)
		})
	}
}

func TestParseAliasesAndMerge(t *testing.T) {
	data := `
id: anchors
seeds:
  - &home {url: 'http://a.example/', kind: listing}
  - {<<: *home, url: 'http://a.example/feed', kind: feed}
politeness: &pol
  min_delay: 3s
  concurrency: 2
fetch: {max_body: 1MiB}
`
	s, err := Parse("a.yaml", []byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Seed{{URL: "http://a.example/", Kind: SeedListing}, {URL: "http://a.example/feed", Kind: SeedFeed}}
	if diff := cmp.Diff(want, s.Seeds); diff != "" {
		t.Errorf("seeds (-want +got):\n%s", diff)
	}
	if s.Politeness.Delay() != 3*time.Second || s.Politeness.PerHostConcurrency() != 2 {
		t.Errorf("politeness = %+v", s.Politeness)
	}
}

func TestDefaultsMerge(t *testing.T) {
	defaultsYAML := `
timezone: Asia/Hong_Kong
politeness:
  min_delay: 2s
  concurrency: 3
scope:
  deny: ['^/search']
  strip_params: [spm]
fetch:
  max_body: 1MiB
schedule:
  interval: 30m
`
	defaults, err := ParseDefaults("d/defaults.yaml", []byte(defaultsYAML))
	if err != nil {
		t.Fatal(err)
	}
	srcYAML := `
id: merged
seeds: [{url: 'http://a.example/'}]
politeness:
  min_delay: 500ms
scope:
  deny: ['^/private/']
fetch:
  max_body: 0
`
	s, err := Parse("d/merged.yaml", []byte(srcYAML), defaults)
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Delay       time.Duration
		Concurrency int
		Deny        []string
		Strip       []string
		Body        int64
		Interval    time.Duration
		Zone        string
	}{s.Politeness.Delay(), s.Politeness.PerHostConcurrency(), s.Scope.Deny, s.Scope.StripParams,
		s.Fetch.BodyLimit(), s.Schedule.PollInterval(), s.Location().String()}
	want := got
	want.Delay, want.Concurrency = 500*time.Millisecond, 3 // explicit value wins; the other is inherited
	want.Deny, want.Strip = []string{"^/private/"}, []string{"spm"}
	want.Body = int64(DefaultMaxBody) // explicit 0 wins over the default 1MiB, and 0 means 10MiB
	want.Interval, want.Zone = 30*time.Minute, "Asia/Hong_Kong"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}

	// The defaults are not modified by the merge.
	if diff := cmp.Diff([]string{"^/search"}, defaults.Scope.Deny); diff != "" {
		t.Errorf("defaults changed: %s", diff)
	}
	if defaults.Politeness.MinDelay != Duration(2*time.Second) || defaults.ID != "" || defaults.File != "d/defaults.yaml" {
		t.Errorf("defaults changed: %+v", defaults.Politeness)
	}

	// A problem caused by an inherited value names the defaults file.
	_, err = Parse("d/bad.yaml", []byte("id: bad\nseeds: [{url: 'http://a.example/'}]\nschedule:\n  cron: '@hourly'\n"), defaults)
	matchProblems(t, problemsOf(t, err), []problem{
		{"d/defaults.yaml:12: schedule.interval", "cron and interval are exclusive; set one (inherited by d/bad.yaml)"},
	})
	// ... which the source can clear explicitly.
	if _, err := Parse("d/ok.yaml", []byte("id: ok\nseeds: [{url: 'http://a.example/'}]\nschedule:\n  cron: '@hourly'\n  interval: 0\n"), defaults); err != nil {
		t.Errorf("clearing an inherited value: %v", err)
	}
}

func TestParseDefaultsRejectsPerSourceFields(t *testing.T) {
	_, err := ParseDefaults("defaults.yaml", []byte("id: x\nname: y\nseeds: []\npolitenes: {}\npoliteness: {min_delay: soon}\n"))
	matchProblems(t, problemsOf(t, err), []problem{
		{"defaults.yaml:1: id", "not allowed in a defaults file"},
		{"defaults.yaml:2: name", "not allowed in a defaults file"},
		{"defaults.yaml:3: seeds", "not allowed in a defaults file"},
		{"defaults.yaml:4: politenes", "unknown field (did you mean politeness?)"},
		{"defaults.yaml:5: politeness.min_delay", `"soon" is not a duration`},
	})
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"_defaults.yaml": "politeness: {concurrency: 2}\n",
		"zeta.yaml":      "id: zeta\nseeds: [{url: 'http://z.example/'}]\n",
		"alpha.yml":      "id: alpha\nseeds: [{url: 'http://a.example/'}]\npoliteness: {concurrency: 5}\n",
		"README.md":      "not a source",
		".hidden.yaml":   "garbage: [",
	})
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	srcs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, File    string
		Concurrency int
	}
	var got []row
	for _, s := range srcs {
		got = append(got, row{s.ID, filepath.Base(s.File), s.Politeness.PerHostConcurrency()})
	}
	want := []row{{"alpha", "alpha.yml", 5}, {"zeta", "zeta.yaml", 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadDir (-want +got):\n%s", diff)
	}
}

func TestLoadDirErrors(t *testing.T) {
	t.Run("duplicate ids name both files", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"a.yaml": "id: same\nseeds: [{url: 'http://a.example/'}]\n",
			"b.yaml": "name: B\nid: same\nseeds: [{url: 'http://b.example/'}]\n",
		})
		_, err := LoadDir(dir)
		matchProblems(t, problemsOf(t, err), []problem{
			{filepath.Join(dir, "b.yaml") + ":2: id", fmt.Sprintf(`"same" is already the id of %s:1`, filepath.Join(dir, "a.yaml"))},
		})
	})
	t.Run("every file's errors are reported", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"a.yaml": "id: a\nseeds: [{url: 'http://a.example/'}]\npoliteness: {min_delay: fast}\n",
			"b.yaml": "id: B\nseeds: [{url: 'http://b.example/'}]\n",
			"c.yaml": "id: c\nseeds: [{url: 'http://c.example/'}]\n",
		})
		srcs, err := LoadDir(dir)
		if srcs != nil {
			t.Errorf("LoadDir returned sources with an error")
		}
		matchProblems(t, problemsOf(t, err), []problem{
			{filepath.Join(dir, "a.yaml") + ":3: politeness.min_delay", "is not a duration"},
			{filepath.Join(dir, "b.yaml") + ":1: id", "is not a valid id"},
		})
	})
	t.Run("two defaults files", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"defaults.yaml": "{}\n", "_defaults.yaml": "{}\n"})
		_, err := LoadDir(dir)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "one defaults file") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad defaults stop the load", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"defaults.yaml": "politeness: {min_delay: x}\n",
			"a.yaml":        "id: a\nseeds: [{url: 'http://a.example/'}]\n",
		})
		_, err := LoadDir(dir)
		matchProblems(t, problemsOf(t, err), []problem{{filepath.Join(dir, "defaults.yaml") + ":1: politeness.min_delay", `"x" is not a duration`}})
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := LoadDir(filepath.Join(t.TempDir(), "nope"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v, want ErrNotExist", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"big.yaml": "id: big\n#" + strings.Repeat("x", MaxFileSize) + "\n"})
		_, err := LoadFile(filepath.Join(dir, "big.yaml"))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestDeploySources loads the example sources shipped in deploy/sources.
func TestDeploySources(t *testing.T) {
	srcs, err := LoadDir(filepath.Join("..", "..", "deploy", "sources"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range srcs {
		ids = append(ids, s.ID)
	}
	if diff := cmp.Diff([]string{"demo", "wuzhou"}, ids); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	demo := srcs[0]
	wantSeeds := []Seed{
		{URL: "http://127.0.0.1:8080/", Kind: SeedListing},
		{URL: "http://127.0.0.1:8080/rss.xml", Kind: SeedFeed},
		{URL: "http://127.0.0.1:8080/sitemap.xml", Kind: SeedSitemap},
	}
	if diff := cmp.Diff(wantSeeds, demo.Seeds); diff != "" {
		t.Errorf("demo seeds (-want +got):\n%s", diff)
	}
	if !demo.IsEnabled() || demo.Politeness.Delay() != 20*time.Millisecond || demo.Politeness.PerHostConcurrency() != 2 {
		t.Errorf("demo politeness = %+v enabled=%v", demo.Politeness, demo.IsEnabled())
	}
	checks := []struct {
		url     string
		scope   bool
		article bool
	}{
		{"http://127.0.0.1:8080/news/local/2024-05/17/bridge-opens.html", true, true},
		{"http://127.0.0.1:8080/news/local/", true, false},
		{"http://127.0.0.1:8080/private/admin.html", false, false},
		{"http://127.0.0.1:9090/news/local/2024-05/17/x.html", false, true},
	}
	for _, c := range checks {
		u := mustURL(t, c.url)
		if ok, _ := demo.Scope.InScope(u); ok != c.scope {
			t.Errorf("InScope(%s) = %v, want %v", c.url, ok, c.scope)
		}
		if got := demo.Scope.IsArticle(u); got != c.article {
			t.Errorf("IsArticle(%s) = %v, want %v", c.url, got, c.article)
		}
	}
	wz := srcs[1]
	if wz.IsEnabled() || wz.Name != "梧州零距离网" || wz.Politeness.Delay() != 2*time.Second || !wz.Schedule.Adaptive() {
		t.Errorf("wuzhou = %s", wz.Summary())
	}
}

// TestCloneIsDeep checks that clone shares no pointer, slice or map with
// the original, so a source parsed over defaults cannot alter them.
func TestCloneIsDeep(t *testing.T) {
	s, err := Parse("full.yaml", []byte(`
id: c
enabled: true
seeds: [{url: 'http://a.example/'}]
discovery: {feeds: true, sitemaps: true, follow_links: true}
scope: {hosts: [a.example], deny: [x], strip_params: [y]}
fetch: {content_types: [text/html]}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := s.clone()
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		switch a.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			if t := a.Type(); t == reflect.TypeFor[*regexp.Regexp]() || t == reflect.TypeFor[*time.Location]() {
				return // immutable, safe to share
			}
			if !a.IsNil() && a.UnsafePointer() == b.UnsafePointer() && (a.Kind() != reflect.Slice || a.Len() > 0) {
				t.Errorf("%s is shared between a source and its clone", path)
			}
		case reflect.Struct:
			for i := range a.NumField() {
				walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	}
	walk("Source", reflect.ValueOf(s).Elem(), reflect.ValueOf(c).Elem())
}

func TestParseBoundsMergeExpansion(t *testing.T) {
	// Each level merges the previous one 9 times: 9^8 mappings if expanded.
	var b strings.Builder
	b.WriteString("id: x\nseeds: [{url: 'http://a.example/'}]\nl0: &l0 {min_delay: 1s}\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "l%d: &l%d {<<: [", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("politeness: {<<: *l8}\n")
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(b.String()), nil)
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("err = %v", err)
	}
	t.Logf("rejected in %v", time.Since(start))
}
