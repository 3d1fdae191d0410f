package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink"
	"winnow/sink/record"
)

// BatchWriter stores a batch of records durably (one transaction, say).
// It returns only after the batch is committed. An error wrapping
// sink.ErrRejected means some record can never be stored; any other error
// is taken as transient. Writes must be idempotent on the record id, as
// delivery is at least once.
type BatchWriter interface {
	WriteBatch(ctx context.Context, recs []*record.Article) error
}

// BatchWriterFunc adapts a function to BatchWriter.
type BatchWriterFunc func(ctx context.Context, recs []*record.Article) error

// WriteBatch calls f(ctx, recs).
func (f BatchWriterFunc) WriteBatch(ctx context.Context, recs []*record.Article) error {
	return f(ctx, recs)
}

// defaultBackOff is the consumers' back-off when ConsumerConfig.BackOff is
// zero: the ack wait of the n-th delivery and the delay before a message
// whose write failed is redelivered.
func defaultBackOff() []time.Duration {
	return []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}
}

// ConsumerConfig configures Consume: one durable pull consumer of a
// stream feeding a BatchWriter.
type ConsumerConfig struct {
	// Config gives the namespace (for the DLQ subject); only
	// Config.Namespace is used.
	Config Config
	// Stream is the stream to read, e.g. Names.Articles. Required.
	Stream string
	// Durable names the consumer, one per sink or downstream service, e.g.
	// "sink-sqlite"; [A-Za-z0-9_-]{1,64}. Required.
	Durable string
	// FilterSubjects restricts the consumer to some subjects (e.g. one
	// source's articles.clean.<source>); zero = the whole stream.
	FilterSubjects []string
	// MaxDeliver bounds deliveries of one message; zero = 5. After the
	// last one the server emits a MAX_DELIVERIES advisory and the DLQ
	// forwarder copies the message to DLQ.
	MaxDeliver int
	// BackOff gives the delay before the n-th redelivery (used as the ack
	// wait of the n-th delivery and as the NAK delay after a failed
	// write); zero = 1s, 5s, 30s, 2m. It is trimmed to MaxDeliver entries.
	BackOff []time.Duration
	// AckWait, if set, replaces BackOff[0]: how long a first delivery may
	// stay unacknowledged. Consume keeps long writes alive with progress
	// acks, so it need not cover the write time.
	AckWait time.Duration
	// BatchSize is the most messages fetched and written at once; zero = 64.
	BatchSize int
	// MaxWait bounds one fetch's wait for a first message; zero = 2s.
	MaxWait time.Duration
	// Linger bounds how long a fetch that has its first message waits
	// for the rest of a batch: a lull in the stream then costs at most
	// Linger, not MaxWait, while a busy stream still fills whole
	// batches. Zero = 50ms.
	Linger time.Duration
	// MaxAckPending bounds messages delivered but not yet acknowledged
	// over all processes sharing the consumer; zero = 4 * BatchSize.
	MaxAckPending int
	// RequirePrecreated uses the consumer as an admin created it, and
	// fails with ErrConsumerMissing if it does not exist, instead of
	// creating or updating it (least-privilege deployments). zero =
	// create or update.
	RequirePrecreated bool
	// StopTimeout bounds finishing the in-flight batch after ctx ends;
	// zero = 30s.
	StopTimeout time.Duration
	// Logger receives dead-letter and retry events; zero = discard.
	Logger *slog.Logger
}

