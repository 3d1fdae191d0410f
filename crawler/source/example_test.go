package source_test

import (
	"fmt"
	"net/url"

	"winnow/crawler/source"
)

func ExampleParse() {
	data := []byte(`
id: demo
name: Demo news site
seeds:
  - url: http://127.0.0.1:8080/
  - url: http://127.0.0.1:8080/rss.xml
    kind: feed
scope:
  article_pattern: '^/news/[a-z]+/\d{4}-\d{2}/\d{2}/[0-9a-z_-]+\.html$'
  deny: ['^/private/']
politeness: {min_delay: 20ms, concurrency: 2}
`)
	s, err := source.Parse("demo.yaml", data, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Summary())
	u, _ := url.Parse("http://127.0.0.1:8080/news/local/2024-05/17/bridge.html")
	ok, _ := s.Scope.InScope(u)
	fmt.Println(ok, s.Scope.IsArticle(u), s.Politeness.Delay(), s.Fetch.BodyLimit())
	// Output:
	// demo  Demo news site  enabled  seeds listing:1,feed:1  hosts 127.0.0.1:8080  delay 20ms x2  every 15m
	// true true 20ms 10485760
}

func ExampleParse_errors() {
	data := []byte("id: demo\nseeds:\n  - url: /news/\npoliteness:\n  min_delay: fast\n  concurency: 2\n")
	_, err := source.Parse("sources/demo.yaml", data, nil)
	fmt.Println(err)
	// Output:
	// sources/demo.yaml:3: seeds[0].url: "/news/" is not absolute (write http://host/path or https://host/path)
	// sources/demo.yaml:5: politeness.min_delay: "fast" is not a duration (use e.g. 1500ms, 10s, 2h, 30d, 1d12h)
	// sources/demo.yaml:6: politeness.concurency: unknown field (did you mean concurrency?)
}
