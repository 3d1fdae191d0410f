package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"winnow/sink"
	"winnow/sink/postgres"
	"winnow/sink/sinktest"
)

// A sink consumer's write step: ack on success, dead-letter a rejection,
// retry anything else later.
func Example() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, postgres.Options{
		DSN:    "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		Schema: "winnow",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	switch err := s.Write(ctx, sinktest.SeedLike()); {
	case err == nil:
		fmt.Println("ack")
	case errors.Is(err, sink.ErrRejected):
		fmt.Println("dead-letter:", err)
	case errors.Is(err, postgres.ErrTransient):
		fmt.Println("retry after a delay:", err)
	default:
		fmt.Println("retry:", err)
	}
}
