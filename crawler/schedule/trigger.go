package schedule

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"winnow/crawler/source"
)

// Trigger is what firing a source does: the lead wires it to the crawler.
// Fire runs one crawl of src as described by run and reports what
// happened. It should return when ctx ends (the scheduler cancels it on
// shutdown, on [ErrLeaseLost] and after Options.RunTimeout; see
// [context.Cause]). A non-nil error marks the run failed; its class is
// [ClassOf](err).
type Trigger interface {
	Fire(ctx context.Context, src *source.Source, run Run) (RunResult, error)
}

// TriggerFunc adapts a function to [Trigger].
type TriggerFunc func(ctx context.Context, src *source.Source, run Run) (RunResult, error)

var _ Trigger = TriggerFunc(nil)

// Fire calls f.
func (f TriggerFunc) Fire(ctx context.Context, src *source.Source, run Run) (RunResult, error) {
	return f(ctx, src, run)
}

// Reason says why a run was fired.
type Reason string

// Reasons.
const (
	ReasonSchedule Reason = "schedule" // the source's cron or interval came due
	ReasonRetry    Reason = "retry"    // an earlier run failed; the error class's retry interval came due
	ReasonDegraded Reason = "degraded" // a degraded source's long retry interval came due
	ReasonRunNow   Reason = "run_now"  // an operator asked for a run (RunNow)
	ReasonRefetch  Reason = "refetch"  // only articles due for re-fetch; entry points are not due
)

// Run says what a run must fetch. It is built when the lease is taken.
type Run struct {
	// Source is the source id.
	Source string
	// Due is the due time this run is for: (Source, Due) identifies a
	// firing, and no two live schedulers fire the same pair.
	Due time.Time
	// Reason says why the run was fired.
	Reason Reason
	// Takeover is true when the lease was taken over from an owner whose
	// lease expired (a crashed or stalled process): the previous attempt
	// at this Due may have done part of the work.
	Takeover bool
	// Attempt is the number of consecutive failed runs before this one.
	Attempt int
	// EntryPoints are the seeds to poll (listings, feeds, sitemaps); nil
	// for a ReasonRefetch run.
	EntryPoints []source.Seed
	// Articles are the source's article seeds (kind article, fetched
	// once): listed until the source's first successful run, nil after.
	Articles []string
	// Refetch are article URLs due for a re-fetch (corrections), oldest
	// due first.
	Refetch []string
}

// RunResult is what a run reports back. Its counters (not ArticleURLs)
// are kept in the source's state as LastResult.
type RunResult struct {
	// Pages counts responses received, 2xx and 304 (entry points
	// included).
	Pages int `json:"pages"`
	// Articles counts article records produced.
	Articles int `json:"articles"`
	// SpamPages counts pages judged spam as a whole.
	SpamPages int `json:"spam_pages"`
	// Errors counts failed fetches by class.
	Errors map[ErrorClass]int `json:"errors,omitempty"`
	// Changed reports that the entry points changed: some entry point
	// answered with new content (not 304) that listed a URL not seen
	// before. It drives the adaptive interval.
	Changed bool `json:"changed"`
	// ArticleURLs are the articles fetched for the first time in this
	// run; they enter the re-fetch queue when the source re-fetches.
	// Not stored.
	ArticleURLs []string `json:"-"`
}

// ErrorTotal returns the number of failed fetches.
func (r RunResult) ErrorTotal() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// Failed reports whether the run failed without an error from the
// Trigger: fetches failed and no page was received.
func (r RunResult) Failed() bool { return r.Pages == 0 && r.ErrorTotal() > 0 }

// DominantClass returns the class with the most failed fetches (ties go
// to the class listed first by [ErrorClasses]); "" when nothing failed.
func (r RunResult) DominantClass() ErrorClass {
	var best ErrorClass
	n := 0
	for _, c := range ErrorClasses() {
		if r.Errors[c] > n {
			best, n = c, r.Errors[c]
		}
	}
	if n == 0 && r.ErrorTotal() > 0 {
		return ClassOther // only unknown classes
	}
	return best
}

// ErrorClass groups failures that share a retry policy.
type ErrorClass string

// Error classes.
const (
	ClassTimeout ErrorClass = "timeout"  // connect, TLS, header or total timeout
	ClassNetwork ErrorClass = "network"  // DNS, refused, reset, TLS …
	ClassHTTP5xx ErrorClass = "http_5xx" // server errors and 429
	ClassHTTP4xx ErrorClass = "http_4xx" // client errors other than 429
	ClassRobots  ErrorClass = "robots"   // disallowed by robots.txt
	ClassOther   ErrorClass = "other"    // anything else
)

// ErrorClasses returns every class, in tie-break order.
func ErrorClasses() []ErrorClass {
	return []ErrorClass{ClassTimeout, ClassNetwork, ClassHTTP5xx, ClassHTTP4xx, ClassRobots, ClassOther}
}

// Transient reports whether failures of the class are retried sooner than
// the normal interval, with exponential backoff (timeout, network,
// http_5xx). Other classes wait for the normal schedule.
func (c ErrorClass) Transient() bool {
	return c == ClassTimeout || c == ClassNetwork || c == ClassHTTP5xx
}

// ClassError attaches an [ErrorClass] to an error; a Trigger returns one
// to say how its failure is retried.
type ClassError struct {
	Class ErrorClass
	Err   error
}

// Error returns the wrapped error's message.
func (e *ClassError) Error() string {
	if e.Err == nil {
		return string(e.Class)
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *ClassError) Unwrap() error { return e.Err }

// Classify wraps err in a [ClassError]; it returns nil for a nil err.
func Classify(class ErrorClass, err error) error {
	if err == nil {
		return nil
	}
	return &ClassError{Class: class, Err: err}
}

// ClassOf returns the class of a run's error: the class of a [ClassError]
// in its chain; timeout for deadline errors and net.Error timeouts;
// network for other net.Error values; other for anything else (and nil).
func ClassOf(err error) ErrorClass {
	if err == nil {
		return ClassOther
	}
	if ce, ok := errors.AsType[*ClassError](err); ok && ce.Class != "" {
		return ce.Class
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ErrRunTimeout) {
		return ClassTimeout
	}
	if ne, ok := errors.AsType[net.Error](err); ok {
		if ne.Timeout() {
			return ClassTimeout
		}
		return ClassNetwork
	}
	return ClassOther
}
