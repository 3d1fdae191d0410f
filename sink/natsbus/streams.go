package natsbus

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Config is the bus topology: names (through the namespace), replicas and
// limits of the streams and buckets, and the frontier's partitioning. Every
// function that names a stream or subject takes it, so that all processes
// of one deployment agree. The zero value is the production topology for a
// single embedded server.
type Config struct {
	// Namespace prefixes every stream, bucket ("<ns>_FRONTIER") and subject
	// ("<ns>.articles.clean.x"); zero = the plain names of DESIGN.md. Used
	// by tests sharing one server and by side-by-side deployments.
	Namespace string
	// Replicas of every stream and bucket; zero = 1. Use 3 in a cluster.
	Replicas int
	// Partitions of the frontier (hash of host mod Partitions); zero = 16.
	// Change it only when the frontier is empty.
	Partitions int
	// Duplicates is the Nats-Msg-Id window of ARTICLES, AUDIT and DLQ;
	// zero = 2m.
	Duplicates time.Duration

	// FrontierMaxMsgs caps queued frontier tasks; zero = 1,000,000;
	// negative = unlimited.
	FrontierMaxMsgs int64
	// FrontierMaxBytes caps the frontier's size; zero = 1 GiB; negative =
	// unlimited.
	FrontierMaxBytes int64
	// FrontierDuplicates is the frontier's Nats-Msg-Id window; zero = 10m.
	// Dedup beyond it goes through the crawl_seen bucket.
	FrontierDuplicates time.Duration
	// FrontierMaxDeliver bounds deliveries of one task; zero = 5.
	FrontierMaxDeliver int
	// FrontierBackOff is the ack wait of the n-th delivery of a task (and
	// the delay of a Retry without its own); zero = 5m, 10m, 20m, 40m.
	// A worker must settle a task within the first step.
	FrontierBackOff []time.Duration
	// FrontierMaxAckPending bounds tasks in flight per partition; zero = 16.
	FrontierMaxAckPending int

	// ArticlesMaxMsgs caps ARTICLES; zero or negative = unlimited.
	ArticlesMaxMsgs int64
	// ArticlesMaxBytes caps ARTICLES; zero = 8 GiB; negative = unlimited.
	ArticlesMaxBytes int64
	// ArticlesMaxAge expires old articles; zero = never. An age limit
	// evicts articles a stopped sink has not read yet: keep it longer than
	// any sink outage.
	ArticlesMaxAge time.Duration
	// AuditMaxBytes caps AUDIT; zero = 1 GiB; negative = unlimited.
	AuditMaxBytes int64
	// DLQMaxBytes caps DLQ; zero = 1 GiB; negative = unlimited.
	DLQMaxBytes int64
	// OutcomesMaxBytes caps OUTCOMES, the crawl-outcome events; zero =
	// 256 MiB; negative = unlimited. A full OUTCOMES refuses new events
	// (discard new): publishers keep adding them up and retry.
	OutcomesMaxBytes int64
	// OutcomesMaxAge expires outcome events; zero = 30 days. Keep it
	// longer than any outage of the storage consumers that record them.
	OutcomesMaxAge time.Duration
	// AdvisoriesMaxBytes caps the captured advisories (oldest dropped
	// first: they are only triggers for the DLQ forwarder); zero = 64 MiB.
	AdvisoriesMaxBytes int64
	// StateHistory is the number of revisions kept per crawl_state key;
	// zero = 5 (at most 64).
	StateHistory uint8
	// SeenMaxAge forgets crawl_seen entries after this long, so an article
	// URL may be crawled again; zero = never.
	SeenMaxAge time.Duration
}

// defaults returns c with every zero field given its default.
func (c Config) defaults() Config {
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.Partitions <= 0 {
		c.Partitions = 16
	}
	if c.Duplicates <= 0 {
		c.Duplicates = 2 * time.Minute
	}
	c.FrontierMaxMsgs = limit(c.FrontierMaxMsgs, 1_000_000)
	c.FrontierMaxBytes = limit(c.FrontierMaxBytes, 1<<30)
	if c.FrontierDuplicates <= 0 {
		c.FrontierDuplicates = 10 * time.Minute
	}
	if c.FrontierMaxDeliver <= 0 {
		c.FrontierMaxDeliver = 5
	}
	if len(c.FrontierBackOff) == 0 {
		c.FrontierBackOff = []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute}
	}
	if c.FrontierMaxAckPending <= 0 {
		c.FrontierMaxAckPending = 16
	}
	c.ArticlesMaxMsgs = limit(c.ArticlesMaxMsgs, -1)
	c.ArticlesMaxBytes = limit(c.ArticlesMaxBytes, 8<<30)
	c.AuditMaxBytes = limit(c.AuditMaxBytes, 1<<30)
	c.DLQMaxBytes = limit(c.DLQMaxBytes, 1<<30)
	c.AdvisoriesMaxBytes = limit(c.AdvisoriesMaxBytes, 64<<20)
	c.OutcomesMaxBytes = limit(c.OutcomesMaxBytes, 256<<20)
	if c.OutcomesMaxAge <= 0 {
		c.OutcomesMaxAge = 30 * 24 * time.Hour
	}
	if c.StateHistory == 0 {
		c.StateHistory = 5
	}
	return c
}

