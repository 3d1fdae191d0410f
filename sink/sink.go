// Package sink defines where clean article records go: the Sink interface
// that every storage consumer (sink/sqlite, sink/postgres, sink/jsonl) and
// the NATS publisher (sink/natsbus) implement, and the types the storage
// consumers share: batch results, search options and hits, and the Store
// interface a storage consumer presents to the bus and to `winnow search`.
//
// Delivery is at least once, so every Write must be idempotent on the
// record's ID: writing the same record twice leaves one row, and a record
// with an unchanged ContentHash is not rewritten.
//
// Caveats: BatchResult describes what a store did with each record of a
// batch; a store without search (sink/jsonl) implements Search by
// returning an error wrapping errors.ErrUnsupported.
package sink

import (
	"context"
	"errors"

	"winnow/sink/record"
)

// Errors shared by the sinks.
var (
	// ErrRejected is wrapped by Write errors that retrying cannot fix (an
	// invalid record, say). Callers dead-letter such records instead of
	// redelivering them.
	ErrRejected = errors.New("sink: record rejected")
	// ErrNotFound is wrapped by a Store's Get when no record has the id.
	ErrNotFound = errors.New("sink: record not found")
)

// Sink stores or forwards article records.
type Sink interface {
	// Write stores a. It returns only after a is durable (committed,
	// fsynced or acknowledged); an error wrapping ErrRejected means never
	// retry this record.
	Write(ctx context.Context, a *record.Article) error
	// Close flushes and releases the sink.
	Close() error
}

// BatchResult counts what one WriteBatch did, record by record.
type BatchResult struct {
	Inserted  int // new ids
	Updated   int // a new content hash replaced the stored version
	Unchanged int // same content hash as stored: nothing written
	Stale     int // fetched earlier than the stored version: nothing written
	// Rejected lists the records not written because retrying cannot
	// help; each Err wraps ErrRejected.
	Rejected []Rejection
}

// Rejection is one record a batch refused.
type Rejection struct {
	Index int    // position in the batch
	ID    string // the record's id, "" for a nil record
	Err   error  // wraps ErrRejected
}

// BatchWriter writes records in batches.
type BatchWriter interface {
	// WriteBatch writes recs in one transaction, in order. Invalid
	// records are left out and listed in BatchResult.Rejected while the
	// others are written; a non-nil error means nothing was written and
	// the whole batch may be retried. When it returns nil the batch is
	// durable.
	WriteBatch(ctx context.Context, recs []*record.Article) (BatchResult, error)
}

// SearchOptions narrow a search. The zero value returns the 20 best
// non-spam hits.
type SearchOptions struct {
	// Limit is the most hits to return; zero means 20.
	Limit int
	// IncludeSpam also returns records whose verdict is spam_page
	// (excluded by default).
	IncludeSpam bool
}

// Hit is one search result.
type Hit struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Source      string  `json:"source"`
	PublishedAt string  `json:"published_at"` // as in the record, "" if unknown
	Snippet     string  `json:"snippet"`      // body text around the first match, one line
	Score       float64 `json:"score"`        // larger is better
}

// Store is a storage consumer: a Sink that also writes batches, reads a
// record back and searches.
type Store interface {
	Sink
	BatchWriter
	// Get returns the stored record with the given id, or an error
	// wrapping ErrNotFound.
	Get(ctx context.Context, id string) (*record.Article, error)
	// Search returns the records matching q, best first; a store without
	// search returns an error wrapping errors.ErrUnsupported.
	Search(ctx context.Context, q string, opts SearchOptions) ([]Hit, error)
}
