package main

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"winnow/crawler/schedule"
)

// scrape returns the value of every sample of /metrics at base whose
// line starts with one of the given prefixes (metric name and labels).
func scrape(t testing.TB, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, l := range strings.Split(string(body), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err == nil {
			out[l[:i]] = v
		}
	}
	return out
}

// sumOf adds up the samples whose name is metric and whose labels
// contain every given label pair.
func sumOf(samples map[string]float64, metric string, labels ...string) float64 {
	total := 0.0
	for k, v := range samples {
		name, rest, _ := strings.Cut(k, "{")
		if name != metric {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(rest, l)
		}
		if ok {
			total += v
		}
	}
	return total
}

// sourcesStatus runs `winnow sources status ID --json` and decodes it.
func sourcesStatus(t testing.TB, env []string, args ...string) schedule.State {
	t.Helper()
	out := runWinnow(t, env, append([]string{"sources", "status", "--json"}, args...)...)
	var st schedule.State
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("sources status: %v\n%s", err, out)
	}
	return st
}

// TestRunOperations runs `winnow run --demo --listen` and, while it
// crawls: scrapes /metrics (non-zero per-source counters mid-crawl:
// requests, bytes, latency histogram, articles, removals by rule), then
// drives the scheduler with `winnow sources list|status|pause|run|resume`
// through the run's control socket, checks the web page's sources board,
// and after the run stops reads the state again through the embedded
// store.
func TestRunOperations(t *testing.T) {
	data := t.TempDir()
	p := startWinnow(t, "run", nil, "run", "--demo", "--listen", "127.0.0.1:0", "--data", data, "--quiet",
		"--frontier-ack-wait", "5s", "--run-quiet", "10s")
	addrRe := regexp.MustCompile(`health on http://([0-9.:]+)/healthz`)
	var addr string
	waitFor(t, time.Minute, "the web address", func() bool {
		if m := addrRe.FindStringSubmatch(p.stderr.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	metrics := "http://" + addr + "/metrics"

	// /metrics during the crawl: every per-source counter moves before
	// the crawl is done (164 records).
	var mid map[string]float64
	waitFor(t, 2*time.Minute, "non-zero per-source counters mid-crawl", func() bool {
		s := scrape(t, metrics)
		records := sumOf(s, "winnow_articles_total", `source="demo"`)
		if records >= 164 {
			t.Fatalf("the crawl finished before the counters were all seen: %v", s)
		}
		if sumOf(s, "winnow_crawl_requests_total", `source="demo"`, `class="2xx"`) > 0 &&
			sumOf(s, "winnow_crawl_bytes_total", `source="demo"`) > 0 &&
			sumOf(s, "winnow_crawl_fetch_seconds_count", `source="demo"`) > 0 &&
			sumOf(s, "winnow_crawl_outcomes_total", `source="demo"`, `reason="handled"`) > 0 &&
			records > 0 &&
			sumOf(s, "winnow_removals_total", `source="demo"`, `rule="spam.keyword_chain"`) > 0 {
			mid = s
			return true
		}
		return false
	})
	t.Logf("mid-crawl: %v requests, %v bytes, %v fetches timed, %v records, %v removals",
		sumOf(mid, "winnow_crawl_requests_total", `source="demo"`), sumOf(mid, "winnow_crawl_bytes_total", `source="demo"`),
		sumOf(mid, "winnow_crawl_fetch_seconds_count", `source="demo"`), sumOf(mid, "winnow_articles_total", `source="demo"`),
		sumOf(mid, "winnow_removals_total", `source="demo"`))

	// The operator commands, through the control socket.
	env := []string{"WINNOW_DATA=" + data}
	list := runWinnow(t, env, "sources", "list")
	if !regexp.MustCompile(`(?m)^demo\s+active\s`).MatchString(list) {
		t.Errorf("sources list:\n%s", list)
	}
	var st schedule.State
	waitFor(t, 2*time.Minute, "the first run to settle", func() bool {
		st = sourcesStatus(t, env, "demo")
		return st.Runs >= 1
	})
	if st.LastResult == nil || st.LastResult.Pages < 150 || st.LastResult.Articles < 150 || st.LastResult.SpamPages != 6 {
		t.Errorf("first run's result %+v: want the demo crawl's pages, articles and 6 spam pages", st.LastResult)
	}
	if st.LastResult != nil && st.LastResult.Errors[schedule.ClassHTTP4xx] < 1 {
		t.Errorf("first run's errors %v: want the demo's 404 as http_4xx", st.LastResult.Errors)
	}
	text := runWinnow(t, env, "sources", "status", "demo")
	for _, want := range []string{"state", "active", "last run", "next due", "pages", "articles", "spam pages", "errors (last run)", "http_4xx="} {
		if !strings.Contains(text, want) {
			t.Errorf("sources status lacks %q:\n%s", want, text)
		}
	}
	runWinnow(t, env, "sources", "pause", "demo")
	if st := sourcesStatus(t, env, "demo"); st.Phase != schedule.Paused {
		t.Errorf("after pause: state %s", st.Phase)
	}
	runs := st.Runs
	runWinnow(t, env, "sources", "run", "demo")
	waitFor(t, 2*time.Minute, "the asked run (paused source)", func() bool {
		st = sourcesStatus(t, env, "demo")
		return st.Runs > runs
	})
	if st.Phase != schedule.Paused || st.LastReason != schedule.ReasonRunNow {
		t.Errorf("after sources run: state %s, last reason %s; want paused, run_now", st.Phase, st.LastReason)
	}
	runWinnow(t, env, "sources", "resume", "demo")
	if st := sourcesStatus(t, env, "demo"); st.Phase != schedule.Active {
		t.Errorf("after resume: state %s", st.Phase)
	}

	// The web page's sources board.
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "demo") || !strings.Contains(string(page), "active") {
		t.Errorf("GET / = %d; want the board with demo active", resp.StatusCode)
	}
	// crawl_outcomes were recorded (the chart's data).
	s := scrape(t, metrics)
	if v := sumOf(s, "winnow_scheduler_runs_total", `source="demo"`); v < 2 {
		t.Errorf("winnow_scheduler_runs_total = %v, want the 2 runs", v)
	}
	if v := sumOf(s, "winnow_source_state", `source="demo"`, `state="active"`); v != 1 && s["winnow_lag_polled_timestamp_seconds"] > 0 {
		t.Logf("source state gauge %v (refreshed every %s)", v, lagPollInterval)
	}

	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(time.Minute, 0)
	// Without a run, the command opens the embedded store itself.
	after := sourcesStatus(t, env, "demo")
	if after.Runs != st.Runs || after.Phase != schedule.Active {
		t.Errorf("after the run stopped: %d runs, %s; want %d, active", after.Runs, after.Phase, st.Runs)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "winnow.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var handled int
	if err := db.QueryRow(`SELECT coalesce(sum(count), 0) FROM crawl_outcomes WHERE source = 'demo' AND reason = 'handled'`).Scan(&handled); err != nil {
		t.Fatal(err)
	}
	if handled < 164 {
		t.Errorf("crawl_outcomes counts %d handled tasks, want at least the demo's 164", handled)
	}
}

// TestSchedulerRoles runs the scaled-out shape against one NATS server:
// admin init, two `winnow scheduler`s, a worker and a SQLite sink, all
// bound to pre-created consumers. The two schedulers fire the demo
// source once between them; the crawl is stored exactly once and its
// outcomes recorded; `winnow sources run --nats-url` wakes a scheduler
// at once (KV watch) for exactly one more firing; the worker's /metrics
// shows the source's counters.
func TestSchedulerRoles(t *testing.T) {
	_, base := serveDemo(t, "127.0.0.1:0")
	b := newBus(t, startNATS(t))
	srcDir, sinkData := t.TempDir(), t.TempDir()
	writeDemoSource(t, srcDir, "demo", base, "")
	runWinnow(t, b.env, "admin", "init", "--sink-durables", "sink-sqlite")
	sink := startWinnow(t, "sink", b.env, "sink", "sqlite", "--data", sinkData, "--require-precreated")
	worker := startWinnow(t, "worker", b.env, "worker", "--sources", srcDir, "--allow-net", "127.0.0.0/8", "--data", t.TempDir(),
		"--quiet", "--require-precreated", "--metrics-addr", "127.0.0.1:0")
	var scheds []*proc
	for _, id := range []string{"s1", "s2"} {
		scheds = append(scheds, startWinnow(t, "scheduler "+id, b.env, "scheduler", "--sources", srcDir, "--require-precreated",
			"--scheduler-id", id, "--run-quiet", "10s", "--log-level", "info"))
	}
	fired := func() int {
		n := 0
		for _, s := range scheds {
			n += strings.Count(s.stderr.String(), `"msg":"source fired"`)
		}
		return n
	}
	db := filepath.Join(sinkData, "winnow.db")
	waitFor(t, 3*time.Minute, "the demo stored", func() bool { return countSQLite(t, db) >= 164 })
	env := b.env
	var st schedule.State
	waitFor(t, time.Minute, "the run to settle", func() bool {
		st = sourcesStatus(t, env, "demo")
		return st.Runs >= 1
	})
	if n := fired(); n != 1 {
		t.Errorf("the two schedulers fired the demo %d times, want once", n)
	}
	if st.LastResult == nil || st.LastResult.Articles < 150 {
		t.Errorf("run result %+v", st.LastResult)
	}

	// An operator's run request reaches a scheduler at once (the state
	// watch), far sooner than the 30 s resync.
	asked := time.Now()
	runWinnow(t, env, "sources", "run", "demo")
	waitFor(t, 20*time.Second, "the asked run fired", func() bool { return fired() == 2 })
	if d := time.Since(asked); d > 15*time.Second {
		t.Errorf("the asked run fired after %s", d)
	}
	waitFor(t, time.Minute, "the asked run settled", func() bool { return sourcesStatus(t, env, "demo").Runs >= 2 })
	time.Sleep(2 * time.Second)
	if n := fired(); n != 2 {
		t.Errorf("%d firings after one run request, want 2 in all", n)
	}

	// The worker's operations port.
	addrRe := regexp.MustCompile(`metrics on http://([0-9.:]+)/metrics`)
	m := addrRe.FindStringSubmatch(worker.stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the worker's output")
	}
	s := scrape(t, "http://"+m[1]+"/metrics")
	for _, metric := range []string{"winnow_crawl_requests_total", "winnow_crawl_bytes_total", "winnow_crawl_fetch_seconds_count", "winnow_articles_total"} {
		if sumOf(s, metric, `source="demo"`) == 0 {
			t.Errorf("worker /metrics: %s{source=demo} is 0", metric)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("worker %s = %d", path, resp.StatusCode)
		}
	}

	for _, p := range append(scheds, worker) {
		p.stop(30 * time.Second)
	}
	waitAcked(t, time.Minute, b.conn.JetStream(), b.names.Articles, "sink-sqlite")
	sink.stop(30 * time.Second)
	wantDemoArticles(t, readSQLite(t, db), strings.TrimPrefix(base, "http://"))
	sdb, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var handled int
	if err := sdb.QueryRow(`SELECT coalesce(sum(count), 0) FROM crawl_outcomes WHERE source = 'demo' AND reason = 'handled'`).Scan(&handled); err != nil {
		t.Fatal(err)
	}
	if handled != 164 {
		t.Errorf("crawl_outcomes: %d handled, want 164 (each stored article once)", handled)
	}
}
