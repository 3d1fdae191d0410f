// Package cleaner turns one fetched page (HTML in any charset) or one
// plain-text document into one clean, normalized article record, with
// every removal explained.
//
// The path is extract (cleaner/extract: charset, goquery, metadata, main
// content) -> hygiene (cleaner/hygiene: spam, ads, boilerplate) ->
// normalize (cleaner/normalize: OpenCC). The package is pure: no network,
// no NATS, no files except an optional rules file named in Options.
package cleaner

import (
	"context"
	"errors"

	"winnow/sink/record"
)

// ErrDropped is wrapped by a Stage that drops the record; the wrapping
// error says why (fmt.Errorf("%w: not an article", ErrDropped)).
var ErrDropped = errors.New("cleaner: dropped")

// Stage is one step over a record.
type Stage interface {
	Process(ctx context.Context, a *record.Article) error
}

// StageFunc adapts a function to Stage.
type StageFunc func(ctx context.Context, a *record.Article) error

// Process calls f(ctx, a).
func (f StageFunc) Process(ctx context.Context, a *record.Article) error { return f(ctx, a) }

// Chain runs stages in order and stops at the first error.
type Chain []Stage

// Process runs every stage of c on a.
func (c Chain) Process(ctx context.Context, a *record.Article) error {
	for _, s := range c {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.Process(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

var _ Stage = Chain(nil)
