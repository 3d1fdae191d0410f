// Package upsert holds the write rules every winnow storage sink shares
// (which records are rejected, and whether an incoming version of a record
// replaces the stored one) and the batch driver built on them: Split
// takes the rejections out of a batch, Plan decides the rest against the
// stored versions and returns the writes, leaving each store only its own
// statements.
//
// The rules: a nil or invalid record is rejected (its error wraps
// sink.ErrRejected and, when invalid, record.ErrInvalid). A new id is
// inserted. The same content hash as stored is unchanged (no write). A
// different hash replaces the stored version unless both carry a fetch
// time and the incoming one is earlier: that is a stale redelivery of an
// older version, and writing it would undo a newer one.
//
// Caveats: Plan decides a batch in order, each record against the
// outcome of the ones before it, and returns one write per id (the
// version that wins); a store must hold its lock on the stored versions
// from its lookup until it commits, or a concurrent writer can slip in
// between.
package upsert

import (
	"context"
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

// Split returns the records of recs that may be written, in order, and
// a result whose Rejected lists the others (Index is the position in
// recs).
func Split(recs []*record.Article) ([]*record.Article, sink.BatchResult) {
	var res sink.BatchResult
	valid := make([]*record.Article, 0, len(recs))
	for i, a := range recs {
		if err := Check(a); err != nil {
			id := ""
			if a != nil {
				id = a.ID
			}
			res.Rejected = append(res.Rejected, sink.Rejection{Index: i, ID: id, Err: err})
			continue
		}
		valid = append(valid, a)
	}
	return valid, res
}

// Write is one record a batch stores.
type Write struct {
	Article *record.Article
	// Replaces is the stored version it replaces, nil for a new id.
	Replaces *Stored
}

// Plan decides valid records (see Split) in order against the stored
// versions that lookup returns (nil for an id not stored), counting each
// record in res; a record is decided against the winner among the
// earlier records of its id, if any. It returns one write per id that
// changes, in the order of the ids' first records, and calls lookup once
// per distinct id.
func Plan(valid []*record.Article, lookup func(id string) *Stored, res *sink.BatchResult) []Write {
	type state struct {
		stored  *Stored // what the store holds before the batch
		current *Stored // after the batch's records so far
		write   int     // index in writes, -1 if none yet
	}
	ids := make(map[string]*state, len(valid))
	var writes []Write
	for _, a := range valid {
		st, ok := ids[a.ID]
		if !ok {
			cur := lookup(a.ID)
			st = &state{stored: cur, current: cur, write: -1}
			ids[a.ID] = st
		}
		switch Decide(st.current, a) {
		case Unchanged:
			res.Unchanged++
			continue
		case Stale:
			res.Stale++
			continue
		case Insert:
			res.Inserted++
		case Update:
			res.Updated++
		}
		st.current = &Stored{ContentHash: a.ContentHash, FetchedAt: a.FetchedAt}
		if st.write < 0 {
			st.write = len(writes)
			writes = append(writes, Write{Replaces: st.stored})
		}
		writes[st.write].Article = a
	}
	return writes
}

// One writes a alone through w and returns its rejection, if any, as the
// error: the Sink.Write of every store.
func One(ctx context.Context, w sink.BatchWriter, a *record.Article) error {
	res, err := w.WriteBatch(ctx, []*record.Article{a})
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return res.Rejected[0].Err
	}
	return nil
}
