package natsbus

import (
	"fmt"
	"regexp"
	"strconv"
)

// Base names of the streams, key-value buckets and subjects. With a
// non-empty namespace (Config.Namespace) stream and bucket names get the
// prefix "<namespace>_" and subjects the prefix "<namespace>."; see Names.
// Permission configs for the roles are derived from these (see Roles).
const (
	StreamFrontier   = "FRONTIER"
	StreamArticles   = "ARTICLES"
	StreamAudit      = "AUDIT"
	StreamDLQ        = "DLQ"
	StreamAdvisories = "ADVISORIES"
	StreamOutcomes   = "OUTCOMES"

	BucketState  = "crawl_state"
	BucketSeen   = "crawl_seen"
	BucketLeases = "crawl_leases"

	SubjectFrontier = "crawl.frontier" // + ".<partition>"
	SubjectArticles = "articles.clean" // + ".<source>"
	SubjectAudit    = "audit"          // + ".<source>"
	SubjectDLQ      = "dlq"            // + ".<stream>.<consumer>"
	SubjectOutcomes = "crawl.outcomes" // + ".<source>"

	// AdhocSource replaces the empty source id of ad-hoc input in
	// subjects. It cannot collide with a configured source id, which must
	// start with a letter or digit.
	AdhocSource = "_adhoc"

	// ConsumerDLQForwarder is the durable consumer of the advisories stream
	// that ForwardDeadLetters uses by default.
	ConsumerDLQForwarder = "dlq-forwarder"
	// ConsumerFrontierPrefix + partition number names the durable pull
	// consumer of one frontier partition, e.g. "frontier-7".
	ConsumerFrontierPrefix = "frontier-"

	advisoryMaxDeliveries = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
	advisoryTerminated    = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED"
)

// Headers set on dead-lettered copies in the DLQ stream.
const (
	HeaderDLQReason     = "Winnow-Dlq-Reason"      // why the message was dead-lettered
	HeaderDLQStream     = "Winnow-Dlq-Stream"      // stream of the original
	HeaderDLQConsumer   = "Winnow-Dlq-Consumer"    // consumer that gave up on it
	HeaderDLQSubject    = "Winnow-Dlq-Subject"     // subject of the original
	HeaderDLQSequence   = "Winnow-Dlq-Stream-Seq"  // stream sequence of the original
	HeaderDLQDeliveries = "Winnow-Dlq-Deliveries"  // delivery count when given up
	HeaderDLQMsgID      = "Winnow-Dlq-Orig-Msg-Id" // original Nats-Msg-Id, if any
)

