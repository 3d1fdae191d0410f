package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"winnow/crawler/frontier"
	"winnow/sink/natsbus"
)

// busFrontier presents the JetStream frontier (natsbus.Frontier) as the
// crawl engine's frontier.Frontier.
//
// It lives here, in the binary that wires the two, rather than in either
// package: natsbus knows nothing of crawl semantics (a task is a payload
// with a URL), and the crawler must not import the bus. The mapping:
//
//   - entry points (listing, feed, sitemap) are queued with Revisit, so a
//     later run (or the scheduler) may queue them again; every other URL
//     is fetched once ever (natsbus dedups it permanently in crawl_seen);
//   - Done(nil) acknowledges the task; Done(frontier.ErrDeferred) (the
//     engine's host queue is full) gives it back with a short delay; any
//     other error (the run is stopping) gives it back for the next run.
//     Neither dead-letters: a task fails only through its outcome, which
//     the engine records and acknowledges;
//   - natsbus.ErrClosed is frontier.ErrClosed.
//
// Next never reports frontier.ErrIdle: whether the shared frontier is
// drained is asked with natsbus.Frontier.Pending (run --until-idle).
type busFrontier struct {
	f   *natsbus.Frontier
	log *slog.Logger
	// deferDelay is how long a deferred task waits before redelivery;
	// giveBack how long a task given back by a stopping run waits.
	deferDelay, giveBack time.Duration
	// onAdded, if set, hears how many of the links found on a page
	// (source, referrer) were new to the frontier.
	onAdded func(source, referrer string, n int)
}

var _ frontier.Frontier = (*busFrontier)(nil)

func newBusFrontier(f *natsbus.Frontier, log *slog.Logger) *busFrontier {
	return &busFrontier{f: f, log: log, deferDelay: 2 * time.Second, giveBack: time.Second}
}

// Add queues tasks; entry points may be queued again later.
func (b *busFrontier) Add(ctx context.Context, tasks ...frontier.Task) (int, error) {
	out := make([]natsbus.Task, len(tasks))
	for i, t := range tasks {
		out[i] = toBusTask(t)
	}
	n, err := b.f.Add(ctx, out...)
	if b.onAdded != nil && len(tasks) > 0 && tasks[0].Referrer != "" {
		b.onAdded(tasks[0].Source, tasks[0].Referrer, n)
	}
	return n, err
}

// Next returns the next task of the partitions this worker holds.
func (b *busFrontier) Next(ctx context.Context) (frontier.Task, frontier.Done, error) {
	t, done, err := b.f.Next(ctx)
	if errors.Is(err, natsbus.ErrClosed) {
		return frontier.Task{}, nil, frontier.ErrClosed
	}
	if err != nil {
		return frontier.Task{}, nil, err
	}
	task := fromBusTask(t)
	return task, func(outcome error) {
		var settle error
		switch {
		case outcome == nil:
		case errors.Is(outcome, frontier.ErrDeferred):
			settle = natsbus.Retry(b.deferDelay, outcome)
		default:
			settle = natsbus.Retry(b.giveBack, outcome)
		}
		// The engine settles tasks after its run context ended too (giving
		// them back): settle on a context of its own.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := done(sctx, settle); err != nil {
			// The task stays in the stream and comes back after its ack
			// wait: nothing is lost, it may be fetched once more.
			b.log.Warn("frontier: settling a task failed", "url", task.URL, "source", task.Source, "err", err)
		}
	}, nil
}

func toBusTask(t frontier.Task) natsbus.Task {
	return natsbus.Task{
		URL: t.URL, Source: t.Source, Kind: string(t.Kind), Depth: t.Depth, Referrer: t.Referrer,
		Published: t.Published, Revisit: t.Kind.IsEntryPoint(),
	}
}

func fromBusTask(t natsbus.Task) frontier.Task {
	return frontier.Task{
		URL: t.URL, Source: t.Source, Kind: frontier.Kind(t.Kind), Depth: t.Depth, Referrer: t.Referrer,
		Published: t.Published,
	}
}