func (cc ConsumerConfig) withDefaults() (ConsumerConfig, Names, error) {
	n, err := cc.Config.Names()
	if err != nil {
		return cc, n, err
	}
	if cc.Stream == "" || !consumerRe.MatchString(cc.Stream) {
		return cc, n, fmt.Errorf("%w: ConsumerConfig.Stream %q", ErrInvalidOptions, cc.Stream)
	}
	if !consumerRe.MatchString(cc.Durable) {
		return cc, n, fmt.Errorf("%w: ConsumerConfig.Durable %q", ErrInvalidOptions, cc.Durable)
	}
	if cc.MaxDeliver <= 0 {
		cc.MaxDeliver = 5
	}
	if len(cc.BackOff) == 0 {
		cc.BackOff = defaultBackOff()
	}
	cc.BackOff = slices.Clone(cc.BackOff)
	if cc.AckWait > 0 {
		cc.BackOff[0] = cc.AckWait
	}
	for _, d := range cc.BackOff {
		if d <= 0 {
			return cc, n, fmt.Errorf("%w: BackOff has %s", ErrInvalidOptions, d)
		}
	}
	if cc.BatchSize <= 0 {
		cc.BatchSize = 64
	}
	if cc.MaxWait <= 0 {
		cc.MaxWait = 2 * time.Second
	}
	if cc.Linger <= 0 {
		cc.Linger = 50 * time.Millisecond
	}
	if cc.MaxAckPending <= 0 {
		cc.MaxAckPending = 4 * cc.BatchSize
	}
	if cc.StopTimeout <= 0 {
		cc.StopTimeout = 30 * time.Second
	}
	if cc.Logger == nil {
		cc.Logger = discardLogger()
	}
	return cc, n, nil
}

func (cc ConsumerConfig) serverConfig() jetstream.ConsumerConfig {
	return pullConsumerConfig(cc.Durable, "winnow consumer "+cc.Durable, cc.FilterSubjects, cc.MaxDeliver, cc.BackOff, cc.MaxAckPending)
}

// EnsureConsumer creates or updates the durable consumer exactly as
// Consume would, and reports what it did (ActionCreated, ActionUpdated or
// ActionUnchanged). The admin role uses it to pre-create the consumers of
// least-privilege sinks, which then run Consume with RequirePrecreated.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, cc ConsumerConfig) (string, error) {
	cc, _, err := cc.withDefaults()
	if err != nil {
		return "", err
	}
	_, action, err := ensureConsumer(ctx, js, cc.Stream, cc.serverConfig(), false)
	return action, err
}

// backOffFor returns the redelivery delay after the n-th delivery.
func backOffFor(b []time.Duration, delivered uint64) time.Duration {
	i := int(min(delivered, uint64(len(b)))) - 1
	return b[max(i, 0)]
}

// Consume reads the stream through a durable pull consumer and writes
// batches to w until ctx ends. A message is acknowledged only after
// w.WriteBatch returned nil for it (the sink committed). On a transient
// write error the batch is NAKed with the back-off delay for its delivery
// count. When w rejects a batch (sink.ErrRejected), the records are written
// one by one to find the poison ones; a rejected or undecodable message is
// copied to DLQ (dlq.<stream>.<consumer>, with headers giving the reason,
// subject, stream sequence and delivery count) and then terminated, while
// the rest flows on.
//
// When ctx ends, Consume stops fetching, finishes the batch in hand
// (bounded by StopTimeout), acknowledges it and returns nil. It returns
// an error only for a bad config or a missing pre-created consumer.
func Consume(ctx context.Context, js jetstream.JetStream, cc ConsumerConfig, w BatchWriter) error {
	cc, n, err := cc.withDefaults()
	if err != nil {
		return err
	}
	cons, _, err := ensureConsumer(ctx, js, cc.Stream, cc.serverConfig(), cc.RequirePrecreated)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	c := &consumer{js: js, cc: cc, dlq: n.DLQSubject(cc.Stream, cc.Durable), log: cc.Logger.With("stream", cc.Stream, "consumer", cc.Durable), w: w}
	// A fetch holds the messages it got until the batch is full or the
	// wait ends, while their ack timers run: keep it well inside the ack
	// wait.
	wait := min(cc.MaxWait, cc.BackOff[0]/2)
	for ctx.Err() == nil {
		start := time.Now()
		msgs, err := fetchBatch(ctx, cons, cc.BatchSize, wait, min(cc.Linger, wait))
		if err != nil {
			c.log.Warn("fetch failed", "err", err)
			sleepCtx(ctx, time.Second)
		}
		if len(msgs) == 0 {
			continue
		}
		// The batch in hand is finished even if ctx ends now.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cc.StopTimeout)
		c.handle(wctx, msgs, time.Since(start))
		cancel()
	}
	_ = js.Conn().Flush() // push out the last acks before returning
	return nil
}