var (
	sourceIDRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	namespaceRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	// consumerRe is what this package accepts as a durable consumer name:
	// a single subject token, so it may appear in DLQ subjects.
	consumerRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// ValidSourceID reports whether id may be used as a subject token:
// ^[a-z0-9][a-z0-9_-]{0,63}$. Subjects are built only from ids that pass.
func ValidSourceID(id string) bool { return sourceIDRe.MatchString(id) }

// Names holds every stream, bucket and subject name for one namespace.
// Build it with NewNames or Config.Names; the zero namespace gives the
// production names of DESIGN.md (FRONTIER, articles.clean.<source>, …).
type Names struct {
	// Namespace is the prefix, "" in production.
	Namespace string
	// Stream names.
	Frontier, Articles, Audit, DLQ, Advisories, Outcomes string
	// Key-value bucket names.
	State, Seen, Leases string
	subj                string // subject prefix, "" or "<ns>."
}

// NewNames returns the names for namespace ns ("" = production names). It
// fails for a namespace that does not match ^[a-z0-9][a-z0-9_-]{0,31}$.
func NewNames(ns string) (Names, error) {
	if ns != "" && !namespaceRe.MatchString(ns) {
		return Names{}, fmt.Errorf("%w: namespace %q", ErrInvalidOptions, ns)
	}
	pre, subj := "", ""
	if ns != "" {
		pre, subj = ns+"_", ns+"."
	}
	return Names{
		Namespace:  ns,
		Frontier:   pre + StreamFrontier,
		Articles:   pre + StreamArticles,
		Audit:      pre + StreamAudit,
		DLQ:        pre + StreamDLQ,
		Advisories: pre + StreamAdvisories,
		Outcomes:   pre + StreamOutcomes,
		State:      pre + BucketState,
		Seen:       pre + BucketSeen,
		Leases:     pre + BucketLeases,
		subj:       subj,
	}, nil
}

// sourceToken maps a source id to its subject token: "" -> AdhocSource,
// else the id if valid.
func sourceToken(source string) (string, error) {
	if source == "" {
		return AdhocSource, nil
	}
	if !ValidSourceID(source) {
		return "", fmt.Errorf("%w: %q", ErrInvalidSourceID, source)
	}
	return source, nil
}

// ArticleSubject returns articles.clean.<source> (AdhocSource for "").
func (n Names) ArticleSubject(source string) (string, error) {
	tok, err := sourceToken(source)
	if err != nil {
		return "", err
	}
	return n.subj + SubjectArticles + "." + tok, nil
}

// ArticleSubjects returns the wildcard articles.clean.* matching every source.
func (n Names) ArticleSubjects() string { return n.subj + SubjectArticles + ".*" }

// AuditSubject returns audit.<source> (AdhocSource for "").
func (n Names) AuditSubject(source string) (string, error) {
	tok, err := sourceToken(source)
	if err != nil {
		return "", err
	}
	return n.subj + SubjectAudit + "." + tok, nil
}

// AuditSubjects returns the wildcard audit.* matching every source.
func (n Names) AuditSubjects() string { return n.subj + SubjectAudit + ".*" }

// OutcomeSubject returns crawl.outcomes.<source> (AdhocSource for "").
func (n Names) OutcomeSubject(source string) (string, error) {
	tok, err := sourceToken(source)
	if err != nil {
		return "", err
	}
	return n.subj + SubjectOutcomes + "." + tok, nil
}

// OutcomeSubjects returns the wildcard crawl.outcomes.* matching every
// source.
func (n Names) OutcomeSubjects() string { return n.subj + SubjectOutcomes + ".*" }

// FrontierSubject returns crawl.frontier.<partition>.
func (n Names) FrontierSubject(partition int) string {
	return n.subj + SubjectFrontier + "." + strconv.Itoa(partition)
}

// FrontierSubjects returns the wildcard crawl.frontier.* of all partitions.
func (n Names) FrontierSubjects() string { return n.subj + SubjectFrontier + ".*" }

// FrontierConsumer returns the durable consumer name of a partition.
func (n Names) FrontierConsumer(partition int) string {
	return ConsumerFrontierPrefix + strconv.Itoa(partition)
}

// DLQSubject returns dlq.<stream>.<consumer>. Stream and consumer names
// never contain dots or wildcards (the server refuses them).
func (n Names) DLQSubject(stream, consumer string) string {
	return n.subj + SubjectDLQ + "." + stream + "." + consumer
}

// DLQSubjects returns the wildcard dlq.*.* of every dead-letter subject.
func (n Names) DLQSubjects() string { return n.subj + SubjectDLQ + ".*.*" }

// AdvisorySubjects returns the MAX_DELIVERIES and MSG_TERMINATED advisory
// subjects of this namespace's FRONTIER, ARTICLES, AUDIT and OUTCOMES streams, which
// the advisories stream captures. They are listed per stream (rather than
// as $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>) so that namespaces do
// not overlap and other applications' advisories are not captured.
func (n Names) AdvisorySubjects() []string {
	var out []string
	for _, s := range []string{n.Frontier, n.Articles, n.Audit, n.Outcomes} {
		out = append(out, advisoryMaxDeliveries+"."+s+".*", advisoryTerminated+"."+s+".*")
	}
	return out
}
