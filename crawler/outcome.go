package crawler

import (
	"maps"
	"strconv"
	"time"

	"winnow/crawler/frontier"
)

// OutcomeKind is the final state of one task.
type OutcomeKind string

// Outcome kinds. Fetched = Handled + NotArticle + Failed; Skipped tasks
// were never fetched.
const (
	// OutcomeHandled: fetched and handed to the Handler, which returned nil.
	OutcomeHandled OutcomeKind = "handled"
	// OutcomeNotArticle: fetched, but not an article: an entry point read
	// for links (reason entry_point), a page outside the article pattern
	// (not_article_url), a page the Handler rejected with ErrNotArticle
	// (handler), or an entry point that answered 304 Not Modified
	// (unchanged).
	OutcomeNotArticle OutcomeKind = "not_article"
	// OutcomeFailed: fetched (or attempted) and failed, after retries for
	// retryable failures.
	OutcomeFailed OutcomeKind = "failed"
	// OutcomeSkipped: never fetched, for the reason given.
	OutcomeSkipped OutcomeKind = "skipped"
)

// Reasons. Every outcome has one; together with the kind it says why.
// Failed outcomes for HTTP statuses use HTTPReason ("http_503").
const (
	ReasonHandled = "handled" // OutcomeHandled

	ReasonEntryPoint    = "entry_point"     // listing, feed or sitemap read for links
	ReasonNotArticleURL = "not_article_url" // the URL does not match article_pattern
	ReasonHandler       = "handler"         // the Handler returned ErrNotArticle
	ReasonUnchanged     = "unchanged"       // 304 to a conditional GET of an entry point

	ReasonTooLarge         = "too_large"          // body over max_body (decompressed)
	ReasonRedirectLoop     = "redirect_loop"      // a redirect chain came back to itself
	ReasonTooManyRedirects = "too_many_redirects" // more than max_redirects hops
	ReasonTimeout          = "timeout"            // connect, TLS, header or total timeout
	ReasonConnection       = "connection"         // refused, reset, closed early …
	ReasonDNS              = "dns"                // the host name does not resolve
	ReasonContentType      = "content_type"       // media type not allowed
	ReasonContentEncoding  = "content_encoding"   // undecodable content coding
	ReasonBadDocument      = "bad_document"       // a feed or sitemap that does not parse
	ReasonHandlerError     = "handler_error"      // the Handler returned another error
	ReasonArchive          = "archive_error"      // the Archiver failed

	ReasonRobots            = "robots"             // disallowed by robots.txt
	ReasonRobotsUnavailable = "robots_unavailable" // robots.txt answered 429/5xx or was unreachable
	ReasonOutOfScope        = "out_of_scope"       // host or deny pattern (also for a redirect target)
	ReasonDuplicate         = "duplicate"          // already fetched in this run (e.g. via a redirect)
	ReasonBlockedAddress    = "blocked_address"    // the SSRF guard refused the address
	ReasonMaxPages          = "max_pages"          // the source's max_pages was reached
	ReasonTooOld            = "too_old"            // announced as older than max_article_age
	ReasonUnknownSource     = "unknown_source"     // the task names no source of this run
	ReasonBadURL            = "bad_url"            // the URL cannot be requested
)

// HTTPReason is the reason of a failure on HTTP status code: "http_404".
func HTTPReason(code int) string { return "http_" + strconv.Itoa(code) }

// Outcome is the final state of one task taken from the frontier.
type Outcome struct {
	// Task is the task as taken from the frontier.
	Task frontier.Task
	// Kind is the final state and Reason why (Reason* constants or
	// HTTPReason).
	Kind   OutcomeKind
	Reason string
	// URL is the final URL after redirects; "" when nothing was fetched.
	URL string
	// StatusCode is the final response's status; 0 when there was none.
	StatusCode int
	// Attempts is the number of HTTP requests made for the task
	// (retries included, redirect hops and robots.txt not counted).
	Attempts int
	// Bytes is the size of the decompressed body read.
	Bytes int
	// Elapsed is how long the task's last HTTP request took, from
	// sending its first hop (redirects included) to the end of reading
	// the final response's body, or to its failure; zero when no
	// request was made.
	Elapsed time.Duration
	// Err is the cause of a failed or skipped outcome when there is one.
	Err error
	// At is when the outcome was recorded.
	At time.Time
}

// Fetched reports whether the outcome counts as fetched.
func (o Outcome) Fetched() bool { return o.Kind != OutcomeSkipped }

// Counts are outcome counters. Fetched = Handled + NotArticle + Failed.
type Counts struct {
	// Fetched = Handled + NotArticle + Failed.
	Fetched int `json:"fetched"`
	// Handled, NotArticle, Failed and Skipped count outcomes by kind.
	Handled    int `json:"handled"`
	NotArticle int `json:"not_article"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	// Reasons counts outcomes by reason ("handled", "http_503",
	// "robots" …); reasons are distinct across kinds.
	Reasons map[string]int `json:"reasons"`
}

func (c *Counts) add(o Outcome) {
	switch o.Kind {
	case OutcomeHandled:
		c.Handled++
	case OutcomeNotArticle:
		c.NotArticle++
	case OutcomeFailed:
		c.Failed++
	case OutcomeSkipped:
		c.Skipped++
	}
	if o.Fetched() {
		c.Fetched++
	}
	if c.Reasons == nil {
		c.Reasons = make(map[string]int)
	}
	c.Reasons[o.Reason]++
}

func (c Counts) clone() Counts {
	c.Reasons = maps.Clone(c.Reasons)
	if c.Reasons == nil {
		c.Reasons = map[string]int{}
	}
	return c
}

// Summary is what a run did: counters in total and per source id.
type Summary struct {
	Counts
	// Discovered counts URLs the run added to the frontier (seeds
	// included) that the frontier did not know yet.
	Discovered int `json:"discovered"`
	// Sources holds the counters per source id.
	Sources map[string]*Counts `json:"sources"`
	// Started and Finished bound the run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
}

func (s *Summary) add(o Outcome) {
	s.Counts.add(o)
	if s.Sources == nil {
		s.Sources = make(map[string]*Counts)
	}
	c := s.Sources[o.Task.Source]
	if c == nil {
		c = &Counts{}
		s.Sources[o.Task.Source] = c
	}
	c.add(o)
}

// clone returns a deep copy.
func (s *Summary) clone() Summary {
	out := *s
	out.Counts = s.Counts.clone()
	out.Sources = make(map[string]*Counts, len(s.Sources))
	for k, v := range s.Sources {
		c := v.clone()
		out.Sources[k] = &c
	}
	return out
}
