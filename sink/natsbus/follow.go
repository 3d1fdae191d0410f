package natsbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink/record"
)

// Message is one message seen by Follow.
type Message struct {
	// Subject is e.g. articles.clean.<source>.
	Subject string
	// Sequence is the stream sequence.
	Sequence uint64
	// Time is when the stream stored it.
	Time time.Time
	// Header holds the message headers.
	Header nats.Header
	// Data is the payload, a record's JSON for the ARTICLES stream.
	Data []byte
}

// Article decodes Data as an article record.
func (m Message) Article() (*record.Article, error) { return decodeRecord(m.Data) }

// Follow calls fn for every message on subjectFilter (e.g.
// Names.ArticleSubjects() or one source's subject) in stream order, from
// start, or only new messages when start is zero, until ctx ends (then it
// returns nil) or fn fails (then it returns fn's error). It uses an
// ephemeral ordered consumer: nothing is acknowledged or left behind on the
// server, and a gap (reconnect, leader change) makes the library recreate
// the consumer at the right sequence.
func Follow(ctx context.Context, js jetstream.JetStream, subjectFilter string, start time.Time, fn func(ctx context.Context, m Message) error) error {
	stream, err := js.StreamNameBySubject(ctx, subjectFilter)
	if err != nil {
		return fmt.Errorf("natsbus: follow %s: %w", subjectFilter, err)
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subjectFilter}, DeliverPolicy: jetstream.DeliverNewPolicy}
	if !start.IsZero() {
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cfg.OptStartTime = &start
	}
	cons, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("natsbus: follow %s: %w", subjectFilter, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("natsbus: follow %s: %w", subjectFilter, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("natsbus: follow %s: %w", subjectFilter, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("natsbus: follow %s: %w", subjectFilter, err)
		}
		if err := fn(ctx, Message{Subject: m.Subject(), Sequence: md.Sequence.Stream, Time: md.Timestamp, Header: m.Headers(), Data: m.Data()}); err != nil {
			return err
		}
	}
}
