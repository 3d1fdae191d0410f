package schedule

import "errors"

// Store errors. A [Store] implementation returns (or wraps) these so the
// scheduler can tell a lost compare-and-set from a broken store.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("schedule: key not found")
	// ErrExists: Create found the key already present.
	ErrExists = errors.New("schedule: key exists")
	// ErrConflict: Update's revision is not the key's latest revision.
	ErrConflict = errors.New("schedule: revision conflict")
)

// Scheduler errors.
var (
	// ErrOptions wraps every problem with [Options] found by [New].
	ErrOptions = errors.New("schedule: invalid options")
	// ErrNoTrigger: Run or Tick on a Scheduler built without a Trigger
	// (a control handle for Status, Pause, Resume, RunNow).
	ErrNoTrigger = errors.New("schedule: no trigger")
	// ErrRunning: Run or Tick while another Run or Tick is in progress on
	// the same Scheduler.
	ErrRunning = errors.New("schedule: already running")
	// ErrInvalidID: a source id that cannot name a state key.
	ErrInvalidID = errors.New("schedule: invalid source id")
	// ErrUnknownSource: no state is stored for the id and the Scheduler
	// has no source with that id (see [Scheduler.SetSources]).
	ErrUnknownSource = errors.New("schedule: unknown source")
	// ErrBadState: a stored state value does not decode.
	ErrBadState = errors.New("schedule: undecodable state")
	// ErrContention: a compare-and-set lost too many times in a row.
	ErrContention = errors.New("schedule: too many concurrent updates")
	// ErrLeaseLost is the cause of a run's context cancellation when
	// another scheduler took the source's lease (ours expired without
	// renewal); the run's result is then discarded.
	ErrLeaseLost = errors.New("schedule: lease lost")
	// ErrRunTimeout is the cause of a run's context cancellation after
	// Options.RunTimeout; the run counts as failed with class timeout.
	ErrRunTimeout = errors.New("schedule: run timed out")
)
