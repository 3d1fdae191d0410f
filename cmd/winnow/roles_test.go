package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/natsbus"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// TestRunGracefulStop stops `winnow run` with SIGTERM in the middle of a
// crawl: it exits 0 after storing everything it published (the summary's
// articles and spam pages are all in SQLite), its health endpoints answer
// while it runs, and a restart until idle completes the crawl exactly
// once.
func TestRunGracefulStop(t *testing.T) {
	_, base := serveDemo(t, "127.0.0.1:0")
	srcDir, data := t.TempDir(), t.TempDir()
	writeDemoSource(t, srcDir, "demo", base, "")
	db := filepath.Join(data, "winnow.db")
	summary := filepath.Join(t.TempDir(), "summary.json")
	args := []string{"run", "--sources", srcDir, "--allow-net", "127.0.0.0/8", "--data", data, "--quiet", "--frontier-ack-wait", "2s"}

	p := startWinnow(t, "run (stopped)", nil, append(args, "--listen", "127.0.0.1:0", "--summary", summary)...)
	addrRe := regexp.MustCompile(`health on http://([0-9.:]+)/healthz`)
	var addr string
	waitFor(t, time.Minute, "the health endpoint", func() bool {
		m := addrRe.FindStringSubmatch(p.stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	for path, want := range map[string]string{"/healthz": "ok\n", "/readyz": `{"nats":"ok","store":"ok"}` + "\n"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("GET %s = %d %q, want 200 %q", path, resp.StatusCode, body, want)
		}
	}

	waitFor(t, 90*time.Second, "20 stored articles", func() bool { return countSQLite(t, db) >= 20 })
	p.stop(time.Minute)
	var sum crawlSummary
	data2, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data2, &sum); err != nil {
		t.Fatal(err)
	}
	stored := countSQLite(t, db)
	if stored >= 164 {
		t.Fatalf("the crawl had finished (%d stored) before the stop; the test proves nothing", stored)
	}
	if published := sum.Articles + sum.SpamPages; stored != published {
		t.Errorf("stopped run: %d records published (summary), %d stored; want every published record stored before exit", published, stored)
	}
	if err := sum.reconciles(); err != nil {
		t.Error(err)
	}

	again := startWinnow(t, "run (restarted)", nil, append(args, "--until-idle")...)
	again.wait(2*time.Minute, 0)
	wantDemoArticles(t, readSQLite(t, db), strings.TrimPrefix(base, "http://"))
}

// TestAdminTailAndDeadLetters drives the bus roles against an in-process
// server: `admin init` is idempotent; `tail` prints records as JSON
// lines, all or one source's; records a sink can never write run out of
// deliveries and `dlq-forwarder` copies them to the DLQ with the reason.
func TestAdminTailAndDeadLetters(t *testing.T) {
	recs := demoRecords(t)[:6]
	b := newBus(t, startNATS(t))

	type change struct{ Kind, Name, Action string }
	initJSON := func(args ...string) []change {
		t.Helper()
		out := runWinnow(t, b.env, append([]string{"admin", "init", "--json", "--sink-durables", "sink-dead"}, args...)...)
		var cs []change
		if err := json.Unmarshal([]byte(out), &cs); err != nil {
			t.Fatalf("admin init --json: %v\n%s", err, out)
		}
		return cs
	}
	first, second := initJSON(), initJSON()
	// 6 streams, 3 buckets, the forwarder's and 16 frontier consumers, and
	// sink-dead on ARTICLES and on OUTCOMES.
	if len(first) != 28 || !slices.ContainsFunc(first, func(c change) bool { return c.Name == b.names.Articles+"/sink-dead" && c.Action == "created" }) ||
		!slices.ContainsFunc(first, func(c change) bool { return c.Name == b.names.Outcomes+"/sink-dead" && c.Action == "created" }) {
		t.Errorf("first admin init: %d changes %v, want 28 with the sink-dead consumers created", len(first), first)
	}
	for _, c := range second {
		if c.Action != natsbus.ActionUnchanged {
			t.Errorf("second admin init changed %+v", c)
		}
	}
	// The operator gives the sink-dead consumer two deliveries: only it
	// is updated.
	var updated []string
	for _, c := range initJSON("--max-deliver", "2", "--retry-backoff", "200ms") {
		if c.Action != natsbus.ActionUnchanged {
			updated = append(updated, c.Name+" "+c.Action)
		}
	}
	if diff := cmp.Diff([]string{b.names.Articles + "/sink-dead updated"}, updated); diff != "" {
		t.Errorf("third admin init (-want +got):\n%s", diff)
	}

	other := make([]*record.Article, 3)
	for i := range other {
		a := *recs[i]
		a.Source = "other"
		a.CanonicalURL += "?other"
		a.URL, a.ID = a.CanonicalURL, record.NewID(a.CanonicalURL, "", "")
		other[i] = &a
	}
	b.publish(recs)
	b.publish(other)

	tail := func(args ...string) []*record.Article {
		t.Helper()
		out := runWinnow(t, b.env, append([]string{"tail", "--since", "all"}, args...)...)
		var got []*record.Article
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			recordtest.CheckJSON(t, []byte(line))
			var a record.Article
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatal(err)
			}
			got = append(got, &a)
		}
		return got
	}
	ids := func(recs []*record.Article) []string {
		var out []string
		for _, a := range recs {
			out = append(out, a.Source+"/"+a.ID)
		}
		return out
	}
	if diff := cmp.Diff(ids(append(slices.Clone(recs), other...)), ids(tail("--limit", "9"))); diff != "" {
		t.Errorf("tail (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ids(other), ids(tail("--source", "other", "--limit", "3"))); diff != "" {
		t.Errorf("tail --source other (-want +got):\n%s", diff)
	}

	// A sink whose database never answers: every record runs out of the
	// consumer's two deliveries, and the forwarder dead-letters it.
	sink := startWinnow(t, "sink (no database)", b.env, "sink", "postgres", "--durable", "sink-dead", "--data", t.TempDir(),
		"--postgres", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", "--require-precreated")
	fwd := startWinnow(t, "dlq-forwarder", b.env, "dlq-forwarder")
	want := len(recs) + len(other)
	waitFor(t, 90*time.Second, "every record dead-lettered", func() bool {
		msgs, _ := b.streamState(b.names.DLQ)
		return msgs == uint64(want)
	})
	sink.stop(30 * time.Second)
	fwd.stop(30 * time.Second)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	seen := map[string]bool{}
	err := natsbus.Follow(ctx, b.conn.JetStream(), b.names.DLQSubjects(), time.Unix(1, 0), func(_ context.Context, m natsbus.Message) error {
		if m.Subject != b.names.DLQSubject(b.names.Articles, "sink-dead") || m.Header.Get(natsbus.HeaderDLQDeliveries) != "2" ||
			m.Header.Get(natsbus.HeaderDLQReason) == "" {
			t.Errorf("DLQ message on %s with headers %v", m.Subject, m.Header)
		}
		a, err := m.Article()
		if err != nil {
			t.Errorf("DLQ copy is not the record: %v", err)
		} else {
			seen[a.Source+"/"+a.ID] = true
		}
		if len(seen) == want {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != want {
		t.Errorf("DLQ holds %d distinct records, want %d", len(seen), want)
	}
}