// fetch pulls up to n messages, waiting at most maxWait, and stops early
// when ctx ends. Running out of time with fewer messages is not an error.
// maxWait is a hard bound (the frontier relies on it); the server ends
// the pull a little earlier, and a message it sends in between is left
// unacknowledged until its ack wait runs out.
func fetch(ctx context.Context, cons jetstream.Consumer, n int, maxWait time.Duration) ([]jetstream.Msg, error) {
	fctx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	return collect(ctx, func() (jetstream.MessageBatch, error) { return cons.Fetch(n, jetstream.FetchContext(fctx)) })
}

// fetchBatch pulls up to n messages for Consume: it waits at most maxWait
// for the first one, then at most linger for the rest of the batch. The
// server ends each pull, after the last message it sent, so none is left
// in flight to an abandoned request (a short linger would strand many).
func fetchBatch(ctx context.Context, cons jetstream.Consumer, n int, maxWait, linger time.Duration) ([]jetstream.Msg, error) {
	pull := func(n int, wait time.Duration) ([]jetstream.Msg, error) {
		return collect(ctx, func() (jetstream.MessageBatch, error) { return cons.Fetch(n, jetstream.FetchMaxWait(wait)) })
	}
	msgs, err := pull(1, maxWait)
	if len(msgs) == 0 || n == 1 || err != nil {
		return msgs, err
	}
	more, err := pull(n-1, linger)
	return append(msgs, more...), err
}

// collect gathers the messages of the pull that start makes, returning
// early when ctx ends; a pull that ends with fewer messages is not an
// error.
func collect(ctx context.Context, start func() (jetstream.MessageBatch, error)) ([]jetstream.Msg, error) {
	if ctx.Err() != nil {
		return nil, nil
	}
	batch, err := start()
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, err
	}
	var msgs []jetstream.Msg
	for done := false; !done; {
		select {
		case m, ok := <-batch.Messages():
			if !ok {
				done = true
				break
			}
			msgs = append(msgs, m)
		case <-ctx.Done():
			return msgs, nil
		}
	}
	if err := batch.Error(); err != nil && ctx.Err() == nil &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) &&
		!errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.Canceled) {
		return msgs, err
	}
	return msgs, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

type consumer struct {
	js  jetstream.JetStream
	cc  ConsumerConfig
	dlq string
	log *slog.Logger
	w   BatchWriter
}

type delivery struct {
	msg jetstream.Msg
	rec *record.Article
}

// handle decodes, writes and settles one fetched batch.
func (c *consumer) handle(ctx context.Context, msgs []jetstream.Msg, held time.Duration) {
	if held > c.cc.BackOff[0]/4 {
		progress(msgs)
	}
	var ds []delivery
	for _, m := range msgs {
		rec, err := decodeRecord(m.Data())
		if err != nil {
			c.deadLetter(ctx, m, "undecodable: "+err.Error())
			continue
		}
		if err := rec.Validate(); err != nil {
			c.deadLetter(ctx, m, "invalid: "+err.Error())
			continue
		}
		ds = append(ds, delivery{msg: m, rec: rec})
	}
	if len(ds) == 0 {
		return
	}
	err := c.write(ctx, ds)
	switch {
	case err == nil:
		c.ack(ds)
	case errors.Is(err, sink.ErrRejected) && len(ds) > 1:
		// Isolate the poison: one record at a time.
		for _, d := range ds {
			c.settle(ctx, d, c.write(ctx, []delivery{d}))
		}
	default:
		for _, d := range ds {
			c.settle(ctx, d, err)
		}
	}
}

