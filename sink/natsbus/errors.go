package natsbus

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by this package. Callers test them with errors.Is; every
// returned error wraps one of these (or a context error, or sink.ErrRejected)
// with the stream, subject, key or field it concerns.
var (
	// ErrInvalidOptions is wrapped by constructors given an invalid
	// Options, Config or other settings struct.
	ErrInvalidOptions = errors.New("natsbus: invalid options")
	// ErrInvalidSourceID is wrapped when a source id does not match
	// ^[a-z0-9][a-z0-9_-]{0,63}$ and so may not be part of a subject.
	ErrInvalidSourceID = errors.New("natsbus: invalid source id")
	// ErrStreamFull is wrapped when a publish was refused because the
	// stream is at its limits (discard new) and the context ended before
	// space was freed.
	ErrStreamFull = errors.New("natsbus: stream full")
	// ErrWouldEvict is wrapped by EnsureStreams when the wanted limits are
	// below what a stream already holds: applying them would delete data,
	// so the stream is left unchanged.
	ErrWouldEvict = errors.New("natsbus: stream update would evict messages")
	// ErrConsumerMissing is wrapped when RequirePrecreated is set and the
	// durable consumer does not exist.
	ErrConsumerMissing = errors.New("natsbus: consumer not pre-created")
	// ErrKeyNotFound is wrapped by State.Get for a missing or deleted key.
	ErrKeyNotFound = errors.New("natsbus: key not found")
	// ErrKeyExists is wrapped by State.Create when the key already holds
	// a value.
	ErrKeyExists = errors.New("natsbus: key exists")
	// ErrConflict is wrapped when a compare-and-set update kept losing to
	// concurrent writers until its retries ran out, and by
	// State.CompareAndSwap when the key's revision is not the one given.
	ErrConflict = errors.New("natsbus: revision conflict")
	// ErrInvalidTask is wrapped by Frontier.Add for a task that cannot be
	// queued (no URL, no host, invalid source id).
	ErrInvalidTask = errors.New("natsbus: invalid task")
	// ErrIncompatibleStream is wrapped by EnsureStreams when an existing
	// stream differs in a way the server cannot update in place
	// (retention, storage). It is never deleted to fix that: an operator
	// must.
	ErrIncompatibleStream = errors.New("natsbus: existing stream is incompatible")
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("natsbus: closed")
)

// RetryError asks Frontier's Done to give the task back to the frontier
// for a later attempt instead of dead-lettering it. Build it with Retry.
type RetryError struct {
	// After is the delay before redelivery; zero means the frontier
	// consumer's back-off step for the current delivery count.
	After time.Duration
	// Err is the cause, for logs.
	Err error
}

// Retry returns an error that makes a Done func redeliver the task after d
// (zero = the consumer's back-off for this delivery).
func Retry(d time.Duration, err error) error { return &RetryError{After: d, Err: err} }

// Error implements error.
func (e *RetryError) Error() string {
	return fmt.Sprintf("natsbus: retry after %s: %v", e.After, e.Err)
}

// Unwrap returns the cause.
func (e *RetryError) Unwrap() error { return e.Err }
