package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink"
	"winnow/sink/record"
)

var _ sink.Sink = (*Publisher)(nil)

// AuditSchemaVersion is the version of the AuditEvent layout.
const AuditSchemaVersion = 1

// AuditEvent is published to audit.<source> for every record from which
// the cleaner removed something and for every spam page, so analysts can
// review decisions without reading the articles. Its JSON field names are
// fixed like the record's.
type AuditEvent struct {
	// SchemaVersion is AuditSchemaVersion.
	SchemaVersion int `json:"schema_version"`
	// ArticleID is the record's id.
	ArticleID string `json:"article_id"`
	// URL is the record's url.
	URL string `json:"url"`
	// Source is the source id, "" for ad-hoc input.
	Source string `json:"source"`
	// Title is the record's (cleaned) title.
	Title string `json:"title"`
	// Verdict is cleaned or spam_page.
	Verdict string `json:"verdict"`
	// RulesVersion is the ruleset that decided.
	RulesVersion string `json:"rules_version"`
	// Removed lists every removal, as in the record.
	Removed []record.Removal `json:"removed"`
	// FetchedAt is when the page was fetched ("" for ad-hoc input).
	FetchedAt string `json:"fetched_at"`
	// ContentHash identifies the version of the article decided on.
	ContentHash string `json:"content_hash"`
	// RawRef locates the archived raw page ("" if not archived).
	RawRef string `json:"raw_ref"`
}

// NewAuditEvent returns the audit event for a, or nil when a needs none
// (nothing removed and not a spam page).
func NewAuditEvent(a *record.Article) *AuditEvent {
	if len(a.Hygiene.Removed) == 0 && a.Hygiene.Verdict != record.VerdictSpamPage {
		return nil
	}
	removed := a.Hygiene.Removed
	if removed == nil {
		removed = []record.Removal{}
	}
	return &AuditEvent{
		SchemaVersion: AuditSchemaVersion,
		ArticleID:     a.ID,
		URL:           a.URL,
		Source:        a.Source,
		Title:         a.Title,
		Verdict:       a.Hygiene.Verdict,
		RulesVersion:  a.Hygiene.RulesVersion,
		Removed:       removed,
		FetchedAt:     a.FetchedAt,
		ContentHash:   a.ContentHash,
		RawRef:        a.RawRef,
	}
}

// PublisherOptions configures NewPublisher. The zero value publishes to
// the production subjects with sane retry and window settings.
type PublisherOptions struct {
	// Config gives the namespace; only Config.Namespace is used.
	Config Config
	// Window bounds unacknowledged publishes in flight in WriteBatch;
	// zero = 256.
	Window int
	// AckTimeout bounds the wait for one publish acknowledgement before it
	// is retried; zero = 10s.
	AckTimeout time.Duration
	// RetryMin and RetryMax bound the exponential back-off between retries
	// of a failed or refused (stream full) publish; zero = 50ms and 5s.
	RetryMin, RetryMax time.Duration
	// NoAudit skips audit events; zero = publish them.
	NoAudit bool
	// Logger receives back-pressure and retry warnings; zero = discard.
	Logger *slog.Logger
}

// Publisher is the sink that forwards records to the ARTICLES stream (and
// audit events to AUDIT). Write returns once the stream acknowledged the
// record, i.e. it is stored (fsynced with the embedded server). A full
// stream (discard new) is back-pressure: Write retries with back-off until
// the context ends and never evicts anything. Safe for concurrent use.
type Publisher struct {
	js     jetstream.JetStream
	names  Names
	o      PublisherOptions
	log    *slog.Logger
	closed atomic.Bool
}

// NewPublisher returns a Publisher on js. It only publishes: it needs no
// rights to create streams or consumers.
func NewPublisher(js jetstream.JetStream, o PublisherOptions) (*Publisher, error) {
	if js == nil {
		return nil, fmt.Errorf("%w: nil JetStream", ErrInvalidOptions)
	}
	n, err := o.Config.Names()
	if err != nil {
		return nil, err
	}
	if o.Window <= 0 {
		o.Window = 256
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 10 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 50 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 5 * time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = o.RetryMin
	}
	log := o.Logger
	if log == nil {
		log = discardLogger()
	}
	return &Publisher{js: js, names: n, o: o, log: log}, nil
}

// outMsg is one message to publish: subject, payload and dedup id.
type outMsg struct {
	subject, id string
	data        []byte
	articleID   string
}

func (m outMsg) natsMsg() *nats.Msg {
	return &nats.Msg{Subject: m.subject, Data: m.data, Header: nats.Header{"Content-Type": []string{"application/json"}}}
}

