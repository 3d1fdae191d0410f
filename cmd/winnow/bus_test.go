package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/frontier"
	"winnow/sink"
	"winnow/sink/natsbus"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

func TestParseFlagsEnv(t *testing.T) {
	newFS := func() (*flag.FlagSet, *busFlags, *int) {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var bf busFlags
		bf.register(fs)
		n := fs.Int("workers", 8, "")
		return fs, &bf, n
	}
	t.Setenv("WINNOW_NATS_URL", "nats://env:4222")
	t.Setenv("WINNOW_WORKERS", "3")
	t.Setenv("WINNOW_FRONTIER_ACK_WAIT", "7s")

	fs, bf, n := newFS()
	if err := parseFlagsEnv(fs, []string{"--workers", "5"}); err != nil {
		t.Fatal(err)
	}
	got := []any{bf.url, *n, bf.frontierAckWait, bf.partitions}
	want := []any{"nats://env:4222", 5, 7 * time.Second, 16} // the command line wins over the environment
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}

	t.Setenv("WINNOW_PARTITIONS", "many")
	fs, _, _ = newFS()
	var ue usageError
	if err := parseFlagsEnv(fs, nil); !errors.As(err, &ue) || !strings.Contains(err.Error(), "WINNOW_PARTITIONS") {
		t.Errorf("bad WINNOW_PARTITIONS: err = %v, want a usage error naming the variable", err)
	}
}

func TestEnvName(t *testing.T) {
	for flagName, want := range map[string]string{
		"nats-url": "WINNOW_NATS_URL", "data": "WINNOW_DATA", "frontier-ack-wait": "WINNOW_FRONTIER_ACK_WAIT",
	} {
		if got := envName(flagName); got != want {
			t.Errorf("envName(%q) = %q, want %q", flagName, got, want)
		}
	}
}