func (c *consumer) settle(ctx context.Context, d delivery, err error) {
	switch {
	case err == nil:
		c.ack([]delivery{d})
	case errors.Is(err, sink.ErrRejected):
		c.deadLetter(ctx, d.msg, "rejected: "+err.Error())
	default:
		c.nak(d.msg, err)
	}
}

// write calls the writer, keeping the messages alive with progress acks
// while it runs so a slow commit is not redelivered behind its back.
func (c *consumer) write(ctx context.Context, ds []delivery) error {
	recs := make([]*record.Article, len(ds))
	msgs := make([]jetstream.Msg, len(ds))
	for i, d := range ds {
		recs[i], msgs[i] = d.rec, d.msg
	}
	defer keepAlive(msgs, c.cc.BackOff[0])()
	return c.w.WriteBatch(ctx, recs)
}

// progress tells the server the messages are being worked on, resetting
// their ack timers.
func progress(msgs []jetstream.Msg) {
	for _, m := range msgs {
		_ = m.InProgress()
	}
}

// keepAlive sends progress acks for msgs three times per ackWait until
// the returned stop is called, so a batch that takes long to write (or
// to retry) is not redelivered behind its writer's back.
func keepAlive(msgs []jetstream.Msg, ackWait time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(max(ackWait/3, 50*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				progress(msgs)
			}
		}
	}()
	return func() { close(done) }
}

func (c *consumer) ack(ds []delivery) {
	for _, d := range ds {
		if err := d.msg.Ack(); err != nil {
			c.log.Warn("ack failed; the record will be redelivered", "article_id", d.rec.ID, "err", err)
		}
	}
}

func (c *consumer) nak(m jetstream.Msg, cause error) {
	var delivered uint64 = 1
	if md, err := m.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	d := backOffFor(c.cc.BackOff, delivered)
	c.log.Warn("write failed, redelivering later", "delivered", delivered, "delay", d, "err", cause)
	if err := m.NakWithDelay(d); err != nil {
		c.log.Warn("nak failed; redelivery after ack wait", "err", err)
	}
}

// deadLetter copies m to the DLQ and terminates it. If the copy fails the
// message is NAKed instead, so it is never lost.
func (c *consumer) deadLetter(ctx context.Context, m jetstream.Msg, reason string) {
	md, err := m.Metadata()
	if err != nil {
		c.log.Error("cannot dead-letter a message without metadata", "err", err)
		return
	}
	orig := &jetstream.RawStreamMsg{Subject: m.Subject(), Sequence: md.Sequence.Stream, Header: m.Headers(), Data: m.Data()}
	if err := copyToDLQ(ctx, c.js, c.dlq, md.Stream, md.Consumer, orig, md.NumDelivered, reason); err != nil {
		c.log.Error("dead-letter copy failed; message kept for redelivery", "seq", md.Sequence.Stream, "err", err)
		_ = m.NakWithDelay(backOffFor(c.cc.BackOff, md.NumDelivered))
		return
	}
	c.log.Warn("message dead-lettered", "seq", md.Sequence.Stream, "subject", m.Subject(), "reason", reason)
	if err := terminate(c.js, m, reason); err != nil {
		c.log.Warn("term failed", "seq", md.Sequence.Stream, "err", err)
	}
}

// dlqMsgID is the Nats-Msg-Id of a dead-lettered copy: the same for the
// direct copy and the advisory forwarder's, so the DLQ keeps one.
func dlqMsgID(stream, consumer string, seq uint64) string {
	return "dlq:" + stream + ":" + consumer + ":" + strconv.FormatUint(seq, 10)
}

