package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/cleaner/normalize"
	"winnow/crawler"
	"winnow/crawler/source"
	"winnow/crawler/warc"
	"winnow/sink/analyst"
	"winnow/sink/natsbus"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
	"winnow/sink/sqlite"
)

// demoCrawl is a crawl of the demo site into a data directory, as `winnow
// run` stores it: raw responses in DATA/warc, records in DATA/winnow.db,
// crawl outcomes in crawl_outcomes, and every outcome and record counted
// in m.
type demoCrawl struct {
	dir     string
	records []*record.Article
	// midScrape is /metrics as scraped while the crawl ran.
	midScrape string
}

// crawlDemoInto crawls the demo site into dir.
func crawlDemoInto(t *testing.T, dir string, m *metrics) *demoCrawl {
	t.Helper()
	ctx := t.Context()
	_, base, stop, err := startDemoSite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	src, err := demoSource(base)
	if err != nil {
		t.Fatal(err)
	}
	w, err := warc.NewWriter(warc.Options{Dir: filepath.Join(dir, "warc"), Prefix: "winnow"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(dir, "winnow.db")})
	if err != nil {
		t.Fatal(err)
	}
	paths, err := newContentPath(contentFlags{maxBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	metricsSrv := httptest.NewServer(m.handler())
	defer metricsSrv.Close()

	dc := &demoCrawl{dir: dir}
	var (
		mu       sync.Mutex
		tally    analyst.OutcomeTally
		scrapeWG sync.WaitGroup
		scraped  bool
	)
	c, err := crawler.New(crawler.Options{
		Workers:       4,
		AllowNetworks: loopback,
		Archiver: crawler.ArchiverFunc(func(ctx context.Context, e crawler.Exchange) (string, error) {
			return w.WriteResponse(ctx, warc.Response(e))
		}),
		OnOutcome: func(o crawler.Outcome) {
			m.outcome(o)
			mu.Lock()
			defer mu.Unlock()
			tally.Add(o.Task.Source, string(o.Kind), o.Reason, o.At)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	emit := func(ctx context.Context, a *record.Article) error {
		if err := st.Write(ctx, a); err != nil {
			return err
		}
		m.stored(a)
		mu.Lock()
		defer mu.Unlock()
		dc.records = append(dc.records, a)
		if len(dc.records) == 20 && !scraped {
			// Scrape /metrics while the crawl goes on.
			scraped = true
			scrapeWG.Go(func() { dc.midScrape = auditGet(t, metricsSrv.URL) })
		}
		return nil
	}
	srcs := []*source.Source{src}
	sum, err := c.Run(ctx, srcs, pageHandler(paths, srcs, nil, emit))
	scrapeWG.Wait()
	c.Close()
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if sum.Handled == 0 {
		t.Fatalf("the demo crawl handled nothing: %+v", sum)
	}
	as, err := openAnalystStore(ctx, dir, analystFlags{}, true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer as.Close()
	if err := as.an.RecordOutcomes(ctx, tally.Counts()); err != nil {
		t.Fatal(err)
	}
	for _, a := range dc.records {
		recordtest.Check(t, a)
	}
	return dc
}

func auditGet(t *testing.T, u string, hdr ...string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Error(err)
		return ""
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// metricValue sums the samples of name whose labels include every pair
// of want ("source=\"demo\"").
func scrapedValue(text, name string, want ...string) (float64, bool) {
	sum, found := 0.0, false
	for line := range strings.Lines(text) {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if !ok {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
			found = true
		}
	}
	return sum, found
}

// copyDir copies a data directory (after its stores are closed).
func copyDataDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// TestAnalystSurface crawls the demo site once (WARC archive, SQLite
// store, crawl outcomes, metrics) and runs the analyst surface over it:
// metrics during the crawl, the audit commands, the serve command, the
// web page in a real browser, and a false-positive correction followed
// by replay.
func TestAnalystSurface(t *testing.T) {
	m := newMetrics()
	dc := crawlDemoInto(t, t.TempDir(), m)
	t.Run("metrics", func(t *testing.T) { testMetricsDuringCrawl(t, dc, m) })
	t.Run("audit", func(t *testing.T) { testAuditCommands(t, dc) })
	t.Run("serve", func(t *testing.T) { testServe(t, dc) })
	t.Run("browser", func(t *testing.T) { testBrowser(t, dc, copyDataDir(t, dc.dir)) })
	t.Run("replay", func(t *testing.T) { testCorrectionReplay(t, copyDataDir(t, dc.dir)) })
}

func testMetricsDuringCrawl(t *testing.T, dc *demoCrawl, m *metrics) {
	if dc.midScrape == "" {
		t.Fatal("no scrape during the crawl")
	}
	for _, c := range []struct {
		name   string
		labels []string
	}{
		{"winnow_crawl_requests_total", []string{`source="demo"`, `class="2xx"`}},
		{"winnow_crawl_bytes_total", []string{`source="demo"`}},
		{"winnow_articles_total", []string{`source="demo"`}},
		{"winnow_removals_total", []string{`source="demo"`}},
		{"winnow_crawl_outcomes_total", []string{`source="demo"`, `kind="handled"`}},
	} {
		if v, ok := scrapedValue(dc.midScrape, c.name, c.labels...); !ok || v <= 0 {
			t.Errorf("mid-crawl scrape: %s%v = %v (found %v), want > 0", c.name, c.labels, v, ok)
		}
	}
	srv := httptest.NewServer(m.handler())
	defer srv.Close()
	final := auditGet(t, srv.URL)
	want := map[string]float64{}
	spam := 0.0
	for _, a := range dc.records {
		for _, r := range a.Hygiene.Removed {
			want[r.Rule]++
		}
		if a.Hygiene.Verdict == record.VerdictSpamPage {
			spam++
		}
	}
	for rule, n := range want {
		if v, _ := scrapedValue(final, "winnow_removals_total", `source="demo"`, `rule="`+rule+`"`); v != n {
			t.Errorf("winnow_removals_total{rule=%q} = %v, want %v", rule, v, n)
		}
	}
	if v, _ := scrapedValue(final, "winnow_articles_total", `source="demo"`); v != float64(len(dc.records)) {
		t.Errorf("winnow_articles_total = %v, want %d", v, len(dc.records))
	}
	if v, _ := scrapedValue(final, "winnow_spam_pages_total", `source="demo"`); v != spam || spam == 0 {
		t.Errorf("winnow_spam_pages_total = %v, want %v (> 0)", v, spam)
	}
	if v, _ := scrapedValue(final, "winnow_crawl_robots_blocked_total", `source="demo"`); v <= 0 {
		t.Errorf("winnow_crawl_robots_blocked_total = %v, want > 0 (the demo site disallows /private/)", v)
	}
}

func testAuditCommands(t *testing.T, dc *demoCrawl) {
	total := 0
	byRule := map[string]int{}
	for _, a := range dc.records {
		total += len(a.Hygiene.Removed)
		for _, r := range a.Hygiene.Removed {
			byRule[r.Rule]++
		}
	}
	out, stderr, code := winnow(t, "", "audit", "removals", "--data", dc.dir, "--format", "csv", "--limit", "10000")
	if code != 0 {
		t.Fatalf("audit removals: exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != total {
		t.Errorf("audit removals listed %d rows, want %d", len(rows)-1, total)
	}
	out, _, code = winnow(t, "", "audit", "removals", "--data", dc.dir, "--format", "json", "--rule", "spam.keyword_chain", "--source", "demo")
	var page analyst.RemovalPage
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil {
		t.Fatalf("audit removals --format json: exit %d, %v", code, err)
	}
	if page.Total != byRule["spam.keyword_chain"] {
		t.Errorf("--rule spam.keyword_chain: %d, want %d", page.Total, byRule["spam.keyword_chain"])
	}

	out, stderr, code = winnow(t, "", "audit", "stats", "--data", dc.dir, "--format", "json")
	if code != 0 {
		t.Fatalf("audit stats: exit %d: %s", code, stderr)
	}
	var rep statsReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tot := range rep.RemovalsByRule {
		got[tot.Key] = tot.Count
	}
	if d := cmp.Diff(byRule, got); d != "" {
		t.Errorf("audit stats removals by rule (-crawl +stats):\n%s", d)
	}
	if len(rep.Sources) != 1 || rep.Sources[0].Records != len(dc.records) || rep.Sources[0].SpamPages == 0 {
		t.Errorf("audit stats sources %+v, want demo with %d records and spam pages", rep.Sources, len(dc.records))
	}
	out, _, code = winnow(t, "", "audit", "stats", "--data", dc.dir)
	if code != 0 || !strings.Contains(out, "# by rule") || !strings.Contains(out, "spam.keyword_chain") {
		t.Errorf("audit stats table: exit %d\n%s", code, out)
	}

	// show: the article with a body line removal, marked in place.
	var target *record.Article
	for _, a := range dc.records {
		if slices.ContainsFunc(a.Hygiene.Removed, func(r record.Removal) bool { return r.Field == record.FieldBody && r.Scope == record.ScopeLine }) {
			target = a
			break
		}
	}
	if target == nil {
		t.Fatal("no record with a body line removal")
	}
	out, stderr, code = winnow(t, "", "audit", "show", "--data", dc.dir, target.ID)
	if code != 0 {
		t.Fatalf("audit show: exit %d: %s", code, stderr)
	}
	for i, r := range target.Hygiene.Removed {
		if r.Field == record.FieldBody && r.Scope == record.ScopeLine && !strings.Contains(out, "[-"+strings.TrimSpace(r.Text)) {
			t.Errorf("audit show does not mark removal %d (%q) in place:\n%s", i, r.Text, out)
		}
	}
	if !strings.Contains(out, "text as archived") {
		t.Errorf("audit show did not use the archived page:\n%s", out)
	}
	out, _, code = winnow(t, "", "audit", "show", "--data", dc.dir, "--format", "json", target.ID)
	var show struct {
		InPlace  bool              `json:"in_place"`
		Unplaced []analyst.Removal `json:"unplaced"`
	}
	if err := json.Unmarshal([]byte(out), &show); code != 0 || err != nil || !show.InPlace {
		t.Errorf("audit show --format json: exit %d, %v, in_place %v", code, err, show.InPlace)
	}
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"audit"}, 2},
		{[]string{"audit", "nope"}, 2},
		{[]string{"audit", "removals", "--data", dc.dir, "--format", "xml"}, 2},
		{[]string{"audit", "removals", "--data", dc.dir, "--since", "last tuesday"}, 2},
		{[]string{"audit", "show", "--data", dc.dir, "0123456789abcdef0123456789abcdef"}, 1},
		{[]string{"audit", "removals", "--data", filepath.Join(dc.dir, "nothing-here")}, 1},
		{[]string{"audit", "allow", "--data", dc.dir, target.ID}, 2},
	} {
		if _, stderr, code := winnow(t, "", tt.args...); code != tt.code {
			t.Errorf("winnow %v: exit %d, want %d: %s", tt.args, code, tt.code, stderr)
		}
	}
}

// serveLog is a bytes buffer safe for a writer and a poller.
type serveLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *serveLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *serveLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `winnow serve` until the test ends and returns its
// base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errb serveLog
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), stdio{in: strings.NewReader(""), out: io.Discard, err: &errb})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("winnow serve did not stop")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s := errb.String()
		if i := strings.Index(s, "analyst page on http://"); i >= 0 {
			u := s[i+len("analyst page on "):]
			return strings.TrimSuffix(u[:strings.Index(u, "/ ")], "/")
		}
		select {
		case code := <-done:
			t.Fatalf("winnow serve exited %d: %s", code, s)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("winnow serve did not start: %s", errb.String())
	return ""
}

func auditStatus(t *testing.T, u string, hdr ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func testServe(t *testing.T, dc *demoCrawl) {
	dir := copyDataDir(t, dc.dir)
	base := startServe(t, "--data", dir, "--listen", "127.0.0.1:0")
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/": 200, "/removals": 200, "/search?q=%E6%A2%A7%E5%B7%9E": 200, "/nope": 404} {
		if got := auditStatus(t, base+path); got != want {
			t.Errorf("GET %s: %d, want %d", path, got, want)
		}
	}
	if _, stderr, code := winnow(t, "", "serve", "--data", dir, "--listen", "0.0.0.0:0"); code != 2 || !strings.Contains(stderr, "token") {
		t.Errorf("serve on 0.0.0.0 without a token: exit %d: %s", code, stderr)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("correct-horse-battery-staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base = startServe(t, "--data", dir, "--listen", "0.0.0.0:0", "--token-file", tokenFile)
	base = strings.Replace(base, "0.0.0.0", "127.0.0.1", 1)
	base = strings.Replace(base, "[::]", "127.0.0.1", 1)
	for _, tt := range []struct {
		path string
		hdr  []string
		want int
	}{
		{"/", nil, 401},
		{"/metrics", nil, 401},
		{"/healthz", nil, 200},
		{"/", []string{"Authorization", "Bearer correct-horse-battery-staple"}, 200},
		{"/metrics", []string{"Authorization", "Bearer correct-horse-battery-staple"}, 200},
		{"/removals", []string{"Authorization", "Bearer wrong-token-wrong-token"}, 401},
	} {
		if got := auditStatus(t, base+tt.path, tt.hdr...); got != tt.want {
			t.Errorf("token server GET %s %v: %d, want %d", tt.path, tt.hdr, got, tt.want)
		}
	}
}

// replayJSON runs winnow replay --json and returns the changes and the
// summary.
func replayJSON(t *testing.T, args ...string) ([]replayChange, replaySummary) {
	t.Helper()
	out, stderr, code := winnow(t, "", append([]string{"replay", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("winnow replay %v: exit %d: %s", args, code, stderr)
	}
	var (
		changes []replayChange
		sum     replaySummary
	)
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), `{"summary"`) {
			var s map[string]replaySummary
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			sum = s["summary"]
			continue
		}
		var c replayChange
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}
	return changes, sum
}

// storedSnapshot is what a record looks like in the store.
type storedSnapshot struct {
	Hash, Verdict string
	Removals      []string
}

func storeSnapshot(t *testing.T, dir string) map[string]storedSnapshot {
	t.Helper()
	st, err := openAnalystStore(t.Context(), dir, analystFlags{}, true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	refs, err := st.an.Refs(t.Context(), analyst.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storedSnapshot{}
	for _, r := range refs {
		v, err := st.an.Article(t.Context(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		s := storedSnapshot{Hash: v.Article.ContentHash, Verdict: v.Article.Hygiene.Verdict}
		for _, rm := range v.Removals {
			s.Removals = append(s.Removals, rm.Rule+"|"+rm.Field+"|"+rm.Text)
		}
		out[r.ID] = s
	}
	return out
}

// testCorrectionReplay: mark one removal a false positive, replay with
// the override: exactly the records holding that text change (the
// removal gone, the text back in the body); with --publish the store
// reflects it and nothing else moves.
func testCorrectionReplay(t *testing.T, dir string) {
	// Replaying with the rules that crawled changes nothing.
	changes, sum := replayJSON(t, "--data", dir)
	if len(changes) != 0 || sum.Changed != 0 || sum.Matched == 0 || sum.Errors != 0 {
		t.Fatalf("replay without new rules: %d changes (%+v), summary %+v", len(changes), changes, sum)
	}
	before := storeSnapshot(t, dir)
	if sum.Matched != len(before) {
		t.Errorf("replay matched %d archived responses, the store holds %d records", sum.Matched, len(before))
	}

	// The body line removal whose text occurs in the most records.
	holders := map[string][]string{} // text -> article ids
	where := map[string][2]string{}  // text -> an article id and position
	for id, s := range before {
		for pos, key := range s.Removals {
			parts := strings.SplitN(key, "|", 3)
			if parts[1] != record.FieldBody {
				continue
			}
			if !slices.Contains(holders[parts[2]], id) {
				holders[parts[2]] = append(holders[parts[2]], id)
			}
			where[parts[2]] = [2]string{id, strconv.Itoa(pos)}
		}
	}
	text := ""
	for tx, ids := range holders {
		if text == "" || len(ids) > len(holders[text]) || len(ids) == len(holders[text]) && tx < text {
			text = tx
		}
	}
	if text == "" {
		t.Fatal("no body removal to correct")
	}
	// Only line removals are picked by the scan above when the text is a
	// whole line; check the scope through the analyst.
	rules := filepath.Join(dir, "fp.yaml")
	out, stderr, code := winnow(t, "", "audit", "allow", "--data", dir, "--rules", rules, "--note", "test", where[text][0], where[text][1])
	if code != 0 {
		t.Fatalf("audit allow: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "(version 1)") {
		t.Errorf("audit allow output: %s", out)
	}
	changes, sum = replayJSON(t, "--data", dir, "--rules", rules)
	want := slices.Sorted(slices.Values(holders[text]))
	var got []string
	for _, c := range changes {
		got = append(got, c.ID)
		if !slices.ContainsFunc(c.Gone, func(r record.Removal) bool { return r.Text == text }) {
			t.Errorf("%s changed but the corrected removal is not gone: %+v", c.ID, c)
		}
		if c.Published {
			t.Errorf("%s published without --publish", c.ID)
		}
	}
	slices.Sort(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("records changed by the correction of %q (-holders +changed):\n%s", text, d)
	}
	if sum.Changed != len(want) || sum.RemovalsGone < len(want) {
		t.Errorf("summary %+v, want %d changed", sum, len(want))
	}
	if after := storeSnapshot(t, dir); !cmp.Equal(before, after) {
		t.Error("a replay without --publish changed the store")
	}

	// With --nats-url the changed records are republished to ARTICLES
	// (each sink applies them with its own upsert), not written to the
	// store.
	b := newBus(t, startNATS(t))
	if _, err := natsbus.EnsureStreams(t.Context(), b.conn.JetStream(), busConfigForTest(b)); err != nil {
		t.Fatal(err)
	}
	_, sum = replayJSON(t, "--data", dir, "--rules", rules, "--publish", "--nats-url", b.url, "--nats-namespace", b.cfg.Namespace)
	if msgs, _ := b.streamState(b.names.Articles); sum.Published != len(want) || msgs != uint64(len(want)) {
		t.Errorf("replay through the bus: %d published, %d in ARTICLES; want %d", sum.Published, msgs, len(want))
	}
	if after := storeSnapshot(t, dir); !cmp.Equal(before, after) {
		t.Error("a replay through the bus wrote the store itself")
	}

	_, sum = replayJSON(t, "--data", dir, "--rules", rules, "--publish")
	if sum.Published != len(want) {
		t.Errorf("published %d, want %d", sum.Published, len(want))
	}
	after := storeSnapshot(t, dir)
	conv, err := normalize.New(normalize.Default)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openAnalystStore(t.Context(), dir, analystFlags{}, true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, b := range before {
		a := after[id]
		if !slices.Contains(want, id) {
			if !cmp.Equal(b, a) {
				t.Errorf("record %s not holding the text changed in the store:\n%s", id, cmp.Diff(b, a))
			}
			continue
		}
		if a.Hash == b.Hash || slices.ContainsFunc(a.Removals, func(k string) bool { return strings.HasSuffix(k, "|"+text) }) {
			t.Errorf("record %s: the store still holds the removal of %q", id, text)
		}
		v, err := st.an.Article(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		recordtest.Check(t, v.Article)
		if !strings.Contains(v.Article.Body, conv.Convert(strings.TrimSpace(text))) {
			t.Errorf("record %s: the corrected text is not back in the body", id)
		}
	}
	// Replaying the same rules again finds nothing left to change.
	if changes, _ := replayJSON(t, "--data", dir, "--rules", rules); len(changes) != 0 {
		t.Errorf("second replay changed %d records", len(changes))
	}
}