// messages validates a and returns the record message and, if needed, its
// audit event.
func (p *Publisher) messages(a *record.Article) ([]outMsg, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: nil record", sink.ErrRejected)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", sink.ErrRejected, err)
	}
	subj, err := p.names.ArticleSubject(a.Source)
	if err != nil {
		return nil, fmt.Errorf("%w: record %s: %w", sink.ErrRejected, a.ID, err)
	}
	data, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("%w: record %s: %w", sink.ErrRejected, a.ID, err)
	}
	out := []outMsg{{subject: subj, id: a.ID + ":" + a.ContentHash, data: data, articleID: a.ID}}
	if ev := NewAuditEvent(a); ev != nil && !p.o.NoAudit {
		asubj, _ := p.names.AuditSubject(a.Source) // same source token as above
		adata, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("%w: audit %s: %w", sink.ErrRejected, a.ID, err)
		}
		out = append(out, outMsg{subject: asubj, id: a.ID + ":" + a.ContentHash + ":audit", data: adata, articleID: a.ID})
	}
	return out, nil
}

// Write publishes a (and its audit event) and waits for the stream's
// acknowledgement. An invalid record is an error wrapping sink.ErrRejected.
// Transient failures and a full stream are retried until ctx ends; the
// error then wraps ctx.Err() (and ErrStreamFull if the stream was full).
// Republishing the same record is harmless: the stream drops it as a
// duplicate (same Nats-Msg-Id) within its duplicate window.
func (p *Publisher) Write(ctx context.Context, a *record.Article) error {
	if p.closed.Load() {
		return ErrClosed
	}
	msgs, err := p.messages(a)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if _, err := p.publishSync(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// WriteBatch publishes every record asynchronously with at most
// Options.Window acknowledgements outstanding, then waits for all of them,
// republishing (same message ids) those that failed transiently or met a
// full stream, until ctx ends. If any record is invalid nothing is
// published and the error wraps sink.ErrRejected. It satisfies BatchWriter,
// so a Publisher can be the target of Consume.
func (p *Publisher) WriteBatch(ctx context.Context, recs []*record.Article) error {
	if p.closed.Load() {
		return ErrClosed
	}
	var msgs []outMsg
	for i, a := range recs {
		m, err := p.messages(a)
		if err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		msgs = append(msgs, m...)
	}
	return p.publishAll(ctx, msgs)
}

// PublishOutcome publishes one crawl-outcome event of source (an opaque
// JSON payload, see the command that defines it) to
// crawl.outcomes.<source> in OUTCOMES and waits for the acknowledgement.
// msgID is its Nats-Msg-Id: republishing the same event within the
// stream's duplicate window stores it once. A full OUTCOMES is retried
// until ctx ends, like Write.
func (p *Publisher) PublishOutcome(ctx context.Context, source, msgID string, data []byte) error {
	if p.closed.Load() {
		return ErrClosed
	}
	subject, err := p.names.OutcomeSubject(source)
	if err != nil {
		return fmt.Errorf("%w: outcome event: %w", sink.ErrRejected, err)
	}
	if msgID == "" {
		return fmt.Errorf("%w: outcome event without a message id", ErrInvalidOptions)
	}
	_, err = p.publishSync(ctx, outMsg{subject: subject, id: msgID, data: data})
	return err
}

// Close marks the publisher closed. It holds no resources of its own (the
// connection belongs to the caller); later writes fail with ErrClosed.
func (p *Publisher) Close() error {
	p.closed.Store(true)
	return nil
}

// publishSync publishes one message, retrying until acknowledged, a
// permanent error, or ctx's end.
func (p *Publisher) publishSync(ctx context.Context, m outMsg) (*jetstream.PubAck, error) {
	r := p.retrier(m.subject)
	for {
		actx, cancel := context.WithTimeout(ctx, p.o.AckTimeout)
		ack, err := p.js.PublishMsg(actx, m.natsMsg(), jetstream.WithMsgID(m.id), jetstream.WithRetryAttempts(0))
		cancel()
		if err == nil {
			return ack, nil
		}
		if err := r.failed(ctx, m, err); err != nil {
			return nil, err
		}
	}
}

// publishAll publishes msgs asynchronously within the window and retries
// the failures as a group.
func (p *Publisher) publishAll(ctx context.Context, msgs []outMsg) error {
	r := p.retrier("")
	for len(msgs) > 0 {
		retry, firstErr, err := p.publishWindow(ctx, msgs)
		if err != nil {
			if ctx.Err() != nil {
				return r.giveUp(ctx, err)
			}
			return err
		}
		if len(retry) == 0 {
			return nil
		}
		r.subject = retry[0].subject
		if err := r.failed(ctx, retry[0], firstErr); err != nil {
			return err
		}
		msgs = retry
	}
	return nil
}

type pending struct {
	m outMsg
	f jetstream.PubAckFuture
}

// publishWindow sends msgs with at most Window in flight. It returns the
// messages to retry with the first retryable error, or a permanent error.
func (p *Publisher) publishWindow(ctx context.Context, msgs []outMsg) (retry []outMsg, firstErr, err error) {
	inflight := make([]pending, 0, p.o.Window)
	timer := time.NewTimer(p.o.AckTimeout)
	defer timer.Stop()
	note := func(m outMsg, e error) error {
		switch classify(e) {
		case classTransient, classFull:
			if firstErr == nil || classify(e) == classFull {
				firstErr = e
			}
			retry = append(retry, m)
			return nil
		case classRejected:
			return fmt.Errorf("%w: publish %s (record %s): %w", sink.ErrRejected, m.subject, m.articleID, e)
		}
		return fmt.Errorf("natsbus: publish %s (record %s): %w", m.subject, m.articleID, e)
	}
	settle := func(pd pending) error {
		timer.Reset(p.o.AckTimeout)
		select {
		case <-pd.f.Ok():
			return nil
		case e := <-pd.f.Err():
			return note(pd.m, e)
		case <-timer.C:
			return note(pd.m, jetstream.ErrAsyncPublishTimeout)
		case <-ctx.Done():
			return fmt.Errorf("natsbus: publish %s: %w", pd.m.subject, ctx.Err())
		}
	}
	for _, m := range msgs {
		if len(inflight) == p.o.Window {
			if err := settle(inflight[0]); err != nil {
				return nil, nil, err
			}
			inflight = inflight[1:]
		}
		f, e := p.js.PublishMsgAsync(m.natsMsg(), jetstream.WithMsgID(m.id))
		if e != nil {
			if err := note(m, e); err != nil {
				return nil, nil, err
			}
			continue
		}
		inflight = append(inflight, pending{m: m, f: f})
	}
	for _, pd := range inflight {
		if err := settle(pd); err != nil {
			return nil, nil, err
		}
	}
	return retry, firstErr, nil
}

// retrier paces retries of one publish and logs them.
type retrier struct {
	p        *Publisher
	subject  string
	delay    time.Duration
	attempts int
	full     bool // the stream was found full at least once
}

func (p *Publisher) retrier(subject string) *retrier {
	return &retrier{p: p, subject: subject, delay: p.o.RetryMin}
}

// failed decides on a failed attempt: nil means "retry now" (after it has
// slept), else the error to return.
func (r *retrier) failed(ctx context.Context, m outMsg, err error) error {
	class := classify(err)
	switch class {
	case classRejected:
		return fmt.Errorf("%w: publish %s (record %s): %w", sink.ErrRejected, m.subject, m.articleID, err)
	case classPermanent:
		return fmt.Errorf("natsbus: publish %s (record %s): %w", m.subject, m.articleID, err)
	}
	if class == classFull {
		r.full = true
	}
	if ctx.Err() != nil {
		return r.giveUp(ctx, err)
	}
	r.attempts++
	level := slog.LevelDebug
	if r.attempts == 1 || r.attempts%20 == 0 {
		level = slog.LevelWarn
	}
	msg := "publish failed, retrying"
	if class == classFull {
		msg = "stream full, backing off (back-pressure)"
	}
	r.p.log.Log(ctx, level, msg, "subject", m.subject, "article_id", m.articleID, "attempt", r.attempts, "err", err)
	d := r.delay/2 + rand.N(r.delay/2+1)
	r.delay = min(r.delay*2, r.p.o.RetryMax)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return r.giveUp(ctx, err)
	case <-t.C:
		return nil
	}
}

func (r *retrier) giveUp(ctx context.Context, last error) error {
	if r.full {
		return fmt.Errorf("%w: publish %s: %w (last error: %v)", ErrStreamFull, r.subject, ctx.Err(), last)
	}
	return fmt.Errorf("natsbus: publish %s: %w (last error: %v)", r.subject, ctx.Err(), last)
}

type errClass int

const (
	classTransient errClass = iota // retry: no responders, timeouts, reconnecting
	classFull                      // retry: stream at its limits (discard new)
	classRejected                  // never retry: the message itself is unacceptable
	classPermanent                 // never retry: permissions, closed connection, bugs
)

// JetStream API error codes the classification needs.
const (
	codeStoreFailed           = 10077 // message carries "maximum messages exceeded" etc.
	codeInsufficientResources = 10023
	codeMessageExceedsMaximum = 10054
	// Another publish of the same Nats-Msg-Id is being stored (two
	// workers queueing one URL at once, or a retry racing its original):
	// retried, the attempt ends as a duplicate ack or a store.
	codeDuplicateInProcess = 10158
)

func classify(err error) errClass {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.ErrorCode == codeStoreFailed && strings.Contains(apiErr.Description, "maximum"):
			return classFull
		case apiErr.ErrorCode == codeInsufficientResources:
			return classFull
		case apiErr.ErrorCode == codeMessageExceedsMaximum, apiErr.ErrorCode == codeStoreFailed && strings.Contains(apiErr.Description, "too large"):
			return classRejected
		case apiErr.Code == 503, apiErr.ErrorCode == codeDuplicateInProcess:
			return classTransient
		}
		return classPermanent
	}
	switch {
	case errors.Is(err, nats.ErrMaxPayload), errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum):
		return classRejected
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, jetstream.ErrConnectionClosed),
		errors.Is(err, nats.ErrPermissionViolation), errors.Is(err, nats.ErrAuthorization),
		errors.Is(err, nats.ErrBadSubject), errors.Is(err, jetstream.ErrInvalidSubject):
		return classPermanent
	}
	// No responders (leader election, reconnect), timeouts, stalls and
	// anything else the connection may recover from.
	return classTransient
}
