package natsbus_test

import (
	"context"
	"fmt"
	"os"

	"winnow/sink/natsbus"
	"winnow/sink/record"
)

func ExampleNewNames() {
	n, _ := natsbus.NewNames("")
	subj, _ := n.ArticleSubject("wzljl")
	adhoc, _ := n.ArticleSubject("")
	_, err := n.ArticleSubject("news.*")
	fmt.Println(n.Articles, subj, adhoc)
	fmt.Println(n.DLQSubject(n.Articles, "sink-sqlite"))
	fmt.Println(err)

	test, _ := natsbus.NewNames("t1")
	fmt.Println(test.Frontier, test.FrontierSubject(3))
	// Output:
	// ARTICLES articles.clean.wzljl articles.clean._adhoc
	// dlq.ARTICLES.sink-sqlite
	// natsbus: invalid source id: "news.*"
	// t1_FRONTIER t1.crawl.frontier.3
}

// An embedded server, the topology, a publish and a consumer writing to a
// sink, as `winnow run` wires them.
func ExampleStartEmbedded() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "winnow-example")
	defer os.RemoveAll(dir)

	conn, err := natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	js := conn.JetStream()
	if _, err := natsbus.EnsureStreams(ctx, js, natsbus.Config{}); err != nil {
		fmt.Println(err)
		return
	}

	pub, _ := natsbus.NewPublisher(js, natsbus.PublisherOptions{})
	a := record.New()
	a.URL, a.CanonicalURL, a.Source = "https://news.example.cn/a/1.html", "https://news.example.cn/a/1.html", "demo"
	a.Title, a.Body = "示例标题", "第一段。\n第二段。"
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	if err := pub.Write(ctx, a); err != nil {
		fmt.Println(err)
		return
	}

	cctx, stop := context.WithCancel(ctx)
	sink := natsbus.BatchWriterFunc(func(_ context.Context, recs []*record.Article) error {
		for _, r := range recs {
			fmt.Println("stored", r.Source, r.Title)
		}
		stop() // one batch is enough for the example
		return nil
	})
	err = natsbus.Consume(cctx, js, natsbus.ConsumerConfig{Stream: "ARTICLES", Durable: "sink-example"}, sink)
	fmt.Println("consume returned", err)
	// Output:
	// stored demo 示例标题
	// consume returned <nil>
}

func ExamplePartition() {
	// Every URL of a host lands in the same partition, so one worker owns
	// the host's politeness.
	fmt.Println(natsbus.Partition("news.example.cn", 16) == natsbus.Partition("NEWS.example.cn", 16))
	// Output: true
}