// copyToDLQ publishes a copy of orig to the DLQ subject with the reason
// headers and waits for the acknowledgement.
func copyToDLQ(ctx context.Context, js jetstream.JetStream, subject, stream, consumerName string, orig *jetstream.RawStreamMsg, delivered uint64, reason string) error {
	h := nats.Header{}
	for k, v := range orig.Header {
		switch k {
		case jetstream.MsgIDHeader:
			h[HeaderDLQMsgID] = v
		case jetstream.ExpectedStreamHeader, jetstream.ExpectedLastSeqHeader, jetstream.ExpectedLastSubjSeqHeader, jetstream.ExpectedLastMsgIDHeader:
		default:
			h[k] = v
		}
	}
	h.Set(HeaderDLQReason, truncate(reason, 1024))
	h.Set(HeaderDLQStream, stream)
	h.Set(HeaderDLQConsumer, consumerName)
	h.Set(HeaderDLQSubject, orig.Subject)
	h.Set(HeaderDLQSequence, strconv.FormatUint(orig.Sequence, 10))
	h.Set(HeaderDLQDeliveries, strconv.FormatUint(delivered, 10))
	msg := &nats.Msg{Subject: subject, Header: h, Data: orig.Data}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := js.PublishMsg(pctx, msg, jetstream.WithMsgID(dlqMsgID(stream, consumerName, orig.Sequence)))
	return err
}

// terminate terms m, with the reason in the advisory where the server
// supports it (2.10.4 and later; older ones ignore a TERM with a reason).
func terminate(js jetstream.JetStream, m jetstream.Msg, reason string) error {
	if serverAtLeast(js.Conn().ConnectedServerVersion(), 2, 10, 4) {
		return m.TermWithReason(truncate(reason, 256))
	}
	return m.Term()
}

// serverAtLeast compares a "major.minor.patch[-suffix]" version.
func serverAtLeast(version string, major, minor, patch int) bool {
	var v [3]int
	core, _, _ := strings.Cut(version, "-")
	for i, part := range strings.SplitN(core, ".", 3) {
		n, err := strconv.Atoi(part)
		if err != nil {
			return false
		}
		v[i] = n
	}
	return slices.Compare(v[:], []int{major, minor, patch}) >= 0
}

func decodeRecord(data []byte) (*record.Article, error) {
	var a record.Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// ConsumerLag reports a durable consumer's unfinished work: messages not
// yet delivered (waiting) and delivered but not acknowledged (inFlight).
// A consumer that does not exist is an error wrapping ErrConsumerMissing.
// Both zero means the consumer's sink has stored everything published so
// far (`winnow run --until-idle`).
func ConsumerLag(ctx context.Context, js jetstream.JetStream, stream, durable string) (waiting uint64, inFlight int, err error) {
	c, err := js.Consumer(ctx, stream, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return 0, 0, fmt.Errorf("%w: %s on %s", ErrConsumerMissing, durable, stream)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("natsbus: consumer %s on %s: %w", durable, stream, err)
	}
	info := c.CachedInfo()
	return info.NumPending, info.NumAckPending, nil
}

// StreamStatus is what StreamInfo reports of a stream.
type StreamStatus struct {
	// Msgs and Bytes are what the stream holds now.
	Msgs, Bytes uint64
	// FirstSeq and LastSeq bound its sequences.
	FirstSeq, LastSeq uint64
	// Created is when the stream was created; a stream deleted and
	// created again starts its sequences anew.
	Created time.Time
}

// StreamInfo reports a stream's size, sequences and creation time (the
// DLQ gauge, consumers that keep a sequence watermark).
func StreamInfo(ctx context.Context, js jetstream.JetStream, stream string) (StreamStatus, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return StreamStatus{}, fmt.Errorf("natsbus: stream %s: %w", stream, err)
	}
	info := s.CachedInfo()
	return StreamStatus{Msgs: info.State.Msgs, Bytes: info.State.Bytes, FirstSeq: info.State.FirstSeq,
		LastSeq: info.State.LastSeq, Created: info.Created}, nil
}