// limit maps zero to def and negative to -1 (unlimited).
func limit(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

// serverBackOff trims b so that every server version accepts it with
// maxDeliver: before 2.10 the server wants fewer entries than maxDeliver,
// later ones at most maxDeliver.
func serverBackOff(b []time.Duration, maxDeliver int) []time.Duration {
	b = slices.Clone(b)
	if maxDeliver > 0 && len(b) >= maxDeliver {
		b = b[:maxDeliver-1]
	}
	if len(b) == 0 {
		return nil
	}
	return b
}

// Names returns the names for c.Namespace.
func (c Config) Names() (Names, error) { return NewNames(c.Namespace) }

func (c Config) validate() (Config, Names, error) {
	n, err := c.Names()
	if err != nil {
		return c, n, err
	}
	c = c.defaults()
	if c.StateHistory > 64 {
		return c, n, fmt.Errorf("%w: StateHistory %d > 64", ErrInvalidOptions, c.StateHistory)
	}
	if c.Partitions > 4096 {
		return c, n, fmt.Errorf("%w: Partitions %d > 4096", ErrInvalidOptions, c.Partitions)
	}
	for _, d := range c.FrontierBackOff {
		if d <= 0 {
			return c, n, fmt.Errorf("%w: FrontierBackOff has %s", ErrInvalidOptions, d)
		}
	}
	return c, n, nil
}

// Actions reported by EnsureStreams.
const (
	ActionCreated   = "created"
	ActionUpdated   = "updated"
	ActionUnchanged = "unchanged"
)

// Change is what EnsureStreams did to one stream, bucket or consumer.
type Change struct {
	// Kind is "stream", "kv" or "consumer".
	Kind string
	// Name is the stream or bucket name; for a consumer "<stream>/<name>".
	Name string
	// Action is ActionCreated, ActionUpdated or ActionUnchanged.
	Action string
}

// streamConfigs returns the wanted stream configs.
func streamConfigs(c Config, n Names) []jetstream.StreamConfig {
	base := func(name, desc string, subjects []string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    subjects,
			Storage:     jetstream.FileStorage,
			Replicas:    c.Replicas,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardNew,
			MaxMsgs:     -1,
			MaxBytes:    -1,
			Duplicates:  c.Duplicates,
		}
	}
	frontier := base(n.Frontier, "winnow crawl frontier: one task per URL, partitioned by host", []string{n.FrontierSubjects()})
	frontier.Retention = jetstream.WorkQueuePolicy
	frontier.MaxMsgs, frontier.MaxBytes, frontier.Duplicates = c.FrontierMaxMsgs, c.FrontierMaxBytes, c.FrontierDuplicates

	articles := base(n.Articles, "winnow clean article records (schema v1), one subject per source", []string{n.ArticleSubjects()})
	articles.MaxMsgs, articles.MaxBytes, articles.MaxAge = c.ArticlesMaxMsgs, c.ArticlesMaxBytes, c.ArticlesMaxAge

	audit := base(n.Audit, "winnow hygiene audit events: removals and spam pages", []string{n.AuditSubjects()})
	audit.MaxBytes = c.AuditMaxBytes

	dlq := base(n.DLQ, "winnow dead letters, dlq.<stream>.<consumer>", []string{n.DLQSubjects()})
	dlq.MaxBytes = c.DLQMaxBytes

	adv := base(n.Advisories, "captured JetStream MAX_DELIVERIES / MSG_TERMINATED advisories", n.AdvisorySubjects())
	adv.Discard = jetstream.DiscardOld
	adv.MaxBytes = c.AdvisoriesMaxBytes
	outcomes := base(n.Outcomes, "winnow crawl-outcome events: per-source counts, crawl.outcomes.<source>", []string{n.OutcomeSubjects()})
	outcomes.MaxBytes, outcomes.MaxAge = c.OutcomesMaxBytes, c.OutcomesMaxAge
	return []jetstream.StreamConfig{frontier, articles, audit, dlq, adv, outcomes}
}

