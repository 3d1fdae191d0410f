package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

func newTestPublisher(t testing.TB, c *Conn, cfg Config) *Publisher {
	t.Helper()
	p, err := NewPublisher(c.JetStream(), PublisherOptions{Config: cfg, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPublishDuplicateStoredOnce(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)
	a := testArticle("wzljl", 1, 0)
	for range 3 {
		if err := p.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.WriteBatch(ctx, []*record.Article{a, a}); err != nil {
		t.Fatal(err)
	}
	// Same id, new content: a new version is a new message.
	b := *a
	b.Body += "\n更正：线路将于六月开通。"
	b.ContentHash = record.NewContentHash(b.Title, b.Body)
	if err := p.Write(ctx, &b); err != nil {
		t.Fatal(err)
	}
	msgs := streamMsgs(t, c.JetStream(), n.Articles)
	var got []string
	for _, m := range msgs {
		got = append(got, m.Subject+" "+m.Header.Get("Nats-Msg-Id"))
		var rec record.Article
		if err := json.Unmarshal(m.Data, &rec); err != nil {
			t.Fatal(err)
		}
		recordtest.Check(t, &rec)
	}
	want := []string{
		"articles.clean.wzljl " + a.ID + ":" + a.ContentHash,
		"articles.clean.wzljl " + a.ID + ":" + b.ContentHash,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored messages (-want +got):\n%s", diff)
	}
}

func TestPublishAuditEvents(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)

	clean := testArticle("wzljl", 1, 0)
	cleaned := testArticle("wzljl", 2, 2)
	spam := testArticle("", 3, 0)
	spam.Hygiene.Verdict = record.VerdictSpamPage
	spam.Body = ""
	spam.ContentHash = record.NewContentHash(spam.Title, spam.Body)
	if err := p.WriteBatch(ctx, []*record.Article{clean, cleaned}); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, spam); err != nil {
		t.Fatal(err)
	}
	var got []AuditEvent
	var subjects []string
	for _, m := range streamMsgs(t, c.JetStream(), n.Audit) {
		var ev AuditEvent
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
		subjects = append(subjects, m.Subject)
	}
	want := []AuditEvent{
		{SchemaVersion: 1, ArticleID: cleaned.ID, URL: cleaned.URL, Source: "wzljl", Title: cleaned.Title, Verdict: "cleaned",
			RulesVersion: "test-1", Removed: cleaned.Hygiene.Removed, FetchedAt: cleaned.FetchedAt, ContentHash: cleaned.ContentHash},
		{SchemaVersion: 1, ArticleID: spam.ID, URL: spam.URL, Source: "", Title: spam.Title, Verdict: "spam_page",
			RulesVersion: "test-1", Removed: []record.Removal{}, FetchedAt: spam.FetchedAt, ContentHash: spam.ContentHash},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"audit.wzljl", "audit._adhoc"}, subjects); diff != "" {
		t.Errorf("audit subjects (-want +got):\n%s", diff)
	}
	// The JSON field names are part of the contract.
	raw := streamMsgs(t, c.JetStream(), n.Audit)[0].Data
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	wantKeys := []string{"article_id", "content_hash", "fetched_at", "raw_ref", "removed", "rules_version", "schema_version", "source", "title", "url", "verdict"}
	if diff := cmp.Diff(wantKeys, keys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("audit JSON keys (-want +got):\n%s", diff)
	}
}

func TestPublishRejectsInvalid(t *testing.T) {
	ctx := t.Context()
	cfg := Config{Partitions: 1}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)

	badID := testArticle("wzljl", 1, 0)
	badID.ID = "not-hex"
	badSource := testArticle("wzljl", 2, 0)
	badSource.Source = "WZ.LJL.>"
	tests := []struct {
		name string
		a    *record.Article
	}{
		{"nil", nil},
		{"invalid id", badID},
		{"source not a subject token", badSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.Write(ctx, tt.a); !errors.Is(err, sink.ErrRejected) {
				t.Errorf("Write: err %v, want sink.ErrRejected", err)
			}
			batch := []*record.Article{testArticle("wzljl", 9, 0), tt.a}
			if err := p.WriteBatch(ctx, batch); !errors.Is(err, sink.ErrRejected) {
				t.Errorf("WriteBatch: err %v, want sink.ErrRejected", err)
			}
		})
	}
	if st := streamState(t, c.JetStream(), n.Articles); st.Msgs != 0 {
		t.Errorf("ARTICLES holds %d messages after rejected writes, want 0", st.Msgs)
	}
	p.Close()
	if err := p.Write(ctx, testArticle("wzljl", 3, 0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
}

func TestPublishFullArticlesStreamPushesBack(t *testing.T) {
	cfg := Config{Partitions: 1, ArticlesMaxMsgs: 2}
	c, n := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)
	ctx := t.Context()
	first := testArticle("wzljl", 0, 0)
	if err := p.Write(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, testArticle("wzljl", 1, 0)); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"Write", "WriteBatch"} {
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		var err error
		if mode == "Write" {
			err = p.Write(wctx, testArticle("wzljl", 2, 0))
		} else {
			err = p.WriteBatch(wctx, []*record.Article{testArticle("wzljl", 3, 0)})
		}
		cancel()
		if !errors.Is(err, ErrStreamFull) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s to a full stream: err %v, want ErrStreamFull and DeadlineExceeded", mode, err)
		}
	}
	msgs := streamMsgs(t, c.JetStream(), n.Articles)
	if len(msgs) != 2 {
		t.Fatalf("ARTICLES holds %d messages, want 2", len(msgs))
	}
	// Nothing was evicted: message 1 is still the first record.
	if msgs[0].Sequence != 1 || msgs[0].Header.Get("Nats-Msg-Id") != first.ID+":"+first.ContentHash {
		t.Errorf("message 1 is seq %d id %q, want the first record", msgs[0].Sequence, msgs[0].Header.Get("Nats-Msg-Id"))
	}
}

func TestPublishBlocksUntilSpaceIsFreed(t *testing.T) {
	// A full stream blocks Write; once space is freed (here an operator
	// raises the limit) the same Write succeeds.
	cfg := Config{Partitions: 1, ArticlesMaxMsgs: 1}
	c, _ := setupBus(t, cfg)
	p := newTestPublisher(t, c, cfg)
	ctx := t.Context()
	if err := p.Write(ctx, testArticle("wzljl", 0, 0)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Write(ctx, testArticle("wzljl", 1, 0)) }()
	select {
	case err := <-done:
		t.Fatalf("Write to a full stream returned %v, want it to block", err)
	case <-time.After(200 * time.Millisecond):
	}
	cfg.ArticlesMaxMsgs = 10
	if _, err := EnsureStreams(ctx, c.JetStream(), cfg); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Write after space was freed: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write still blocked after space was freed")
	}
}

func TestNewAuditEventNil(t *testing.T) {
	if ev := NewAuditEvent(testArticle("x", 1, 0)); ev != nil {
		t.Errorf("clean record: audit event %+v, want nil", ev)
	}
}
