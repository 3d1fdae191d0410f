package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ForwarderOptions configures ForwardDeadLetters.
type ForwarderOptions struct {
	// Config gives the namespace; only Config.Namespace is used.
	Config Config
	// Durable names the forwarder's consumer on the advisories stream;
	// zero = ConsumerDLQForwarder.
	Durable string
	// RequirePrecreated uses an admin-created consumer instead of creating
	// it; zero = create or update.
	RequirePrecreated bool
	// MaxWait bounds one fetch; zero = 2s.
	MaxWait time.Duration
	// Logger receives one event per forwarded message; zero = discard.
	Logger *slog.Logger
}

func forwarderConsumerConfig(durable string) jetstream.ConsumerConfig {
	return pullConsumerConfig(durable, "winnow DLQ forwarder", nil, 10, defaultBackOff(), 256)
}

// advisory is the part of the MAX_DELIVERIES and MSG_TERMINATED advisories
// the forwarder needs.
type advisory struct {
	Type       string `json:"type"`
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
	Reason     string `json:"reason"`
}

// ForwardDeadLetters runs the DLQ forwarder until ctx ends: it reads the
// captured MAX_DELIVERIES and MSG_TERMINATED advisories, fetches each
// original message by stream sequence and copies it to
// dlq.<stream>.<consumer> with the reason. The copy has the same
// Nats-Msg-Id as Consume's direct copy, so a terminated message that was
// already dead-lettered is stored once (within the DLQ duplicate window).
// A message that exhausted its deliveries on a work-queue stream (the
// frontier) is deleted from that stream once copied, so it no longer
// counts as pending. An advisory whose message is gone (terminated on a
// work queue: removed at once, and copied by the consumer before) is
// acknowledged and skipped.
func ForwardDeadLetters(ctx context.Context, js jetstream.JetStream, o ForwarderOptions) error {
	n, err := o.Config.Names()
	if err != nil {
		return err
	}
	if o.Durable == "" {
		o.Durable = ConsumerDLQForwarder
	}
	if !consumerRe.MatchString(o.Durable) {
		return fmt.Errorf("%w: ForwarderOptions.Durable %q", ErrInvalidOptions, o.Durable)
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 2 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = discardLogger()
	}
	log = log.With("consumer", o.Durable)
	backOff := defaultBackOff()
	cons, _, err := ensureConsumer(ctx, js, n.Advisories, forwarderConsumerConfig(o.Durable), o.RequirePrecreated)
	if err != nil {
		return err
	}
	f := &forwarder{js: js, names: n, log: log, streams: map[string]jetstream.Stream{}}
	for ctx.Err() == nil {
		msgs, err := fetch(ctx, cons, 32, o.MaxWait)
		if err != nil {
			log.Warn("fetch advisories failed", "err", err)
			sleepCtx(ctx, time.Second)
		}
		for _, m := range msgs {
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			if err := f.forward(wctx, m); err != nil {
				var delivered uint64 = 1
				if md, mdErr := m.Metadata(); mdErr == nil {
					delivered = md.NumDelivered
				}
				log.Warn("forward to DLQ failed, retrying later", "err", err)
				_ = m.NakWithDelay(backOffFor(backOff, delivered))
			} else {
				_ = m.Ack()
			}
			cancel()
		}
	}
	return nil
}

type forwarder struct {
	js      jetstream.JetStream
	names   Names
	log     *slog.Logger
	streams map[string]jetstream.Stream
}

func (f *forwarder) forward(ctx context.Context, m jetstream.Msg) error {
	var adv advisory
	if err := json.Unmarshal(m.Data(), &adv); err != nil || adv.Stream == "" || adv.StreamSeq == 0 {
		f.log.Warn("ignoring undecodable advisory", "subject", m.Subject())
		return nil
	}
	maxDeliveries := strings.HasPrefix(m.Subject(), advisoryMaxDeliveries+".")
	reason := "max deliveries reached"
	if !maxDeliveries {
		reason = "terminated"
		if adv.Reason != "" {
			reason += ": " + adv.Reason
		}
	}
	s, ok := f.streams[adv.Stream]
	if !ok {
		var err error
		s, err = f.js.Stream(ctx, adv.Stream)
		if err != nil {
			return fmt.Errorf("stream %s: %w", adv.Stream, err)
		}
		f.streams[adv.Stream] = s
	}
	orig, err := s.GetMsg(ctx, adv.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		f.log.Info("dead-lettered message already gone from its stream", "stream", adv.Stream, "seq", adv.StreamSeq, "reason", reason)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get %s #%d: %w", adv.Stream, adv.StreamSeq, err)
	}
	subject := f.names.DLQSubject(adv.Stream, adv.Consumer)
	if err := copyToDLQ(ctx, f.js, subject, adv.Stream, adv.Consumer, orig, adv.Deliveries, reason); err != nil {
		return fmt.Errorf("copy %s #%d to %s: %w", adv.Stream, adv.StreamSeq, subject, err)
	}
	f.log.Warn("message dead-lettered from advisory", "stream", adv.Stream, "seq", adv.StreamSeq, "subject", orig.Subject, "reason", reason)
	if maxDeliveries && s.CachedInfo().Config.Retention == jetstream.WorkQueuePolicy {
		if err := s.DeleteMsg(ctx, adv.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			f.log.Warn("could not remove dead-lettered task from work queue", "stream", adv.Stream, "seq", adv.StreamSeq, "err", err)
		}
	}
	return nil
}