func TestBusConfig(t *testing.T) {
	ok := busFlags{partitions: 4, frontierAckWait: 2 * time.Second, namespace: "t1", articlesMaxMsgs: 40}
	cfg, err := ok.config()
	if err != nil {
		t.Fatal(err)
	}
	want := natsbus.Config{Namespace: "t1", Partitions: 4, ArticlesMaxMsgs: 40,
		FrontierBackOff: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	for name, bad := range map[string]busFlags{
		"no partitions":   {partitions: 0, frontierAckWait: time.Minute},
		"short ack wait":  {partitions: 16, frontierAckWait: time.Millisecond},
		"negative limit":  {partitions: 16, frontierAckWait: time.Minute, articlesMaxMsgs: -1},
		"bad namespace":   {partitions: 16, frontierAckWait: time.Minute, namespace: "Has Spaces"},
		"too many splits": {partitions: 5000, frontierAckWait: time.Minute},
	} {
		var ue usageError
		if _, err := bad.config(); !errors.As(err, &ue) {
			t.Errorf("%s: config() = %v, want a usage error", name, err)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "", want: time.Time{}},
		{in: "all", want: time.Unix(1, 0).UTC()},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "2026-11-01T08:00:00+08:00", want: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{in: "-1h", wantErr: true},
		{in: "yesterday", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseSince(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestConsumerFlagsBackOff(t *testing.T) {
	cf := consumerFlags{durable: "sink-x", batch: 100, maxDeliver: 6, retryBackoff: 30 * time.Second, parallel: 2}
	short := consumerFlags{durable: "sink-y", batch: 100, maxDeliver: 5, retryBackoff: 2 * time.Second, parallel: 1}
	cs, err := short.config(natsbus.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{5 * time.Second, 5 * time.Second, 8 * time.Second, 16 * time.Second}, cs.BackOff); diff != "" {
		t.Errorf("BackOff with a short retry (-want +got):\n%s", diff)
	}
	cc, err := cf.config(natsbus.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 2 * time.Minute, 2 * time.Minute}
	if diff := cmp.Diff(want, cc.BackOff); diff != "" {
		t.Errorf("BackOff (-want +got):\n%s", diff)
	}
	if cc.Stream != "ARTICLES" || cc.Durable != "sink-x" || cc.BatchSize != 100 || cc.MaxDeliver != 6 || cc.MaxAckPending != 300 {
		t.Errorf("config = %+v", cc)
	}
	for _, bad := range []consumerFlags{
		{batch: 0, maxDeliver: 5, retryBackoff: time.Second, parallel: 1},
		{batch: 10, maxDeliver: 1, retryBackoff: time.Second, parallel: 1},
		{batch: 10, maxDeliver: 5, retryBackoff: 0, parallel: 1},
		{batch: 10, maxDeliver: 5, retryBackoff: time.Second, parallel: 0},
	} {
		if _, err := bad.config(natsbus.Config{}, nil); err == nil {
			t.Errorf("config(%+v) accepted", bad)
		}
	}
}

// fakeBatchStore rejects the records whose title is "reject" and fails
// whole batches while fail is set.
type fakeBatchStore struct{ fail error }

func (f fakeBatchStore) WriteBatch(_ context.Context, recs []*record.Article) (sink.BatchResult, error) {
	if f.fail != nil {
		return sink.BatchResult{}, f.fail
	}
	var res sink.BatchResult
	for i, a := range recs {
		if a.Title == "reject" {
			res.Rejected = append(res.Rejected, sink.Rejection{Index: i, ID: a.ID, Err: sink.ErrRejected})
			continue
		}
		res.Inserted++
	}
	return res, nil
}

func TestStoreWriter(t *testing.T) {
	good, bad := sinktest.Article(1), sinktest.Article(2)
	bad.Title = "reject"
	transient := errors.New("database is away")
	tests := []struct {
		name         string
		store        fakeBatchStore
		recs         []*record.Article
		wantRejected bool
		wantErr      error
	}{
		{name: "all stored", recs: []*record.Article{good}},
		{name: "one rejected", recs: []*record.Article{good, bad}, wantRejected: true},
		{name: "transient", store: fakeBatchStore{fail: transient}, recs: []*record.Article{good}, wantErr: transient},
	}
	for _, tt := range tests {
		err := storeWriter{tt.store}.WriteBatch(t.Context(), tt.recs)
		if got := errors.Is(err, sink.ErrRejected); got != tt.wantRejected {
			t.Errorf("%s: WriteBatch = %v, rejected %v, want %v", tt.name, err, got, tt.wantRejected)
		}
		if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: WriteBatch = %v, want %v", tt.name, err, tt.wantErr)
		}
		if tt.wantErr == nil && !tt.wantRejected && err != nil {
			t.Errorf("%s: WriteBatch = %v, want nil", tt.name, err)
		}
	}
}

func TestMuxReadiness(t *testing.T) {
	var storeErr error
	mux := newMux(muxParts{
		ready: []readyCheck{
			{name: "nats", check: func(context.Context) error { return nil }},
			{name: "store", check: func(context.Context) error { return storeErr }},
		},
		handlers: map[string]http.Handler{"GET /extra": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("extra")) })},
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	type answer struct {
		Code int
		Body string
	}
	check := func(path string, want answer) {
		t.Helper()
		code, body := get(path)
		if diff := cmp.Diff(want, answer{code, body}); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
	}
	check("/healthz", answer{200, "ok"})
	check("/readyz", answer{200, `{"nats":"ok","store":"ok"}`})
	check("/extra", answer{200, "extra"})
	storeErr = errors.New("database is locked")
	check("/readyz", answer{503, `{"nats":"ok","store":"database is locked"}`})
	check("/healthz", answer{200, "ok"})
}

// TestBusFrontier drives the adapter against an embedded JetStream
// frontier: entry points may be queued again, articles only once ever;
// a deferred task comes back; an acknowledged one leaves the frontier.
func TestBusFrontier(t *testing.T) {
	ctx := t.Context()
	conn, err := natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	cfg := natsbus.Config{Partitions: 2, FrontierDuplicates: time.Second,
		FrontierBackOff: []time.Duration{5 * time.Second, 10 * time.Second}}
	if _, err := natsbus.EnsureStreams(ctx, conn.JetStream(), cfg); err != nil {
		t.Fatal(err)
	}
	nf, err := natsbus.NewFrontier(ctx, conn.JetStream(), natsbus.FrontierOptions{Config: cfg, LeaseTTL: 3 * time.Second, FetchWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nf.Close() })
	bf := newBusFrontier(nf, discardLogger())
	bf.deferDelay = 100 * time.Millisecond

	published := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	listing := frontier.Task{URL: "http://news.test/", Source: "s", Kind: frontier.KindListing}
	article := frontier.Task{URL: "http://news.test/a/1.html", Source: "s", Kind: frontier.KindPage, Depth: 1,
		Referrer: "http://news.test/", Published: published}
	if n, err := bf.Add(ctx, listing, article); err != nil || n != 2 {
		t.Fatalf("Add = %d, %v; want 2 new", n, err)
	}

	got := map[string]frontier.Task{}
	dones := map[string]frontier.Done{}
	nctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(got) < 2 {
		task, done, err := bf.Next(nctx)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		got[task.URL], dones[task.URL] = task, done
	}
	if diff := cmp.Diff(map[string]frontier.Task{listing.URL: listing, article.URL: article}, got); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	dones[listing.URL](nil)
	dones[article.URL](frontier.ErrDeferred)
	task, done, err := bf.Next(nctx) // the deferred article comes back
	if err != nil || task.URL != article.URL {
		t.Fatalf("Next after defer = %v, %v; want the article again", task.URL, err)
	}
	done(nil)
	waitFor(t, 10*time.Second, "frontier idle", func() bool {
		p, err := nf.Pending(ctx)
		return err == nil && p.Idle()
	})

	// After the duplicate window, the entry point may be queued again (a
	// new run or the scheduler); the article never.
	time.Sleep(1500 * time.Millisecond)
	if n, err := bf.Add(ctx, listing, article); err != nil || n != 1 {
		t.Errorf("second Add = %d, %v; want only the entry point queued again", n, err)
	}
	task, done, err = bf.Next(nctx)
	if err != nil || task.URL != listing.URL {
		t.Fatalf("Next = %v, %v; want the listing", task.URL, err)
	}
	done(nil)

	if err := nf.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bf.Next(ctx); !errors.Is(err, frontier.ErrClosed) {
		t.Errorf("Next on a closed frontier = %v, want frontier.ErrClosed", err)
	}
}
