package schedule

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"winnow/crawler/source"
)

// Status returns the state of source id. A configured source that has no
// state yet (never scheduled) gets an unsaved active state; an id with
// neither is ErrUnknownSource (wrapping ErrNotFound).
func (s *Scheduler) Status(ctx context.Context, id string) (State, error) {
	if !ValidID(id) {
		return State{}, fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	st, _, err := s.load(ctx, Key(id))
	if errors.Is(err, ErrNotFound) {
		if src := s.configured(id); src != nil {
			return State{ID: id, Phase: Active, Schedule: specOf(src)}, nil
		}
		return State{}, fmt.Errorf("%w: %s: %w", ErrUnknownSource, id, err)
	}
	return st, err
}

// List returns the states stored in the Store plus those of configured
// sources without a state yet, sorted by id. States that do not decode
// are left out and reported in the error, with the others returned.
func (s *Scheduler) List(ctx context.Context) ([]State, error) {
	keys, err := s.store.Keys(ctx, KeyPrefix)
	if err != nil {
		return nil, fmt.Errorf("schedule: list states: %w", err)
	}
	var (
		out  []State
		errs []error
		seen = map[string]bool{}
	)
	for _, k := range keys {
		if !strings.HasPrefix(k, KeyPrefix) {
			continue
		}
		st, _, err := s.load(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since Keys
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen[st.ID] = true
		out = append(out, st)
	}
	for _, src := range s.Sources() {
		if !seen[src.ID] {
			out = append(out, State{ID: src.ID, Phase: Active, Schedule: specOf(src)})
		}
	}
	slices.SortFunc(out, func(a, b State) int { return strings.Compare(a.ID, b.ID) })
	return out, errors.Join(errs...)
}

// Pause stops scheduled runs of id (safe from any process: a
// compare-and-set on the state). A run in flight finishes; a paused source
// still runs once for each RunNow and stays paused.
func (s *Scheduler) Pause(ctx context.Context, id string) (State, error) {
	return s.mutate(ctx, id, func(st *State, _ *source.Source, _ time.Time) {
		st.Phase = Paused
	})
}

// Resume makes a paused source active again (degraded if its failures
// still reach DegradedAfter). Its NextDue is kept: if it passed during the
// pause, the source runs at the next wake-up.
func (s *Scheduler) Resume(ctx context.Context, id string) (State, error) {
	return s.mutate(ctx, id, func(st *State, src *source.Source, now time.Time) {
		if st.Phase != Paused {
			return
		}
		after := source.DefaultDegradedAfter
		if src != nil {
			after, _ = src.Schedule.DegradedPolicy()
		}
		st.Phase = Active
		if st.ConsecutiveFailures >= after {
			st.Phase = Degraded
		}
		if st.NextDue.IsZero() && src != nil {
			st.NextDue = s.pol.firstDue(src, now)
		}
	})
}

// RunNow asks for one run of id at the next wake-up of a scheduler,
// whatever its phase; a paused source runs once and stays paused. The
// run's Reason is ReasonRunNow. Asked while a run is going, it gives one
// more run after it. Other processes see the request at their next
// Resync (or Wake).
func (s *Scheduler) RunNow(ctx context.Context, id string) (State, error) {
	return s.mutate(ctx, id, func(st *State, _ *source.Source, now time.Time) {
		st.RunNow, st.RunNowAt = true, now
	})
}

// mutate applies fn to id's state with compare-and-set, creating the
// state of a configured source that has none.
func (s *Scheduler) mutate(ctx context.Context, id string, fn func(st *State, src *source.Source, now time.Time)) (State, error) {
	if !ValidID(id) {
		return State{}, fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	src := s.configured(id)
	key := Key(id)
	for range maxCASAttempts {
		now := s.clock.Now()
		st, rev, err := s.load(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			if src == nil {
				return State{}, fmt.Errorf("%w: %s: %w", ErrUnknownSource, id, err)
			}
			st = s.pol.newState(src, now)
			fn(&st, src, now)
			b, err := encodeState(&st)
			if err != nil {
				return State{}, err
			}
			if rev, err = s.store.Create(ctx, key, b); err != nil {
				if errors.Is(err, ErrExists) {
					continue
				}
				return State{}, fmt.Errorf("schedule: create state of %s: %w", id, err)
			}
		case err != nil:
			return State{}, err
		default:
			fn(&st, src, now)
			st.Updated = now
			b, err := encodeState(&st)
			if err != nil {
				return State{}, err
			}
			if rev, err = s.store.Update(ctx, key, b, rev); err != nil {
				if errors.Is(err, ErrConflict) {
					continue
				}
				return State{}, fmt.Errorf("schedule: update state of %s: %w", id, err)
			}
		}
		s.mu.Lock()
		if e := s.entries[id]; e != nil && !e.running && e.src == src {
			e.due, e.rev, e.loaded = s.cacheDue(&st, now), rev, true
			s.fix(e)
		}
		s.mu.Unlock()
		s.signal()
		return st, nil
	}
	return State{}, fmt.Errorf("%w: %s", ErrContention, key)
}
