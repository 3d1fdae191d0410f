// Package sink defines where clean article records go: the Sink interface
// that every storage consumer (sink/sqlite, sink/postgres, sink/jsonl) and
// the NATS publisher (sink/natsbus) implement.
//
// Delivery is at least once, so every Write must be idempotent on the
// record's ID: writing the same record twice leaves one row, and a record
// with an unchanged ContentHash is not rewritten.
package sink

import (
	"context"
	"errors"

	"winnow/sink/record"
)

// ErrRejected is wrapped by Write errors that retrying cannot fix (an
// invalid record, say). Callers dead-letter such records instead of
// redelivering them.
var ErrRejected = errors.New("sink: record rejected")

// Sink stores or forwards article records.
type Sink interface {
	// Write stores a. It returns only after a is durable (committed,
	// fsynced or acknowledged); an error wrapping ErrRejected means never
	// retry this record.
	Write(ctx context.Context, a *record.Article) error
	// Close flushes and releases the sink.
	Close() error
}
