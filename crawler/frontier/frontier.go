// Package frontier defines the crawl frontier: the set of URLs waiting to be
// fetched, with their provenance. The crawl engine (package crawler) pulls
// tasks from a [Frontier] and adds the URLs it discovers back to it.
//
// [Memory] is the in-memory frontier used by one-off crawls. A distributed
// deployment implements [Frontier] on a NATS JetStream work queue
// (partitioned by host, Nats-Msg-Id = URL hash); this package has no
// dependencies beyond the standard library so such an implementation can
// import it without pulling in the crawler.
//
// # Contract
//
//   - Task.URL is already canonical (crawler.CanonicalURL); dedup is the
//     frontier's job and is atomic: of two concurrent Adds of one URL, at
//     most one counts it as added.
//   - Next blocks until a task is available. It returns [ErrIdle] when the
//     frontier knows that nothing is queued and nothing taken is still in
//     flight (the in-memory frontier can know this; a JetStream one never
//     reports idle and simply blocks until its context ends).
//   - Every task returned by Next is finished by calling its [Done] exactly
//     once: Done(nil) when its outcome is recorded (acknowledge), Done(err)
//     when it must be delivered again later (the crawl stopped before it was
//     fetched, or the engine deferred it: [ErrDeferred]).
//
// # Caveats
//
//   - The in-memory frontier dedups on a 64-bit hash of the URL (seeded per
//     frontier): two distinct URLs colliding is possible in principle
//     (about 1 in 10^11 for 20,000 URLs) and would drop the later one.
//   - Memory remembers every URL it has ever seen for its lifetime; use a
//     fresh one per crawl run (the engine does when none is configured).
//   - Tasks returned with Done(err) are queued again at the back, so
//     redelivery order is not preserved.
package frontier

import (
	"context"
	"errors"
	"time"
)

// Errors returned by frontiers and passed to [Done].
var (
	// ErrIdle is returned by Next when nothing is queued and nothing is in
	// flight: the crawl is complete.
	ErrIdle = errors.New("frontier: idle")
	// ErrDeferred is passed to Done by an engine that took a task it
	// cannot schedule yet (its host's queue is full); the frontier
	// delivers it again later.
	ErrDeferred = errors.New("frontier: deferred")
	// ErrClosed is returned by a closed frontier.
	ErrClosed = errors.New("frontier: closed")
)

// Kind says what a task's URL is and how it is read.
type Kind string

// Task kinds. Seed kinds match source.SeedKind values.
const (
	KindListing Kind = "listing" // an entry point: a page of links (polled)
	KindFeed    Kind = "feed"    // an entry point: RSS or Atom (polled)
	KindSitemap Kind = "sitemap" // an entry point: sitemap, index or news sitemap
	KindArticle Kind = "article" // a configured article seed (fetched once)
	KindPage    Kind = "page"    // a discovered page: an article candidate
)

// IsEntryPoint reports whether k is a listing, feed or sitemap: pages read
// for links (and fetched with conditional GET), never handed on as
// articles.
func (k Kind) IsEntryPoint() bool {
	return k == KindListing || k == KindFeed || k == KindSitemap
}

// Task is one URL to fetch.
type Task struct {
	// URL is the canonical URL; the dedup key.
	URL string `json:"url"`
	// Source is the id of the source the URL belongs to.
	Source string `json:"source"`
	// Kind says what the URL is.
	Kind Kind `json:"kind"`
	// Depth is the number of link hops from a seed (seeds are 0).
	Depth int `json:"depth"`
	// Referrer is the URL the task was discovered on, "" for seeds.
	Referrer string `json:"referrer,omitempty"`
	// Published is the publication or last-modified time a feed or
	// sitemap announced for the URL; zero when unknown.
	Published time.Time `json:"published,omitzero"`
}

// Done finishes a task returned by Next: nil acknowledges it (its outcome
// is recorded), a non-nil error asks for it to be delivered again. It must
// be called exactly once per task.
type Done func(err error)

// Frontier is the crawl's work queue.
type Frontier interface {
	// Add queues the tasks whose URL the frontier has not seen before and
	// returns how many were new.
	Add(ctx context.Context, tasks ...Task) (added int, err error)
	// Next blocks until a task is available and returns it with its Done
	// function; it returns ErrIdle when the frontier is known to be
	// drained, or the context's error.
	Next(ctx context.Context) (Task, Done, error)
}
