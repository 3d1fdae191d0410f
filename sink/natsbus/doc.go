// Package natsbus is winnow's NATS JetStream bus and the only importer of
// nats.go (through its jetstream package) and nats-server. It provides:
//
//   - connections: Connect to an external server or cluster (URLs,
//     .creds file, NKey seed, user/password, TLS with client certificates
//     and handshake-first, per-role inbox prefix, reconnect forever with
//     back-off, events logged to slog) and StartEmbedded, an in-process
//     nats-server with JetStream (file store in the data directory, no
//     network listener, fsync before every acknowledgement);
//   - the topology (EnsureStreams): FRONTIER (work queue of crawl tasks,
//     partitioned by host), ARTICLES (clean records, articles.clean.<source>),
//     AUDIT (audit.<source>), DLQ (dlq.<stream>.<consumer>), ADVISORIES (the
//     captured MAX_DELIVERIES and MSG_TERMINATED advisories), OUTCOMES
//     (crawl-outcome events, crawl.outcomes.<source>) and the key-value
//     buckets crawl_state, crawl_seen and crawl_leases, all created or
//     updated idempotently and never deleted;
//   - Publisher, a sink.Sink that publishes records (and AuditEvents, and
//     opaque outcome events with PublishOutcome) and waits for the stream's
//     acknowledgement, pushing back when a stream is full;
//   - Consume, a durable pull consumer feeding a BatchWriter that
//     acknowledges only after the write returned and dead-letters poison
//     messages; ForwardDeadLetters, which copies messages that ran out of
//     deliveries to the DLQ; Follow, an ephemeral ordered reader for
//     `winnow tail`; ConsumeEvents, a strictly ordered durable reader of
//     small events whose handler commits a sequence watermark with its
//     effect;
//   - State, key-value operations on crawl_state (and OpenLeases on
//     crawl_leases): Get, Put, Create, CompareAndSwap, Keys, Watch, Update
//     with retries, and leases;
//   - Frontier, the crawl frontier: Add with permanent dedup, Next/Done
//     for workers that lease partitions among themselves, Pending for
//     `--until-idle`.
//
// Every stream, bucket, subject and consumer name comes from names.go
// (constants and the Names builders), so permission configs for the roles
// (crawler, sink, downstream service, analyst, admin) can be derived from
// one place. Subjects are built only from source ids that pass
// ValidSourceID, never from page text. A Config.Namespace prefixes every
// name, for tests and side-by-side deployments on one server.
//
// Least privilege: EnsureStreams is the admin role's job. Consume, the DLQ
// forwarder and Frontier accept RequirePrecreated, in which case they only
// bind to consumers an admin created and never create or update one;
// Publisher only publishes.
//
// # Caveats
//
//   - Delivery is at least once. Sinks must upsert by record id (guarded by
//     content hash); the frontier's consumers must tolerate a re-fetch.
//   - Full streams push back: Publisher.Write and Frontier.Add block
//     (retrying with back-off) until space frees up or the context ends.
//     ARTICLES keeps records (limits retention, discard new): size
//     ArticlesMaxBytes for the retention you want, or set ArticlesMaxAge
//     longer than any sink outage; nothing unconsumed is evicted otherwise,
//     so a full ARTICLES stops the crawl until an operator acts.
//   - Duplicate detection by Nats-Msg-Id only covers the stream's
//     duplicate window; the frontier adds crawl_seen for permanent URL
//     dedup, with a harmless crash window (see Frontier.Add).
//   - Leases (TryLease, frontier partitions) compare wall-clock expiry
//     times written by different hosts: clocks must agree to well within
//     the lease TTL.
//   - When BackOff is set the server uses BackOff[0] as the ack wait;
//     Consume keeps long writes alive with progress acknowledgements.
//   - TERM reasons reach the advisory only on servers 2.10.4 and later;
//     older servers get a plain TERM (the DLQ copy still has the reason).
//   - Changing Config.Partitions while the frontier holds tasks strands the
//     tasks of partitions that no longer exist; drain the frontier first.
//   - The kill test (SIGKILL of a process running the embedded server)
//     shows acknowledged messages survive a process crash; surviving a
//     power loss additionally depends on the disk honouring fsync.
package natsbus
