package frontier_test

import (
	"context"
	"errors"
	"fmt"

	"winnow/crawler/frontier"
)

func ExampleMemory() {
	ctx := context.Background()
	f := frontier.NewMemory()
	n, _ := f.Add(ctx,
		frontier.Task{URL: "http://news.example.cn/", Source: "news", Kind: frontier.KindListing},
		frontier.Task{URL: "http://news.example.cn/", Source: "news", Kind: frontier.KindListing}, // a duplicate
	)
	fmt.Println("added", n)
	for {
		t, done, err := f.Next(ctx)
		if errors.Is(err, frontier.ErrIdle) {
			fmt.Println("idle")
			return
		}
		fmt.Println("fetch", t.URL)
		if t.Depth == 0 { // the page links to an article
			_, _ = f.Add(ctx, frontier.Task{URL: "http://news.example.cn/a/1.html", Source: "news", Kind: frontier.KindPage, Depth: 1})
		}
		done(nil)
	}
	// Output:
	// added 1
	// fetch http://news.example.cn/
	// fetch http://news.example.cn/a/1.html
	// idle
}
