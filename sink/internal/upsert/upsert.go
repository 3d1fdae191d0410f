// Package upsert holds the write rules every winnow storage sink shares:
// which records are rejected, and whether an incoming version of a record
// replaces the stored one.
//
// The rules: a nil or invalid record is rejected (its error wraps
// sink.ErrRejected and, when invalid, record.ErrInvalid). A new id is
// inserted. The same content hash as stored is unchanged (no write). A
// different hash replaces the stored version unless both carry a fetch
// time and the incoming one is earlier: that is a stale redelivery of an
// older version, and writing it would undo a newer one.
package upsert

import (
	"fmt"
	"time"

	"winnow/sink"
	"winnow/sink/record"
)

// Action is what to do with one incoming record.
type Action int

// Actions.
const (
	Insert    Action = iota // no stored version
	Update                  // replace the stored version
	Unchanged               // same content hash: nothing to write
	Stale                   // older than the stored version: nothing to write
)

// Stored is what a store keeps of the current version of a record.
type Stored struct {
	ContentHash string
	FetchedAt   string // RFC 3339 or ""
}

// Decide returns the action for incoming given the stored version (nil if
// none).
func Decide(stored *Stored, incoming *record.Article) Action {
	switch {
	case stored == nil:
		return Insert
	case stored.ContentHash == incoming.ContentHash:
		return Unchanged
	case Before(incoming.FetchedAt, stored.FetchedAt):
		return Stale
	}
	return Update
}

// Before reports whether fetch time a is strictly earlier than b; false if
// either is empty or not RFC 3339.
func Before(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	return errA == nil && errB == nil && ta.Before(tb)
}

// Check returns nil if a may be written, or an error wrapping
// sink.ErrRejected (and record.ErrInvalid) that says why not.
func Check(a *record.Article) error {
	if a == nil {
		return fmt.Errorf("%w: nil record", sink.ErrRejected)
	}
	if err := a.Validate(); err != nil {
		return fmt.Errorf("%w: %s: %w", sink.ErrRejected, a.ID, err)
	}
	return nil
}
