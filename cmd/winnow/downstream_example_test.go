package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink/natsbus"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// downstream example: BEGIN

// Article is the part of the winnow record (schema v1) this service
// uses; the full schema is sink/record/schema/article.v1.json.
type Article struct {
	SchemaVersion int    `json:"schema_version"`
	ID            string `json:"id"`
	CanonicalURL  string `json:"canonical_url"`
	Source        string `json:"source"`
	Title         string `json:"title"`
	PublishedAt   string `json:"published_at"`
	Body          string `json:"body"`
	ContentHash   string `json:"content_hash"`
	Hygiene       struct {
		Verdict string `json:"verdict"`
	} `json:"hygiene"`
}

// consumeArticles reads clean articles through the durable consumer an
// admin created with `winnow admin init --sink-durables <durable>`, and
// hands every new version of an article to handle. A message is
// acknowledged only after handle succeeded; delivery is at least once, so
// a version already handled (same id and content_hash) is acknowledged
// and skipped.
func consumeArticles(ctx context.Context, js jetstream.JetStream, durable string, handle func(Article) error) error {
	cons, err := js.Consumer(ctx, "ARTICLES", durable)
	if err != nil {
		return err
	}
	handled := map[string]string{} // id -> content_hash; keep it in your database
	for ctx.Err() == nil {
		batch, err := cons.Fetch(64, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return err
		}
		for m := range batch.Messages() {
			var a Article
			if err := json.Unmarshal(m.Data(), &a); err != nil || a.SchemaVersion != 1 {
				_ = m.Term() // not a v1 record: redelivering cannot help
				continue
			}
			if handled[a.ID] == a.ContentHash {
				_ = m.Ack() // a redelivery or a re-publish of a version already handled
				continue
			}
			if err := handle(a); err != nil {
				_ = m.NakWithDelay(5 * time.Second) // try again later
				continue
			}
			handled[a.ID] = a.ContentHash
			if err := m.DoubleAck(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// downstream example: END

// Example_downstreamConsumer runs the downstream consumer of
// docs/downstream.md against an embedded server: two articles, one of
// them published twice under different message ids, are handled once
// each.
func Example_downstreamConsumer() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "winnow-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	conn, err := natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: dir})
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	js := conn.JetStream()

	// What `winnow admin init --sink-durables my-service` does.
	if _, err := natsbus.EnsureStreams(ctx, js, natsbus.Config{}); err != nil {
		panic(err)
	}
	if _, err := natsbus.EnsureConsumer(ctx, js, natsbus.ConsumerConfig{Stream: "ARTICLES", Durable: "my-service"}); err != nil {
		panic(err)
	}
	// What the crawlers do, plus a re-publish under another message id.
	pub, err := natsbus.NewPublisher(js, natsbus.PublisherOptions{})
	if err != nil {
		panic(err)
	}
	a, b := sinktest.Article(1), sinktest.Article(2)
	for _, rec := range []*record.Article{a, b} {
		if err := pub.Write(ctx, rec); err != nil {
			panic(err)
		}
	}
	data, _ := json.Marshal(a)
	if _, err := js.Publish(ctx, "articles.clean."+a.Source, data, jetstream.WithMsgID("again")); err != nil {
		panic(err)
	}

	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err = consumeArticles(cctx, js, "my-service", func(a Article) error {
		fmt.Println(a.Source, a.Title)
		return nil
	})
	fmt.Println("error:", err)
	// Output:
	// example-news 城市建设稳步推进 第1期
	// example-news 城市建设稳步推进 第2期
	// error: <nil>
}

// TestDownstreamDocMatchesExample keeps docs/downstream.md honest: its Go
// example is the code between the markers above, verbatim.
func TestDownstreamDocMatchesExample(t *testing.T) {
	src, err := os.ReadFile("downstream_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/downstream.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "// downstream example: BEGIN\n", "// downstream example: END\n"
	s := string(src)
	code := strings.TrimSpace(s[strings.Index(s, begin)+len(begin) : strings.Index(s, end)])
	if !strings.Contains(string(doc), code) {
		t.Errorf("docs/downstream.md does not contain the example consumer verbatim; copy it from downstream_example_test.go:\n%s", code)
	}
}
