// Package schedule decides when each source is crawled and fires it,
// coordinating any number of scheduler processes through a key-value
// store with compare-and-set (the crawl_state KV bucket of NATS
// JetStream). It runs inside "winnow run" or alone as "winnow scheduler";
// it imports neither nats.go nor colly: the command adapts the KV bucket
// to [Store] and the crawler to [Trigger].
//
// # The two-schedule model
//
// A source's entry points (listings, feeds, sitemaps) are polled on its
// schedule; its articles are fetched once, and optionally re-fetched for
// corrections. Each firing hands the [Trigger] a [Run]: the entry points,
// the article seeds (until the first successful run) and the article URLs
// due for a re-fetch. The Trigger reports a [RunResult]: pages, articles,
// spam pages, failed fetches by [ErrorClass], and whether the entry
// points changed.
//
// # Timing
//
//   - A new source runs at once (interval) or at the cron expression's
//     next activation.
//   - Interval schedules: the next run is due Interval after the end of
//     the previous run (runs never pile up).
//   - Cron schedules: the standard 5-field expression (robfig/cron),
//     evaluated in the source's time zone (timezone, default
//     Asia/Shanghai); the next activation after the end of the previous
//     run. Activations missed while no scheduler ran are not replayed: one
//     run catches up.
//   - Jitter: every computed due time gets a delay drawn uniformly from
//     [0, Jitter] (Options.Rand, deterministic in tests). A RunNow is not
//     delayed.
//   - Adaptive interval (min_interval and max_interval set): a successful
//     run whose entry points changed halves the interval ([ShrinkFactor]),
//     one that found nothing new multiplies it by 1.5 ([GrowFactor]),
//     clamped to [min_interval, max_interval]; it starts at interval (or
//     min_interval). Failed runs leave it alone.
//   - A changed schedule in the source file (hot reload) resets the
//     interval and recomputes the next due time from the last run's end.
//
// # Failures
//
// A run fails when the Trigger returns an error (its class is [ClassOf]
// the error; wrap with [Classify]) or when fetches failed and no page was
// received (the class with the most failures). A run with some pages is a
// success, whatever its failed fetches.
//
//	class                      next run after failure n (before degraded)
//	timeout, network, http_5xx RetryBase·2^(n-1), at most the normal interval
//	http_4xx, robots, other    the normal schedule
//
// After degraded_after (default 5) consecutive failed runs the source is
// [Degraded] and retried every degraded_interval (default 6h); one
// successful run makes it [Active] again and resets the failure count.
// Error counts per class accumulate in the state.
//
// # Re-fetch for corrections
//
// With schedule.refetch set, every article the Trigger reports in
// RunResult.ArticleURLs is queued in the source's state, due again
// refetch after the end of the run that fetched it, at most
// refetch_times times (default once). Due items ride along with the next
// poll, or fire a re-fetch-only run ([ReasonRefetch], no entry points)
// when they come due first; a re-fetch-only run moves neither the poll
// schedule nor the failure count. The queue holds at most
// Options.MaxRefetchQueue items (default 1000, about 310 KB of state with
// 200-byte URLs, under the 1 MB default NATS message size); when
// full, the oldest articles are dropped and counted in RefetchDropped.
// Items handed to a failed run wait for the retry.
//
// # Leases: one firing per due time
//
// Before firing, a scheduler takes the source's lease with compare-and-set
// on its state: owner, token, due time, expiry = now + LeaseTTL. Another
// scheduler that sees a valid lease does not fire; it looks again when the
// lease expires. The owner renews the lease every LeaseTTL/3 while the run
// lasts and, when the run ends, records the outcome and releases the lease
// in one compare-and-set merged onto the latest state (so a Pause or
// RunNow made during the run is kept). Renewal and release check the
// token: a scheduler whose lease was taken over cancels its run
// ([ErrLeaseLost]) and discards its result. An expired lease (a crashed or
// partitioned owner) is taken over and the same due time is fired again
// with Run.Takeover set: delivery is at least once, exactly once while
// schedulers are alive.
//
// # Operator commands
//
// [Scheduler.Status] and [Scheduler.List] read states; [Scheduler.Pause],
// [Scheduler.Resume] and [Scheduler.RunNow] update them with
// compare-and-set, safe from any process (a Scheduler without a Trigger is
// a control handle). A paused source never fires on schedule; RunNow runs
// it once at the next wake-up of some scheduler and it stays paused.
// Resume keeps the next due time, so a source whose due time passed
// during the pause runs at once.
//
// # Running
//
// [Scheduler.Run] wakes at the earliest due time (a heap of due times),
// on SetSources, on local commands, when a run ends and every
// Options.Resync to see other processes' changes; it fires due sources, at
// most MaxConcurrentRuns at once, earliest due first. [Scheduler.Watch]
// polls a sources directory and hot-reloads it (see its documentation for
// how broken files are handled). [Scheduler.Tick] is one synchronous
// pass, for tests, benchmarks and one-shot use.
//
// # State
//
// Each source's [State] is one JSON value under "source.<id>" (see
// testdata/state.golden.json): phase, next due, current interval, last
// run, last result, failure counts, error counts, lease, run-now request,
// re-fetch queue. HTTP validators (ETag, Last-Modified) are the crawler's.
//
// # Caveats
//
//   - Lease expiry compares the clocks of different processes: keep them
//     synchronized (NTP) and LeaseTTL far above any skew. A process that
//     stalls longer than LeaseTTL loses its lease and its run is repeated.
//   - A Store must give linearizable compare-and-set per key (NATS KV
//     Create/Update with a revision does); MemoryStore is for tests and a
//     single process.
//   - Changes made by other processes (RunNow, Resume from the CLI) are
//     seen at the next Resync (30s by default) unless the command wires a
//     KV watch to [Scheduler.Wake] or calls the control methods on the
//     running Scheduler.
//   - A run interrupted by shutdown is not recorded: its lease is given
//     back and another scheduler repeats it.
//   - Trigger panics are not recovered. A Trigger that ignores its context
//     keeps its run slot after RunTimeout (its lease is no longer renewed,
//     so another scheduler takes the source over).
//   - Run and Tick exclude each other on one Scheduler.
package schedule
