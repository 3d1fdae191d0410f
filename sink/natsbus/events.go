package natsbus

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// EventHandler processes one batch of raw messages, in stream order, and
// returns nil once their effect is committed. It decodes the payloads
// itself; a message it cannot use it should skip (and log), since
// returning an error makes ConsumeEvents hand it the same batch again.
type EventHandler func(ctx context.Context, msgs []Message) error

// ConsumeEvents reads a stream of small events (OUTCOMES) through a
// durable pull consumer and hands batches to fn strictly in stream order
// until ctx ends. A batch is acknowledged only after fn returned nil for
// it. When fn fails, the same batch is handed to it again after a delay
// (cc.BackOff[0], doubling up to a minute) while progress acknowledgements
// keep it from being redelivered elsewhere; nothing later is fetched
// meanwhile. When ctx ends with a batch not yet processed, the batch is
// given back without delay, so whoever consumes next sees it first.
//
// The consumer keeps at most one batch unacknowledged (MaxAckPending =
// BatchSize, whatever cc says), so one ConsumeEvents at a time sees the
// messages in order, redeliveries first. Processes sharing the durable
// must take turns (the caller holds a lease) to keep that order; the
// handler can then make its effect idempotent with a stream-sequence
// watermark committed together with the effect (Message.Sequence).
//
// It returns nil when ctx ends, and an error only for a bad config or a
// missing pre-created consumer.
func ConsumeEvents(ctx context.Context, js jetstream.JetStream, cc ConsumerConfig, fn EventHandler) error {
	cc, _, err := cc.withDefaults()
	if err != nil {
		return err
	}
	cc.MaxAckPending = cc.BatchSize
	cons, _, err := ensureConsumer(ctx, js, cc.Stream, cc.serverConfig(), cc.RequirePrecreated)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	log := cc.Logger.With("stream", cc.Stream, "consumer", cc.Durable)
	wait := min(cc.MaxWait, cc.BackOff[0]/2)
	for ctx.Err() == nil {
		msgs, err := fetch(ctx, cons, cc.BatchSize, wait)
		if err != nil {
			log.Warn("fetch failed", "err", err)
			sleepCtx(ctx, time.Second)
		}
		if len(msgs) == 0 {
			continue
		}
		handleEvents(ctx, cc, log, msgs, fn)
	}
	_ = js.Conn().Flush()
	return nil
}

// EnsureEventConsumer creates or updates the durable consumer exactly as
// ConsumeEvents would, and reports what it did; the admin role uses it
// to pre-create the event consumers of least-privilege sinks.
func EnsureEventConsumer(ctx context.Context, js jetstream.JetStream, cc ConsumerConfig) (string, error) {
	cc, _, err := cc.withDefaults()
	if err != nil {
		return "", err
	}
	cc.MaxAckPending = cc.BatchSize
	_, action, err := ensureConsumer(ctx, js, cc.Stream, cc.serverConfig(), false)
	return action, err
}

// handleEvents runs fn on one batch until it succeeds or ctx ends.
func handleEvents(ctx context.Context, cc ConsumerConfig, log *slog.Logger, msgs []jetstream.Msg, fn EventHandler) {
	batch := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		md, err := m.Metadata()
		if err != nil {
			continue
		}
		batch = append(batch, Message{Subject: m.Subject(), Sequence: md.Sequence.Stream, Time: md.Timestamp, Header: m.Headers(), Data: m.Data()})
	}
	// Keep the batch alive while fn runs and between its attempts.
	defer keepAlive(msgs, cc.BackOff[0])()
	delay := cc.BackOff[0]
	for {
		// An attempt under way finishes even if ctx ends now (bounded by
		// StopTimeout), so a commit is not cut off before its ack.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cc.StopTimeout)
		err := fn(fctx, batch)
		cancel()
		if err == nil {
			for _, m := range msgs {
				if err := m.Ack(); err != nil {
					log.Warn("ack failed; the event will be redelivered", "err", err)
				}
			}
			return
		}
		if ctx.Err() != nil {
			break
		}
		log.Warn("event batch failed, retrying", "events", len(batch), "delay", delay, "err", err)
		sleepCtx(ctx, delay)
		if ctx.Err() != nil {
			break
		}
		delay = min(2*delay, time.Minute)
	}
	for _, m := range msgs {
		_ = m.Nak()
	}
}