func kvConfigs(c Config, n Names) []jetstream.KeyValueConfig {
	return []jetstream.KeyValueConfig{
		{Bucket: n.State, Description: "winnow per-source crawl state", History: c.StateHistory, Storage: jetstream.FileStorage, Replicas: c.Replicas},
		{Bucket: n.Seen, Description: "winnow frontier: URL hashes ever queued", History: 1, TTL: c.SeenMaxAge, Storage: jetstream.FileStorage, Replicas: c.Replicas},
		{Bucket: n.Leases, Description: "winnow frontier partition leases and worker membership", History: 1, Storage: jetstream.FileStorage, Replicas: c.Replicas},
	}
}

// EnsureStreams creates or updates every stream, key-value bucket, frontier
// partition consumer and the DLQ forwarder's consumer of the topology c. It is idempotent: a second
// call with the same c changes nothing and reports every item unchanged. An
// existing stream with other limits is updated in place (never deleted and
// recreated); only the fields this package manages are changed, so settings
// an operator added by hand survive. It refuses (ErrWouldEvict) to apply
// limits below what a stream already holds, and (ErrIncompatibleStream) to
// change a stream's retention or storage.
//
// This needs the admin role's rights; least-privilege roles use the
// RequirePrecreated options instead.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, c Config) ([]Change, error) {
	c, n, err := c.validate()
	if err != nil {
		return nil, err
	}
	var changes []Change
	for _, want := range streamConfigs(c, n) {
		action, err := ensureStream(ctx, js, want)
		if err != nil {
			return changes, err
		}
		changes = append(changes, Change{Kind: "stream", Name: want.Name, Action: action})
	}
	for _, want := range kvConfigs(c, n) {
		action, err := ensureKV(ctx, js, want)
		if err != nil {
			return changes, err
		}
		changes = append(changes, Change{Kind: "kv", Name: want.Bucket, Action: action})
	}
	_, action, err := ensureConsumer(ctx, js, n.Advisories, forwarderConsumerConfig(ConsumerDLQForwarder), false)
	if err != nil {
		return changes, err
	}
	changes = append(changes, Change{Kind: "consumer", Name: n.Advisories + "/" + ConsumerDLQForwarder, Action: action})
	for p := range c.Partitions {
		_, action, err := ensureConsumer(ctx, js, n.Frontier, frontierConsumerConfig(c, n, p), false)
		if err != nil {
			return changes, err
		}
		changes = append(changes, Change{Kind: "consumer", Name: n.Frontier + "/" + n.FrontierConsumer(p), Action: action})
	}
	return changes, nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (string, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if _, err := js.CreateStream(ctx, want); err != nil {
			return "", fmt.Errorf("natsbus: create stream %s: %w", want.Name, err)
		}
		return ActionCreated, nil
	}
	if err != nil {
		return "", fmt.Errorf("natsbus: stream %s: %w", want.Name, err)
	}
	info := s.CachedInfo()
	have := info.Config
	if have.Retention != want.Retention || have.Storage != want.Storage {
		return "", fmt.Errorf("%w: %s has retention %s and storage %s, want %s and %s",
			ErrIncompatibleStream, want.Name, have.Retention, have.Storage, want.Retention, want.Storage)
	}
	merged := have
	merged.Description = want.Description
	merged.Subjects = want.Subjects
	merged.Discard = want.Discard
	merged.MaxMsgs = want.MaxMsgs
	merged.MaxBytes = want.MaxBytes
	merged.MaxAge = want.MaxAge
	merged.Duplicates = want.Duplicates
	merged.Replicas = want.Replicas
	if reflect.DeepEqual(merged, have) {
		return ActionUnchanged, nil
	}
	if err := checkNoEviction(want.Name, merged, info.State); err != nil {
		return "", err
	}
	if _, err := js.UpdateStream(ctx, merged); err != nil {
		return "", fmt.Errorf("natsbus: update stream %s: %w", want.Name, err)
	}
	return ActionUpdated, nil
}

// checkNoEviction refuses limits that would make the server delete
// messages the stream holds now.
func checkNoEviction(name string, c jetstream.StreamConfig, st jetstream.StreamState) error {
	if c.MaxMsgs > 0 && st.Msgs > uint64(c.MaxMsgs) {
		return fmt.Errorf("%w: %s holds %d messages, MaxMsgs %d", ErrWouldEvict, name, st.Msgs, c.MaxMsgs)
	}
	if c.MaxBytes > 0 && st.Bytes > uint64(c.MaxBytes) {
		return fmt.Errorf("%w: %s holds %d bytes, MaxBytes %d", ErrWouldEvict, name, st.Bytes, c.MaxBytes)
	}
	if c.MaxAge > 0 && st.Msgs > 0 && time.Since(st.FirstTime) > c.MaxAge {
		return fmt.Errorf("%w: %s holds messages older than MaxAge %s", ErrWouldEvict, name, c.MaxAge)
	}
	return nil
}

