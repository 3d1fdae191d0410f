package jsonl_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"winnow/sink/jsonl"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

func Example() {
	dir, err := os.MkdirTemp("", "winnow-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := jsonl.Open(ctx, jsonl.Options{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	a := sinktest.SeedLike()
	newer := sinktest.Version(a, 1)
	for _, batch := range [][]*record.Article{{a}, {a, newer}, {a}} { // redeliveries
		res, err := s.WriteBatch(ctx, batch)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%+v\n", res)
	}
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}

	stats, err := jsonl.Scan(ctx, dir, func(r *record.Article) error {
		fmt.Println(r.ID == a.ID, r.FetchedAt)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stats.Records, "records")
	// Output:
	// {Inserted:1 Updated:0 Unchanged:0 Stale:0 Rejected:[]}
	// {Inserted:0 Updated:1 Unchanged:1 Stale:0 Rejected:[]}
	// {Inserted:0 Updated:0 Unchanged:0 Stale:1 Rejected:[]}
	// true 2022-02-24T09:30:00+08:00
	// true 2022-02-24T09:31:00+08:00
	// 2 records
}
