package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/sinktest"
	"winnow/sink/sqlite"
)

func Example() {
	dir, err := os.MkdirTemp("", "winnow-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(dir, "winnow.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	a := sinktest.SeedLike()
	res, err := s.WriteBatch(ctx, []*record.Article{a, a}) // a redelivery in the same batch
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("inserted", res.Inserted, "unchanged", res.Unchanged)

	hits, err := s.Search(ctx, "政法", sink.SearchOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hits {
		fmt.Println(h.Title)
	}
	// Output:
	// inserted 1 unchanged 1
	// 政法干警走进社区 把服务送到群众家门口
}