func ensureKV(ctx context.Context, js jetstream.JetStream, want jetstream.KeyValueConfig) (string, error) {
	kv, err := bindBucket(ctx, js, want.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		if _, err := js.CreateKeyValue(ctx, want); err != nil {
			return "", fmt.Errorf("natsbus: create bucket %s: %w", want.Bucket, err)
		}
		return ActionCreated, nil
	}
	if err != nil {
		return "", err
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("natsbus: bucket %s status: %w", want.Bucket, err)
	}
	have := st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config
	if have.MaxMsgsPerSubject == int64(want.History) && have.MaxAge == want.TTL &&
		have.Replicas == want.Replicas && have.Description == want.Description {
		return ActionUnchanged, nil
	}
	if want.TTL > 0 && st.Values() > 0 && (have.MaxAge == 0 || want.TTL < have.MaxAge) {
		return "", fmt.Errorf("%w: bucket %s: shortening TTL to %s would expire entries", ErrWouldEvict, want.Bucket, want.TTL)
	}
	if _, err := js.UpdateKeyValue(ctx, want); err != nil {
		return "", fmt.Errorf("natsbus: update bucket %s: %w", want.Bucket, err)
	}
	return ActionUpdated, nil
}

// ensureConsumer binds to a durable pull consumer, creating or updating it
// unless requireExisting is set, in which case a missing consumer is
// ErrConsumerMissing and an existing one is used as the admin left it.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, stream string, want jetstream.ConsumerConfig, requireExisting bool) (jetstream.Consumer, string, error) {
	c, err := js.Consumer(ctx, stream, want.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		if requireExisting {
			return nil, "", fmt.Errorf("%w: %s on stream %s", ErrConsumerMissing, want.Durable, stream)
		}
		c, err = js.CreateConsumer(ctx, stream, want)
		if err != nil {
			return nil, "", fmt.Errorf("natsbus: create consumer %s on %s: %w", want.Durable, stream, err)
		}
		return c, ActionCreated, nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("natsbus: consumer %s on %s: %w", want.Durable, stream, err)
	}
	if requireExisting {
		return c, ActionUnchanged, nil
	}
	have := c.CachedInfo().Config
	merged := have
	merged.Description = want.Description
	merged.FilterSubject = want.FilterSubject
	merged.FilterSubjects = want.FilterSubjects
	merged.MaxDeliver = want.MaxDeliver
	merged.BackOff = want.BackOff
	merged.AckWait = want.AckWait
	merged.MaxAckPending = want.MaxAckPending
	if reflect.DeepEqual(merged, have) {
		return c, ActionUnchanged, nil
	}
	c, err = js.UpdateConsumer(ctx, stream, merged)
	if err != nil {
		return nil, "", fmt.Errorf("natsbus: update consumer %s on %s: %w", want.Durable, stream, err)
	}
	return c, ActionUpdated, nil
}

// pullConsumerConfig is the durable, explicit-ack pull consumer config
// shared by sinks, the frontier and the DLQ forwarder.
func pullConsumerConfig(durable, desc string, filters []string, maxDeliver int, backOff []time.Duration, maxAckPending int) jetstream.ConsumerConfig {
	cc := jetstream.ConsumerConfig{
		Durable:       durable,
		Description:   desc,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		MaxDeliver:    maxDeliver,
		BackOff:       serverBackOff(backOff, maxDeliver),
		MaxAckPending: maxAckPending,
	}
	if len(backOff) > 0 {
		// The server uses BackOff[0] as the ack wait; say so explicitly
		// so the stored config compares equal on the next call (and so
		// the ack wait holds when the trimmed back-off is empty).
		cc.AckWait = backOff[0]
	}
	// One filter goes in FilterSubject, which servers before 2.10 know.
	if len(filters) == 1 {
		cc.FilterSubject = filters[0]
	} else {
		cc.FilterSubjects = filters
	}
	return cc
}

func frontierConsumerConfig(c Config, n Names, p int) jetstream.ConsumerConfig {
	return pullConsumerConfig(n.FrontierConsumer(p), fmt.Sprintf("winnow frontier partition %d", p),
		[]string{n.FrontierSubject(p)}, c.FrontierMaxDeliver, c.FrontierBackOff, c.FrontierMaxAckPending)
}
