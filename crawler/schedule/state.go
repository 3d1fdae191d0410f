package schedule

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// KeyPrefix starts every state key: a source's state is stored under
// KeyPrefix + id ("source.wuzhou").
const KeyPrefix = "source."

// Key returns the store key of a source's state.
func Key(id string) string { return KeyPrefix + id }

// ValidID reports whether id can name a state key: 1 to 64 lower-case
// letters, digits, '-' and '_' (the source id rule).
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Phase is a source's scheduling state.
type Phase string

// Phases.
const (
	// Active: runs on its schedule.
	Active Phase = "active"
	// Paused: never fires on schedule; a RunNow still runs it once.
	Paused Phase = "paused"
	// Degraded: DegradedAfter runs in a row failed; retried every
	// DegradedInterval until a run succeeds.
	Degraded Phase = "degraded"
)

// Duration is a time.Duration stored as text ("15m0s").
type Duration time.Duration

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what time.ParseDuration reads.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Lease says which scheduler is running a source, until when.
type Lease struct {
	// Owner is the scheduler's Options.Owner.
	Owner string `json:"owner"`
	// Token identifies this lease (owner and a sequence number); renewal
	// and release check it.
	Token string `json:"token"`
	// Due is the due time of the run holding the lease.
	Due time.Time `json:"due"`
	// Acquired is when the lease was taken.
	Acquired time.Time `json:"acquired"`
	// Expires is when another scheduler may take the lease over. The
	// owner renews it every LeaseTTL/3 while the run lasts.
	Expires time.Time `json:"expires"`
}

// RefetchItem is one article waiting for a re-fetch.
type RefetchItem struct {
	// URL is the article's URL as the crawler reported it.
	URL string `json:"url"`
	// First is when the article was first fetched (the end of that run).
	First time.Time `json:"first"`
	// Due is when the next re-fetch is due.
	Due time.Time `json:"due"`
	// Times counts re-fetches already done.
	Times int `json:"times"`
}

// State is a source's scheduling state, stored as JSON under Key(ID). The
// crawler's per-entry-point validators (ETag, Last-Modified) are not part
// of it.
type State struct {
	// ID is the source id.
	ID string `json:"id"`
	// Phase is active, paused or degraded.
	Phase Phase `json:"state"`
	// NextDue is when the entry points are next due (jitter included);
	// zero until the source is first scheduled.
	NextDue time.Time `json:"next_due,omitzero"`
	// Interval is the current poll interval (it adapts within the
	// source's bounds); zero for a cron schedule.
	Interval Duration `json:"interval,omitzero"`
	// Schedule is the schedule NextDue was computed for; when the source
	// file changes it, NextDue is recomputed.
	Schedule string `json:"schedule,omitempty"`

	// LastDue, LastReason, LastStart and LastEnd describe the last
	// completed run.
	LastDue    time.Time `json:"last_due,omitzero"`
	LastReason Reason    `json:"last_reason,omitempty"`
	LastStart  time.Time `json:"last_start,omitzero"`
	LastEnd    time.Time `json:"last_end,omitzero"`
	// LastSuccess is the end of the last run that did not fail.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastResult holds the last run's counters.
	LastResult *RunResult `json:"last_result,omitempty"`
	// LastError and LastErrorClass describe the last failed run's failure
	// (cleared by a success).
	LastError      string     `json:"last_error,omitempty"`
	LastErrorClass ErrorClass `json:"last_error_class,omitempty"`

	// ConsecutiveFailures counts failed runs since the last success.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// Runs and Failures count completed and failed runs (re-fetch-only
	// runs included in Runs).
	Runs     int64 `json:"runs"`
	Failures int64 `json:"failures"`
	// ErrorCounts accumulates failed fetches by class, plus one per
	// failed Trigger call in the error's class.
	ErrorCounts map[ErrorClass]int64 `json:"error_counts,omitempty"`

	// Lease is set while a scheduler runs the source.
	Lease *Lease `json:"lease,omitempty"`
	// RunNow asks for one run at the next wake-up, paused or not;
	// RunNowAt is when it was asked.
	RunNow   bool      `json:"run_now,omitempty"`
	RunNowAt time.Time `json:"run_now_at,omitzero"`

	// Refetch is the re-fetch queue, by due time, at most
	// Options.MaxRefetchQueue items.
	Refetch []RefetchItem `json:"refetch,omitempty"`
	// RefetchDropped counts queue items dropped because the queue was
	// full (oldest articles first).
	RefetchDropped int64 `json:"refetch_dropped,omitempty"`

	// Updated is when the state was last written.
	Updated time.Time `json:"updated,omitzero"`
}

// Leased reports whether a lease is held at now.
func (st *State) Leased(now time.Time) bool {
	return st.Lease != nil && now.Before(st.Lease.Expires)
}

// clone returns a deep copy.
func (st *State) clone() State {
	c := *st
	if st.LastResult != nil {
		r := *st.LastResult
		r.Errors = maps.Clone(r.Errors)
		r.ArticleURLs = nil
		c.LastResult = &r
	}
	c.ErrorCounts = maps.Clone(st.ErrorCounts)
	if st.Lease != nil {
		l := *st.Lease
		c.Lease = &l
	}
	c.Refetch = slices.Clone(st.Refetch)
	return c
}

func encodeState(st *State) ([]byte, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("schedule: encode state of %s: %w", st.ID, err)
	}
	return b, nil
}

func decodeState(key string, b []byte) (State, error) {
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("%w: %s: %v", ErrBadState, key, err)
	}
	switch st.Phase {
	case Active, Paused, Degraded:
	case "":
		st.Phase = Active
	default:
		return State{}, fmt.Errorf("%w: %s: state %q", ErrBadState, key, st.Phase)
	}
	if st.ID != "" && Key(st.ID) != key {
		return State{}, fmt.Errorf("%w: %s holds the state of %q", ErrBadState, key, st.ID)
	}
	st.ID = key[len(KeyPrefix):]
	if st.ConsecutiveFailures < 0 {
		st.ConsecutiveFailures = 0
	}
	slices.SortStableFunc(st.Refetch, func(a, b RefetchItem) int { return a.Due.Compare(b.Due) })
	// Empty and absent are the same on the wire (omitempty).
	if len(st.ErrorCounts) == 0 {
		st.ErrorCounts = nil
	}
	if len(st.Refetch) == 0 {
		st.Refetch = nil
	}
	if st.LastResult != nil && len(st.LastResult.Errors) == 0 {
		st.LastResult.Errors = nil
	}
	return st, nil
}
