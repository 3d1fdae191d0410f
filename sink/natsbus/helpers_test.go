package natsbus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink/record"
)

// testLogger logs to the test's output at warn level and above, or
// debug with WINNOW_TEST_NATSBUS_DEBUG=1.
func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	level := slog.LevelWarn
	if os.Getenv("WINNOW_TEST_NATSBUS_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startEmbedded starts an embedded server on dir (a fresh temp dir if "")
// and closes it in Cleanup.
func startEmbedded(t testing.TB, dir string) *Conn {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	c, err := StartEmbedded(context.Background(), EmbeddedOptions{StoreDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// setupBus starts an embedded server and ensures the topology of cfg.
func setupBus(t testing.TB, cfg Config) (*Conn, Names) {
	t.Helper()
	c := startEmbedded(t, "")
	if _, err := EnsureStreams(context.Background(), c.JetStream(), cfg); err != nil {
		t.Fatalf("EnsureStreams: %v", err)
	}
	n, err := cfg.Names()
	if err != nil {
		t.Fatal(err)
	}
	return c, n
}

// testArticle returns a valid record for source and n; removals > 0 makes
// it "cleaned" with that many removals.
func testArticle(source string, n, removals int) *record.Article {
	a := record.New()
	a.URL = fmt.Sprintf("https://news.example.cn/%s/2024/05/%04d.html", source, n)
	a.CanonicalURL = a.URL
	a.Source = source
	a.SiteName = "示例新闻网"
	a.Section = "本地新闻"
	a.Title = fmt.Sprintf("市区新增公交线路 第%d期", n)
	a.Body = "市交通运输局近日宣布，新的公交线路将于下月开通。\n沿线居民出行将更加便利。"
	a.Authors = []string{"张三"}
	a.Origin = "示例日报"
	a.PublishedAt = "2024-05-20T10:30:00+08:00"
	a.PublishedPrecision = record.PrecisionMinute
	a.FetchedAt = "2024-05-20T11:00:00+08:00"
	a.Lang = "zh"
	a.ScriptIn = record.ScriptHans
	a.ScriptOut = record.ScriptHans
	a.Normalization = map[string]string{"opencc": "t2s"}
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Hygiene.RulesVersion = "test-1"
	for i := range removals {
		a.Hygiene.Verdict = record.VerdictCleaned
		a.Hygiene.Removed = append(a.Hygiene.Removed, record.Removal{
			Text: fmt.Sprintf("99福利在线_影院_%d", i), Kind: record.KindSpam, Rule: "spam.keyword_chain",
			Scope: record.ScopeLine, Field: record.FieldBody, Reason: "gambling/porn keyword chain",
		})
	}
	return a
}

// streamMsgs reads every message of stream (up to its last sequence).
func streamMsgs(t testing.TB, js jetstream.JetStream, stream string) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue // deleted
		}
		out = append(out, m)
	}
	return out
}

func streamState(t testing.TB, js jetstream.JetStream, stream string) jetstream.StreamState {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State
}

// waitFor polls cond every 20ms until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memWriter is a BatchWriter that records writes and can be told to fail.
type memWriter struct {
	mu     sync.Mutex
	writes int // WriteBatch calls that succeeded
	byID   map[string]int
	order  []string
	fail   func(recs []*record.Article) error
}

func (w *memWriter) WriteBatch(ctx context.Context, recs []*record.Article) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		if err := w.fail(recs); err != nil {
			return err
		}
	}
	if w.byID == nil {
		w.byID = map[string]int{}
	}
	w.writes++
	for _, r := range recs {
		w.byID[r.ID]++
		w.order = append(w.order, r.ID)
	}
	return nil
}

func (w *memWriter) count(id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byID[id]
}

func (w *memWriter) total() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.order)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type natsMsg = nats.Msg
